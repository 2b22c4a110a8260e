"""``LiquidityMath.addDelta``: add a signed liquidity delta to a uint128, reverting on under/overflow."""

from __future__ import annotations

MAX_UINT128 = (1 << 128) - 1


def add_delta(x: int, y: int) -> int:
    """``LiquidityMath.addDelta(uint128 x, int128 y)``: 'LS' when liquidity would go negative, 'LA' past 2**128."""
    z = x + y
    if z < 0:
        raise ValueError("LS")
    if z > MAX_UINT128:
        raise ValueError("LA")
    return z
