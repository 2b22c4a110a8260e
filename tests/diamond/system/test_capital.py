"""CapitalFacet: allocation within caps and the reserve ratio, recall and returns."""

from __future__ import annotations

import pytest

from tests.support import event_args, reverts_with

E18 = 10**18
TREASURY = 1_000 * E18
UNLIMITED = 2**256 - 1


@pytest.fixture
def treasury(master, dai, fund):
    """The master holding `TREASURY` DAI, sent by a plain transfer from a stranger."""
    fund(dai, master, TREASURY)
    return dai


def test_init_sets_the_reserve_ratio(master):
    assert master.reserveRatio() == 500


def test_allocate_up_to_the_cap(master, child, owner, treasury):
    dai = treasury
    master.setAllocationCap(child, dai, 300 * E18, sender=owner)
    master.allocate(child, dai, 200 * E18, sender=owner)
    receipt = master.allocate(child, dai, 100 * E18, sender=owner)

    assert event_args(receipt, master.CapitalAllocated) == [
        {"child": child.address, "token": dai.address, "amount": 100 * E18}
    ]
    assert master.allocated(child, dai) == 300 * E18
    assert master.totalAllocated(dai) == 300 * E18
    assert dai.balanceOf(master) == 700 * E18
    assert dai.balanceOf(child) == 300 * E18

    with reverts_with(
        master.AllocationCapExceeded, child=child.address, token=dai.address, requested=300 * E18 + 1, cap=300 * E18
    ):
        master.allocate(child, dai, 1, sender=owner)


def test_one_wei_over_the_cap_reverts(master, child, owner, treasury):
    dai = treasury
    master.setAllocationCap(child, dai, 300 * E18, sender=owner)
    with reverts_with(
        master.AllocationCapExceeded, child=child.address, token=dai.address, requested=300 * E18 + 1, cap=300 * E18
    ):
        master.allocate(child, dai, 300 * E18 + 1, sender=owner)


def test_no_cap_means_no_allocation(master, child, owner, treasury):
    with reverts_with(master.AllocationCapExceeded, child=child.address, token=treasury.address, requested=1, cap=0):
        master.allocate(child, treasury, 1, sender=owner)


def test_set_allocation_cap_emits_the_change(master, child, owner, dai):
    master.setAllocationCap(child, dai, 5, sender=owner)
    receipt = master.setAllocationCap(child, dai, 7, sender=owner)
    assert event_args(receipt, master.AllocationCapChanged) == [
        {"child": child.address, "token": dai.address, "previousCap": 5, "newCap": 7}
    ]
    assert master.allocationCap(child, dai) == 7


def test_allocation_leaving_exactly_the_reserve_succeeds(master, child, owner, treasury):
    dai = treasury
    master.setAllocationCap(child, dai, UNLIMITED, sender=owner)
    master.allocate(child, dai, 950 * E18, sender=owner)  # 5% of 1000 stays
    assert dai.balanceOf(master) == 50 * E18
    assert master.allocated(child, dai) == 950 * E18


def test_allocation_one_wei_past_the_reserve_reverts(master, child, owner, treasury):
    dai = treasury
    master.setAllocationCap(child, dai, UNLIMITED, sender=owner)
    with reverts_with(master.ReserveBreached, token=dai.address, remaining=50 * E18 - 1, required=50 * E18):
        master.allocate(child, dai, 950 * E18 + 1, sender=owner)


def test_reserve_counts_capital_already_allocated(master, child, owner, treasury):
    """Total capital is treasury plus allocations: 1000, so 50 must stay however it is split."""
    dai = treasury
    master.setAllocationCap(child, dai, UNLIMITED, sender=owner)
    master.allocate(child, dai, 500 * E18, sender=owner)
    with reverts_with(master.ReserveBreached, token=dai.address, remaining=50 * E18 - 1, required=50 * E18):
        master.allocate(child, dai, 450 * E18 + 1, sender=owner)
    master.allocate(child, dai, 450 * E18, sender=owner)
    assert dai.balanceOf(master) == 50 * E18
    assert master.totalAllocated(dai) == 950 * E18


def test_reserve_is_rounded_up(master, child, owner, dai, fund):
    """5% of 999 wei is 49.95 wei: the treasury must keep 50."""
    fund(dai, master, 999)
    master.setAllocationCap(child, dai, UNLIMITED, sender=owner)
    with reverts_with(master.ReserveBreached, token=dai.address, remaining=49, required=50):
        master.allocate(child, dai, 950, sender=owner)
    master.allocate(child, dai, 949, sender=owner)
    assert dai.balanceOf(master) == 50


def test_custom_reserve_ratio(master, child, owner, usdc, fund):
    fund(usdc, master, 1_000_000 * 10**6)
    receipt = master.setReserveRatio(2_000, sender=owner)
    assert event_args(receipt, master.ReserveRatioChanged) == [{"previousBps": 500, "newBps": 2_000}]
    assert master.reserveRatio() == 2_000

    master.setAllocationCap(child, usdc, UNLIMITED, sender=owner)
    with reverts_with(
        master.ReserveBreached, token=usdc.address, remaining=200_000 * 10**6 - 1, required=200_000 * 10**6
    ):
        master.allocate(child, usdc, 800_000 * 10**6 + 1, sender=owner)
    master.allocate(child, usdc, 800_000 * 10**6, sender=owner)
    assert usdc.balanceOf(master) == 200_000 * 10**6


