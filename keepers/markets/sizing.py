"""How much to put through a cycle: the input that maximizes exact profit net of the loan fee and gas.

Every amount is computed by the exact pool math (``uniswap_v2``, ``uniswap_v3``). The
real-valued picture only proposes where to look:

* A constant-product hop is the map ``l(x) = K x / (M + N x)`` (reserves (a, b), fee
  factor g: K = g*b, M = a, N = g, scaled to integers), and such maps compose into
  one of the same form: ``l2(l1(x)) = K1 K2 x / (M1 M2 + (M2 N1 + N2 K1) x)``. The
  profit ``l(x) - (1 + phi) x`` (phi: the loan fee) peaks at
  ``x* = (sqrt(K M / (1 + phi)) - M) / N`` and is positive somewhere iff
  ``K > M (1 + phi)``. A V3 hop inside its current tick range is exactly such a map
  on its virtual reserves (L / sqrtP, L * sqrtP), so the same formula sizes mixed
  cycles until a swap crosses an initialized tick.
* A Balancer weighted hop pays B_o (1 - (B_i / (B_i + g x))^r), r = w_i / w_o, g = 1 - fee. With
  y = g x / B_i, Bernoulli's inequality gives 1 - (1 + y)^-r <= r y / (1 + c y) for every y >= 0
  when c = min(r, 1) (r <= 1: (1 + y)^r <= 1 + r y; r >= 1: with t = y / (1 + y),
  (1 - t)^r >= 1 - r t). So ``K x / (M + N x)`` with K = B_o w_i (1 - fee), M = B_i w_o,
  N = min(w_i, w_o) (1 - fee) (18-decimal weights and fee, base-unit balances: the scaling
  factors cancel) is at or above the real curve, and the pool's roundings (fee up, base up,
  power raised by its error bound, output down) keep the exact output below it. Its slope at
  zero is the marginal rate; it is the exact real-valued curve only for equal weights, so for
  unequal weights the closed form is not trusted as the optimum: the sizing then searches and
  scans as when a V3 hop crosses a tick (exact profit always; the optimum proven when the window
  fits the scan budget).
* Before any simulation the cycle must be able to pay its gas: composing each hop's
  ceiling (the V2 curve; for V3 the curve of the most liquidity any range ahead holds,
  which no swap can beat) bounds the best profit from above.
* Integer rounding moves the exact optimum: the exact profit stays below the real one plus
  1/2 (the premium's rounding) and above it less a band of under one unit per hop (times
  the marginal rates of the hops after it), so it is not concave at the wei level. The
  sizing evaluates exact profit around ``x*``.
* When a V3 hop crosses initialized ticks at ``x*`` (or has no liquidity in range), a
  bracketing search and a golden-section search on integers, within a budget of
  simulations, propose inputs instead.
* The best proposal seeds an exact search (``profit_window``, proof there): every input
  whose exact profit reaches the best proposal's (and pays the gas) lies in an integer
  interval computed from the ceiling map. When it holds at most ``max_scan`` inputs, all
  are simulated: the result is the integer optimum, the smallest input on ties. That is
  the case for small pools (up to about 10^4..10^5 wei of the base token, any depth in the
  other tokens). For deep pools the interval is about sqrt(reserve) inputs wide and the
  exact profit across it is flat to within the rounding band; the best proposal is kept,
  lowered to the least input paying the same output (every hop rounds down, so a run of
  inputs pays the same): within that band of the optimum, not proven equal to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import isqrt

from keepers.markets.balancer_fixed_point import ONE
from keepers.markets.balancer_weighted import WeightedPool
from keepers.markets.cycles import Cycle, Hop, Pool
from keepers.markets.uniswap_v2 import BPS, V2Pool, get_amount_in, get_amount_out
from keepers.markets.uniswap_v3.pool import V3Pool
from keepers.markets.uniswap_v3.swap_math import FEE_DENOMINATOR

Q96 = 1 << 96
Q192 = 1 << 192
MAX_INPUT = (1 << 112) - 1  # nothing trades more than a V2 reserve can hold


@dataclass(frozen=True, slots=True)
class FlashLoan:
    """A lender's terms: the premium in basis points of the amount, rounded half up.

    Aave V3's ``PercentageMath.percentMul`` rounds half up (``(amount * bps + 5000) // 10000``);
    Balancer V2 charges nothing (``fee_bps=0``).
    """

    fee_bps: int = 0

    def premium(self, amount: int) -> int:
        if self.fee_bps == 0:
            return 0
        return (amount * self.fee_bps + BPS // 2) // BPS


BALANCER_V2 = FlashLoan(0)


@dataclass(frozen=True, slots=True)
class GasModel:
    """Gas an ``executeArb`` transaction uses: a fixed part plus a part per hop, by pool kind (a
    Balancer hop is charged as a V3 hop: a call out, a token approval and transfers both ways)."""

    base: int
    per_v2_hop: int
    per_v3_hop: int

    def units(self, cycle: Cycle, pools: Mapping[str, Pool]) -> int:
        return self.units_of([pools[h.pool] for h in cycle.hops])

    def units_of(self, hop_pools: Sequence[Pool]) -> int:
        """Gas of a route through these pools, in hop order."""
        return self.base + sum(self.per_v2_hop if isinstance(p, V2Pool) else self.per_v3_hop for p in hop_pools)


@dataclass(frozen=True, slots=True)
class SizingParams:
    """What sizing charges against a cycle's output: the loan premium and gas at ``base_fee_wei``.

    Gas is paid in ETH and the base token is WETH, so gas cost is in the base token's units 1:1.
    """

    base_fee_wei: int
    gas: GasModel
    loan: FlashLoan = BALANCER_V2
    max_simulations: int = 64  # budget of the bracketing and golden-section search
    max_scan: int = 1024  # the most inputs the exact search simulates (an eighth with a V3 hop: swaps cost more)


@dataclass(frozen=True, slots=True)
class Opportunity:
    """A sized cycle: borrow ``amount_in`` of the base token, get ``amount_out`` back, all in its base units."""

    cycle: Cycle
    amount_in: int
    amount_out: int
    gross_profit: int  # amount_out - amount_in
    loan_fee: int
    gas_cost_wei: int
    net_profit: int  # gross_profit - loan_fee - gas_cost_wei

    @property
    def pools(self) -> tuple[str, ...]:
        return self.cycle.pools


# --- one hop ------------------------------------------------------------------------------------


def hop_amount_out(pool: Pool, hop: Hop, amount_in: int) -> int:
    """Exact output of one hop (``getAmountOut`` / ``UniswapV3Pool.swap`` exact input, fully used)."""
    if isinstance(pool, V2Pool):
        reserve_in, reserve_out = pool.reserves(hop.zero_for_one)
        return get_amount_out(amount_in, reserve_in, reserve_out, pool.fee_bps)
    if isinstance(pool, WeightedPool):
        return pool.amount_out(hop.token_in, hop.token_out, amount_in)
    return pool.amount_out(hop.token_in, amount_in)


def hop_amount_in(pool: Pool, hop: Hop, amount_out: int) -> int:
    """An input that pays at least ``amount_out`` (``getAmountIn`` / exact-output swap)."""
    if isinstance(pool, V2Pool):
        reserve_in, reserve_out = pool.reserves(hop.zero_for_one)
        return get_amount_in(amount_out, reserve_in, reserve_out, pool.fee_bps)
    if isinstance(pool, WeightedPool):
        return pool.amount_in(hop.token_in, hop.token_out, amount_out)
    return pool.amount_in(hop.token_out, amount_out)


def marginal_rate(pool: Pool, hop: Hop) -> tuple[int, int]:
    """(numerator, denominator) of the output per unit of input at zero size, after the fee.

    An upper bound on ``out / in`` for any input: prices only move against the swapper and
    every step rounds in the pool's favour. For V3 it is the current price (even with no
    liquidity in range: the swap then moves to a worse price first).
    """
    if isinstance(pool, V2Pool):
        reserve_in, reserve_out = pool.reserves(hop.zero_for_one)
        return (BPS - pool.fee_bps) * reserve_out, BPS * reserve_in
    if isinstance(pool, WeightedPool):
        rate = pool.marginal_rate(hop.token_in, hop.token_out)
        return rate.numerator, rate.denominator
    price_num = pool.sqrt_price_x96 * pool.sqrt_price_x96
    if hop.zero_for_one:
        return (FEE_DENOMINATOR - pool.fee) * price_num, FEE_DENOMINATOR * Q192
    return (FEE_DENOMINATOR - pool.fee) * Q192, FEE_DENOMINATOR * price_num


# --- the composed real-valued map ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LinearFractional:
    """The map ``x -> k x / (m + n x)``: a constant-product hop, or a composition of them."""

    k: int
    m: int
    n: int

    def __call__(self, x: int | Fraction) -> Fraction:
        return Fraction(self.k * x) / (self.m + self.n * x)

    def then(self, after: LinearFractional) -> LinearFractional:
        """``after(self(x))`` as one map."""
        return LinearFractional(self.k * after.k, self.m * after.m, after.m * self.n + after.n * self.k)

    def is_profitable(self, loan_fee_bps: int = 0) -> bool:
        """Whether ``self(x) > (1 + fee) x`` for some x > 0: the slope at zero, k / m, beats 1 + fee."""
        return self.k * BPS > self.m * (BPS + loan_fee_bps)

    def max_profit_ceiling(self, loan_fee_bps: int = 0) -> int | None:
        """An integer >= max over x of ``self(x) - (1 + fee) x`` (None when unbounded: n == 0).

        At the optimum M + N x* = s = sqrt(K M / c) with c = 1 + fee, and the profit there is
        c (s - M)^2 / (N M); s is rounded up, the quotient too.
        """
        if not self.is_profitable(loan_fee_bps):
            return 0
        if self.n <= 0:
            return None
        s = isqrt(self.k * self.m * BPS // (BPS + loan_fee_bps)) + 1
        return (BPS + loan_fee_bps) * (s - self.m) ** 2 // (self.n * self.m * BPS) + 1

    def optimal_input(self, loan_fee_bps: int = 0) -> int:
        """floor(x*) for x* maximizing ``self(x) - (1 + fee) x``; 0 when nothing is profitable."""
        if self.n <= 0 or not self.is_profitable(loan_fee_bps):
            return 0
        root = isqrt(self.k * self.m * BPS // (BPS + loan_fee_bps))
        return max(0, (root - self.m) // self.n)


def v3_range_map(sqrt_price_x96: int, fee: int, zero_for_one: bool, liquidity: int) -> LinearFractional:
    """The constant-product curve of ``liquidity`` from ``sqrt_price_x96`` on (virtual reserves
    L * Q96 / sqrtP of token0 and L * sqrtP / Q96 of token1), fee (pips) on the input as V3 takes it;
    numerator and denominator scaled by sqrtP * Q96 to stay integral. Exact for the real-valued swap
    until the price reaches the next initialized tick."""
    sqrt_price, g = sqrt_price_x96, FEE_DENOMINATOR - fee
    if zero_for_one:
        return LinearFractional(
            g * liquidity * sqrt_price * sqrt_price, FEE_DENOMINATOR * liquidity * Q192, g * sqrt_price * Q96
        )
    return LinearFractional(
        g * liquidity * Q192, FEE_DENOMINATOR * liquidity * sqrt_price * sqrt_price, g * sqrt_price * Q96
    )


def _v3_map(pool: V3Pool, zero_for_one: bool, liquidity: int) -> LinearFractional:
    """``v3_range_map`` of ``liquidity`` at the pool's current price."""
    return v3_range_map(pool.sqrt_price_x96, pool.fee, zero_for_one, liquidity)


