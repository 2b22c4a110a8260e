"""Sizing: the composed map, its closed-form optimum and ceilings, exact sizing against brute force,
flash-loan premiums, and conflict-free selection."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from keepers.markets.cycles import Cycle, enumerate_cycles, hops_of
from keepers.markets.sizing import (
    FlashLoan,
    GasModel,
    LinearFractional,
    Opportunity,
    SizingParams,
    cycle_amount_out,
    cycle_amounts,
    cycle_map,
    hop_amount_out,
    hop_ceiling_map,
    hop_map,
    least_input_for_same_output,
    marginal_rate,
    max_profit_ceiling,
    profit_window,
    select_opportunities,
    size_cycle,
)
from keepers.markets.uniswap_v2 import get_amount_out
from tests.markets.builders import TKA, TKB, WETH, v2_pool, v3_pools
from tests.markets.conftest import PURE_SETTINGS

FREE_GAS = GasModel(0, 0, 0)
FLAT_GAS = GasModel(1, 0, 0)  # gas cost = base fee, a few wei: the threshold shows at tiny reserves
LOANS = st.sampled_from([0, 5, 9])
SMALL = st.integers(300, 5_000)
DEEP = st.one_of(st.integers(10**18, 10**24), st.integers(2**112 - 2**104, 2**112 - 1))  # up to uint112 max
SKEW = st.integers(9_700, 10_300)  # bps: two quotes of one price up to 3% apart


def _params(loan_bps: int = 0, base_fee: int = 0) -> SizingParams:
    return SizingParams(base_fee_wei=base_fee, gas=GasModel(100_000, 50_000, 80_000), loan=FlashLoan(loan_bps))


def _brute_force(cycle: Cycle, pools, loan: FlashLoan, stop: int) -> tuple[int, int]:
    """(input, profit) of the best integer input below ``stop``, scanning every input until the
    (concave) profit has turned negative well past a positive best."""
    best = (0, 0)
    for x in range(1, stop):
        try:
            profit = cycle_amount_out(cycle, pools, x) - x - loan.premium(x)
        except ValueError:  # too little to trade through every hop, or more than a V3 pool takes
            profit = None
        if profit is not None and profit > best[1]:
            best = (x, profit)
        elif (profit is None or profit < 0) and best[0] and x > 2 * best[0] + 200:
            break
    return best


def _ceiling_of(cycle: Cycle, pools) -> LinearFractional:
    composed = hop_ceiling_map(pools[cycle.hops[0].pool], cycle.hops[0])
    for hop in cycle.hops[1:]:
        composed = composed.then(hop_ceiling_map(pools[hop.pool], hop))
    return composed


def _brute_force_span(cycle: Cycle, pools, loan: FlashLoan) -> int:
    """x0 of ``_exhaustive``: no input above it pays (0 when none does)."""
    ceiling = _ceiling_of(cycle, pools)
    if not ceiling.is_profitable(loan.fee_bps):
        return 0
    return max(0, (ceiling.k * 10_000 // (10_000 + loan.fee_bps) - ceiling.m) // ceiling.n + 1)


def _exhaustive(cycle: Cycle, pools, loan: FlashLoan, gas_cost: int) -> tuple[int, int] | None:
    """(input, output - input - premium) of the integer optimum, the smallest input on ties, by
    simulating every input that can pay; None when none pays more than ``gas_cost``.

    Independent of the sizing's window: the cycle's output is below its ceiling map C, so past
    x0 = (k / (1 + fee) - m) / n, where C(x) <= (1 + fee) x, the profit is below 1/2 (the premium
    rounds by at most 1/2), hence at most 0.
    """
    x0 = _brute_force_span(cycle, pools, loan)
    if x0 == 0:
        return None
    assert x0 <= 300_000, "too wide to brute-force in a unit test"
    best = None
    for x in range(1, x0 + 1):
        try:
            profit = cycle_amount_out(cycle, pools, x) - x - loan.premium(x)
        except ValueError:  # too little to trade through every hop, or more than a V3 pool takes
            continue
        if best is None or profit > best[1]:
            best = (x, profit)
    return best if best is not None and best[1] > gas_cost else None


def _assert_integer_optimum(cycle: Cycle, pools, params: SizingParams) -> Opportunity | None:
    found = size_cycle(cycle, pools, params)
    gas_cost = params.gas.units(cycle, pools) * params.base_fee_wei
    expected = _exhaustive(cycle, pools, params.loan, gas_cost)
    if expected is None:
        assert found is None
        return None
    assert found is not None, expected
    assert (found.amount_in, found.net_profit) == (expected[0], expected[1] - gas_cost)
    assert found.amount_out == cycle_amount_out(cycle, pools, found.amount_in)
    return found


def _v2_cycle_pools(r: list[int], three: bool) -> dict:
    if three:
        return {
            "p": v2_pool("p", WETH, TKA, r[0], r[1]),
            "q": v2_pool("q", TKA, TKB, r[2], r[3]),
            "s": v2_pool("s", TKB, WETH, r[4], r[5]),
        }
    return {"p": v2_pool("p", WETH, TKA, r[0], r[1]), "q": v2_pool("q", TKA, WETH, r[2], r[3])}


# --- maps -----------------------------------------------------------------------------------


@PURE_SETTINGS
@given(
    reserves=st.lists(st.tuples(st.integers(1, 10**24), st.integers(1, 10**24)), min_size=2, max_size=3),
    x=st.integers(0, 10**24),
)
def test_composed_map_equals_sequential_application(reserves, x):
    maps = [LinearFractional(997 * b, 1000 * a, 997) for a, b in reserves]
    composed = maps[0]
    for step in maps[1:]:
        composed = composed.then(step)
    sequential = Fraction(x)
    for step in maps:
        sequential = step(sequential)
    assert composed(x) == sequential


@PURE_SETTINGS
@given(reserve_in=st.integers(1, 2**112), reserve_out=st.integers(1, 2**112), x=st.integers(1, 2**100))
def test_v2_hop_map_floored_is_get_amount_out(reserve_in, reserve_out, x):
    pool = v2_pool("p", "A", "B", reserve_in, reserve_out)
    hop = hops_of(pool)[0]
    exact = hop_map(pool, hop)(x)
    assert exact.numerator // exact.denominator == get_amount_out(x, reserve_in, reserve_out)
    assert hop_ceiling_map(pool, hop) == hop_map(pool, hop)


@PURE_SETTINGS
@given(pool=v3_pools(), zero_for_one=st.booleans(), x=st.one_of(st.integers(1, 10**9), st.integers(1, 10**24)))
def test_v3_ceiling_map_bounds_the_swap_and_the_local_map_is_it_in_range(pool, zero_for_one, x):
    hop = hops_of(pool)[0 if zero_for_one else 1]
    result = pool.swap(zero_for_one, x)
    paid = -(result.amount1 if zero_for_one else result.amount0)
    assert paid <= hop_ceiling_map(pool, hop)(x)
    local = hop_map(pool, hop)
    if local is not None and not result.crossed_ticks and result.tick_after == pool.tick:
        # Within one range the swap is the constant-product curve, rounded in the pool's favour:
        # the fee rounds the input down (< 1 unit, worth < the marginal rate), each delta by 1.
        assert local(x) - 2 - Fraction(local.k, local.m) <= paid <= local(x)


@PURE_SETTINGS
@given(a=SMALL, b=SMALL, c=SMALL, d=SMALL, loan_bps=LOANS)
def test_closed_form_optimum_is_the_real_valued_maximum(a, b, c, d, loan_bps):
    composed = LinearFractional(997 * b, 1000 * a, 997).then(LinearFractional(997 * d, 1000 * c, 997))
    factor = Fraction(10_000 + loan_bps, 10_000)
    x_star = composed.optimal_input(loan_bps)
    if not composed.is_profitable(loan_bps):
        assert x_star == 0 and composed.max_profit_ceiling(loan_bps) == 0
        return
    value = [composed(x) - factor * x for x in range(max(0, x_star - 3), x_star + 5)]
    best_near = max(composed(x) - factor * x for x in (x_star, x_star + 1))
    assert best_near == max(value)
    grid = max(composed(x) - factor * x for x in range(0, 4 * max(a, c)))
    assert best_near == grid
    ceiling = composed.max_profit_ceiling(loan_bps)
    assert ceiling is not None and grid <= ceiling <= grid + 2


# --- exact sizing ------------------------------------------------------------------------------


@PURE_SETTINGS
@given(
    reserves=st.lists(SMALL, min_size=6, max_size=6),
    loan_bps=LOANS,
    three=st.booleans(),
    base_fee=st.sampled_from([0, 0, 1, 7, 30]),
)
def test_v2_sizing_is_the_integer_optimum_at_tiny_reserves(reserves, loan_bps, three, base_fee):
    pools = _v2_cycle_pools(reserves, three)
    params = SizingParams(base_fee_wei=base_fee, gas=FLAT_GAS, loan=FlashLoan(loan_bps))
    for cycle in enumerate_cycles(pools.values(), WETH):
        found = _assert_integer_optimum(cycle, pools, params)
        ceiling = max_profit_ceiling(cycle, pools, loan_bps)
        assert found is None or (ceiling is not None and found.net_profit + found.gas_cost_wei <= ceiling)


def test_a_tiny_cycle_the_closed_form_missed_is_sized():
    # The closed form's x* lands where the exact profit has just dipped (every hop rounds down on
    # a few thousand wei), and the search that replaced it found nothing paying: one input pays.
    pools = _v2_cycle_pools([6751, 5233, 3894, 5258], three=False)
    cycle = next(c for c in enumerate_cycles(pools.values(), WETH) if c.pools == ("p", "q"))
    found = _assert_integer_optimum(cycle, pools, SizingParams(base_fee_wei=0, gas=FREE_GAS))
    assert found is not None and (found.amount_in, found.net_profit) == (43, 1)


@settings(PURE_SETTINGS, max_examples=120)
@given(data=st.data(), loan_bps=LOANS, three=st.booleans(), base_fee=st.sampled_from([0, 3]))
def test_v2_sizing_is_the_integer_optimum_with_deep_pools(data, loan_bps, three, base_fee):
    """Base-token reserves of thousands of wei against 10^18..10^24 wei and up to uint112 max of
    the other tokens: the intermediate amounts are huge, the window small enough to scan."""
    weth = data.draw(st.lists(st.integers(1_000, 20_000), min_size=2, max_size=2))
    a = data.draw(DEEP)
    if three:
        b = data.draw(DEEP)
        r = [weth[0], a, a * data.draw(SKEW) // 10_000, b, b * data.draw(SKEW) // 10_000, weth[1]]
    else:
        r = [weth[0], a, a * data.draw(SKEW) // 10_000, weth[1]]
    assume(all(0 < x < 2**112 for x in r))
    pools = _v2_cycle_pools(r, three)
    params = SizingParams(base_fee_wei=base_fee, gas=FLAT_GAS, loan=FlashLoan(loan_bps))
    for cycle in enumerate_cycles(pools.values(), WETH):
        _assert_integer_optimum(cycle, pools, params)


@settings(PURE_SETTINGS, max_examples=100)
@given(
    reserves=st.lists(st.integers(10**18, 10**24), min_size=2, max_size=3),
    skews=st.lists(SKEW, min_size=3, max_size=3),
)
def test_v2_sizing_at_realistic_reserves_is_within_the_rounding_band(reserves, skews):
    """Deep pools on every side: the window is about sqrt(reserve) wide, too wide to scan, and the
    exact profit is flat to within the rounding band there. The result is the best input of a
    scan of 2,000 inputs around it, or short of it by less than the band: one unit per hop,
    times the marginal rates of the hops after it, plus one for the premium's rounding."""
    three = len(reserves) == 3
    a, b = reserves[0], reserves[-1]
    r = [a, b, b * skews[0] // 10_000, a * skews[1] // 10_000]
    if three:
        c = reserves[1]
        r = [a, b, b * skews[0] // 10_000, c, c * skews[1] // 10_000, a * skews[2] // 10_000]
    pools = _v2_cycle_pools(r, three)
    loan = FlashLoan(5)
    for cycle in enumerate_cycles(pools.values(), WETH):
        found = size_cycle(cycle, pools, SizingParams(base_fee_wei=0, gas=FREE_GAS, loan=loan))
        if found is None:
            continue
        band, rate = Fraction(2), Fraction(1)
        for hop in reversed(cycle.hops[1:]):
            rate *= Fraction(*marginal_rate(pools[hop.pool], hop))
            band += rate
        window = profit_window(_ceiling_of(cycle, pools), 5, found.net_profit)
        assert window is not None and window[0] <= found.amount_in <= window[1]
        nearby = max(
            cycle_amount_out(cycle, pools, x) - x - loan.premium(x)
            for x in range(max(1, found.amount_in - 1_000), found.amount_in + 1_000)
        )
        assert nearby - band < found.net_profit <= nearby


@settings(PURE_SETTINGS, max_examples=10)
@given(data=st.data(), loan_bps=LOANS, base_fee=st.sampled_from([0, 2]))
def test_mixed_v2_v3_sizing_is_the_integer_optimum(data, loan_bps, base_fee):
    v3 = data.draw(v3_pools(WETH, TKA, "v3", small=True))
    # a V2 pair quoting the V3 price off by up to 15% either way (the small pools' rounding eats 3%)
    price = Fraction(v3.sqrt_price_x96**2, 2**192)
    reserve_weth = data.draw(st.integers(10**3, 10**4))
    skew = Fraction(data.draw(st.integers(8_500, 11_500)), 10_000)
    reserve_tka = int(reserve_weth * price * skew)
    assume(reserve_tka > 100)
    pools = {"v3": v3, "v2": v2_pool("v2", TKA, WETH, reserve_tka, reserve_weth)}
    if data.draw(st.booleans()):  # three hops: TKA to WETH through a deep TKB pair
        deep = data.draw(DEEP)
        pools["v2"] = v2_pool("v2", TKA, TKB, reserve_tka * 10**6, deep)
        pools["w"] = v2_pool("w", TKB, WETH, deep * data.draw(SKEW) // 10_000 // 10**6, reserve_weth)
        assume(all(0 < r < 2**112 for r in (pools["w"].reserve0, pools["w"].reserve1, reserve_tka * 10**6)))
    # a budget that covers the window of every cycle drawn here (the default is for the keeper)
    params = SizingParams(base_fee_wei=base_fee, gas=FLAT_GAS, loan=FlashLoan(loan_bps), max_scan=300_000)
    cycles = enumerate_cycles(pools.values(), WETH)
    assume(all(_brute_force_span(cycle, pools, params.loan) <= 8_000 for cycle in cycles))  # V3 swaps are slow
    for cycle in cycles:
        _assert_integer_optimum(cycle, pools, params)


@settings(PURE_SETTINGS, max_examples=100)
@given(reserves=st.lists(st.integers(100, 3_000), min_size=4, max_size=4), loan_bps=LOANS, target=st.integers(-20, 200))
def test_profit_window_holds_every_input_reaching_the_target(reserves, loan_bps, target):
    a, b, c, d = reserves
    composed = LinearFractional(9970 * b, 10_000 * a, 9970).then(LinearFractional(9970 * d, 10_000 * c, 9970))
    factor = Fraction(10_000 + loan_bps, 10_000)
    window = profit_window(composed, loan_bps, target)
    stop = composed.k // composed.n + 22  # the map stays below k / n: past it the real profit is below -21
    inside = [x for x in range(1, stop) if composed(x) - factor * x > target - Fraction(1, 2)]
    if inside:  # every input the proof's real-valued bound admits, and hardly more (a root may be integral)
        assert window is not None and window[0] <= inside[0] and inside[-1] <= window[1]
        assert inside[0] - window[0] <= 2 and window[1] - inside[-1] <= 2
    else:
        assert window is None or window[1] - window[0] <= 2


@PURE_SETTINGS
@given(reserves=st.lists(st.integers(10**18, 10**22), min_size=4, max_size=4), loan_bps=LOANS)
def test_opportunity_is_self_consistent_and_pays_its_gas(reserves, loan_bps):
    r = reserves
    pools = {"p": v2_pool("p", WETH, TKA, r[0], r[1]), "q": v2_pool("q", TKA, WETH, r[2], r[3])}
    params = _params(loan_bps, base_fee=10**9)
    for cycle in enumerate_cycles(pools.values(), WETH):
        found = size_cycle(cycle, pools, params)
        if found is None:
            continue
        assert found.amount_out == cycle_amount_out(cycle, pools, found.amount_in)
        assert found.gross_profit == found.amount_out - found.amount_in
        assert found.loan_fee == params.loan.premium(found.amount_in)
        assert found.gas_cost_wei == params.gas.units(cycle, pools) * params.base_fee_wei == 200_000 * 10**9
        assert found.net_profit == found.gross_profit - found.loan_fee - found.gas_cost_wei > 0
        # the least input for that output: one wei less gets less out
        assert cycle_amount_out(cycle, pools, found.amount_in - 1) < found.amount_out


@PURE_SETTINGS
@given(reserves=st.lists(st.integers(10**6, 10**22), min_size=4, max_size=4), x=st.integers(1, 10**20))
def test_least_input_for_same_output(reserves, x):
    r = reserves
    pools = {"p": v2_pool("p", WETH, TKA, r[0], r[1]), "q": v2_pool("q", TKA, WETH, r[2], r[3])}
    cycle = enumerate_cycles(pools.values(), WETH)[0]
    try:
        out = cycle_amount_out(cycle, pools, x)
    except ValueError:
        return
    least = least_input_for_same_output(cycle, pools, x)
    assert least <= x and cycle_amount_out(cycle, pools, least) == out
    if least > 1 and out > 0:
        try:
            assert cycle_amount_out(cycle, pools, least - 1) < out
        except ValueError:
            pass  # one wei less does not even get through: less out, too
    amounts = cycle_amounts(cycle, pools, x)
    assert amounts[-1] == out and amounts[1] == hop_amount_out(pools["p"], cycle.hops[0], x)


def test_unprofitable_and_gas_bound_cycles_are_not_sized():
    balanced = {"p": v2_pool("p", WETH, TKA, 10**21, 10**21), "q": v2_pool("q", TKA, WETH, 10**21, 10**21)}
    for cycle in enumerate_cycles(balanced.values(), WETH):
        assert size_cycle(cycle, balanced, _params()) is None
        assert cycle_map(cycle, balanced).is_profitable() is False
    # 2% apart: pays without gas, not at 10,000 gwei
    skewed = {"p": v2_pool("p", WETH, TKA, 10**21, 10**21), "q": v2_pool("q", TKA, WETH, 10**21, 102 * 10**19)}
    cycle = next(c for c in enumerate_cycles(skewed.values(), WETH) if c.pools == ("p", "q"))
    assert size_cycle(cycle, skewed, _params()) is not None
    assert size_cycle(cycle, skewed, _params(base_fee=10**13 * 10**4)) is None


# --- loans and selection -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bps", "amount", "premium"),
    [
        (5, 1_000, 1),  # 0.5 rounds up
        (5, 999, 0),  # 0.4995 rounds down
        (5, 3_000, 2),  # 1.5 rounds up
        (5, 1_234_567 * 10**18 + 1, 617_283_500_000_000_000_000),
        (9, 10**18, 9 * 10**14),
    ],
)
def test_aave_premium_rounds_half_up(bps, amount, premium):
    assert FlashLoan(bps).premium(amount) == premium
    assert FlashLoan(0).premium(amount) == 0


def _opportunity(pools: tuple[str, ...], net: int) -> Opportunity:
    hops = []
    tokens = [WETH] + [f"T{i}" for i in range(len(pools) - 1)] + [WETH]
    for pool, a, b in zip(pools, tokens, tokens[1:], strict=False):
        hops.append(hops_of(v2_pool(pool, a, b, 1, 1))[0 if a < b else 1])
    return Opportunity(Cycle(tuple(hops)), 1, 1 + net, net, 0, 0, net)


@PURE_SETTINGS
@given(
    st.lists(
        st.tuples(st.lists(st.sampled_from("abcdefgh"), min_size=2, max_size=3, unique=True), st.integers(1, 100)),
        max_size=12,
    )
)
def test_selection_is_greedy_by_net_profit_and_conflict_free(drawn):
    opportunities = [_opportunity(tuple(pools), net) for pools, net in drawn]
    chosen = select_opportunities(opportunities)
    used = [p for o in chosen for p in o.pools]
    assert len(used) == len(set(used))
    assert [o.net_profit for o in chosen] == sorted((o.net_profit for o in chosen), reverse=True)
    for other in opportunities:
        if other not in chosen:  # left out only for a better-or-equal chosen one sharing a pool
            assert any(set(o.pools) & set(other.pools) and o.net_profit >= other.net_profit for o in chosen)
    assert select_opportunities(opportunities, limit=1) == chosen[:1]
