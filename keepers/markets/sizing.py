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
* Before any simulation the cycle must be able to pay its gas: composing each hop's
  ceiling (the V2 curve; for V3 the curve of the most liquidity any range ahead holds,
  which no swap can beat) bounds the best profit from above.
* Integer rounding only moves the exact optimum a little; the sizing evaluates exact
  profit around ``x*`` and then lowers the input to the least amount that still gets
  the same output (every hop rounds down, so a range of inputs pays the same).
* When a V3 hop crosses initialized ticks at ``x*`` (or has no liquidity in range), a
  bracketing search and a golden-section search on integers, within a budget of
  simulations, find the optimum of the exact profit instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import isqrt

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
    """Gas an ``executeArb`` transaction uses: a fixed part plus a part per hop, by pool kind."""

    base: int
    per_v2_hop: int
    per_v3_hop: int

    def units(self, cycle: Cycle, pools: Mapping[str, Pool]) -> int:
        return self.units_of([pools[h.pool] for h in cycle.hops])

    def units_of(self, hop_pools: Sequence[Pool]) -> int:
        """Gas of a route through these pools, in hop order."""
        return self.base + sum(self.per_v3_hop if isinstance(p, V3Pool) else self.per_v2_hop for p in hop_pools)


@dataclass(frozen=True, slots=True)
class SizingParams:
    """What sizing charges against a cycle's output: the loan premium and gas at ``base_fee_wei``.

    Gas is paid in ETH and the base token is WETH, so gas cost is in the base token's units 1:1.
    """

    base_fee_wei: int
    gas: GasModel
    loan: FlashLoan = BALANCER_V2
    max_simulations: int = 64


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
    return pool.amount_out(hop.token_in, amount_in)


def hop_amount_in(pool: Pool, hop: Hop, amount_out: int) -> int:
    """An input that pays at least ``amount_out`` (``getAmountIn`` / exact-output swap)."""
    if isinstance(pool, V2Pool):
        reserve_in, reserve_out = pool.reserves(hop.zero_for_one)
        return get_amount_in(amount_out, reserve_in, reserve_out, pool.fee_bps)
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


def _v3_map(pool: V3Pool, zero_for_one: bool, liquidity: int) -> LinearFractional:
    """The constant-product curve of ``liquidity`` at the pool's current price (virtual reserves
    L * Q96 / sqrtP of token0 and L * sqrtP / Q96 of token1), fee on the input as V3 takes it;
    numerator and denominator scaled by sqrtP * Q96 to stay integral."""
    sqrt_price, g = pool.sqrt_price_x96, FEE_DENOMINATOR - pool.fee
    if zero_for_one:
        return LinearFractional(
            g * liquidity * sqrt_price * sqrt_price, FEE_DENOMINATOR * liquidity * Q192, g * sqrt_price * Q96
        )
    return LinearFractional(
        g * liquidity * Q192, FEE_DENOMINATOR * liquidity * sqrt_price * sqrt_price, g * sqrt_price * Q96
    )


def hop_map(pool: Pool, hop: Hop) -> LinearFractional | None:
    """The hop as ``K x / (M + N x)``: exact for V2 (before rounding), for V3 only within the current
    tick range (its virtual reserves); None for a V3 pool without liquidity in range."""
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
    form (one liquidity range per V3 hop) still describes the cycle at that input.
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


def _cycle_maps(cycle: Cycle, hop_pools: Sequence[Pool]) -> tuple[LinearFractional, LinearFractional | None]:
    """(``hop_ceiling_map``s composed, ``hop_map``s composed or None); the same map when all hops are V2."""
    ceiling: LinearFractional | None = None
    local: LinearFractional | None = None
    has_local = True
    for hop, pool in zip(cycle.hops, hop_pools, strict=True):
        if isinstance(pool, V2Pool):
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

    Exact output at the returned input; within a few wei of the best integer input when the
    closed form applies (all hops V2, or V3 hops staying in their tick range), otherwise the
    best input the bounded search found. Cycles that cannot pay their gas at any size are
    dismissed from an upper bound of their profit before any simulation.
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
    guess = local.optimal_input(loan_bps) if local is not None else 0
    top = profit.run(guess + 1) if guess > 0 else None
    if top is not None and not top[1]:
        # No V3 hop leaves its tick range up to guess + 1: the closed form is the profit there, its
        # maximum is the real-valued maximum (the profit is concave) and bounds the exact profit.
        assert local is not None
        if local != ceiling_map:  # (all V2: the same map, already checked)
            local_ceiling = local.max_profit_ceiling(loan_bps)
            if local_ceiling is not None and local_ceiling + 2 <= gas_cost:
                return None
        for x in (guess, guess - 1):
            if x >= 1:
                profit(x)
    else:
        budget = params.max_simulations
        low, high = _bracket(profit, guess or 10**16, budget)
        _golden_section(profit, low, high, budget)
    best = profit.best()
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