def weighted_ceiling_map(pool: WeightedPool, hop: Hop) -> LinearFractional:
    """``K x / (M + N x)`` at or above a weighted pool's output for every input (module docstring):
    K = B_o w_i (1 - fee), M = B_i w_o, N = min(w_i, w_o) (1 - fee); slope at zero the marginal rate."""
    i, o = pool.index(hop.token_in), pool.index(hop.token_out)
    w_in, w_out, g = pool.weights[i], pool.weights[o], ONE - pool.swap_fee
    return LinearFractional(pool.balances[o] * w_in * g, pool.balances[i] * w_out * ONE, min(w_in, w_out) * g)


def hop_map(pool: Pool, hop: Hop) -> LinearFractional | None:
    """The hop as ``K x / (M + N x)``: exact for V2 (before rounding), for V3 only within the current
    tick range (its virtual reserves); None for a V3 pool without liquidity in range. A weighted hop
    gets its ceiling map (exact only for equal weights)."""
    if isinstance(pool, WeightedPool):
        return weighted_ceiling_map(pool, hop)
    if isinstance(pool, V2Pool):
        reserve_in, reserve_out = pool.reserves(hop.zero_for_one)
        g = BPS - pool.fee_bps
        return LinearFractional(g * reserve_out, BPS * reserve_in, g)
    if pool.liquidity == 0:
        return None
    return _v3_map(pool, hop.zero_for_one, pool.liquidity)


