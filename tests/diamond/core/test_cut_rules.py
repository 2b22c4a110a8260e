"""Every rule of `diamondCut` (EIP-2535, diamond-3 semantics), each failure with its exact custom error.

After every rejected cut the loupe is compared with the model of the diamond
before the cut: a rejected cut changes nothing.
"""

from __future__ import annotations

import pytest
from eth_utils import to_checksum_address

from tests.support import reverts_with

from .conftest import ZERO_ADDRESS, CallResult, error_data, selector, selectors_of
from .model import FacetCut, FacetCutAction

ADD, REPLACE, REMOVE = FacetCutAction.ADD, FacetCutAction.REPLACE, FacetCutAction.REMOVE
A1, A2, A3, A4 = (selector(f"a{i}()") for i in range(1, 5))
B1, B2, B3, B4 = (selector(f"b{i}()") for i in range(1, 5))
OWNER_SELECTOR = selector("owner()")


def cut(facet, action, selectors) -> FacetCut:
    return FacetCut.of(getattr(facet, "address", facet), action, selectors)


def diamond_cut_event(receipt) -> tuple[list[tuple], str, bytes]:
    (event,) = [log for log in receipt.events if log.event_name == "DiamondCut"]
    entries = [(to_checksum_address(e[0]), e[1], [bytes(s) for s in e[2]]) for e in event.diamondCut]
    return entries, event.init, bytes(event.initCalldata)


def test_constructor_applies_and_announces_the_initial_cut(diamond, core_facets, has_code, owner):
    model = diamond.model(has_code)
    diamond.assert_loupe(model)
    assert model.facet_addresses() == [
        core_facets.cut.address,
        core_facets.loupe.address,
        core_facets.ownership.address,
    ]
    assert diamond.selector_count() == 10

    entries, init, calldata = diamond_cut_event(diamond.receipt)
    assert entries == [e.as_abi() for e in core_facets.initial_cut()]
    assert init == core_facets.init.address
    assert calldata == core_facets.init.init.encode_input([])
    (transferred,) = [log for log in diamond.receipt.events if log.event_name == "OwnershipTransferred"]
    assert (transferred.previousOwner, transferred.newOwner) == (ZERO_ADDRESS, owner.address)


def test_add_maps_selectors_to_the_facet_and_emits_diamond_cut(project, diamond, facet_a, has_code):
    model = diamond.model(has_code)
    entry = cut(facet_a, ADD, [A1, A2, A3, A4])

    receipt = diamond.diamond_cut([entry])
    model.cut([entry])

    diamond.assert_loupe(model)
    assert [bytes(s) for s in diamond.loupe.facetFunctionSelectors(facet_a)] == [A1, A2, A3, A4]
    assert diamond.loupe.facetAddresses()[-1] == facet_a.address
    a = project.CutFacetA.at(diamond.address)
    assert [a.a1(), a.a2(), a.a3(), a.a4()] == [0xA1, 0xA2, 0xA3, 0xA4]
    assert diamond_cut_event(receipt) == ([entry.as_abi()], ZERO_ADDRESS, b"")


def test_add_to_a_facet_that_already_has_selectors_appends(diamond, facet_a, has_code):
    model = diamond.model(has_code)
    for entries in ([cut(facet_a, ADD, [A3])], [cut(facet_a, ADD, [A1, A4])]):
        diamond.diamond_cut(entries)
        model.cut(entries)
    diamond.assert_loupe(model)
    assert [bytes(s) for s in diamond.loupe.facetFunctionSelectors(facet_a)] == [A3, A1, A4]


def test_diamond_cut_event_records_every_entry_of_a_multi_entry_cut(diamond, facet_a, facet_a2, facet_b, has_code):
    model = diamond.model(has_code)
    diamond.diamond_cut([cut(facet_a, ADD, [A1, A2])])
    model.add(facet_a.address, [A1, A2])
    entries = [
        cut(facet_b, ADD, [B1, B2]),
        cut(facet_a2, REPLACE, [A2]),
        cut(ZERO_ADDRESS, REMOVE, [A1, B2]),
    ]

    receipt = diamond.diamond_cut(entries)
    model.cut(entries)

    assert diamond_cut_event(receipt) == ([e.as_abi() for e in entries], ZERO_ADDRESS, b"")
    diamond.assert_loupe(model, facets=[facet_a.address])
    # facet_a2 is appended by the Replace; facet_a, emptied by the Remove, leaves it in its place.
    assert diamond.loupe.facetAddresses()[3:] == [facet_a2.address, facet_b.address]


