"""ChildRegistryFacet: children by strategy id, listed densely, removed by swap-and-pop."""

from __future__ import annotations

import pytest
from eth_utils import keccak

from tests.support import ZERO_ADDRESS, event_args, reverts_with

ARB = keccak(text="flash-arb")
REWARDS = keccak(text="merkle-rewards")


@pytest.fixture
def spare_children(project, owner):
    """Two more contracts to register (the registry asks only that a child has code)."""
    return [project.DiamondLoupeFacet.deploy(sender=owner) for _ in range(2)]


def test_deployed_child_is_registered(system, master, child):
    assert master.childOf(system.strategy_id) == child.address
    assert master.strategyOf(child) == system.strategy_id
    assert master.isChild(child)
    assert master.children() == ([system.strategy_id], [child.address])
    assert child.master() == master.address


def test_add_lists_children_in_order(system, master, child, owner, spare_children):
    first, second = spare_children
    receipt = master.addChild(ARB, first, sender=owner)
    master.addChild(REWARDS, second, sender=owner)

    assert event_args(receipt, master.ChildAdded) == [{"strategyId": ARB, "child": first.address}]
    assert master.children() == ([system.strategy_id, ARB, REWARDS], [child.address, first.address, second.address])
    assert master.childOf(ARB) == first.address
    assert master.strategyOf(second) == REWARDS
    assert master.isChild(first)


def test_remove_swaps_the_last_child_into_the_gap(system, master, child, owner, spare_children):
    first, second = spare_children
    master.addChild(ARB, first, sender=owner)
    master.addChild(REWARDS, second, sender=owner)

    receipt = master.removeChild(system.strategy_id, sender=owner)

    assert event_args(receipt, master.ChildRemoved) == [{"strategyId": system.strategy_id, "child": child.address}]
    assert master.children() == ([REWARDS, ARB], [second.address, first.address])
    assert master.childOf(system.strategy_id) == ZERO_ADDRESS
    assert master.strategyOf(child) == bytes(32)
    assert not master.isChild(child)

    master.removeChild(ARB, sender=owner)  # the last entry: a plain pop
    assert master.children() == ([REWARDS], [second.address])
    master.removeChild(REWARDS, sender=owner)
    assert master.children() == ([], [])


def test_a_removed_strategy_id_and_child_can_be_registered_again(system, master, child, owner):
    master.removeChild(system.strategy_id, sender=owner)
    master.addChild(ARB, child, sender=owner)
    assert master.children() == ([ARB], [child.address])


def test_add_rejects_the_zero_strategy_id(master, owner, spare_children):
    with reverts_with(master.ZeroStrategyId):
        master.addChild(bytes(32), spare_children[0], sender=owner)


def test_add_rejects_a_child_without_code(master, owner, stranger):
    with reverts_with(master.InvalidChild, child=stranger.address):
        master.addChild(ARB, stranger, sender=owner)


def test_add_rejects_the_master_itself(master, owner):
    with reverts_with(master.InvalidChild, child=master.address):
        master.addChild(ARB, master, sender=owner)


def test_add_rejects_a_strategy_id_in_use(system, master, child, owner, spare_children):
    with reverts_with(master.StrategyInUse, strategyId=system.strategy_id, child=child.address):
        master.addChild(system.strategy_id, spare_children[0], sender=owner)


def test_add_rejects_a_child_already_registered(system, master, child, owner):
    with reverts_with(master.ChildAlreadyRegistered, child=child.address, strategyId=system.strategy_id):
        master.addChild(ARB, child, sender=owner)


def test_remove_rejects_an_unknown_strategy_id(master, owner):
    with reverts_with(master.UnknownStrategy, strategyId=ARB):
        master.removeChild(ARB, sender=owner)


def test_remove_is_refused_while_capital_is_outstanding(system, master, child, owner, dai, usdc, fund):
    for token, amount in ((dai, 100 * 10**18), (usdc, 100 * 10**6)):
        fund(token, master, 10 * amount)
        master.setAllocationCap(child, token, amount, sender=owner)
        master.allocate(child, token, amount, sender=owner)

    with reverts_with(master.ChildHasCapital, child=child.address, tokenCount=2):
        master.removeChild(system.strategy_id, sender=owner)

    master.recall(child, dai, 100 * 10**18, sender=owner)
    with reverts_with(master.ChildHasCapital, child=child.address, tokenCount=1):
        master.removeChild(system.strategy_id, sender=owner)

    master.recall(child, usdc, 100 * 10**6, sender=owner)
    master.removeChild(system.strategy_id, sender=owner)
    assert not master.isChild(child)