def hop_ceiling_map(pool: Pool, hop: Hop) -> LinearFractional:
    """A map at or above the hop's output for every input: the exact V2 curve, or for V3 the curve
    of the most liquidity any range ahead holds (``V3Pool.max_liquidity``) at the current price."""
    if isinstance(pool, V2Pool):
        return hop_map(pool, hop)  # type: ignore[return-value]
    if isinstance(pool, WeightedPool):
        return weighted_ceiling_map(pool, hop)
    liquidity = pool.max_liquidity(hop.zero_for_one)
    if liquidity == 0:
        return LinearFractional(0, 1, 0)
    return _v3_map(pool, hop.zero_for_one, liquidity)


def max_profit_ceiling(cycle: Cycle, pools: Mapping[str, Pool], loan_fee_bps: int = 0) -> int | None:
    """An integer at or above the cycle's best exact profit net of the loan fee; None if unbounded.

    Composes ``hop_ceiling_map``s (increasing maps, each at or above its hop, so the composition
    bounds the cycle); exact outputs round down and the premium rounds at most half a unit down,
    hence the + 1. None only for a map without curvature, which bounds nothing.
    """
    composed: LinearFractional | None = None
    for hop in cycle.hops:
        step = hop_ceiling_map(pools[hop.pool], hop)
        composed = step if composed is None else composed.then(step)
    assert composed is not None
    ceiling = composed.max_profit_ceiling(loan_fee_bps)
    return None if ceiling is None else ceiling + 1


