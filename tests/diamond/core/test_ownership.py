"""ERC-173 ownership with a two-step transfer (OwnershipFacet, LibOwnership)."""

from __future__ import annotations

import ape

from tests.support import reverts_with

from .conftest import ZERO_ADDRESS, error_data, selector
from .model import FacetCut, FacetCutAction

A1 = selector("a1()")


def add_a1(facet_a) -> list[FacetCut]:
    return [FacetCut.of(facet_a.address, FacetCutAction.ADD, [A1])]


def events(receipt, name: str) -> list[tuple[str, str]]:
    return [(log.previousOwner, log.newOwner) for log in receipt.events if log.event_name == name]


def test_owner_is_the_constructor_argument(diamond, owner):
    assert diamond.ownership.owner() == owner.address
    assert diamond.ownership.pendingOwner() == ZERO_ADDRESS


def test_transfer_ownership_only_proposes(diamond, owner, newcomer):
    receipt = diamond.ownership.transferOwnership(newcomer, sender=owner)

    assert diamond.ownership.owner() == owner.address
    assert diamond.ownership.pendingOwner() == newcomer.address
    assert events(receipt, "OwnershipTransferStarted") == [(owner.address, newcomer.address)]
    assert events(receipt, "OwnershipTransferred") == []


def test_only_the_pending_owner_can_accept(diamond, owner, stranger, newcomer):
    diamond.ownership.transferOwnership(newcomer, sender=owner)
    for caller in (stranger, owner):
        with reverts_with(diamond.ownership.NotPendingOwner, caller=caller.address):
            diamond.ownership.acceptOwnership(sender=caller)
    assert diamond.ownership.owner() == owner.address


def test_accepting_completes_the_transfer(diamond, owner, newcomer, facet_a):
    diamond.ownership.transferOwnership(newcomer, sender=owner)
    receipt = diamond.ownership.acceptOwnership(sender=newcomer)

    assert events(receipt, "OwnershipTransferred") == [(owner.address, newcomer.address)]
    assert diamond.ownership.owner() == newcomer.address
    assert diamond.ownership.pendingOwner() == ZERO_ADDRESS
    with reverts_with(diamond.ownership.NotPendingOwner, caller=newcomer.address):
        diamond.ownership.acceptOwnership(sender=newcomer)

    with reverts_with(diamond.cut.NotOwner, caller=owner.address):
        diamond.diamond_cut(add_a1(facet_a), sender=owner)
    with reverts_with(diamond.ownership.NotOwner, caller=owner.address):
        diamond.ownership.transferOwnership(owner, sender=owner)
    diamond.diamond_cut(add_a1(facet_a), sender=newcomer)
    assert diamond.loupe.facetAddress(A1) == facet_a.address


def test_proposing_zero_cancels(diamond, owner, newcomer):
    diamond.ownership.transferOwnership(newcomer, sender=owner)
    receipt = diamond.ownership.transferOwnership(ZERO_ADDRESS, sender=owner)

    assert events(receipt, "OwnershipTransferStarted") == [(owner.address, ZERO_ADDRESS)]
    assert diamond.ownership.pendingOwner() == ZERO_ADDRESS
    with reverts_with(diamond.ownership.NotPendingOwner, caller=newcomer.address):
        diamond.ownership.acceptOwnership(sender=newcomer)
    assert diamond.ownership.owner() == owner.address


def test_a_new_proposal_replaces_the_pending_one(diamond, owner, stranger, newcomer):
    diamond.ownership.transferOwnership(stranger, sender=owner)
    diamond.ownership.transferOwnership(newcomer, sender=owner)
    with reverts_with(diamond.ownership.NotPendingOwner, caller=stranger.address):
        diamond.ownership.acceptOwnership(sender=stranger)
    diamond.ownership.acceptOwnership(sender=newcomer)
    assert diamond.ownership.owner() == newcomer.address


def test_a_non_owner_cannot_propose(diamond, owner, stranger):
    with reverts_with(diamond.ownership.NotOwner, caller=stranger.address):
        diamond.ownership.transferOwnership(stranger, sender=stranger)
    assert diamond.ownership.pendingOwner() == ZERO_ADDRESS
    assert diamond.ownership.owner() == owner.address


def test_the_constructor_rejects_a_zero_owner(project, owner, core_facets):
    cut = [e.as_abi() for e in core_facets.initial_cut()]
    expected = error_data(project.Diamond.contract_type, "ZeroOwner")
    # Ape cannot attribute a constructor's revert to a contract, so match its exact data.
    with ape.reverts("0x" + expected.hex()):
        project.Diamond.deploy(ZERO_ADDRESS, cut, ZERO_ADDRESS, b"", sender=owner)
