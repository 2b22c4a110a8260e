"""Cycle enumeration, against brute force on small graphs."""

from __future__ import annotations

from itertools import permutations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keepers.markets.cycles import Cycle, Hop, enumerate_cycles, hops_of
from tests.markets.builders import WETH, registries, v2_pool
from tests.markets.conftest import PURE_SETTINGS


def _brute_force(pools, base: str, max_hops: int) -> set[tuple[Hop, ...]]:
    """Every ordered choice of distinct pools and directions that chains base -> ... -> base."""
    found = set()
    for length in range(2, max_hops + 1):
        for chosen in permutations(pools, length):
            for directions in range(2**length):
                hops = tuple(hops_of(p)[(directions >> i) & 1] for i, p in enumerate(chosen))
                tokens = [h.token_in for h in hops] + [hops[-1].token_out]
                chained = all(a.token_out == b.token_in for a, b in zip(hops, hops[1:], strict=False))
                if chained and tokens[0] == tokens[-1] == base and len(set(tokens[:-1])) == length:
                    found.add(hops)
    return found


@PURE_SETTINGS
@given(pools=registries(max_pools=6), max_hops=st.sampled_from([2, 3]))
def test_enumeration_is_every_simple_cycle_through_the_base(pools, max_hops):
    cycles = enumerate_cycles(pools, WETH, max_hops)
    assert len({c.hops for c in cycles}) == len(cycles)
    assert {c.hops for c in cycles} == _brute_force(pools, WETH, max_hops)
    for cycle in cycles:
        assert cycle.base_token == WETH == cycle.hops[-1].token_out


def test_parallel_pools_give_both_two_hop_orders_and_triangles_both_ways():
    pools = [
        v2_pool("a", WETH, "X", 10, 10),
        v2_pool("b", WETH, "X", 10, 10),
        v2_pool("c", "X", "Y", 10, 10),
        v2_pool("d", "Y", WETH, 10, 10),
    ]
    routes = {c.pools for c in enumerate_cycles(pools, WETH)}
    assert routes == {("a", "b"), ("b", "a"), ("a", "c", "d"), ("b", "c", "d"), ("d", "c", "a"), ("d", "c", "b")}
    assert {c.pools for c in enumerate_cycles(pools, WETH, max_hops=2)} == {("a", "b"), ("b", "a")}


def test_cycle_rejects_broken_routes():
    x = Hop("a", WETH, "X", True)
    with pytest.raises(ValueError):
        Cycle((x,))
    with pytest.raises(ValueError):
        Cycle((x, Hop("b", "Y", WETH, True)))
    with pytest.raises(ValueError):
        Cycle((x, Hop("a", "X", WETH, False)))
    with pytest.raises(ValueError):
        enumerate_cycles([], WETH, max_hops=4)