@pytest.mark.parametrize(
    "existing",
    [OWNER_SELECTOR, A2],
    ids=["core-selector", "own-selector"],
)
def test_add_of_an_existing_selector_reverts(diamond, facet_a, facet_b, has_code, existing):
    diamond.diamond_cut([cut(facet_a, ADD, [A1, A2])])
    model = diamond.model(has_code)
    model.add(facet_a.address, [A1, A2])
    current = model.facet_address(existing)

    with reverts_with(diamond.cut.SelectorAlreadyAdded, selector=existing, facet=current):
        diamond.diamond_cut([cut(facet_b, ADD, [B1, existing])])
    with reverts_with(diamond.cut.SelectorAlreadyAdded, selector=existing, facet=current):
        diamond.diamond_cut([cut(facet_a, ADD, [existing])])
    diamond.assert_loupe(model, facets=[facet_b.address])


def test_add_of_the_same_selector_twice_in_one_cut_reverts(diamond, facet_a, facet_b, has_code):
    model = diamond.model(has_code)
    with reverts_with(diamond.cut.SelectorAlreadyAdded, selector=A1, facet=facet_a.address):
        diamond.diamond_cut([cut(facet_a, ADD, [A1, A1])])
    with reverts_with(diamond.cut.SelectorAlreadyAdded, selector=A1, facet=facet_a.address):
        diamond.diamond_cut([cut(facet_a, ADD, [A1]), cut(facet_b, ADD, [A1])])
    diamond.assert_loupe(model, selectors=[A1], facets=[facet_a.address, facet_b.address])


@pytest.mark.parametrize("action", [ADD, REPLACE], ids=["add", "replace"])
def test_zero_facet_address_reverts(diamond, facet_a, has_code, action):
    diamond.diamond_cut([cut(facet_a, ADD, [A1])])
    with reverts_with(diamond.cut.ZeroFacetAddress, selectors=[A1, A2]):
        diamond.diamond_cut([cut(ZERO_ADDRESS, action, [A1, A2])])
    model = diamond.model(has_code)
    model.add(facet_a.address, [A1])
    diamond.assert_loupe(model, selectors=[A2])


@pytest.mark.parametrize("action", [ADD, REPLACE], ids=["add", "replace"])
def test_facet_without_code_reverts(diamond, facet_a, stranger, has_code, action):
    diamond.diamond_cut([cut(facet_a, ADD, [A1])])
    with reverts_with(diamond.cut.NoCode, target=stranger.address):
        diamond.diamond_cut([cut(stranger.address, action, [A1])])
    model = diamond.model(has_code)
    model.add(facet_a.address, [A1])
    diamond.assert_loupe(model, facets=[stranger.address])


@pytest.mark.parametrize("action", [ADD, REPLACE, REMOVE], ids=["add", "replace", "remove"])
def test_empty_selector_list_reverts(diamond, facet_a, has_code, action):
    facet = ZERO_ADDRESS if action == REMOVE else facet_a.address
    with reverts_with(diamond.cut.EmptyFacetCut, facet=facet):
        diamond.diamond_cut([cut(facet, action, [])])
    diamond.assert_loupe(diamond.model(has_code), facets=[facet_a.address])


