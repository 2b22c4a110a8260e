"""The correction to a target price, exactly: V2 to the closest achievable price (within 1 bp), V3 to
within one tick through initialized ticks, and a typed refusal where the target is out of reach."""

from __future__ import annotations

import random
from fractions import Fraction

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from keepers.markets.pieces import PieceSizes, split
from keepers.markets.price_target import (
    Correction,
    Unreachable,
    correct,
    correct_v2,
    miss_bp,
    miss_ticks,
    price_of_sqrt,
    sqrt_price_of,
    v2_pieces_price_range,
    v2_price_after,
    v2_root,
)
from keepers.markets.uniswap_v2 import V2Pool
from keepers.markets.uniswap_v3 import V3Pool
from keepers.markets.uniswap_v3.tick_math import get_sqrt_ratio_at_tick
from tests.markets.builders import v3_pool, v3_pools
from tests.markets.conftest import PURE_SETTINGS

RESERVES = st.integers(6, 30).flatmap(lambda e: st.integers(10**e, 10 ** (e + 1)))
# A target as a ratio of the current price: 1/2 to 2, never 1.
RATIOS = st.fractions(Fraction(1, 2), Fraction(2), max_denominator=10**6).filter(lambda r: r != 1)


@st.composite
def v2_pools(draw) -> V2Pool:
    return V2Pool("pair", "T0", "T1", draw(RESERVES), draw(RESERVES), draw(st.sampled_from([0, 5, 25, 30, 100])))


def price(pool: V2Pool) -> Fraction:
    return Fraction(pool.reserve1, pool.reserve0)


@PURE_SETTINGS
@given(pool=v2_pools(), ratio=RATIOS)
def test_v2_lands_on_the_closest_achievable_price_within_one_bp(pool, ratio):
    target = price(pool) * ratio
    result = correct_v2(pool, target)
    assert isinstance(result, Correction) and result.unit == "bp"
    assert result.zero_for_one == (ratio < 1)
    amount = result.amount_in
    # what the pair does with that input, by the exact library math
    after = pool.with_swap(result.token_in, amount)
    assert result.price_after == price(after) == v2_price_after(pool, result.zero_for_one, amount)
    assert result.amount_out == pool.amount_out(result.token_in, amount)
    # no neighbouring input gets closer
    for other in (amount - 1, amount + 1):
        assert abs(v2_price_after(pool, result.zero_for_one, other) - target) >= abs(result.price_after - target)
    assert abs(result.miss) <= 1 and result.miss == miss_bp(result.price_after, target)
    # the closed form proposes within the rounding of one base unit out (in units of the input) of it
    reserve_in, reserve_out = pool.reserves(result.zero_for_one)
    assert abs(v2_root(pool, result.zero_for_one, target) - amount) <= 2 + 2 * reserve_in // reserve_out


@settings(PURE_SETTINGS, max_examples=100)
@given(pool=v2_pools(), ratio=RATIOS)
def test_v2_refuses_past_the_cap_and_names_the_closest(pool, ratio):
    needed = correct_v2(pool, price(pool) * ratio).amount_in  # type: ignore[union-attr]
    assume(needed > 1)
    result = correct_v2(pool, price(pool) * ratio, max_amount_in=needed - 1)
    assert isinstance(result, Unreachable) and result.reason == "cap" and result.needed == needed
    assert result.closest is not None and result.closest.amount_in == needed - 1
    assert correct_v2(pool, price(pool) * ratio, max_amount_in=needed) == correct_v2(pool, price(pool) * ratio)


def test_v2_targets_out_of_reach_or_already_met():
    pool = V2Pool("pair", "T0", "T1", 10**21, 2 * 10**24)
    assert correct_v2(pool, Fraction(0)).reason == "invalid_target"  # type: ignore[union-attr]
    assert correct_v2(pool, price(pool) * 2**200).reason == "invalid_target"  # type: ignore[union-attr]
    here = correct_v2(pool, price(pool))
    assert isinstance(here, Correction) and here.amount_in == 0 and here.miss == 0
    # a target between the price now and the price after one wei: nothing to do is closest
    nearly = correct_v2(pool, price(pool) * (1 - Fraction(1, 10**30)))
    assert isinstance(nearly, Correction) and nearly.amount_in == 0


def test_v2_the_fee_is_in_the_closed_form():
    """The fee raises the input by about half the fee: what the fee keeps in the pair deepens it."""
    pool = V2Pool("pair", "T0", "T1", 10**21, 2 * 10**24, fee_bps=30)
    target = price(pool) * Fraction(98, 100)
    with_fee = correct_v2(pool, target).amount_in  # type: ignore[union-attr]
    free = correct_v2(V2Pool("pair", "T0", "T1", 10**21, 2 * 10**24, fee_bps=0), target).amount_in  # type: ignore[union-attr]
    assert Fraction(10014, 10000) < Fraction(with_fee, free) < Fraction(10016, 10000)


SHIFTS = st.integers(-2500, 2500)  # target ticks from the pool's, where v3_pools lays its positions


def liquidity_at(pool: V3Pool, tick: int) -> int:
    return sum(net for t, net in pool.ticks.items() if t <= tick)


