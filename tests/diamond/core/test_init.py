"""The initializer of a cut: runs after the cut, its revert is reported unchanged, and misuse is rejected."""

from __future__ import annotations

import ape
from eth_abi import encode
from eth_utils import to_checksum_address

from tests.support import reverts_with

from .conftest import ZERO_ADDRESS, CallResult, error_data, selector
from .model import FacetCut, FacetCutAction

A1 = selector("a1()")


def add_a1(facet_a) -> list[FacetCut]:
    return [FacetCut.of(facet_a.address, FacetCutAction.ADD, [A1])]


def test_init_runs_after_the_cut_and_sees_the_new_functions(diamond, facet_a, cut_init):
    calldata = cut_init.observe.encode_input(A1)

    receipt = diamond.diamond_cut(add_a1(facet_a), cut_init.address, calldata)

    logs = sorted(receipt.decode_logs([diamond.cut.DiamondCut, cut_init.InitObserved]), key=lambda log: log.log_index)
    assert [log.event_name for log in logs] == ["DiamondCut", "InitObserved"]
    cut_log, observed = logs
    assert to_checksum_address(observed.contract_address) == diamond.address  # ran in the diamond's context
    assert (bytes(observed.selector), observed.facet, observed.result) == (A1, facet_a.address, 0xA1)
    assert cut_log.init == cut_init.address
    assert bytes(cut_log.initCalldata) == bytes(calldata)


def test_an_initializer_custom_error_is_bubbled_unchanged(project, rpc, owner, diamond, facet_a, cut_init):
    calldata = cut_init.failWithError.encode_input(7)
    cut_calldata = diamond.cut.diamondCut.encode_input(
        [e.as_abi() for e in add_a1(facet_a)], cut_init.address, calldata
    )
    # InitFailed carries address(this): the diamond's, because the initializer ran by delegatecall.
    expected = error_data(project.CutInit.contract_type, "InitFailed", 7, diamond.address)

    assert rpc.call(diamond.address, cut_calldata, owner.address) == CallResult(False, expected)
    with reverts_with(cut_init.InitFailed, code=7, diamond=diamond.address):
        diamond.diamond_cut(add_a1(facet_a), cut_init.address, calldata)
    assert diamond.loupe.facetAddress(A1) == ZERO_ADDRESS


def test_an_initializer_reason_string_is_bubbled_unchanged(rpc, owner, diamond, facet_a, cut_init):
    calldata = cut_init.failWithReason.encode_input("init: no liquidity")
    cut_calldata = diamond.cut.diamondCut.encode_input(
        [e.as_abi() for e in add_a1(facet_a)], cut_init.address, calldata
    )
    expected = bytes.fromhex("08c379a0") + encode(["string"], ["init: no liquidity"])

    assert rpc.call(diamond.address, cut_calldata, owner.address) == CallResult(False, expected)
    with ape.reverts("init: no liquidity"):
        diamond.diamond_cut(add_a1(facet_a), cut_init.address, calldata)
    assert diamond.loupe.facetAddress(A1) == ZERO_ADDRESS


def test_an_initializer_reverting_without_data_gives_init_reverted(diamond, facet_a, cut_init):
    calldata = cut_init.failEmpty.encode_input()
    with reverts_with(diamond.cut.InitReverted, init=cut_init.address, initCalldata=calldata):
        diamond.diamond_cut(add_a1(facet_a), cut_init.address, calldata)
    assert diamond.loupe.facetAddress(A1) == ZERO_ADDRESS


def test_an_initializer_without_code_reverts(diamond, facet_a, stranger, cut_init):
    with reverts_with(diamond.cut.NoCode, target=stranger.address):
        diamond.diamond_cut(add_a1(facet_a), stranger.address, cut_init.observe.encode_input(A1))
    with reverts_with(diamond.cut.NoCode, target=stranger.address):
        diamond.diamond_cut(add_a1(facet_a), stranger.address, b"")
    assert diamond.loupe.facetAddress(A1) == ZERO_ADDRESS


def test_init_calldata_without_an_initializer_reverts(diamond, facet_a):
    # Stricter than EIP-2535 ("If the _init value is address(0) then _calldata execution is
    # skipped. In this case _calldata can contain 0 bytes or custom information."): a deliberate
    # fail-closed choice of LibDiamond, kept as the rule here.
    with reverts_with(diamond.cut.InitCalldataWithoutInit):
        diamond.diamond_cut(add_a1(facet_a), ZERO_ADDRESS, b"\x01")
    assert diamond.loupe.facetAddress(A1) == ZERO_ADDRESS


def test_a_cut_without_entries_may_just_run_an_initializer(diamond, facet_a, cut_init):
    diamond.diamond_cut(add_a1(facet_a))
    receipt = diamond.diamond_cut([], cut_init.address, cut_init.observe.encode_input(A1))
    (observed,) = receipt.decode_logs(cut_init.InitObserved)
    assert (observed.facet, observed.result) == (facet_a.address, 0xA1)
    (cut_log,) = [log for log in receipt.events if log.event_name == "DiamondCut"]
    assert list(cut_log.diamondCut) == []


def test_the_constructor_reports_its_initializer_revert_unchanged(project, owner, core_facets, cut_init):
    calldata = cut_init.failWithReason.encode_input("init: constructor")
    cut = [e.as_abi() for e in core_facets.initial_cut()]
    with ape.reverts("init: constructor"):
        project.Diamond.deploy(owner, cut, cut_init.address, calldata, sender=owner)