def test_replace_moves_selectors_to_the_new_facet(project, diamond, facet_a, facet_a2, has_code):
    model = diamond.model(has_code)
    entries = [cut(facet_a, ADD, [A1, A2, A3, A4])]
    diamond.diamond_cut(entries)
    model.cut(entries)

    receipt = diamond.diamond_cut([cut(facet_a2, REPLACE, [A2, A4])])
    model.replace(facet_a2.address, [A2, A4])

    diamond.assert_loupe(model)
    # Swap-and-pop: A2 leaves (A4 takes its place), then A4 leaves (A3 takes its place).
    assert [bytes(s) for s in diamond.loupe.facetFunctionSelectors(facet_a)] == [A1, A3]
    assert [bytes(s) for s in diamond.loupe.facetFunctionSelectors(facet_a2)] == [A2, A4]
    assert diamond.loupe.facetAddress(A2) == facet_a2.address
    a = project.CutFacetA.at(diamond.address)
    assert [a.a1(), a.a2(), a.a3(), a.a4()] == [0xA1, 0x2A2, 0xA3, 0x2A4]
    assert diamond_cut_event(receipt) == ([cut(facet_a2, REPLACE, [A2, A4]).as_abi()], ZERO_ADDRESS, b"")


def test_replace_of_every_selector_of_a_facet_drops_it(diamond, facet_a, facet_a2, facet_b, has_code):
    model = diamond.model(has_code)
    entries = [cut(facet_a, ADD, [A1, A2]), cut(facet_b, ADD, [B1])]
    diamond.diamond_cut(entries)
    model.cut(entries)

    diamond.diamond_cut([cut(facet_a2, REPLACE, [A1, A2])])
    model.replace(facet_a2.address, [A1, A2])

    diamond.assert_loupe(model, facets=[facet_a.address])
    # facet_a2 is appended before facet_a leaves; facet_a's slot then takes the last facet (facet_a2).
    assert diamond.loupe.facetAddresses()[3:] == [facet_a2.address, facet_b.address]
    assert diamond.loupe.facetFunctionSelectors(facet_a) == []


def test_replace_with_the_facet_that_already_serves_the_selector_reverts(diamond, facet_a, facet_a2, has_code):
    diamond.diamond_cut([cut(facet_a, ADD, [A1, A2])])
    with reverts_with(diamond.cut.SameFacetReplace, selector=A2, facet=facet_a.address):
        diamond.diamond_cut([cut(facet_a, REPLACE, [A2])])
    # The first selector would move, the second is already there: all or nothing.
    with reverts_with(diamond.cut.SameFacetReplace, selector=A1, facet=facet_a2.address):
        diamond.diamond_cut([cut(facet_a2, REPLACE, [A2, A1, A1])])
    model = diamond.model(has_code)
    model.add(facet_a.address, [A1, A2])
    diamond.assert_loupe(model, facets=[facet_a2.address])


def test_replace_of_a_missing_selector_reverts(diamond, facet_a, facet_a2, has_code):
    diamond.diamond_cut([cut(facet_a, ADD, [A1])])
    with reverts_with(diamond.cut.SelectorNotFound, selector=A3):
        diamond.diamond_cut([cut(facet_a2, REPLACE, [A1, A3])])
    model = diamond.model(has_code)
    model.add(facet_a.address, [A1])
    diamond.assert_loupe(model, selectors=[A3], facets=[facet_a2.address])


def test_remove_drops_selectors_and_then_the_facet(project, rpc, owner, diamond, facet_a, facet_b, has_code):
    model = diamond.model(has_code)
    entries = [cut(facet_a, ADD, [A1, A2, A3, A4]), cut(facet_b, ADD, [B1])]
    diamond.diamond_cut(entries)
    model.cut(entries)

    receipt = diamond.diamond_cut([cut(ZERO_ADDRESS, REMOVE, [A1])])
    model.remove([A1])
    diamond.assert_loupe(model, selectors=[A1])
    assert [bytes(s) for s in diamond.loupe.facetFunctionSelectors(facet_a)] == [A4, A2, A3]
    assert diamond_cut_event(receipt) == ([cut(ZERO_ADDRESS, REMOVE, [A1]).as_abi()], ZERO_ADDRESS, b"")

    diamond.diamond_cut([cut(ZERO_ADDRESS, REMOVE, [A3, A2, A4])])
    model.remove([A3, A2, A4])
    diamond.assert_loupe(model, selectors=[A1, A2, A3, A4], facets=[facet_a.address])
    assert facet_a.address not in diamond.loupe.facetAddresses()
    # facet_a was fourth; the last facet (facet_b) took its place.
    assert diamond.loupe.facetAddresses()[3:] == [facet_b.address]
    assert diamond.loupe.facetFunctionSelectors(facet_a) == []

    for removed in (A1, A2, A3, A4):
        call = rpc.call(diamond.address, removed, owner.address)
        assert not call.ok
        assert call.data == error_data(project.Diamond.contract_type, "FunctionNotFound", removed)


