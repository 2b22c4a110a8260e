"""Periphery ``LiquidityAmounts`` and the pool's ``_modifyPosition`` amounts: the liquidity a
position manager mints for the amounts it is offered, and the exact amounts the pool then takes
(or pays back on a burn). Ints in, ints out, rounding as on chain."""

from __future__ import annotations

from keepers.markets.uniswap_v3.full_math import mul_div
from keepers.markets.uniswap_v3.sqrt_price_math import Q96, get_amount0_delta, get_amount1_delta
from keepers.markets.uniswap_v3.tick_math import get_sqrt_ratio_at_tick

MAX_UINT128 = 2**128 - 1


def _to_uint128(x: int) -> int:
    if x > MAX_UINT128:
        raise ValueError("LiquidityAmounts: liquidity overflows uint128")
    return x


def liquidity_for_amount0(sqrt_a_x96: int, sqrt_b_x96: int, amount0: int) -> int:
    """``getLiquidityForAmount0``: amount0 * (sqrtA * sqrtB) / (sqrtB - sqrtA), rounded down."""
    sqrt_a_x96, sqrt_b_x96 = sorted((sqrt_a_x96, sqrt_b_x96))
    intermediate = mul_div(sqrt_a_x96, sqrt_b_x96, Q96)
    return _to_uint128(mul_div(amount0, intermediate, sqrt_b_x96 - sqrt_a_x96))


def liquidity_for_amount1(sqrt_a_x96: int, sqrt_b_x96: int, amount1: int) -> int:
    """``getLiquidityForAmount1``: amount1 / (sqrtB - sqrtA), rounded down."""
    sqrt_a_x96, sqrt_b_x96 = sorted((sqrt_a_x96, sqrt_b_x96))
    return _to_uint128(mul_div(amount1, Q96, sqrt_b_x96 - sqrt_a_x96))


def liquidity_for_amounts(sqrt_price_x96: int, sqrt_a_x96: int, sqrt_b_x96: int, amount0: int, amount1: int) -> int:
    """``getLiquidityForAmounts``: the most liquidity both amounts pay for at the current price."""
    sqrt_a_x96, sqrt_b_x96 = sorted((sqrt_a_x96, sqrt_b_x96))
    if sqrt_price_x96 <= sqrt_a_x96:
        return liquidity_for_amount0(sqrt_a_x96, sqrt_b_x96, amount0)
    if sqrt_price_x96 < sqrt_b_x96:
        return min(
            liquidity_for_amount0(sqrt_price_x96, sqrt_b_x96, amount0),
            liquidity_for_amount1(sqrt_a_x96, sqrt_price_x96, amount1),
        )
    return liquidity_for_amount1(sqrt_a_x96, sqrt_b_x96, amount1)


def position_amounts(
    sqrt_price_x96: int, tick: int, lower: int, upper: int, liquidity: int, round_up: bool
) -> tuple[int, int]:
    """The pool's amounts for `liquidity` in [lower, upper): what a mint takes (`round_up`) or a
    burn owes (not). The pool compares its current `tick`, not the price, with the range."""
    sqrt_lower, sqrt_upper = get_sqrt_ratio_at_tick(lower), get_sqrt_ratio_at_tick(upper)
    if tick < lower:
        return get_amount0_delta(sqrt_lower, sqrt_upper, liquidity, round_up), 0
    if tick < upper:
        return (
            get_amount0_delta(sqrt_price_x96, sqrt_upper, liquidity, round_up),
            get_amount1_delta(sqrt_lower, sqrt_price_x96, liquidity, round_up),
        )
    return 0, get_amount1_delta(sqrt_lower, sqrt_upper, liquidity, round_up)
