"""The TWAP arithmetic alone: the periphery's mean-tick rounding, V2 accumulators and their wraparound."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keepers.markets.uniswap_v3.tick_math import MAX_TICK, MIN_TICK
from keepers.prices.cex import to_base_units
from keepers.prices.twap import Q112, UINT256, Cumulative, cumulative_average, current_cumulative, mean_tick

PROPERTIES = settings(max_examples=300, deadline=None, derandomize=True, database=None)


def consult(delta: int, seconds: int) -> int:
    """``OracleLibrary.consult`` as written in Solidity: truncate, then one down for a negative remainder."""
    tick = abs(delta) // seconds * (1 if delta >= 0 else -1)
    if delta < 0 and delta % seconds != 0:
        tick -= 1
    return tick


@PROPERTIES
@given(st.integers(MIN_TICK, MAX_TICK), st.integers(1, 10**6), st.integers(-(10**6), 10**6))
def test_mean_tick_rounds_as_the_periphery(tick, seconds, extra):
    delta = tick * seconds + extra
    assert mean_tick(delta, seconds) == consult(delta, seconds)


def test_mean_tick_examples():
    assert mean_tick(-7, 2) == -4  # -3.5 rounds down
    assert mean_tick(7, 2) == 3
    assert mean_tick(-6, 2) == -3
    with pytest.raises(ValueError):
        mean_tick(1, 0)


def test_v2_accumulator_brought_to_now_and_averaged_across_the_wrap():
    # 2000 USDC (6 decimals) per WETH (18): the pair's UQ112x112 price is floor(quote * 2**112 / base).
    base, quote = 1_000 * 10**18, 2_000_000 * 10**6
    price = quote * Q112 // base
    near_wrap = UINT256 - price * 10  # 10 seconds from wrapping around
    assert current_cumulative(near_wrap, base, quote, updated=100, now=100) == near_wrap
    later = current_cumulative(near_wrap, base, quote, updated=100, now=130)
    assert later == price * 20  # wrapped, as the pair's uint256 does
    average = cumulative_average(Cumulative(1, 100, near_wrap), Cumulative(2, 130, later))
    assert average == Fraction(price, Q112)
    # uint32 timestamps: the pair's last update in the previous 2**32-second era still counts the gap.
    assert current_cumulative(0, base, quote, updated=2**32 - 5, now=2**32 + 5) == price * 10
    with pytest.raises(ValueError, match="no reserves"):
        current_cumulative(0, 0, quote, updated=1, now=2)


def test_exchange_prices_to_base_units():
    assert to_base_units(Decimal("2012.34"), 18, 6) == Fraction(201234, 100) * Fraction(10**6, 10**18)
    assert to_base_units(Decimal("0.5"), 6, 18) == Fraction(10**18, 2 * 10**6)
