"""Functions defined on the diamond itself (EIP-2535 "immutable functions").

The standard asks that they are announced in a DiamondCut event as added, that the
loupe reports them with the diamond's own address as facet, and that every attempt
to replace or remove them reverts. ImmutableDiamond (contracts/test) defines
`version()` and registers it that way in its constructor.
"""

from __future__ import annotations

import pytest
from eth_utils import to_checksum_address

from tests.support import reverts_with

from .conftest import ZERO_ADDRESS, deploy_diamond, selector
from .model import FacetCut, FacetCutAction

VERSION = selector("version()")
A1 = selector("a1()")


@pytest.fixture
def immutable(project, owner, core_facets):
    return deploy_diamond(project, owner, core_facets, container=project.ImmutableDiamond)


def test_the_diamond_serves_its_own_function(project, immutable):
    assert project.ImmutableDiamond.at(immutable.address).version() == 1


def test_an_immutable_function_is_announced_as_added_by_the_diamond(immutable, core_facets):
    logs = sorted(
        (log for log in immutable.receipt.events if log.event_name == "DiamondCut"), key=lambda log: log.log_index
    )
    assert len(logs) == 2
    own = logs[1]
    entries = [(to_checksum_address(e[0]), e[1], [bytes(s) for s in e[2]]) for e in own.diamondCut]
    assert entries == [(immutable.address, int(FacetCutAction.ADD), [VERSION])]
    assert (own.init, bytes(own.initCalldata)) == (ZERO_ADDRESS, b"")


def test_the_loupe_reports_an_immutable_function_at_the_diamond_address(immutable, has_code):
    model = immutable.model(has_code)
    immutable.assert_loupe(model)
    assert immutable.loupe.facetAddress(VERSION) == immutable.address
    assert immutable.loupe.facetAddresses()[-1] == immutable.address
    assert [bytes(s) for s in immutable.loupe.facetFunctionSelectors(immutable.address)] == [VERSION]


def test_an_immutable_function_cannot_be_replaced(immutable, facet_a, has_code):
    with reverts_with(immutable.cut.ImmutableFunction, selector=VERSION):
        immutable.diamond_cut([FacetCut.of(facet_a.address, FacetCutAction.REPLACE, [VERSION])])
    immutable.assert_loupe(immutable.model(has_code), facets=[facet_a.address])


def test_an_immutable_function_cannot_be_removed(immutable, has_code):
    with reverts_with(immutable.cut.ImmutableFunction, selector=VERSION):
        immutable.diamond_cut([FacetCut.of(ZERO_ADDRESS, FacetCutAction.REMOVE, [VERSION])])
    immutable.assert_loupe(immutable.model(has_code))


def test_an_immutable_function_in_a_list_reverts_the_whole_cut(immutable, facet_a, facet_a2, has_code):
    immutable.diamond_cut([FacetCut.of(facet_a.address, FacetCutAction.ADD, [A1])])
    model = immutable.model(has_code)
    model.add(facet_a.address, [A1])

    with reverts_with(immutable.cut.ImmutableFunction, selector=VERSION):
        immutable.diamond_cut([FacetCut.of(facet_a2.address, FacetCutAction.REPLACE, [A1, VERSION])])
    with reverts_with(immutable.cut.ImmutableFunction, selector=VERSION):
        immutable.diamond_cut([FacetCut.of(ZERO_ADDRESS, FacetCutAction.REMOVE, [A1, VERSION])])
    immutable.assert_loupe(model, facets=[facet_a2.address])


def test_an_immutable_selector_cannot_be_added_again(immutable, facet_a):
    with reverts_with(immutable.cut.SelectorAlreadyAdded, selector=VERSION, facet=immutable.address):
        immutable.diamond_cut([FacetCut.of(facet_a.address, FacetCutAction.ADD, [VERSION])])


@pytest.mark.parametrize("action", [FacetCutAction.ADD, FacetCutAction.REPLACE])
def test_a_cut_after_construction_cannot_map_a_selector_to_the_diamond_itself(diamond, immutable, action):
    # Mapped to the diamond after construction, a selector would loop the fallback into itself
    # and, counting as immutable, could never be removed again.
    ghost = selector("ghost()") if action is FacetCutAction.ADD else selector("a1()")
    for target in (diamond, immutable):  # also when the diamond already serves functions of its own
        with reverts_with(target.cut.DiamondAsFacet, selectors=[ghost]):
            target.diamond_cut([FacetCut.of(target.address, action, [ghost])])
