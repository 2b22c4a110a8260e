"""The loupe model on its own (no chain): LibDiamond's ordering and all-or-nothing cuts."""

from __future__ import annotations

import pytest
from eth_utils import to_checksum_address

from .model import ZERO_ADDRESS, CutError, FacetCut, FacetCutAction, LoupeModel

DIAMOND = "0x" + "dd" * 20
EOA = to_checksum_address("0x" + "ee" * 20)
F1, F2, F3 = ("0x" + f"{i:02x}" * 20 for i in (1, 2, 3))
S = [bytes([0, 0, 0, i]) for i in range(8)]


def model() -> LoupeModel:
    return LoupeModel(DIAMOND, has_code=lambda address: address != EOA)


def test_remove_swaps_the_last_selector_and_the_last_facet_into_place():
    m = model()
    m.add(F1, S[:4])
    m.add(F2, [S[4]])
    m.add(F3, [S[5]])
    m.remove([S[1]])
    assert m.facet_function_selectors(F1) == [S[0], S[3], S[2]]
    m.remove([S[4]])
    assert m.facet_addresses() == [F1, F3]  # F2 left; F3, the last, took its place


def test_replace_appends_the_new_facet_before_the_old_one_leaves():
    m = model()
    m.add(F1, [S[0]])
    m.add(F2, [S[1]])
    m.replace(F3, [S[0]])
    assert m.facets() == [(F3, [S[0]]), (F2, [S[1]])]


@pytest.mark.parametrize(
    ("entries", "error"),
    [
        ([FacetCut.of(F1, FacetCutAction.ADD, [])], ("EmptyFacetCut", F1)),
        ([FacetCut.of(ZERO_ADDRESS, FacetCutAction.ADD, [S[0]])], ("ZeroFacetAddress", [S[0]])),
        ([FacetCut.of(EOA, FacetCutAction.ADD, [S[1]])], ("NoCode", EOA)),
        ([FacetCut.of(F2, FacetCutAction.ADD, [S[7]])], ("SelectorAlreadyAdded", S[7], F1)),
        ([FacetCut.of(F1, FacetCutAction.REPLACE, [S[7]])], ("SameFacetReplace", S[7], F1)),
        ([FacetCut.of(F1, FacetCutAction.REPLACE, [S[6]])], ("SelectorNotFound", S[6])),
        ([FacetCut.of(F1, FacetCutAction.REMOVE, [S[7]])], ("RemoveFacetMustBeZero", F1)),
        ([FacetCut.of(F1, FacetCutAction.REPLACE, [S[5]])], ("ImmutableFunction", S[5])),
        ([FacetCut.of(ZERO_ADDRESS, FacetCutAction.REMOVE, [S[7], S[7]])], ("SelectorNotFound", S[7])),
    ],
)
def test_an_invalid_cut_names_libdiamonds_error_and_changes_nothing(entries, error):
    m = model()
    m.add(F1, [S[7]])
    m.add(DIAMOND, [S[5]])
    before = m.facets()
    with pytest.raises(CutError) as raised:
        m.cut([FacetCut.of(F2, FacetCutAction.ADD, [S[0]]), *entries])
    assert (raised.value.name, *raised.value.error_args) == error
    assert m.facets() == before
