"""The exact input that moves a pool's price to a target: the market maker's correction trade.

Prices are token1 per token0 in base units, as exact fractions (``spot``). A target is a
``Fraction`` price or a V3 ``sqrtPriceX96``; the answer is a :class:`Correction` (the
direction and the exact input, with the price the pool is left at) or an
:class:`Unreachable` saying why not, with the closest correction that is possible.

* **Uniswap V2** (``uniswap_v2``): selling ``x`` of the input token leaves
  ``reserve_out * reserve_in / (reserve_in + g x)`` of the other (g = the fee factor), so the
  post-trade price is ``t`` for the positive root of
  ``g x^2 + (1 + g) r_in x + r_in^2 - k / t = 0`` (k = r_in r_out, t in output per input),
  solved in integers with ``math.isqrt``. ``getAmountOut`` rounds down, so the exact
  post-trade price is not the real one; it is strictly monotonic in ``x``, and a bracketing
  search around the root finds the input whose post-trade price is the closest achievable
  to the target. Consecutive inputs move the price by about ``2/r_in + 1/r_out`` and the
  closest lies within half of that, so within 1 bp of the target whenever both reserves
  after the trade hold at least 20,000 base units.
* **Uniswap V3** (``uniswap_v3.pool``): the pool model swaps an unbounded input with the
  target as ``sqrtPriceLimitX96``, through every initialized tick on the way; what it takes
  is the exact input (fee included) that ends at the target. The same input swapped with
  no limit follows the same steps and stops at the target or past it by the rounding of
  the last step (a wei less is tried too), well within one tick while the pool has
  liquidity there; where the target is the far edge of a range without liquidity, one wei
  jumps the gap. Where the target
  lies in a range without liquidity no exact input ends there (the price would stop at the
  edge of the liquidity): :class:`Unreachable` ``no_liquidity``, the edge as ``closest``.

Pieces: a correction sent as several same-direction swaps, in any order, ends almost where
the single swap would. On V2 each piece's fee stays in the pool and ``k`` grows a little
more than in one swap, and each piece rounds down once; :func:`v2_pieces_price_range` gives
the exact bounds (for a 10% move they are far below 1 bp apart). On V3 the fee leaves the
curve, so only the per-piece rounding (wei) differs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from math import isqrt
from typing import Literal

from keepers.markets.uniswap_v2 import BPS, V2Pool, get_amount_out
from keepers.markets.uniswap_v3.pool import V3Pool
from keepers.markets.uniswap_v3.tick_math import MAX_SQRT_RATIO, MIN_SQRT_RATIO, get_tick_at_sqrt_ratio

Q192 = 1 << 192
MAX_INT256 = (1 << 255) - 1
MAX_UINT112 = (1 << 112) - 1  # a V2 pair's reserves are uint112: more reverts the swap (UniswapV2: OVERFLOW)
LN_TICK = math.log(1.0001)

Reason = Literal["cap", "no_liquidity", "invalid_target"]


@dataclass(frozen=True, slots=True)
class Correction:
    """Swap ``amount_in`` of ``token_in`` (exact input, no price limit) to move ``pool`` to ``target``.

    ``amount_in`` is 0 when the pool already stands at the closest achievable price.
    ``price_after`` is the exact post-trade price; ``miss`` is its distance from the target in
    the pool's price resolution, signed (``unit``: basis points for V2, ticks for V3).
    """

    pool: str
    zero_for_one: bool
    token_in: str
    token_out: str
    amount_in: int
    amount_out: int
    price_before: Fraction
    price_after: Fraction
    target: Fraction
    miss: float
    unit: Literal["bp", "tick"]


@dataclass(frozen=True, slots=True)
class Unreachable:
    """The target cannot be reached: ``reason`` and a sentence why; ``needed`` is the input the target
    would take (None when there is none), ``closest`` the best correction possible instead (if any)."""

    pool: str
    reason: Reason
    detail: str
    needed: int | None = None
    closest: Correction | None = None


Result = Correction | Unreachable


def price_of_sqrt(sqrt_price_x96: int) -> Fraction:
    """The price (token1 per token0, base units) of a ``sqrtPriceX96``."""
    return Fraction(sqrt_price_x96 * sqrt_price_x96, Q192)


def sqrt_price_of(price: Fraction) -> int:
    """``sqrtPriceX96`` of a price, rounded down (the greatest one at or below the price)."""
    return isqrt(price.numerator * Q192 // price.denominator)


def miss_bp(price: Fraction, target: Fraction) -> float:
    """How far ``price`` is from ``target``, in basis points of the target (signed)."""
    return float((price - target) / target) * BPS


def miss_ticks(price: Fraction, target: Fraction) -> float:
    """How far ``price`` is from ``target`` in V3 ticks (powers of 1.0001), signed."""
    return (math.log(price.numerator * target.denominator) - math.log(price.denominator * target.numerator)) / LN_TICK


def correct(
    pool: V2Pool | V3Pool,
    price: Fraction | None = None,
    *,
    sqrt_price_x96: int | None = None,
    max_amount_in: int | None = None,
) -> Result:
    """The correction moving ``pool`` to ``price`` (or ``sqrt_price_x96``), see :func:`correct_v2`,
    :func:`correct_v3`; ``max_amount_in`` caps the input (past it: :class:`Unreachable` ``cap``)."""
    if (price is None) == (sqrt_price_x96 is None):
        raise TypeError("give exactly one of price and sqrt_price_x96")
    if isinstance(pool, V2Pool):
        target = price if price is not None else price_of_sqrt(sqrt_price_x96)  # type: ignore[arg-type]
        return correct_v2(pool, target, max_amount_in=max_amount_in)
    return correct_v3(pool, price, sqrt_price_x96=sqrt_price_x96, max_amount_in=max_amount_in)


# -- Uniswap V2 -----------------------------------------------------------------------------------


def v2_price_after(pool: V2Pool, zero_for_one: bool, amount_in: int) -> Fraction:
    """The pair's exact price (reserve1 / reserve0) after selling ``amount_in`` (``getAmountOut``)."""
    if amount_in == 0:
        return Fraction(pool.reserve1, pool.reserve0)
    reserve_in, reserve_out = pool.reserves(zero_for_one)
    out = get_amount_out(amount_in, reserve_in, reserve_out, pool.fee_bps)
    if zero_for_one:
        return Fraction(pool.reserve1 - out, pool.reserve0 + amount_in)
    return Fraction(pool.reserve1 + amount_in, pool.reserve0 - out)


