"""How much to put through a path of order-book legs and pool hops: the input of largest exact profit.

A path starts and ends in one token; each leg is a taker order on a centralized exchange's book
(``order_book.BookLeg``) or a swap in a Uniswap pool (``PoolLeg``). For an integer input x the
exact profit is ``P(x) = F(x) - x - premium(x) - gas``: F the exact output of the legs one after
another (every leg's own rounding, lots and minimums; what a leg cannot spend stays on its venue
and counts as nothing), the premium the flash-loan lender's (``sizing.FlashLoan``, rounded half
up) when the input is borrowed, gas a fixed cost in the start token's units.

**The real picture** (``piecewise``). On real numbers without lots each leg is concave and
nondecreasing in what it receives: a book leg is linear between level boundaries and each level
pays less than the last; a constant-product hop is the Möbius map ``K u / (M + N u)`` and a V3
hop is one on each range between initialized ticks, its slope falling across them; past a leg's
depth, balance or price limit it is flat. A composition of concave nondecreasing maps is concave
and nondecreasing, so the relaxed output R(x) is concave. The inputs at which a leg's input
crosses one of its boundaries (a book level, an initialized tick, a cap) split x >= 0 into
segments, on each of which R is one Möbius map (a product of the legs' matrices), and the relaxed
profit ``R(x) - (1 + phi) x`` is concave with one peak: in the segment where the slope of R
crosses 1 + phi, at ``x* = (sqrt(det / (1 + phi)) - d) / c`` (or at the segment's start).

**From real to exact.** Every exact leg pays at most its relaxation (each rounds in the venue's
favour; lots and minimums only trade less) and the relaxations increase, so F(x) <= R(x); the
premium exceeds phi x - 1/2. Hence ``P(x) <= U(x) = R(x) - (1 + phi) x + 1/2 - gas`` (the 1/2
only with a premium). Integer rounding and lots make P non-concave at the unit level, so:

1. Exact profits are taken at the integers around x* (and, if a minimum quantity refuses the
   order there, at the least input every leg trades with). Their best, or 1 if less, is the
   ``target``.
2. ``U`` is concave, so every integer with ``P(x) >= target`` lies in the integer interval
   ``[lo, hi]`` where ``U >= target`` (found by bisection on exact ``Fraction`` values of R).
3. Every exact leg is nondecreasing in its input, so the amount after leg i, ``A_i(x)``, is
   nondecreasing in x, and the legs after i see only ``A_i``. For any x, the least x' with
   ``A_i(x') = A_i(x)`` pays the same output for less input: ``P(x') >= P(x)``. So the smallest
   maximizer is the least input of its run of equal ``A_i``. The search takes the i (0: the input
   itself) with the fewest distinct values of ``A_i`` on the window (a book leg with coarse lots
   has few) and walks the runs from ``lo`` up (galloping, then bisecting, to each run's start):
   every maximizer of P has a candidate at or below it with the same profit, and the smallest
   maximizer is one.

**Guarantee.** When the walk needs at most ``max_scan`` candidates the result is the integer
optimum, the smallest input on ties (``SizedPath.proven``). Otherwise ``max_scan`` candidates
around the best seed are taken, and the result is within ``ceiling - profit`` of the optimum,
``ceiling`` being ``floor(max U)`` over the integers (reported). No profitable size: None.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import floor
from typing import TypeAlias

from keepers.markets.cycles import Hop, Pool
from keepers.markets.order_book import BookLeg, Fill
from keepers.markets.piecewise import Mobius, Piecewise, compose
from keepers.markets.sizing import MAX_INPUT, FlashLoan, hop_map, v3_range_map
from keepers.markets.uniswap_v2 import BPS, V2Pool, get_amount_out
from keepers.markets.uniswap_v3.swap_math import FEE_DENOMINATOR
from keepers.markets.uniswap_v3.tick_math import MAX_SQRT_RATIO, MIN_SQRT_RATIO, get_sqrt_ratio_at_tick

Q96 = 1 << 96


@dataclass(frozen=True, slots=True)
class PoolLeg:
    """A swap of ``token_in`` in a Uniswap V2 or V3 pool; ``max_in`` the most it may spend (None: all).

    A V3 swap that reaches the price limit uses only part of its input; the rest is kept.
    """

    pool: Pool
    token_in: str
    max_in: int | None = None

    @property
    def zero_for_one(self) -> bool:
        return self.pool.zero_for_one(self.token_in)

    @property
    def token_out(self) -> str:
        return self.pool.token1 if self.zero_for_one else self.pool.token0

    def fill(self, amount_in: int) -> Fill:
        """The exact swap: ``getAmountOut`` for V2, ``UniswapV3Pool.swap`` (exact input, no price limit) for V3."""
        budget = amount_in if self.max_in is None else min(amount_in, self.max_in)
        if budget <= 0:
            return Fill(0, 0)
        pool = self.pool
        if isinstance(pool, V2Pool):
            reserve_in, reserve_out = pool.reserves(self.zero_for_one)
            return Fill(budget, get_amount_out(budget, reserve_in, reserve_out, pool.fee_bps))
        result = pool.swap(self.zero_for_one, budget)
        used, paid = (result.amount0, result.amount1) if self.zero_for_one else (result.amount1, result.amount0)
        return Fill(used, -paid)

    def relaxation(self) -> Piecewise:
        """The swap on real numbers: the V2 curve, or the V3 curve range by range up to the price limit."""
        pool = self.pool
        if isinstance(pool, V2Pool):
            curve = hop_map(pool, Hop(pool.address, self.token_in, self.token_out, self.zero_for_one))
            assert curve is not None
            return Piecewise.single(Mobius(curve.k, 0, curve.n, curve.m)).capped(self.max_in)
        return _v3_relaxation(pool, self.zero_for_one).capped(self.max_in)


def _v3_relaxation(pool: Pool, zero_for_one: bool) -> Piecewise:
    """Range by range from the current price: each range's ``v3_range_map`` started where the last
    ended, until the price limit the swap stops at; ranges without liquidity take no input."""
    assert not isinstance(pool, V2Pool)
    ticks = pool.ticks
    if zero_for_one:
        crossings = [t for t in reversed(ticks.ascending) if t <= pool.tick]  # type: ignore[attr-defined]
        limit = MIN_SQRT_RATIO + 1
    else:
        crossings = [t for t in ticks.ascending if t > pool.tick]  # type: ignore[attr-defined]
        limit = MAX_SQRT_RATIO - 1
    keep = Fraction(FEE_DENOMINATOR - pool.fee, FEE_DENOMINATOR)
    sqrt_price, liquidity = pool.sqrt_price_x96, pool.liquidity
    x0, y0 = Fraction(0), Fraction(0)
    starts: list[Fraction] = []
    maps: list[Mobius] = []
    for tick in [*crossings, None]:
        target = limit if tick is None else get_sqrt_ratio_at_tick(tick)
        if liquidity > 0 and target != sqrt_price:
            curve = v3_range_map(sqrt_price, pool.fee, zero_for_one, liquidity)
            if zero_for_one:  # token0 in: L * Q96 * (1/target - 1/sqrtP), before the fee
                width = Fraction(liquidity * Q96 * (sqrt_price - target), sqrt_price * target) / keep
            else:  # token1 in: L * (target - sqrtP) / Q96
                width = Fraction(liquidity * (target - sqrt_price), Q96) / keep
            starts.append(x0)
            maps.append(Mobius.shifted(curve, x0, y0))
            y0 += curve(width)
            x0 += width
        if tick is None:
            break
        net = ticks[tick]
        liquidity += -net if zero_for_one else net
        sqrt_price = target
    starts.append(x0)
    maps.append(Mobius.constant(y0))
    return Piecewise(tuple(starts), tuple(maps))


Leg: TypeAlias = BookLeg | PoolLeg


@dataclass(frozen=True, slots=True)
class PathCosts:
    """What a path pays besides its input: gas in the start token's base units, and the lender's
    premium when the input is borrowed (a DEX leg starting the path through a flash loan; None
    when the input is the venue's own balance)."""

    gas: int = 0
    loan: FlashLoan | None = None

    def premium(self, amount_in: int) -> int:
        return 0 if self.loan is None else self.loan.premium(amount_in)


@dataclass(frozen=True, slots=True)
class SizedPath:
    """The chosen input and what every leg does with it, in base units.

    ``proven``: ``profit`` is the integer optimum (smallest input on ties); otherwise the optimum
    lies in ``[profit, ceiling]``. ``fills[i]``: what leg i spent and received.
    """

    amount_in: int
    amount_out: int
    premium: int
    gas: int
    profit: int  # amount_out - amount_in - premium - gas
    fills: tuple[Fill, ...]
    proven: bool
    ceiling: int


def check_path(path: Sequence[Leg]) -> None:
    """``ValueError`` unless each leg spends what the last received and the path ends where it starts."""
    if not path:
        raise ValueError("a path needs at least one leg")
    for a, b in zip(path, path[1:], strict=False):
        if a.token_out != b.token_in:
            raise ValueError(f"a leg into {a.token_out} is followed by a leg out of {b.token_in}")
    if path[-1].token_out != path[0].token_in:
        raise ValueError(f"the path starts in {path[0].token_in} and ends in {path[-1].token_out}")


class _Exact:
    """The path's exact amounts at integer inputs."""

    def __init__(self, path: Sequence[Leg], costs: PathCosts):
        self.path = tuple(path)
        self.costs = costs

    def fills(self, amount_in: int) -> list[Fill]:
        fills, amount = [], amount_in
        for leg in self.path:
            fill = leg.fill(amount)
            fills.append(fill)
            amount = fill.received
        return fills

    def after(self, amount_in: int, legs: int) -> int:
        """The amount after the first ``legs`` legs (``legs == 0``: the input)."""
        amount = amount_in
        for leg in self.path[:legs]:
            amount = leg.fill(amount).received
        return amount

    def profit(self, amount_in: int) -> int:
        return self.after(amount_in, len(self.path)) - amount_in - self.costs.premium(amount_in) - self.costs.gas


def _least(predicate: Callable[[int], bool], low: int, high: int) -> int | None:
    """The least x in (low, high] where a monotone ``predicate`` holds (false at ``low``), galloping up
    from ``low`` then bisecting; None if it does not hold at ``high``."""
    step, below = 1, low
    while True:
        x = min(low + step, high)
        if predicate(x):
            break
        if x >= high:
            return None
        below, step = x, 2 * step
    while x - below > 1:
        mid = (below + x) // 2
        if predicate(mid):
            x = mid
        else:
            below = mid
    return x


def optimal_amount(path: Sequence[Leg], costs: PathCosts = PathCosts(), max_scan: int = 4096) -> SizedPath | None:
    """The input of largest exact profit through ``path``, or None if no input makes a profit.

    See the module docstring for the method and the proof; ``max_scan`` bounds the exact
    candidates simulated (beyond it the result is not proven optimal, and says so).
    """
    check_path(path)
    exact = _Exact(path, costs)
    relaxed = compose([leg.relaxation() for leg in path])
    bps = 0 if costs.loan is None else costs.loan.fee_bps
    rate = Fraction(BPS + bps, BPS)
    slack = Fraction(1, 2) if bps else Fraction(0)

    def bound(x: int) -> Fraction:  # U(x) >= P(x)
        return relaxed(x) - rate * x + slack - costs.gas

    peak_low, peak_high = relaxed.peak(rate)
    ceiling = floor(max(bound(max(peak_low, 1)), bound(max(peak_high, 1))))
    seeds = {max(1, peak_low), max(1, peak_high)}
    if any(fill.spent == 0 for fill in exact.fills(max(seeds))):
        trading = _least_trading_input(exact)
        if trading is None:
            return None
        seeds |= {max(seed, trading) for seed in seeds}
    best_x = max(seeds, key=lambda x: (exact.profit(x), -x))
    target = max(exact.profit(best_x), 1)
    if ceiling < target:
        return None
    window = _window(bound, best_x if exact.profit(best_x) >= target else None, seeds, target)
    if window is None:
        return None
    lo, hi = window
    legs, count = _coarsest(exact, lo, hi)
    proven = count <= max_scan
    if not proven:  # the candidates nearest the best seed, about evenly spread over the window
        lo = max(lo, best_x - (hi - lo) * max_scan // (2 * count))
    found = _walk_runs(exact, legs, lo, hi, max_scan)
    if not proven:
        found.append(best_x)
    amount_in = max(found, key=lambda x: (exact.profit(x), -x))
    profit = exact.profit(amount_in)
    if profit <= 0:
        return None
    fills = tuple(exact.fills(amount_in))
    return SizedPath(
        amount_in=amount_in,
        amount_out=fills[-1].received,
        premium=costs.premium(amount_in),
        gas=costs.gas,
        profit=profit,
        fills=fills,
        proven=proven,
        ceiling=profit if proven else ceiling,
    )


def _least_trading_input(exact: _Exact) -> int | None:
    """The least input with which every leg trades (every leg's minimum met), if any."""

    def trades(x: int) -> bool:
        return all(fill.spent > 0 for fill in exact.fills(x))

    if trades(1):
        return 1
    return _least(trades, 1, MAX_INPUT)


def _window(
    bound: Callable[[int], Fraction], inside: int | None, seeds: set[int], target: int
) -> tuple[int, int] | None:
    """The integers [lo, hi] where the concave ``bound`` reaches ``target``: every input whose exact
    profit does. ``inside`` is one of them if known; else one of the seeds next to the real peak
    is, or none is (the interval then holds no integer)."""
    if inside is None:
        inside = next((x for x in sorted(seeds) if bound(x) >= target), None)
        if inside is None:
            return None
    lo = 1 if bound(1) >= target else _least(lambda x: bound(x) >= target, 1, inside)
    assert lo is not None
    above = _least(lambda x: bound(x) < target, inside, MAX_INPUT)
    hi = MAX_INPUT if above is None else above - 1
    return lo, hi


def _coarsest(exact: _Exact, lo: int, hi: int) -> tuple[int, int]:
    """(i, n): the amount after i legs takes the fewest distinct values, at most n, on [lo, hi]."""
    best = (0, hi - lo + 1)
    amount_lo, amount_hi = lo, hi
    for i, leg in enumerate(exact.path, start=1):
        if isinstance(leg, BookLeg):
            lots = (leg.quantity(amount_hi) - leg.quantity(amount_lo)) // leg.lot + 1
        else:
            lots = best[1] + 1
        amount_lo, amount_hi = leg.fill(amount_lo).received, leg.fill(amount_hi).received
        count = min(amount_hi - amount_lo + 1, lots)
        if count < best[1]:
            best = (i, count)
    return best


def _walk_runs(exact: _Exact, legs: int, lo: int, hi: int, limit: int) -> list[int]:
    """The least input of each run of equal amounts after ``legs`` legs, from ``lo`` (counted as a
    run's start) up to ``hi``, at most ``limit`` of them."""
    first = exact.path[0]
    if legs == 1 and isinstance(first, BookLeg):
        # Runs of the first leg's output are runs of its quantity; each starts at ``least_input``.
        low, high = first.quantity(lo) // first.lot + 1, first.quantity(hi) // first.lot
        lots = range(low, min(high, low + limit - 2) + 1)
        return sorted({lo, *(x for k in lots if lo < (x := first.least_input(k * first.lot)) <= hi)})
    found = [lo]
    x = lo
    while len(found) < limit:
        amount = exact.after(x, legs)
        x_next = _least(lambda y, amount=amount: exact.after(y, legs) > amount, x, hi)
        if x_next is None:
            break
        found.append(x_next)
        x = x_next
    return found


class AmtOptimizer:
    """``optimal_amount`` with its scan budget fixed: the venues' sizing service holds one."""

    def __init__(self, max_scan: int = 4096):
        self.max_scan = max_scan

    def optimize(self, path: Sequence[Leg], costs: PathCosts = PathCosts()) -> SizedPath | None:
        return optimal_amount(path, costs, self.max_scan)
