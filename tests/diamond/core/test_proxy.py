"""The diamond as a proxy: unknown selectors revert with FunctionNotFound, plain ETH is accepted."""

from __future__ import annotations

from tests.support import reverts_with

from .conftest import ZERO_ADDRESS, CallResult, error_data, selector
from .model import FacetCut, FacetCutAction

A1 = selector("a1()")


def test_an_unknown_selector_reverts_function_not_found(project, rpc, diamond, stranger):
    unknown = selector("notAFunction(uint256)")
    expected = error_data(project.Diamond.contract_type, "FunctionNotFound", unknown)
    assert rpc.call(diamond.address, unknown + bytes(32), stranger.address) == CallResult(False, expected)
    with reverts_with(diamond.proxy.FunctionNotFound, selector=unknown):
        stranger.transfer(diamond.address, 0, data=unknown + bytes(32))


def test_a_removed_selector_reverts_function_not_found(project, rpc, diamond, facet_a, stranger):
    a = project.CutFacetA.at(diamond.address)
    diamond.diamond_cut([FacetCut.of(facet_a.address, FacetCutAction.ADD, [A1])])
    assert a.a1() == 0xA1
    diamond.diamond_cut([FacetCut.of(ZERO_ADDRESS, FacetCutAction.REMOVE, [A1])])
    expected = error_data(project.Diamond.contract_type, "FunctionNotFound", A1)
    assert rpc.call(diamond.address, A1, stranger.address) == CallResult(False, expected)
    with reverts_with(diamond.proxy.FunctionNotFound, selector=A1):
        a.a1.transact(sender=stranger)


def test_a_facet_call_keeps_sender_and_value(diamond, fallback_facet, stranger):
    probe = selector("probe()")
    diamond.diamond_cut([FacetCut.of(fallback_facet.address, FacetCutAction.ADD, [probe])])
    receipt = stranger.transfer(diamond.address, 99, data=probe)
    (log,) = receipt.decode_logs(fallback_facet.FallbackServed)
    assert (log.sender, log.value, bytes(log.data)) == (stranger.address, 99, probe)


def test_plain_ether_transfer_succeeds(chain, diamond, stranger):
    balance = chain.provider.get_balance(diamond.address)
    receipt = stranger.transfer(diamond.address, 3 * 10**18)
    assert not receipt.failed
    assert chain.provider.get_balance(diamond.address) == balance + 3 * 10**18


def test_the_constructor_accepts_value(project, owner, core_facets, chain):
    cut = [e.as_abi() for e in core_facets.initial_cut()]
    deployed = project.Diamond.deploy(owner, cut, ZERO_ADDRESS, b"", sender=owner, value=5)
    assert chain.provider.get_balance(deployed.address) == 5
