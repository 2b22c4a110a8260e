"""The selector 0x00000000: no Solidity function has it, but a facet's payable fallback can serve it.

The diamond-2 reference packed eight selectors per storage slot and mishandled
0x00000000 at the start of a fresh slot (selector count a multiple of 8), where it
is indistinguishable from an empty entry. LibDiamond keeps diamond-3's tables, so
it must not care; these tests hold it to that at and around those boundaries.
"""

from __future__ import annotations

import pytest
from eth_utils import to_checksum_address

from tests.support import reverts_with

from .conftest import ZERO_ADDRESS, selector
from .model import FacetCut, FacetCutAction

ZERO_SELECTOR = bytes(4)
X, Y = selector("x()"), selector("y()")
ADD, REMOVE = FacetCutAction.ADD, FacetCutAction.REMOVE
CORE_SELECTORS = 10


def fillers(count: int) -> list[bytes]:
    return [selector(f"filler{i}()") for i in range(count)]


def served(receipt, fallback_facet) -> list[tuple]:
    """`(diamond, sender, value, data)` of every FallbackServed log of `receipt`."""
    return [
        (to_checksum_address(log.contract_address), log.sender, log.value, bytes(log.data))
        for log in receipt.decode_logs(fallback_facet.FallbackServed)
    ]


def add(diamond, model, facet, selectors):
    diamond.diamond_cut([FacetCut.of(facet, ADD, selectors)])
    model.add(facet, selectors)


def remove(diamond, model, selectors):
    diamond.diamond_cut([FacetCut.of(ZERO_ADDRESS, REMOVE, selectors)])
    model.remove(selectors)


@pytest.mark.parametrize("count_before", [15, 16, 17, 24])
def test_zero_selector_at_and_around_a_fresh_slot(
    chain, diamond, facet_a, fallback_facet, stranger, has_code, count_before
):
    model = diamond.model(has_code)
    add(diamond, model, facet_a.address, fillers(count_before - CORE_SELECTORS))
    assert diamond.selector_count() == count_before

    add(diamond, model, fallback_facet.address, [ZERO_SELECTOR])
    diamond.assert_loupe(model)
    assert diamond.loupe.facetAddress(ZERO_SELECTOR) == fallback_facet.address
    assert [bytes(s) for s in diamond.loupe.facetFunctionSelectors(fallback_facet)] == [ZERO_SELECTOR]

    balance = chain.provider.get_balance(diamond.address)
    receipt = stranger.transfer(diamond.address, 1234, data=ZERO_SELECTOR)
    assert served(receipt, fallback_facet) == [(diamond.address, stranger.address, 1234, ZERO_SELECTOR)]
    assert chain.provider.get_balance(diamond.address) == balance + 1234

    remove(diamond, model, [ZERO_SELECTOR])
    diamond.assert_loupe(model, selectors=[ZERO_SELECTOR], facets=[fallback_facet.address])
    assert diamond.loupe.facetAddress(ZERO_SELECTOR) == ZERO_ADDRESS
    assert diamond.loupe.facetFunctionSelectors(fallback_facet) == []
    assert fallback_facet.address not in diamond.loupe.facetAddresses()
    assert diamond.selector_count() == count_before
    with reverts_with(diamond.proxy.FunctionNotFound, selector=ZERO_SELECTOR):
        stranger.transfer(diamond.address, 1234, data=ZERO_SELECTOR)


def test_zero_selector_in_the_middle_of_a_facets_list(diamond, fallback_facet, stranger, has_code):
    model = diamond.model(has_code)
    add(diamond, model, fallback_facet.address, [X, ZERO_SELECTOR, Y])
    diamond.assert_loupe(model)

    receipt = stranger.transfer(diamond.address, 7, data=ZERO_SELECTOR + b"payload")
    assert served(receipt, fallback_facet) == [(diamond.address, stranger.address, 7, ZERO_SELECTOR + b"payload")]

    remove(diamond, model, [ZERO_SELECTOR])
    diamond.assert_loupe(model, selectors=[ZERO_SELECTOR])
    assert [bytes(s) for s in diamond.loupe.facetFunctionSelectors(fallback_facet)] == [X, Y]
    assert fallback_facet.address in diamond.loupe.facetAddresses()
    with reverts_with(diamond.proxy.FunctionNotFound, selector=ZERO_SELECTOR):
        stranger.transfer(diamond.address, 7, data=ZERO_SELECTOR)

    # Back in at the end, then its neighbour at the front leaves: 0x00000000 moves to position 0.
    add(diamond, model, fallback_facet.address, [ZERO_SELECTOR])
    remove(diamond, model, [X])
    diamond.assert_loupe(model, selectors=[X])
    assert [bytes(s) for s in diamond.loupe.facetFunctionSelectors(fallback_facet)] == [ZERO_SELECTOR, Y]
    assert served(stranger.transfer(diamond.address, 0, data=ZERO_SELECTOR), fallback_facet)


def test_zero_selector_as_the_last_selector_of_a_facet_in_the_middle(
    diamond, facet_a, fallback_facet, facet_b, has_code
):
    model = diamond.model(has_code)
    add(diamond, model, facet_a.address, [X])
    add(diamond, model, fallback_facet.address, [ZERO_SELECTOR])
    add(diamond, model, facet_b.address, [Y])

    remove(diamond, model, [ZERO_SELECTOR])

    diamond.assert_loupe(model, selectors=[ZERO_SELECTOR], facets=[fallback_facet.address])
    assert diamond.loupe.facetAddresses()[3:] == [facet_a.address, facet_b.address]


def test_calldata_shorter_than_a_selector_is_dispatched_zero_padded(diamond, fallback_facet, stranger, has_code):
    # msg.sig of 1-3 bytes of calldata is those bytes padded with zeros.
    with reverts_with(diamond.proxy.FunctionNotFound, selector=ZERO_SELECTOR):
        stranger.transfer(diamond.address, 0, data=b"\x00")
    model = diamond.model(has_code)
    add(diamond, model, fallback_facet.address, [ZERO_SELECTOR])
    receipt = stranger.transfer(diamond.address, 5, data=b"\x00\x00")
    assert served(receipt, fallback_facet) == [(diamond.address, stranger.address, 5, b"\x00\x00")]


def test_plain_ether_goes_to_receive_even_when_zero_selector_is_mapped(chain, diamond, fallback_facet, stranger):
    diamond.diamond_cut([FacetCut.of(fallback_facet.address, ADD, [ZERO_SELECTOR])])
    balance = chain.provider.get_balance(diamond.address)
    receipt = stranger.transfer(diamond.address, 10**18)
    assert served(receipt, fallback_facet) == []
    assert chain.provider.get_balance(diamond.address) == balance + 10**18
