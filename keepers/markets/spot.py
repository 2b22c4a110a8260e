"""Spot (marginal, fee-free) prices of pools as exact fractions of base units.

Pure functions: integers from the chain in, ``Fraction`` out, no rounding. A
price is "quote base units per one base unit of the base token"; use
``human_price`` to express it per whole token for display.
"""

from __future__ import annotations

from fractions import Fraction

Q192 = 1 << 192


def v2_spot(reserve_base: int, reserve_quote: int) -> Fraction:
    """Uniswap V2 marginal price: reserve_quote / reserve_base."""
    if reserve_base <= 0 or reserve_quote < 0:
        raise ValueError("reserves must be positive")
    return Fraction(reserve_quote, reserve_base)


def v3_spot(sqrt_price_x96: int, base_is_token0: bool) -> Fraction:
    """Uniswap V3 price from ``slot0.sqrtPriceX96`` (token1 per token0 = sqrtP^2 / 2^192)."""
    if sqrt_price_x96 <= 0:
        raise ValueError("sqrtPriceX96 must be positive")
    price = Fraction(sqrt_price_x96 * sqrt_price_x96, Q192)
    return price if base_is_token0 else 1 / price


def weighted_spot(balance_base: int, weight_base: int, balance_quote: int, weight_quote: int) -> Fraction:
    """Balancer weighted-pool spot price: (B_quote / w_quote) / (B_base / w_base)."""
    if balance_base <= 0 or weight_base <= 0 or weight_quote <= 0:
        raise ValueError("balances and weights must be positive")
    return Fraction(balance_quote * weight_base, balance_base * weight_quote)


def human_price(price: Fraction, base_decimals: int, quote_decimals: int) -> Fraction:
    """Quote tokens per whole base token, from a price in base units."""
    return price * Fraction(10**base_decimals, 10**quote_decimals)
