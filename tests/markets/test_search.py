"""The incremental, lazy search: sound filters and bounds, refreshing only touched cycles equals
re-evaluating all, and the branch-and-bound selection is the eager one."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keepers.markets import search as search_module
from keepers.markets.cycles import enumerate_cycles, hops_of
from keepers.markets.search import ALWAYS, PRUNE_DIVISOR, ArbSearch, loan_fee_log_floor, log_rate_ceiling
from keepers.markets.sizing import (
    FlashLoan,
    GasModel,
    Opportunity,
    SizingParams,
    marginal_rate,
    max_profit_ceiling,
    select_opportunities,
    size_cycle,
)
from keepers.markets.uniswap_v2 import V2Pool
from tests.markets.builders import WETH, registries
from tests.markets.conftest import PURE_SETTINGS

PARAMS = SizingParams(base_fee_wei=10**9, gas=GasModel(100_000, 50_000, 80_000), loan=FlashLoan(5))


def _rate_at_most(numerator: int, denominator: int, w: int) -> bool:
    """numerator / denominator <= 1.0001 ** w, exactly."""
    if w >= 0:
        return numerator * 10_000**w <= denominator * 10_001**w
    return numerator * 10_001 ** (-w) <= denominator * 10_000 ** (-w)


@PURE_SETTINGS
@given(numerator=st.integers(1, 10**30), w=st.integers(-3_000, 3_000), jitter=st.integers(0, 10**6))
def test_log_rate_ceiling_is_a_tight_upper_bound(numerator, w, jitter):
    # a rate near 1.0001 ** w, off by up to 1e-6 relative
    denominator = max(1, numerator * 10_000**w // 10_001**w if w >= 0 else numerator * 10_001 ** (-w) // 10_000 ** (-w))
    denominator += denominator * jitter // 10**12
    bound = log_rate_ceiling(numerator, denominator)
    assert _rate_at_most(numerator, denominator, bound)
    assert not _rate_at_most(numerator, denominator, bound - 4)  # at most 3 above the exact log


def test_log_rate_ceiling_edges():
    assert log_rate_ceiling(0, 1) < -887272 and log_rate_ceiling(1, 0) < -887272
    assert log_rate_ceiling(1, 2**300) == -887271  # below TickMath's range: still an upper bound
    assert log_rate_ceiling(2**300, 1) == ALWAYS


def test_loan_fee_log_floor():
    assert loan_fee_log_floor(0) == 0
    for bps in (1, 5, 9, 30, 100):
        floor = loan_fee_log_floor(bps)
        assert 10_001**floor * 10_000 <= (10_000 + bps) * 10_000**floor  # 1.0001 ** floor <= 1 + fee
        assert floor >= bps - 2  # and close: log base 1.0001 of (1 + bps / 10^4) is about bps


@PURE_SETTINGS
@given(pools=registries())
def test_every_hop_bound_is_above_its_marginal_rate(pools):
    search = ArbSearch(pools, WETH, PARAMS)
    for pool in pools:
        for hop in hops_of(pool):
            if isinstance(pool, V2Pool) and 0 in (pool.reserve0, pool.reserve1):
                continue
            assert _rate_at_most(*marginal_rate(pool, hop), search.log_rate_bound(hop))


def _state(search: ArbSearch) -> list[tuple]:
    return sorted((o.pools, o.amount_in, o.amount_out, o.net_profit) for o in search.opportunities())


@PURE_SETTINGS
@given(pools=registries())
def test_filters_never_drop_a_cycle_that_pays(pools):
    search = ArbSearch(pools, WETH, PARAMS)
    search.refresh_all()
    by_pool = {p.address: p for p in pools}
    expected = []
    for cycle in enumerate_cycles(pools, WETH):
        found = size_cycle(cycle, by_pool, PARAMS)
        if found is not None:
            expected.append((found.pools, found.amount_in, found.amount_out, found.net_profit))
    assert _state(search) == sorted(expected)


def _swaps(data, search: ArbSearch, pools) -> list:
    """New states of one to three pools after a drawn swap each (from the search's current states)."""
    moved = data.draw(st.lists(st.sampled_from(pools), min_size=1, max_size=3, unique_by=lambda p: p.address))
    states = []
    for pool in moved:
        current = search.pools[pool.address]
        zero_for_one = data.draw(st.booleans())
        token_in = current.token0 if zero_for_one else current.token1
        amount = data.draw(st.integers(10**15, 10**21))
        try:
            states.append(current.with_swap(token_in, amount))
        except ValueError:
            continue
    return states


def _content(opportunities: list[Opportunity]) -> list[tuple]:
    return [(o.pools, o.amount_in, o.amount_out, o.gross_profit, o.loan_fee, o.gas_cost_wei) for o in opportunities]


@settings(PURE_SETTINGS, max_examples=15)
@given(pools=registries(), data=st.data())
def test_refreshing_touched_cycles_equals_re_evaluating_all(pools, data):
    search = ArbSearch(pools, WETH, PARAMS)
    search.refresh_all()
    for _ in range(data.draw(st.integers(1, 4))):
        changed = search.apply(_swaps(data, search, pools))
        search.refresh(changed)
        search.select(data.draw(st.integers(1, 3)))  # sizes some of the touched cycles, not all
        again = ArbSearch(search.pools.values(), WETH, PARAMS)
        again.refresh_all()
        assert _state(search) == _state(again)
    assert search.select() == sorted(search.select(), key=lambda o: -o.net_profit)


def _executed(search: ArbSearch, opportunity: Opportunity) -> list:
    """The states an opportunity leaves its pools in once it executes."""
    states, amount = [], opportunity.amount_in
    for hop in opportunity.cycle.hops:
        pool = search.pools[hop.pool]
        out = pool.amount_out(hop.token_in, amount)
        states.append(pool.with_swap(hop.token_in, amount))
        amount = out
    return states


@settings(PURE_SETTINGS, max_examples=20)
@given(pools=registries(min_pools=6, max_pools=9), data=st.data())
def test_lazy_selection_is_the_eager_selection(pools, data):
    # Twins fed the same blocks and fees: one selects by branch and bound, the other sizes every
    # candidate first. Selections are asked for in drawn limits and order, so the lazy one's
    # cache and queue carry partial work from one call and block to the next.
    lazy, eager = ArbSearch(pools, WETH, PARAMS), ArbSearch(pools, WETH, PARAMS)
    lazy.refresh_all()
    eager.refresh_all()
    limits = st.lists(st.one_of(st.none(), st.integers(0, 4)), min_size=1, max_size=3)
    for _ in range(data.draw(st.integers(1, 6))):
        step = data.draw(st.sampled_from(["block", "block", "execute", "fee", "all"]))
        if step == "block":
            states = _swaps(data, lazy, pools)
        elif step == "execute":  # someone takes the best (or a pool of it moves): its pools move
            best = lazy.select(1)
            states = _executed(lazy, best[0]) if best else []
            if states and data.draw(st.booleans()):
                states = [data.draw(st.sampled_from(states))]
        if step in ("block", "execute"):
            lazy.refresh(lazy.apply(states))
            eager.refresh(eager.apply(states))
        elif step == "fee":  # around the current fee: above it, between it and the gate, below the gate
            bps = data.draw(st.sampled_from([0, 5_000, 8_000, 9_000, 9_500, 10_500, 12_500, 20_000]))
            fee = max(lazy.params.base_fee_wei, 10**8) * bps // 10_000
            moved, moved_eagerly = lazy.set_base_fee(fee), eager.set_base_fee(fee)
            assert moved or not moved_eagerly  # lazily it may only over-report
        else:
            lazy.refresh_all()
            eager.refresh_all()
        for limit in data.draw(limits):
            assert _content(lazy.select(limit)) == _content(eager.select_eager(limit))


@PURE_SETTINGS
@given(pools=registries(max_pools=10), fee=st.integers(0, 3 * 10**9))
def test_bounds_are_at_or_above_the_exact_net_profit(pools, fee):
    search = ArbSearch(pools, WETH, PARAMS)
    search.refresh_all()
    search.set_base_fee(fee)
    paying = {o.pools: o for o in search.opportunities()}
    for cycle in enumerate_cycles(pools, WETH):
        bound = search.net_profit_bound(cycle)
        if cycle.pools in paying:
            assert bound is not None and paying[cycle.pools].net_profit <= bound


def test_a_dislocated_registry_has_opportunities_and_they_follow_the_pools():
    from tests.markets.builders import TKA, TKB, v2_pool

    pools = [
        v2_pool("a", WETH, TKA, 10**21, 2 * 10**24),
        v2_pool("b", TKA, TKB, 10**24, 10**24),
        v2_pool("c", TKB, WETH, 2 * 10**24, 105 * 10**19),  # TKB 5% cheap in WETH here
        v2_pool("d", WETH, TKA, 10**20, 2 * 10**23),
    ]
    search = ArbSearch(pools, WETH, PARAMS)
    search.refresh_all()
    found = search.opportunities()
    assert found and {o.pools for o in found} >= {("a", "b", "c"), ("d", "b", "c")}
    best = search.select()
    assert best[0].pools == ("a", "b", "c") and len(best) == 1  # the other shares b and c
    # execute the best: its pools move, the cycles through them are re-bounded, the rest untouched
    search.refresh(search.apply(_executed(search, best[0])))
    assert all(o.net_profit < best[0].net_profit for o in search.opportunities())
    again = ArbSearch(search.pools.values(), WETH, PARAMS)
    again.refresh_all()
    assert _state(search) == _state(again)


@settings(PURE_SETTINGS, max_examples=15)
@given(pools=registries(), fees=st.lists(st.integers(0, 3 * 10**9), min_size=1, max_size=5))
def test_following_the_base_fee_equals_searching_at_that_fee(pools, fees):
    search = ArbSearch(pools, WETH, PARAMS)
    search.refresh_all()
    for fee in fees:
        search.set_base_fee(fee)
        again = ArbSearch(pools, WETH, SizingParams(base_fee_wei=fee, gas=PARAMS.gas, loan=PARAMS.loan))
        again.refresh_all()
        assert _state(search) == _state(again)
        assert all(o.gas_cost_wei == PARAMS.gas.units(o.cycle, search.pools) * fee for o in search.opportunities())


def test_selection_sizes_only_the_cycles_whose_bound_reaches_into_it():
    from tests.markets.builders import TKA, TKB, TKC, v2_pool

    pools = [
        v2_pool("a", WETH, TKA, 10**21, 2 * 10**24),
        v2_pool("b", TKA, TKB, 10**24, 10**24),
        v2_pool("c", TKB, WETH, 2 * 10**24, 105 * 10**19),  # TKB 5% cheap in WETH here
        v2_pool("e", WETH, TKC, 10**21, 10**21),
        v2_pool("f", TKC, WETH, 10**21, 1012 * 10**18),  # TKC 1.2% cheap in WETH here: pays less
    ]
    lazy, eager = ArbSearch(pools, WETH, PARAMS), ArbSearch(pools, WETH, PARAMS)
    lazy.refresh_all()
    eager.refresh_all()
    best = lazy.select(1)
    assert [o.pools for o in best] == [("a", "b", "c")]
    assert lazy.sizings == 1  # the e/f cycle's bound is below a-b-c's exact profit: never sized
    assert best == eager.select_eager(1) and eager.sizings == 2
    both = lazy.select(2)
    assert [o.pools for o in both] == [("a", "b", "c"), ("e", "f")] and lazy.sizings == 2
    assert lazy.select(1) == best and lazy.sizings == 2  # sizings are kept
    # a block moving e: only the e/f cycle is re-bounded, and select(1) still leaves it unsized
    lazy.refresh(lazy.apply([lazy.pools["e"].with_swap(WETH, 10**17)]))
    assert lazy.select(1) == best and lazy.sizings == 2


def _from_scratch(pools, fee: int) -> list[tuple]:
    """Every cycle enumerated and sized at ``fee``: the re-evaluation the on-demand search avoids."""
    params = SizingParams(base_fee_wei=fee, gas=PARAMS.gas, loan=PARAMS.loan)
    by_pool = {p.address: p for p in pools}
    found = (size_cycle(cycle, by_pool, params) for cycle in enumerate_cycles(pools, WETH))
    return sorted((o.pools, o.amount_in, o.amount_out, o.net_profit) for o in found if o is not None)


def _follow_blocks(search: ArbSearch, waiting: list, data) -> None:
    """Blocks move pools, new pools arrive, old ones leave and the base fee wanders: after each, the
    on-demand search holds exactly what enumerating and sizing every cycle finds."""
    for _ in range(data.draw(st.integers(1, 6))):
        step = data.draw(st.sampled_from(["block", "block", "add", "remove", "fee"]))
        if step == "block":
            search.refresh(search.apply(_swaps(data, search, list(search.pools.values()))))
        elif step == "add" and waiting:
            count = data.draw(st.integers(1, len(waiting)))
            search.add_pools(waiting[:count])
            waiting = waiting[count:]
        elif step == "remove" and len(search.pools) > 1:
            search.remove_pools([data.draw(st.sampled_from(sorted(search.pools)))])
        elif step == "fee":
            bps = data.draw(st.sampled_from([0, 5_000, 8_000, 9_500, 10_500, 20_000]))
            search.set_base_fee(max(search.params.base_fee_wei, 10**8) * bps // 10_000)
        search.select(data.draw(st.integers(1, 3)))  # leaves partial work behind, as a keeper does
        pools = list(search.pools.values())
        assert _state(search) == _from_scratch(pools, search.params.base_fee_wei)
        expected = select_opportunities(search.opportunities())
        assert _content(search.select()) == _content(expected)


@settings(PURE_SETTINGS, max_examples=20)
@given(start=registries(min_pools=2, max_pools=6), later=registries(min_pools=1, max_pools=4), data=st.data())
def test_search_equals_a_from_scratch_re_evaluation_after_every_block(start, later, data):
    later = [replace(pool, address=f"new{i}") for i, pool in enumerate(later)]
    search = ArbSearch(start, WETH, PARAMS)
    search.refresh_all()
    _follow_blocks(search, later, data)


@contextmanager
def _tiny_path_bounds():
    """Every token a hub, paths ranked again after every raise, no cap slack: the paths the search
    takes on mainnet-sized tokens, exercised by small registries."""
    names = ("RERANK_AFTER", "RERANK_SHARE", "HUB_DEGREE", "CAP_SLACK")
    saved = {name: getattr(search_module, name) for name in names}
    for name, value in zip(names, (0, 10**9, 1, 0), strict=True):
        setattr(search_module, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(search_module, name, value)


@settings(PURE_SETTINGS, max_examples=20)
@given(
    start=registries(min_pools=4, max_pools=9, skew_bps=2_000),
    later=registries(min_pools=1, max_pools=4, skew_bps=2_000),
    data=st.data(),
)
def test_hubs_and_ranked_paths_keep_the_search_equal_to_a_from_scratch_one(start, later, data):
    later = [replace(pool, address=f"new{i}") for i, pool in enumerate(later)]
    with _tiny_path_bounds():
        search = ArbSearch(start, WETH, PARAMS)
        search.refresh_all()
        _follow_blocks(search, later, data)


def test_pools_are_added_and_removed_without_a_rebuild():
    from tests.markets.builders import TKA, TKB, v2_pool

    search = ArbSearch([v2_pool("a", WETH, TKA, 10**21, 2 * 10**24)], WETH, PARAMS)
    search.refresh_all()
    assert search.opportunities() == []
    sizings = search.sizings
    search.add_pools([v2_pool("b", TKA, TKB, 10**24, 10**24), v2_pool("c", TKB, WETH, 2 * 10**24, 105 * 10**19)])
    assert [o.pools for o in search.select()] == [("a", "b", "c")] and search.sizings == sizings + 1
    assert search.stats()["pools"] == 3
    search.remove_pools(["b"])
    assert search.select() == [] and search.stats()["candidates"] == 0
    assert search.remove_pools(["b", "unknown"]) == []
    with pytest.raises(ValueError, match="already in the search"):
        search.add_pools([v2_pool("a", WETH, TKA, 1, 1)])


def test_a_falling_base_fee_wakes_only_the_cycles_it_can_change():
    from tests.markets.builders import TKA, TKB, v2_pool

    # one small dislocation: its ceiling pays gas only at a low base fee
    pools = [
        v2_pool("a", WETH, TKA, 10**19, 10**19),
        v2_pool("b", TKA, WETH, 10**19, 102 * 10**17),
        v2_pool("x", WETH, TKB, 10**21, 10**21),
    ]
    high = SizingParams(base_fee_wei=3 * 10**9, gas=PARAMS.gas, loan=FlashLoan(0))
    search = ArbSearch(pools, WETH, high)
    search.refresh_all()
    assert search.select() == [] and search.stats()["dormant"] == 1 and search.stats()["candidates"] == 0
    search.set_base_fee(11 * 10**8)  # its ceiling pays gas at this gate: woken, nothing re-enumerated
    assert search.stats()["dormant"] == 0 and search.stats()["candidates"] == 1
    search.set_base_fee(10**6)
    assert [o.pools for o in search.select()] == [("a", "b")]
    # at 10**12 it is too shallow to be kept at all; a fall to under a quarter of the gate enumerates again
    search = ArbSearch(pools, WETH, replace(high, base_fee_wei=10**12))
    search.refresh_all()
    assert search.stats()["dormant"] == 0 and search.stats()["candidates"] == 0
    search.set_base_fee(10**6)
    assert [o.pools for o in search.select()] == [("a", "b")]


@settings(PURE_SETTINGS, max_examples=75)
@given(pools=registries(max_pools=9, skew_bps=3_000), fee=st.sampled_from([0, 10**9, 10**11]), data=st.data())
def test_cycles_found_around_changed_pools_are_the_ones_the_filters_keep(pools, fee, data):
    # Brute force: every cycle through the changed pools whose hop bounds sum above the threshold,
    # less those too shallow to pay the least gas at the pruning level (their exact ceiling says so).
    params = SizingParams(base_fee_wei=fee, gas=PARAMS.gas, loan=PARAMS.loan)
    search = ArbSearch(pools, WETH, params, max_hops=data.draw(st.sampled_from([2, 3])))
    for _ in range(data.draw(st.integers(0, 3))):  # moved pools leave the path bounds loose, never low
        search.refresh(search.apply(_swaps(data, search, pools)))
    changed = data.draw(st.sets(st.sampled_from([p.address for p in pools] + ["elsewhere"])))
    threshold = loan_fee_log_floor(PARAMS.loan.fee_bps)
    passing = {
        cycle.hops: cycle
        for cycle in enumerate_cycles(search.pools.values(), WETH, search.max_hops)
        if changed & set(cycle.pools) and sum(search.log_rate_bound(h) for h in cycle.hops) > threshold
    }
    found = search.cycles_through(changed)
    assert len(found) == len({c.hops for c in found})
    assert {c.hops for c in found} <= set(passing)
    least_gas = (PARAMS.gas.base + 2 * PARAMS.gas.per_v2_hop) * (fee * 8_750 // 10_000 // PRUNE_DIVISOR)
    for hops in set(passing) - {c.hops for c in found}:
        ceiling = max_profit_ceiling(passing[hops], search.pools, PARAMS.loan.fee_bps)
        assert ceiling is not None and ceiling < least_gas