def cycle_map(cycle: Cycle, pools: Mapping[str, Pool]) -> LinearFractional | None:
    """All hops composed into one map (see ``hop_map``); None if a V3 hop has no liquidity in range."""
    composed: LinearFractional | None = None
    for hop in cycle.hops:
        step = hop_map(pools[hop.pool], hop)
        if step is None:
            return None
        composed = step if composed is None else composed.then(step)
    return composed


def profit_window(ceiling: LinearFractional, loan_fee_bps: int, target: int) -> tuple[int, int] | None:
    """Integers [lo, hi] holding every input whose exact profit (output - input - premium) reaches
    ``target``, given ``ceiling``, a map at or above the cycle's exact output at every input;
    None when no input can reach it.

    Proof. Each hop's exact output is at most its ceiling map at the same input (V2: the curve,
    floored; V3: ``hop_ceiling_map``) and the maps increase, so the cycle's output F(x) is at most
    C(x) = k x / (m + n x), the composition. The premium floor(phi x + 1/2) exceeds phi x - 1/2.
    Hence the exact profit P(x) = F(x) - x - premium(x) < C(x) - (1 + phi) x + 1/2 at every x,
    and P(x) >= target forces C(x) - (1 + phi) x > target - 1/2. Multiplied by 2 BPS (m + n x) > 0
    that is ``a x^2 + b x + c < 0`` with a = 2 (BPS + fee) n > 0, b = 2 (BPS + fee) m +
    (2 target - 1) BPS n - 2 BPS k, c = (2 target - 1) BPS m: x lies strictly between the two
    roots (-b -+ sqrt(D)) / 2a, D = b^2 - 4ac, and nowhere when D <= 0. The roots are rounded
    outwards (sqrt(D) up to isqrt(D) + 1), so [lo, hi] holds every such integer, clipped to
    1 <= x <= ``MAX_INPUT``. ``ValueError`` for a map without curvature (n == 0: it bounds nothing).

    Width: P(x) also stays above the real profit less a band of rounding (under one unit per hop,
    times the marginal rates of the hops after it), so seeded with a good ``target`` the window is
    about where the concave real profit is within that band of its peak: some hundred inputs for
    reserves of thousands of wei, about sqrt(reserve) inputs for deep pools.
    """
    if ceiling.n <= 0:
        raise ValueError(f"{ceiling} has no curvature: its profit is unbounded")
    scale = BPS + loan_fee_bps
    t2 = 2 * target - 1
    a = 2 * scale * ceiling.n
    b = 2 * scale * ceiling.m + t2 * BPS * ceiling.n - 2 * BPS * ceiling.k
    c = t2 * BPS * ceiling.m
    discriminant = b * b - 4 * a * c
    if discriminant <= 0:
        return None
    root = isqrt(discriminant) + 1
    lo = max(1, (-b - root) // (2 * a))
    hi = min(MAX_INPUT, -((b - root) // (2 * a)))
    return (lo, hi) if lo <= hi else None


# --- exact simulation ---------------------------------------------------------------------------


def cycle_amounts(cycle: Cycle, pools: Mapping[str, Pool], amount_in: int) -> list[int]:
    """The exact amount entering each hop, then the final output; ``ValueError`` if a hop cannot trade it."""
    amounts = [amount_in]
    for hop in cycle.hops:
        amounts.append(hop_amount_out(pools[hop.pool], hop, amounts[-1]))
    return amounts


def cycle_amount_out(cycle: Cycle, pools: Mapping[str, Pool], amount_in: int) -> int:
    """What ``amount_in`` of the base token comes back as after every hop, exactly."""
    amount = amount_in
    for hop in cycle.hops:
        amount = hop_amount_out(pools[hop.pool], hop, amount)
    return amount


def _least_input_for(pool: Pool, hop: Hop, amount_out: int) -> int:
    """The smallest input whose exact output is at least ``amount_out`` (searched a few wei around
    ``getAmountIn`` / the exact-output swap, whose rounding differs from the exact-input path)."""
    amount = hop_amount_in(pool, hop, amount_out)
    for _ in range(3):
        if hop_amount_out(pool, hop, amount) >= amount_out:
            break
        amount += 1
    for _ in range(2):
        if amount > 1 and hop_amount_out(pool, hop, amount - 1) >= amount_out:
            amount -= 1
        else:
            break
    return amount


def least_input_for_same_output(cycle: Cycle, pools: Mapping[str, Pool], amount_in: int) -> int:
    """The smallest input found that the cycle turns into the same final output as ``amount_in``.

    Every hop rounds down, so a run of inputs pays the same: walking back from the output
    through each hop's least sufficient input lands on (or next to) the run's first member.
    The result is checked forward; if the walk does not reproduce the output, ``amount_in``.
    """
    out = cycle_amount_out(cycle, pools, amount_in)
    if out <= 0:
        return amount_in
    needed = out
    try:
        for hop in reversed(cycle.hops):
            needed = _least_input_for(pools[hop.pool], hop, needed)
        if needed < amount_in and cycle_amount_out(cycle, pools, needed) == out:
            return needed
    except ValueError:
        pass
    return amount_in


# --- sizing -------------------------------------------------------------------------------------


class _Simulator:
    """Exact outputs and profits (output - input - premium) of a cycle at integer inputs, memoized.

    Also records whether a V3 hop crossed an initialized tick, which tells whether the closed
    form (one liquidity range per V3 hop) still describes the cycle at that input; a weighted hop
    of unequal weights counts as crossing always (its map is only a ceiling).
    """

    def __init__(self, cycle: Cycle, hop_pools: Sequence[Pool], loan: FlashLoan):
        self.hops = tuple(zip(cycle.hops, hop_pools, strict=True))
        self.loan = loan
        self.outputs: dict[int, tuple[int, bool] | None] = {}

    def run(self, amount_in: int) -> tuple[int, bool] | None:
        """(final output, crossed an initialized tick) for ``amount_in``; None if a hop cannot trade it."""
        if amount_in in self.outputs:
            return self.outputs[amount_in]
        amount, crossed = amount_in, False
        try:
            for hop, pool in self.hops:
                if isinstance(pool, V2Pool):
                    reserve_in, reserve_out = pool.reserves(hop.zero_for_one)
                    amount = get_amount_out(amount, reserve_in, reserve_out, pool.fee_bps)
                elif isinstance(pool, WeightedPool):
                    weights = pool.weights[pool.index(hop.token_in)], pool.weights[pool.index(hop.token_out)]
                    crossed = crossed or weights[0] != weights[1]
                    amount = pool.amount_out(hop.token_in, hop.token_out, amount)
                else:
                    result = pool.swap(hop.zero_for_one, amount)
                    used, paid = (
                        (result.amount0, result.amount1) if hop.zero_for_one else (result.amount1, result.amount0)
                    )
                    if used != amount:
                        raise ValueError("price limit reached before the input was used")
                    crossed = crossed or bool(result.crossed_ticks)
                    amount = -paid
            outcome: tuple[int, bool] | None = (amount, crossed)
        except ValueError:  # a hop cannot trade that much (or that little)
            outcome = None
        self.outputs[amount_in] = outcome
        return outcome

    def __call__(self, amount_in: int) -> int | None:
        """Profit at ``amount_in``, None when the cycle cannot trade it."""
        outcome = self.run(amount_in)
        return None if outcome is None else outcome[0] - amount_in - self.loan.premium(amount_in)

    @property
    def simulations(self) -> int:
        return len(self.outputs)

    def best(self) -> tuple[int, int] | None:
        """(input, profit) of the best input simulated so far; the smaller input on ties."""
        found = [(p, -x) for x in self.outputs if (p := self(x)) is not None]
        if not found:
            return None
        p, neg_x = max(found)
        return -neg_x, p


def _better(a: int | None, b: int | None) -> bool:
    """a > b, where None (cannot trade) is worse than anything."""
    return a is not None and (b is None or a > b)


def _bracket(profit: _Simulator, guess: int, budget: int) -> tuple[int, int]:
    """An interval around the maximum of a unimodal profit, found by doubling or halving from ``guess``."""
    x = max(1, min(guess, MAX_INPUT))
    p = profit(x)
    up = min(2 * x, MAX_INPUT)
    if _better(profit(up), p):
        low, mid, high = x, up, min(2 * up, MAX_INPUT)
        while high < MAX_INPUT and profit.simulations < budget and _better(profit(high), profit(mid)):
            low, mid, high = mid, high, min(2 * high, MAX_INPUT)
        return low, high
    low, mid, high = x // 2, x, up
    while low >= 1 and profit.simulations < budget and not _better(profit(mid), profit(low)):
        low, mid, high = low // 2, low, mid
    return max(1, low), high


def _golden_section(profit: _Simulator, low: int, high: int, budget: int) -> None:
    """Narrow [low, high] around the maximum by golden-section steps on integers (one new
    evaluation per step) until it is a few millionths of the input wide (the profit is flat
    there) or the budget is spent; every evaluation is kept in ``profit``."""
    a, b = low, high
    c, d = a + (b - a) * 382 // 1000, a + (b - a) * 618 // 1000
    pc, pd = profit(c), profit(d)
    while b - a > max(8, b >> 24) and profit.simulations < budget:
        if pd is None or (pc is not None and pc >= pd):
            # the maximum is left of d (a trade that fails means the input is too large)
            b, d, pd = d, c, pc
            c = a + (b - a) * 382 // 1000
            if c >= d:
                break
            pc = profit(c)
        else:
            a, c, pc = c, d, pd
            d = a + (b - a) * 618 // 1000
            if d <= c:
                break
            pd = profit(d)


_FAST_RESERVE = 1 << 120  # below this, no V2 product in a scan nears 2**256: no overflow check needed


def _v2_steps(hop_pools: Sequence[tuple[Hop, Pool]]) -> list[tuple[int, int, int]] | None:
    """Each hop's ``getAmountOut`` as (k, m, n): out = in * k // (m + n * in); None unless every hop is a
    V2 pair with a valid fee and reserves in (0, 2**120)."""
    steps = []
    for hop, pool in hop_pools:
        if not isinstance(pool, V2Pool) or not 0 <= pool.fee_bps < BPS:
            return None
        reserve_in, reserve_out = pool.reserves(hop.zero_for_one)
        if not (0 < reserve_in < _FAST_RESERVE and 0 < reserve_out < _FAST_RESERVE):
            return None
        g = BPS - pool.fee_bps
        steps.append((g * reserve_out, BPS * reserve_in, g))
    return steps


def _exact_scan(profit: _Simulator, lo: int, hi: int) -> tuple[int, int] | None:
    """(input, exact profit) of the best input in [lo, hi], the smallest on ties; None if none trades.

    All-V2 cycles run ``getAmountOut`` inline (inputs up to ``MAX_INPUT`` and reserves under 2**120
    keep every product under 2**254, so the library's overflow check cannot fire); others simulate.
    """
    best: tuple[int, int] | None = None
    steps = _v2_steps(profit.hops)
    if steps is None:
        for x in range(lo, hi + 1):
            p = profit(x)
            if p is not None and (best is None or p > best[1]):
                best = (x, p)
        return best
    bps = profit.loan.fee_bps
    for x in range(lo, hi + 1):
        amount = x
        for k, m, n in steps:
            if amount <= 0:  # INSUFFICIENT_INPUT_AMOUNT: the cycle cannot trade x
                break
            amount = amount * k // (m + n * amount)
        else:
            p = amount - x - ((x * bps + BPS // 2) // BPS if bps else 0)
            if best is None or p > best[1]:
                best = (x, p)
    return best


def _cycle_maps(cycle: Cycle, hop_pools: Sequence[Pool]) -> tuple[LinearFractional, LinearFractional | None]:
    """(``hop_ceiling_map``s composed, ``hop_map``s composed or None); the same map when all hops are V2."""
    ceiling: LinearFractional | None = None
    local: LinearFractional | None = None
    has_local = True
    for hop, pool in zip(cycle.hops, hop_pools, strict=True):
        if isinstance(pool, V2Pool | WeightedPool):
            step: LinearFractional | None = hop_map(pool, hop)
            upper = step
        else:
            step, upper = hop_map(pool, hop), hop_ceiling_map(pool, hop)
        ceiling = upper if ceiling is None else ceiling.then(upper)  # type: ignore[arg-type]
        if step is None:
            has_local = False
        elif has_local:
            local = step if local is None else local.then(step)
    assert ceiling is not None
    return ceiling, local if has_local else None


def size_cycle(cycle: Cycle, pools: Mapping[str, Pool], params: SizingParams) -> Opportunity | None:
    """The most profitable input for the cycle on the given states, or None if nothing pays loan and gas.

    Net profit is the exact output less input, premium and gas; gas is fixed per cycle, so the
    input maximizes output - input - premium. Cycles that cannot pay their gas at any size are
    dismissed from an upper bound of their profit before any simulation. The closed form (or the
    bounded search) proposes inputs; when ``profit_window`` around the best of them holds at most
    ``params.max_scan`` inputs (an eighth of that with a V3 hop), all are simulated and the result
    is the integer optimum, the smallest input on ties. Otherwise the best proposal is returned,
    lowered to the least input paying the same output (within the rounding band of the optimum;
    see the module docstring).
    """
    hop_pools = [pools[h.pool] for h in cycle.hops]
    loan_bps = params.loan.fee_bps
    gas_cost = params.gas.units_of(hop_pools) * params.base_fee_wei
    ceiling_map, local = _cycle_maps(cycle, hop_pools)
    if not ceiling_map.is_profitable(loan_bps):
        return None
    ceiling = ceiling_map.max_profit_ceiling(loan_bps)
    if ceiling is not None and ceiling + 1 <= gas_cost:
        return None  # cannot pay for its gas at any size
    profit = _Simulator(cycle, hop_pools, params.loan)
    all_v2 = all(isinstance(p, V2Pool) for p in hop_pools)
    scan_budget = params.max_scan if all_v2 else params.max_scan // 8
    guess = local.optimal_input(loan_bps) if local is not None else 0
    top = profit.run(guess + 1) if guess > 0 else None
    if top is not None and not top[1]:
        # No V3 hop leaves its tick range up to guess + 1: the closed form is the profit there and
        # its real-valued maximum is at x* (the profit is concave); the exact one is near.
        for x in (guess, guess - 1):
            if x >= 1:
                profit(x)
    else:
        window = profit_window(ceiling_map, loan_bps, gas_cost + 1) if ceiling is not None else (0, MAX_INPUT)
        if window is None:
            return None  # no input can pay the gas
        if window[1] - window[0] >= scan_budget:
            budget = params.max_simulations
            low, high = _bracket(profit, guess or 10**16, budget)
            _golden_section(profit, low, high, budget)
    best = profit.best()
    # Every input paying the gas and at least the best profit found lies in the window (see there).
    target = max(gas_cost + 1, best[1] if best else 0)
    window = profit_window(ceiling_map, loan_bps, target) if ceiling is not None else (0, MAX_INPUT)
    if window is None:
        return None  # nothing pays the gas (the best input found, if it did, would be in the window)
    if window[1] - window[0] < scan_budget:
        # Every input as good as the best found, or paying the gas, lies in the window: scan it all.
        best = _exact_scan(profit, *window)
        if best is None or best[1] <= gas_cost:
            return None
        amount_in = best[0]
    else:
        if best is None or best[1] <= gas_cost:
            return None
        amount_in = least_input_for_same_output(cycle, pools, best[0])
    outcome = profit.run(amount_in)
    assert outcome is not None
    amount_out = outcome[0]
    loan_fee = params.loan.premium(amount_in)
    gross = amount_out - amount_in
    net = gross - loan_fee - gas_cost
    if net <= 0:
        return None
    return Opportunity(cycle, amount_in, amount_out, gross, loan_fee, gas_cost, net)


def select_opportunities(opportunities: Iterable[Opportunity], limit: int | None = None) -> list[Opportunity]:
    """Opportunities that can all execute in one block: greedily by net profit, no two sharing a pool."""
    if limit is not None and limit <= 0:
        return []
    ranked = sorted(opportunities, key=lambda o: (-o.net_profit, o.pools))
    chosen: list[Opportunity] = []
    used: set[str] = set()
    for opportunity in ranked:
        if used.isdisjoint(opportunity.pools):
            chosen.append(opportunity)
            used.update(opportunity.pools)
            if limit is not None and len(chosen) >= limit:
                break
    return chosen