def test_remove_of_a_facet_in_the_middle_moves_the_last_facet_into_its_place(
    diamond, facet_a, facet_b, fallback_facet, has_code
):
    model = diamond.model(has_code)
    entries = [cut(facet_a, ADD, [A1]), cut(facet_b, ADD, [B1, B2]), cut(fallback_facet, ADD, [A2])]
    diamond.diamond_cut(entries)
    model.cut(entries)

    diamond.diamond_cut([cut(ZERO_ADDRESS, REMOVE, [A1])])
    model.remove([A1])

    diamond.assert_loupe(model, facets=[facet_a.address])
    assert diamond.loupe.facetAddresses()[3:] == [fallback_facet.address, facet_b.address]


def test_remove_with_a_non_zero_facet_reverts(diamond, facet_a, has_code):
    diamond.diamond_cut([cut(facet_a, ADD, [A1])])
    with reverts_with(diamond.cut.RemoveFacetMustBeZero, facet=facet_a.address):
        diamond.diamond_cut([cut(facet_a, REMOVE, [A1])])
    model = diamond.model(has_code)
    model.add(facet_a.address, [A1])
    diamond.assert_loupe(model)


def test_remove_of_a_missing_selector_reverts(diamond, facet_a, has_code):
    diamond.diamond_cut([cut(facet_a, ADD, [A1, A2])])
    with reverts_with(diamond.cut.SelectorNotFound, selector=A3):
        diamond.diamond_cut([cut(ZERO_ADDRESS, REMOVE, [A1, A3])])
    with reverts_with(diamond.cut.SelectorNotFound, selector=A2):
        diamond.diamond_cut([cut(ZERO_ADDRESS, REMOVE, [A2, A2])])
    model = diamond.model(has_code)
    model.add(facet_a.address, [A1, A2])
    diamond.assert_loupe(model, selectors=[A3])


def test_a_failing_entry_undoes_the_entries_before_it(diamond, facet_a, facet_b, has_code):
    with reverts_with(diamond.cut.SelectorNotFound, selector=B2):
        diamond.diamond_cut(
            [
                cut(facet_a, ADD, [A1, A2]),
                cut(ZERO_ADDRESS, REMOVE, [A1]),
                cut(facet_b, REPLACE, [A2, B2]),
            ]
        )
    diamond.assert_loupe(diamond.model(has_code), selectors=[A1, A2], facets=[facet_a.address, facet_b.address])


def test_an_action_outside_the_enum_is_rejected_by_the_abi_decoder(rpc, owner, diamond, facet_a, has_code):
    def calldata(action: int) -> bytes:
        return bytes(diamond.cut.diamondCut.encode_input([(facet_a.address, action, [A1])], ZERO_ADDRESS, b""))

    assert rpc.call(diamond.address, calldata(ADD), owner.address).ok  # the same cut with a valid action
    for action in (3, 255):
        rejected = rpc.call(diamond.address, calldata(action), owner.address)
        assert rejected == CallResult(ok=False, data=b"")
        receipt = rpc.send(owner.address, diamond.address, calldata(action))
        assert int(receipt["status"], 16) == 0
    diamond.assert_loupe(diamond.model(has_code), selectors=[A1], facets=[facet_a.address])


def test_only_the_owner_may_cut(diamond, stranger, facet_a, has_code):
    with reverts_with(diamond.cut.NotOwner, caller=stranger.address):
        diamond.diamond_cut([cut(facet_a, ADD, [A1])], sender=stranger)
    diamond.assert_loupe(diamond.model(has_code), selectors=[A1], facets=[facet_a.address])


def test_selectors_of_the_test_facets_are_what_the_tests_assume(facet_a, facet_a2, facet_b):
    assert selectors_of(facet_a) == [A1, A2, A3, A4] == selectors_of(facet_a2)
    assert selectors_of(facet_b) == [B1, B2, B3, B4]