def test_zero_reserve_allows_the_whole_treasury(master, child, owner, treasury):
    master.setReserveRatio(0, sender=owner)
    master.setAllocationCap(child, treasury, UNLIMITED, sender=owner)
    with reverts_with(master.InsufficientTreasury, token=treasury.address, balance=TREASURY, amount=TREASURY + 1):
        master.allocate(child, treasury, TREASURY + 1, sender=owner)
    master.allocate(child, treasury, TREASURY, sender=owner)
    assert treasury.balanceOf(master) == 0


def test_full_reserve_allows_nothing(master, child, owner, treasury):
    master.setReserveRatio(10_000, sender=owner)
    master.setAllocationCap(child, treasury, UNLIMITED, sender=owner)
    with reverts_with(master.ReserveBreached, token=treasury.address, remaining=TREASURY - 1, required=TREASURY):
        master.allocate(child, treasury, 1, sender=owner)


def test_reserve_ratio_above_100_percent_is_rejected(master, owner):
    with reverts_with(master.InvalidReserveRatio, bps=10_001):
        master.setReserveRatio(10_001, sender=owner)
    assert master.reserveRatio() == 500


def test_allocate_rejects_an_unregistered_child(master, owner, treasury, stranger):
    with reverts_with(master.NotChild, account=stranger.address):
        master.allocate(stranger, treasury, 1, sender=owner)


def test_allocation_cap_requires_a_registered_child(master, owner, dai, stranger):
    with reverts_with(master.NotChild, account=stranger.address):
        master.setAllocationCap(stranger, dai, 1, sender=owner)


def test_allocate_and_recall_reject_zero(master, child, owner, treasury):
    master.setAllocationCap(child, treasury, UNLIMITED, sender=owner)
    with reverts_with(master.ZeroAmount):
        master.allocate(child, treasury, 0, sender=owner)
    with reverts_with(master.ZeroAmount):
        master.recall(child, treasury, 0, sender=owner)


def test_recall_returns_capital_and_updates_the_books(master, child, owner, treasury):
    dai = treasury
    master.setAllocationCap(child, dai, UNLIMITED, sender=owner)
    master.allocate(child, dai, 400 * E18, sender=owner)

    receipt = master.recall(child, dai, 150 * E18, sender=owner)

    assert dai.balanceOf(master) == 750 * E18
    assert dai.balanceOf(child) == 250 * E18
    assert master.allocated(child, dai) == 250 * E18
    assert master.totalAllocated(dai) == 250 * E18
    assert event_args(receipt, master.CapitalReturned) == [
        {"child": child.address, "token": dai.address, "amount": 150 * E18, "principal": 150 * E18}
    ]
    assert event_args(receipt, master.CapitalRecalled) == [
        {"child": child.address, "token": dai.address, "amount": 150 * E18}
    ]
    assert event_args(receipt, child.SentToTreasury) == [
        {"master": master.address, "token": dai.address, "amount": 150 * E18}
    ]


def test_profit_returned_beyond_the_allocation_does_not_underflow(master, child, owner, treasury, fund):
    dai = treasury
    master.setAllocationCap(child, dai, UNLIMITED, sender=owner)
    master.allocate(child, dai, 100 * E18, sender=owner)
    fund(dai, child, 30 * E18)  # the strategy's profit

    receipt = master.recall(child, dai, 130 * E18, sender=owner)

    assert event_args(receipt, master.CapitalReturned) == [
        {"child": child.address, "token": dai.address, "amount": 130 * E18, "principal": 100 * E18}
    ]
    assert master.allocated(child, dai) == 0
    assert master.totalAllocated(dai) == 0
    assert dai.balanceOf(master) == TREASURY + 30 * E18
    assert dai.balanceOf(child) == 0


def test_a_childs_profit_leaves_other_allocations_alone(master, child, owner, treasury, project, fund):
    dai = treasury
    other = project.ChildInit.deploy(sender=owner)  # any contract can hold an allocation
    master.addChild(b"\x01" * 32, other, sender=owner)
    for account in (child, other):
        master.setAllocationCap(account, dai, UNLIMITED, sender=owner)
        master.allocate(account, dai, 100 * E18, sender=owner)
    fund(dai, child, 10 * E18)

    master.recall(child, dai, 110 * E18, sender=owner)

    assert master.allocated(child, dai) == 0
    assert master.allocated(other, dai) == 100 * E18
    assert master.totalAllocated(dai) == 100 * E18
    assert dai.balanceOf(master) == TREASURY - 100 * E18 + 10 * E18


def test_recall_rejects_an_unregistered_child(master, owner, treasury, stranger):
    with reverts_with(master.NotChild, account=stranger.address):
        master.recall(stranger, treasury, 1, sender=owner)


def test_on_capital_returned_from_a_non_child_reverts(master, dai, stranger):
    with reverts_with(master.NotChild, account=stranger.address):
        master.onCapitalReturned(dai, 1, sender=stranger)


def test_only_the_master_can_call_return_capital(child, owner, stranger, dai):
    for caller in (stranger, owner):
        with reverts_with(child.NotMaster, caller=caller.address):
            child.returnCapital(dai, 1, sender=caller)
