"""``V3Pool`` without a chain: internal consistency of the swap (the chain tests pin it to the pool)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keepers.markets.uniswap_v3 import V3Pool
from keepers.markets.uniswap_v3.tick_math import MAX_SQRT_RATIO, MIN_SQRT_RATIO, get_sqrt_ratio_at_tick
from tests.markets.builders import v3_pool, v3_pools
from tests.markets.conftest import PURE_SETTINGS

AMOUNTS = st.one_of(st.integers(1, 10**6), st.integers(1, 10**21), st.integers(1, 10**26))


@PURE_SETTINGS
@given(pool=v3_pools(), zero_for_one=st.booleans(), amount=AMOUNTS)
def test_exact_input_moves_the_price_and_leaves_a_consistent_state(pool, zero_for_one, amount):
    result = pool.swap(zero_for_one, amount)
    used, paid = (result.amount0, result.amount1) if zero_for_one else (result.amount1, result.amount0)
    assert 0 <= used <= amount and paid <= 0
    price = result.sqrt_price_x96_after
    assert (price <= pool.sqrt_price_x96) if zero_for_one else (price >= pool.sqrt_price_x96)
    assert MIN_SQRT_RATIO < price < MAX_SQRT_RATIO
    assert used == amount or price in (MIN_SQRT_RATIO + 1, MAX_SQRT_RATIO - 1)
    # the liquidity after is the sum of liquidityNet of the initialized ticks at or below the tick
    assert result.liquidity_after == sum(n for t, n in pool.ticks.items() if t <= result.tick_after)
    # the tick brackets the price (or sits just below a boundary the price reached going down)
    assert get_sqrt_ratio_at_tick(result.tick_after) <= price <= get_sqrt_ratio_at_tick(result.tick_after + 1)
    crossed = list(result.crossed_ticks)
    assert crossed == sorted(crossed, reverse=zero_for_one) and set(crossed) <= set(pool.ticks)


@PURE_SETTINGS
@given(pool=v3_pools(), zero_for_one=st.booleans(), amount=st.integers(1, 10**20))
def test_exact_output_of_an_exact_inputs_proceeds_costs_no_more(pool, zero_for_one, amount):
    token_in = pool.token0 if zero_for_one else pool.token1
    token_out = pool.token1 if zero_for_one else pool.token0
    try:
        out = pool.amount_out(token_in, amount)
    except ValueError:
        return
    if out == 0:
        return
    assert pool.amount_in(token_out, out) <= amount
    after = pool.with_swap(token_in, amount)
    assert after.ticks is pool.ticks and after.fee == pool.fee


@PURE_SETTINGS
@given(pool=v3_pools(), zero_for_one=st.booleans())
def test_max_liquidity_is_the_largest_range_ahead(pool, zero_for_one):
    ticks = sorted(pool.ticks)
    levels = [pool.liquidity]
    running = pool.liquidity
    if zero_for_one:
        for t in reversed([t for t in ticks if t <= pool.tick]):
            running -= pool.ticks[t]
            levels.append(running)
    else:
        for t in [t for t in ticks if t > pool.tick]:
            running += pool.ticks[t]
            levels.append(running)
    assert pool.max_liquidity(zero_for_one) == max(levels)
    assert min(levels) >= 0


def test_swap_argument_checks():
    pool = v3_pool("v3", "T0", "T1", 0, [(-600, 600, 10**18)])
    with pytest.raises(ValueError, match="AS"):
        pool.swap(True, 0)
    with pytest.raises(ValueError, match="SPL"):
        pool.swap(True, 10, pool.sqrt_price_x96)
    with pytest.raises(ValueError, match="SPL"):
        pool.swap(False, 10, MAX_SQRT_RATIO)
    with pytest.raises(ValueError):
        V3Pool("v3", "T0", "T1", 3000, 60, 2**96, 0, 0, {61: 1, -61: -1})
    with pytest.raises(ValueError):  # more than the pool can pay
        pool.amount_in("T1", 10**30)
    with pytest.raises(ValueError):  # the price limit stops the swap before the input is used
        pool.amount_out("T0", 10**30)
