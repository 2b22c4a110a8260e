"""TickMath: known values, the real-valued definition within one unit, and exact round trips."""

from __future__ import annotations

from decimal import Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keepers.markets.uniswap_v3.tick_math import (
    MAX_SQRT_RATIO,
    MAX_TICK,
    MIN_SQRT_RATIO,
    MIN_TICK,
    get_sqrt_ratio_at_tick,
    get_tick_at_sqrt_ratio,
)
from tests.markets.conftest import PURE_SETTINGS

TICKS = st.integers(MIN_TICK, MAX_TICK)


def _exact_sqrt_ratio(tick: int) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 100
        return (Decimal("1.0001") ** tick).sqrt() * (2**96)


def test_boundaries_and_known_values():
    assert get_sqrt_ratio_at_tick(0) == 2**96
    assert get_sqrt_ratio_at_tick(MIN_TICK) == MIN_SQRT_RATIO == 4295128739
    assert get_sqrt_ratio_at_tick(MAX_TICK) == MAX_SQRT_RATIO == 1461446703485210103287273052203988822378723970342
    assert get_sqrt_ratio_at_tick(MIN_TICK + 1) == 4295343490
    assert get_sqrt_ratio_at_tick(MAX_TICK - 1) == 1461373636630004318706518188784493106690254656249
    assert get_tick_at_sqrt_ratio(MIN_SQRT_RATIO) == MIN_TICK
    assert get_tick_at_sqrt_ratio(MAX_SQRT_RATIO - 1) == MAX_TICK - 1
    assert get_tick_at_sqrt_ratio(2**96) == 0
    assert get_tick_at_sqrt_ratio(2**96 - 1) == -1


@pytest.mark.parametrize("tick", [MIN_TICK - 1, MAX_TICK + 1, -(2**23)])
def test_ticks_beyond_the_range_revert(tick):
    with pytest.raises(ValueError, match="T"):
        get_sqrt_ratio_at_tick(tick)


@pytest.mark.parametrize("sqrt_price", [0, MIN_SQRT_RATIO - 1, MAX_SQRT_RATIO, 2**160 - 1])
def test_prices_beyond_the_range_revert(sqrt_price):
    with pytest.raises(ValueError, match="R"):
        get_tick_at_sqrt_ratio(sqrt_price)


@PURE_SETTINGS
@given(tick=TICKS)
def test_sqrt_ratio_is_the_real_value_within_one_unit_or_1e_19(tick):
    """The library's documented accuracy: the fixed-point product chain (and, for positive ticks, the
    inversion) stays within ~4e-20 relative; below 2**96 the last unit's rounding dominates."""
    exact = _exact_sqrt_ratio(tick)
    assert abs(Decimal(get_sqrt_ratio_at_tick(tick)) - exact) <= 1 + exact * Decimal("1e-19")


@PURE_SETTINGS
@given(tick=st.integers(MIN_TICK, MAX_TICK - 1))
def test_round_trip_and_every_price_in_a_tick_maps_to_it(tick):
    low, high = get_sqrt_ratio_at_tick(tick), get_sqrt_ratio_at_tick(tick + 1)
    assert low < high
    assert get_tick_at_sqrt_ratio(low) == tick
    assert get_tick_at_sqrt_ratio(high - 1) == tick
    assert get_tick_at_sqrt_ratio((low + high) // 2) == tick
    if tick > MIN_TICK:
        assert get_tick_at_sqrt_ratio(low - 1) == tick - 1


@PURE_SETTINGS
@given(sqrt_price=st.integers(MIN_SQRT_RATIO, MAX_SQRT_RATIO - 1))
def test_tick_at_price_is_the_greatest_tick_at_or_below_it(sqrt_price):
    tick = get_tick_at_sqrt_ratio(sqrt_price)
    assert get_sqrt_ratio_at_tick(tick) <= sqrt_price
    if tick < MAX_TICK:
        assert get_sqrt_ratio_at_tick(tick + 1) > sqrt_price