def v2_root(pool: V2Pool, zero_for_one: bool, target: Fraction) -> int:
    """The real-valued input reaching ``target``, rounded down (the closed form, fee included)."""
    reserve_in, reserve_out = pool.reserves(zero_for_one)
    t = target if zero_for_one else 1 / target  # the target as output per input
    a, b = t.numerator, t.denominator
    f = BPS - pool.fee_bps
    # f a x^2 + (B + f) a r_in x + B (a r_in^2 - k b) = 0, with B = 10000 and k = r_in r_out
    linear = (BPS + f) * a * reserve_in
    constant = BPS * (a * reserve_in * reserve_in - reserve_in * reserve_out * b)
    if constant >= 0:
        return 0
    return max(0, (isqrt(linear * linear - 4 * f * a * constant) - linear) // (2 * f * a))


def correct_v2(pool: V2Pool, target: Fraction, *, max_amount_in: int | None = None) -> Result:
    """The exact input whose post-trade price is the closest achievable to ``target`` (module docstring)."""
    before = Fraction(pool.reserve1, pool.reserve0)
    if target <= 0:
        return Unreachable(pool.address, "invalid_target", f"target price {target} is not positive")
    zero_for_one = target < before
    # Post-trade price in the direction of travel: decreasing in x when selling token0, increasing otherwise.
    reserve_in = pool.reserve0 if zero_for_one else pool.reserve1

    def short(x: int) -> bool:
        """Whether selling ``x`` leaves the price short of the target (or on it)."""
        after = v2_price_after(pool, zero_for_one, x)
        return after >= target if zero_for_one else after <= target

    if target == before:
        return _v2_correction(pool, zero_for_one, 0, target)
    limit = MAX_UINT112 - reserve_in
    lo, step = min(max(0, v2_root(pool, zero_for_one, target) - 1), limit), 1
    while not short(lo):  # the root overshot by rounding: walk back (short(0) holds)
        lo, step = max(0, lo - step), step * 2
    step = 1
    while True:  # then forward, doubling, until an input goes past the target
        hi = lo + step
        if hi > limit:
            if short(limit):
                detail = f"target {target} needs more than the pair's uint112 reserve can take"
                return Unreachable(pool.address, "invalid_target", detail)
            hi = limit
            break
        if not short(hi):
            break
        lo, step = hi, step * 2
    # short(lo) and not short(hi): bisect to the last input still short
    while hi - lo > 1:
        middle = (lo + hi) // 2
        lo, hi = (middle, hi) if short(middle) else (lo, middle)
    below, above = v2_price_after(pool, zero_for_one, lo), v2_price_after(pool, zero_for_one, hi)
    amount = lo if abs(below - target) <= abs(above - target) else hi
    if max_amount_in is not None and amount > max_amount_in:
        closest = _v2_correction(pool, zero_for_one, max_amount_in, target)
        return Unreachable(pool.address, "cap", f"needs {amount} in, above the cap of {max_amount_in}", amount, closest)
    return _v2_correction(pool, zero_for_one, amount, target)


def _v2_correction(pool: V2Pool, zero_for_one: bool, amount_in: int, target: Fraction) -> Correction:
    reserve_in, reserve_out = pool.reserves(zero_for_one)
    out = get_amount_out(amount_in, reserve_in, reserve_out, pool.fee_bps) if amount_in else 0
    after = v2_price_after(pool, zero_for_one, amount_in)
    return _correction(pool, zero_for_one, amount_in, out, Fraction(pool.reserve1, pool.reserve0), after, target)


def _correction(
    pool: V2Pool | V3Pool,
    zero_for_one: bool,
    amount_in: int,
    amount_out: int,
    before: Fraction,
    after: Fraction,
    target: Fraction,
) -> Correction:
    """A correction of ``pool``, its miss in the pool's resolution (bp for V2, ticks for V3)."""
    token_in, token_out = (pool.token0, pool.token1) if zero_for_one else (pool.token1, pool.token0)
    miss, unit = (miss_bp(after, target), "bp") if isinstance(pool, V2Pool) else (miss_ticks(after, target), "tick")
    return Correction(
        pool.address, zero_for_one, token_in, token_out, amount_in, amount_out, before, after, target, miss, unit
    )


def v2_pieces_price_range(pool: V2Pool, zero_for_one: bool, total_in: int, pieces: int) -> tuple[Fraction, Fraction]:
    """Where the pair's price ends after ``pieces`` same-direction swaps that sum to ``total_in``, in
    any sizes and any order: (lowest, highest) price, both inclusive.

    With ``R`` the input reserve, ``X`` the total and ``g`` the fee factor, the other reserve ends at
    ``k' / (R + X)``: a piece ``x`` multiplies ``k`` by ``(R + x) / (R + g x)``, which is at least
    the single swap's factor (merging two pieces lowers it) and at most ``((R + x) / R)^(1 - g)``
    (Bernoulli), whose product telescopes to ``((R + X) / R)^(1 - g)``. Every piece rounds its
    output down once, leaving under one more base unit in the pool, hence ``+ pieces``. The
    spread is about ``fee * (X / R)^2`` relative: 0.3 bp for a 10% move through a 0.3% pair.
    """
    if total_in <= 0 or pieces < 1:
        raise ValueError("a positive total in at least one piece")
    reserve_in, reserve_out = pool.reserves(zero_for_one)
    g = Fraction(BPS - pool.fee_bps, BPS)
    k = reserve_in * reserve_out
    final_in = reserve_in + total_in
    low_out = Fraction(k) / (reserve_in + g * total_in)  # the single swap without rounding
    grown = math.exp(float(1 - g) * math.log1p(total_in / reserve_in))
    # Upper bound in floats, widened by a relative 1e-12 so float rounding cannot tighten it.
    high_out = Fraction(k) / final_in * Fraction(grown * (1 + 1e-12)) + pieces
    if zero_for_one:
        return low_out / final_in, high_out / final_in
    return final_in / high_out, final_in / low_out


# -- Uniswap V3 -----------------------------------------------------------------------------------


def correct_v3(
    pool: V3Pool,
    price: Fraction | None = None,
    *,
    sqrt_price_x96: int | None = None,
    max_amount_in: int | None = None,
) -> Result:
    """The exact input that swaps ``pool`` to the target through its initialized ticks (module docstring)."""
    if price is not None:
        if price <= 0:
            return Unreachable(pool.address, "invalid_target", f"target price {price} is not positive")
        sqrt_price_x96 = sqrt_price_of(price)
    assert sqrt_price_x96 is not None
    target = price if price is not None else price_of_sqrt(sqrt_price_x96)
    if not MIN_SQRT_RATIO < sqrt_price_x96 < MAX_SQRT_RATIO:
        return Unreachable(pool.address, "invalid_target", f"sqrtPriceX96 {sqrt_price_x96} is outside the pool's range")
    if sqrt_price_x96 == pool.sqrt_price_x96:
        return _v3_correction(pool, sqrt_price_x96 < pool.sqrt_price_x96, 0, target)
    zero_for_one = sqrt_price_x96 < pool.sqrt_price_x96
    to_target = pool.swap(zero_for_one, MAX_INT256, sqrt_price_x96)
    needed = to_target.amount0 if zero_for_one else to_target.amount1
    if to_target.liquidity_after == 0:
        # The limit swap crossed ranges without liquidity for free; without a limit the input runs out
        # where the liquidity ends (unless the target is that very edge).
        edge = _v3_correction(pool, zero_for_one, needed, target) if needed else None
        if edge is None or edge.price_after != target:
            where = f"tick {get_tick_at_sqrt_ratio(sqrt_price_x96)}"
            return Unreachable(pool.address, "no_liquidity", f"the pool has no liquidity at {where}", None, edge)
    if max_amount_in is not None and needed > max_amount_in:
        closest = _v3_correction(pool, zero_for_one, max_amount_in, target) if max_amount_in else None
        return Unreachable(pool.address, "cap", f"needs {needed} in, above the cap of {max_amount_in}", needed, closest)
    # The last step rounds, so a wei either way may stop closer; and where the target is the far edge
    # of a range without liquidity, nothing is needed but one wei to jump the gap.
    candidates = [
        _v3_correction(pool, zero_for_one, amount, target) for amount in range(max(0, needed - 1), needed + 2)
    ]
    return min(candidates, key=lambda c: abs(c.price_after - target))


def _v3_correction(pool: V3Pool, zero_for_one: bool, amount_in: int, target: Fraction) -> Correction:
    """The correction of an exact-input swap of ``amount_in`` with no price limit."""
    before = price_of_sqrt(pool.sqrt_price_x96)
    if amount_in == 0:
        return _correction(pool, zero_for_one, 0, 0, before, before, target)
    result = pool.swap(zero_for_one, amount_in)
    out = -(result.amount1 if zero_for_one else result.amount0)
    return _correction(pool, zero_for_one, amount_in, out, before, price_of_sqrt(result.sqrt_price_x96_after), target)
