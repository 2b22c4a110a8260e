"""``FullMath``: 512-bit-safe ``a * b / denominator`` with floor or ceiling, as Uniswap V3 computes it.

Python integers are unbounded, so the 512-bit product needs no tricks; what is kept
from the Solidity library is where it reverts: a zero denominator and a result that
does not fit 256 bits (``ValueError`` here).
"""

from __future__ import annotations

MAX_UINT256 = (1 << 256) - 1


def mul_div(a: int, b: int, denominator: int) -> int:
    """``FullMath.mulDiv``: floor(a * b / denominator); reverts on denominator == 0 or overflow."""
    if denominator == 0:
        raise ValueError("FullMath.mulDiv: zero denominator")
    result = a * b // denominator
    if result > MAX_UINT256:
        raise ValueError("FullMath.mulDiv: result overflows uint256")
    return result


def mul_div_rounding_up(a: int, b: int, denominator: int) -> int:
    """``FullMath.mulDivRoundingUp``: ceil(a * b / denominator), with the same reverts."""
    if denominator == 0:
        raise ValueError("FullMath.mulDivRoundingUp: zero denominator")
    result, remainder = divmod(a * b, denominator)
    if remainder:
        result += 1
    if result > MAX_UINT256:
        raise ValueError("FullMath.mulDivRoundingUp: result overflows uint256")
    return result


def div_rounding_up(x: int, y: int) -> int:
    """``UnsafeMath.divRoundingUp``: ceil(x / y). EVM division by zero yields 0, and so does this."""
    if y == 0:
        return 0
    return -(-x // y)