@PURE_SETTINGS
@given(pool=v3_pools(), shift=SHIFTS, offset=st.integers(0, 2**80))
def test_v3_ends_within_one_tick_of_the_target_without_a_price_limit(pool, shift, offset):
    target_tick = pool.tick + shift
    low, high = get_sqrt_ratio_at_tick(target_tick), get_sqrt_ratio_at_tick(target_tick + 1)
    target = low + offset % (high - low)
    result = correct(pool, sqrt_price_x96=target)
    if isinstance(result, Unreachable):
        assert result.reason == "no_liquidity" and liquidity_at(pool, target_tick) == 0
        return
    assert result.unit == "tick" and abs(result.miss) < 1
    assert result.zero_for_one == (target < pool.sqrt_price_x96)
    if result.amount_in:
        # the exact-input swap the router makes with no limit ends where the correction says
        swap = pool.swap(result.zero_for_one, result.amount_in)
        assert price_of_sqrt(swap.sqrt_price_x96_after) == result.price_after
        assert (swap.amount0 if result.zero_for_one else swap.amount1) == result.amount_in  # all of it used
        # the same swap with the target as its limit stops there or within the last step's rounding
        limited = pool.swap(result.zero_for_one, result.amount_in, target).sqrt_price_x96_after
        assert abs(miss_ticks(price_of_sqrt(limited), result.target)) < 1


@settings(PURE_SETTINGS, max_examples=100)
@given(pool=v3_pools(), shift=SHIFTS)
def test_v3_refuses_past_the_cap(pool, shift):
    target_tick = pool.tick + shift
    result = correct(pool, sqrt_price_x96=get_sqrt_ratio_at_tick(target_tick))
    assume(isinstance(result, Correction) and result.amount_in > 2)
    capped = correct(pool, sqrt_price_x96=get_sqrt_ratio_at_tick(target_tick), max_amount_in=result.amount_in // 2)
    assert isinstance(capped, Unreachable) and capped.reason == "cap"
    assert capped.needed is not None and capped.needed >= result.amount_in
    assert capped.closest is not None and capped.closest.amount_in == result.amount_in // 2


def test_v3_through_initialized_ticks_and_into_a_gap():
    # liquidity between -600 and 600, more between -120 and 120, nothing above 600
    pool = v3_pool("v3", "T0", "T1", 10, [(-600, 600, 10**20), (-120, 120, 10**21)])
    deep = correct(pool, sqrt_price_x96=get_sqrt_ratio_at_tick(-400) + 7)
    assert isinstance(deep, Correction) and deep.zero_for_one and abs(deep.miss) < 1
    assert pool.swap(True, deep.amount_in).crossed_ticks == (-120,)
    gap = correct(pool, price=price_of_sqrt(get_sqrt_ratio_at_tick(900)))
    assert isinstance(gap, Unreachable) and gap.reason == "no_liquidity" and gap.needed is None
    assert gap.closest is not None and gap.closest.price_after == price_of_sqrt(get_sqrt_ratio_at_tick(600))
    # the edge of the liquidity itself is reachable
    edge = correct(pool, sqrt_price_x96=get_sqrt_ratio_at_tick(600))
    assert isinstance(edge, Correction) and edge.miss == 0
    here = correct(pool, sqrt_price_x96=pool.sqrt_price_x96)
    assert isinstance(here, Correction) and here.amount_in == 0
    assert correct(pool, price=Fraction(-1)).reason == "invalid_target"  # type: ignore[union-attr]
    assert correct(pool, sqrt_price_x96=1).reason == "invalid_target"  # type: ignore[union-attr]


def test_a_target_price_and_its_sqrt_agree():
    target = Fraction(2000 * 10**6, 10**18) * Fraction(103, 100)
    sqrt = sqrt_price_of(target)
    assert price_of_sqrt(sqrt) <= target < price_of_sqrt(sqrt + 1)


# -- pieces: same-direction swaps in any order --------------------------------------------------


@settings(PURE_SETTINGS, max_examples=100)
@given(
    pool=v2_pools(),
    ratio=st.fractions(Fraction(9, 10), Fraction(11, 10), max_denominator=10**4).filter(lambda r: r != 1),
    seed=st.integers(0, 2**32),
)
def test_v2_pieces_in_any_order_end_in_the_range_and_within_one_bp(pool, ratio, seed):
    target = price(pool) * ratio
    correction = correct_v2(pool, target)
    assert isinstance(correction, Correction)
    total = correction.amount_in
    assume(total >= 20)
    rng = random.Random(seed)
    pieces = split(total, PieceSizes(max(1, total // 40), max(1, total // 4), "lognormal"), rng)
    low, high = v2_pieces_price_range(pool, correction.zero_for_one, total, len(pieces))
    single = correction.price_after
    assert low <= single <= high
    for order in (sorted(pieces), sorted(pieces, reverse=True), rng.sample(pieces, len(pieces))):
        state = pool
        for piece in order:
            state = state.with_swap(correction.token_in, piece)
        after = price(state)
        assert low <= after <= high
        assert abs(miss_bp(after, target)) <= 1
    # the range is the rounding of each piece plus fee * (X / R)^2, far below a basis point here
    assert miss_bp(high, low) <= 0.5


@settings(PURE_SETTINGS, max_examples=100)
@given(pool=v3_pools(), shift=SHIFTS, seed=st.integers(0, 2**32))
def test_v3_pieces_in_any_order_end_within_one_tick(pool, shift, seed):
    target_tick = pool.tick + shift
    correction = correct(pool, sqrt_price_x96=get_sqrt_ratio_at_tick(target_tick))
    assume(isinstance(correction, Correction) and correction.amount_in >= 10**9)
    assert isinstance(correction, Correction)
    rng = random.Random(seed)
    total = correction.amount_in
    pieces = split(total, PieceSizes(total // 30, total // 3, "uniform"), rng)
    for order in (pieces, rng.sample(pieces, len(pieces))):
        state = pool
        for piece in order:
            state = state.with_swap(correction.token_in, piece)
        assert abs(miss_ticks(price_of_sqrt(state.sqrt_price_x96), correction.target)) < 1
