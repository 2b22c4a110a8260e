"""What a Uniswap V3 position takes and gives, predicted exactly: the periphery's
``LiquidityAmounts.getLiquidityForAmounts`` (what the position manager mints for the desired
amounts) and the pool's ``_modifyPosition`` amounts (rounded up when liquidity is added, down when
it is removed), over the project's ``SqrtPriceMath`` and ``TickMath``."""

from __future__ import annotations

from keepers.markets.uniswap_v3.full_math import mul_div
from keepers.markets.uniswap_v3.sqrt_price_math import Q96, get_amount0_delta, get_amount1_delta
from keepers.markets.uniswap_v3.tick_math import get_sqrt_ratio_at_tick

MAX_UINT128 = (1 << 128) - 1


def _liquidity0(sqrt_a: int, sqrt_b: int, amount0: int) -> int:
    """``LiquidityAmounts.getLiquidityForAmount0``."""
    intermediate = mul_div(sqrt_a, sqrt_b, Q96)
    return _uint128(mul_div(amount0, intermediate, sqrt_b - sqrt_a))


def _liquidity1(sqrt_a: int, sqrt_b: int, amount1: int) -> int:
    """``LiquidityAmounts.getLiquidityForAmount1``."""
    return _uint128(mul_div(amount1, Q96, sqrt_b - sqrt_a))


def _uint128(value: int) -> int:
    if value > MAX_UINT128:
        raise ValueError("liquidity overflows uint128")
    return value


def liquidity_for_amounts(sqrt_price: int, sqrt_a: int, sqrt_b: int, amount0: int, amount1: int) -> int:
    """``LiquidityAmounts.getLiquidityForAmounts``: the most liquidity the amounts pay for."""
    sqrt_a, sqrt_b = sorted((sqrt_a, sqrt_b))
    if sqrt_price <= sqrt_a:
        return _liquidity0(sqrt_a, sqrt_b, amount0)
    if sqrt_price < sqrt_b:
        return min(_liquidity0(sqrt_price, sqrt_b, amount0), _liquidity1(sqrt_a, sqrt_price, amount1))
    return _liquidity1(sqrt_a, sqrt_b, amount1)


def amounts_for_liquidity(slot0, tick_lower: int, tick_upper: int, liquidity: int, round_up: bool) -> tuple[int, int]:
    """The pool's amounts for adding (`round_up`) or removing `liquidity` at `slot0` (its tick and sqrt
    price): which side of the range the price is on is decided by the tick, as the pool decides it."""
    sqrt_a, sqrt_b = get_sqrt_ratio_at_tick(tick_lower), get_sqrt_ratio_at_tick(tick_upper)
    if slot0.tick < tick_lower:
        return get_amount0_delta(sqrt_a, sqrt_b, liquidity, round_up), 0
    if slot0.tick < tick_upper:
        return (
            get_amount0_delta(slot0.sqrtPriceX96, sqrt_b, liquidity, round_up),
            get_amount1_delta(sqrt_a, slot0.sqrtPriceX96, liquidity, round_up),
        )
    return 0, get_amount1_delta(sqrt_a, sqrt_b, liquidity, round_up)
