"""``SqrtPriceMath``: the next sqrt price after an amount, and the amounts between two sqrt prices.

Ports of Uniswap V3's library with its rounding directions: prices move so the
pool never gives away more than it receives. ``getNextSqrtPriceFromAmount0RoundingUp``
detects overflow of ``amount * sqrtPX96`` by dividing the *wrapped* 256-bit product
back, and falls back to a less precise formula when it overflows; the wrap is
reproduced with a 256-bit mask because the fallback rounds differently.
"""

from __future__ import annotations

from keepers.markets.uniswap_v3.full_math import div_rounding_up, mul_div, mul_div_rounding_up

RESOLUTION = 96
Q96 = 1 << RESOLUTION
MAX_UINT160 = (1 << 160) - 1
MAX_UINT256 = (1 << 256) - 1
_MASK256 = MAX_UINT256


def _to_uint160(y: int) -> int:
    """``SafeCast.toUint160``."""
    if y > MAX_UINT160:
        raise ValueError("SafeCast: uint160 overflow")
    return y


def get_next_sqrt_price_from_amount0_rounding_up(sqrt_px96: int, liquidity: int, amount: int, add: bool) -> int:
    """``SqrtPriceMath.getNextSqrtPriceFromAmount0RoundingUp``: L * sqrtP / (L +- amount * sqrtP), rounded up."""
    if amount == 0:
        return sqrt_px96
    numerator1 = liquidity << RESOLUTION
    product = (amount * sqrt_px96) & _MASK256
    if add:
        if product // amount == sqrt_px96:
            denominator = (numerator1 + product) & _MASK256
            if denominator >= numerator1:
                # always fits 160 bits
                return mul_div_rounding_up(numerator1, sqrt_px96, denominator) & MAX_UINT160
        summed = numerator1 // sqrt_px96 + amount
        if summed > MAX_UINT256:
            raise ValueError("LowGasSafeMath: add overflow")
        return div_rounding_up(numerator1, summed) & MAX_UINT160
    # if the product overflows, the denominator underflows; also require that it does not underflow
    if not (product // amount == sqrt_px96 and numerator1 > product):
        raise ValueError("SqrtPriceMath: amount0 exceeds the virtual reserve")
    return _to_uint160(mul_div_rounding_up(numerator1, sqrt_px96, numerator1 - product))


def get_next_sqrt_price_from_amount1_rounding_down(sqrt_px96: int, liquidity: int, amount: int, add: bool) -> int:
    """``SqrtPriceMath.getNextSqrtPriceFromAmount1RoundingDown``: sqrtP +- amount / L, rounded down."""
    if add:
        quotient = (amount << RESOLUTION) // liquidity if amount <= MAX_UINT160 else mul_div(amount, Q96, liquidity)
        return _to_uint160(sqrt_px96 + quotient)
    quotient = (
        div_rounding_up(amount << RESOLUTION, liquidity)
        if amount <= MAX_UINT160
        else mul_div_rounding_up(amount, Q96, liquidity)
    )
    if not sqrt_px96 > quotient:
        raise ValueError("SqrtPriceMath: amount1 exceeds the virtual reserve")
    return sqrt_px96 - quotient


def get_next_sqrt_price_from_input(sqrt_px96: int, liquidity: int, amount_in: int, zero_for_one: bool) -> int:
    """``SqrtPriceMath.getNextSqrtPriceFromInput``: rounds so the price does not pass the target."""
    if sqrt_px96 <= 0 or liquidity <= 0:
        raise ValueError("SqrtPriceMath: zero price or liquidity")
    if zero_for_one:
        return get_next_sqrt_price_from_amount0_rounding_up(sqrt_px96, liquidity, amount_in, True)
    return get_next_sqrt_price_from_amount1_rounding_down(sqrt_px96, liquidity, amount_in, True)


def get_next_sqrt_price_from_output(sqrt_px96: int, liquidity: int, amount_out: int, zero_for_one: bool) -> int:
    """``SqrtPriceMath.getNextSqrtPriceFromOutput``: rounds so the price passes the target."""
    if sqrt_px96 <= 0 or liquidity <= 0:
        raise ValueError("SqrtPriceMath: zero price or liquidity")
    if zero_for_one:
        return get_next_sqrt_price_from_amount1_rounding_down(sqrt_px96, liquidity, amount_out, False)
    return get_next_sqrt_price_from_amount0_rounding_up(sqrt_px96, liquidity, amount_out, False)


def get_amount0_delta(sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int, round_up: bool) -> int:
    """``SqrtPriceMath.getAmount0Delta`` (unsigned): L * (sqrtB - sqrtA) / (sqrtA * sqrtB)."""
    if sqrt_ratio_a_x96 > sqrt_ratio_b_x96:
        sqrt_ratio_a_x96, sqrt_ratio_b_x96 = sqrt_ratio_b_x96, sqrt_ratio_a_x96
    if sqrt_ratio_a_x96 <= 0:
        raise ValueError("SqrtPriceMath: zero sqrt ratio")
    numerator1 = liquidity << RESOLUTION
    numerator2 = sqrt_ratio_b_x96 - sqrt_ratio_a_x96
    if round_up:
        return div_rounding_up(mul_div_rounding_up(numerator1, numerator2, sqrt_ratio_b_x96), sqrt_ratio_a_x96)
    return mul_div(numerator1, numerator2, sqrt_ratio_b_x96) // sqrt_ratio_a_x96


def get_amount1_delta(sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int, round_up: bool) -> int:
    """``SqrtPriceMath.getAmount1Delta`` (unsigned): L * (sqrtB - sqrtA)."""
    if sqrt_ratio_a_x96 > sqrt_ratio_b_x96:
        sqrt_ratio_a_x96, sqrt_ratio_b_x96 = sqrt_ratio_b_x96, sqrt_ratio_a_x96
    if round_up:
        return mul_div_rounding_up(liquidity, sqrt_ratio_b_x96 - sqrt_ratio_a_x96, Q96)
    return mul_div(liquidity, sqrt_ratio_b_x96 - sqrt_ratio_a_x96, Q96)
