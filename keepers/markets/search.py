"""Arbitrage search that scales to mainnet: cycles are found on demand around the pools a block
changed, bounded, and sized exactly only when the selection needs them.

Nothing is enumerated up front. A cycle is two or three hops from the base token back to it
(``base -> a -> base`` or ``base -> a -> b -> base``), named by the ids of its hops. The
search keeps, per pool, its two hops' data, and per token the hops that leave it and enter
it. A block's logs become new pool states (``apply``); ``refresh`` then enumerates the cycles
through those pools, and only those: a cycle elsewhere keeps what was known of it, since
none of its inputs changed. Pools join and leave the search one by one (``add_pools``,
``remove_pools``), at the cost of refreshing the cycles through them.

Filters, none of which can drop a cycle that pays:

1. every hop carries an integer upper bound on log base 1.0001 of its marginal rate (the
   ``tick`` of the rate, from ``TickMath``); a cycle whose bounds sum to at most the loan
   fee's log cannot pay (out/in never beats the product of marginal rates). Enumeration is
   pruned by the same sum: per token, the best bound of a hop to and from the base token is
   kept exactly, and each of its 2-hop paths to (and from) the base token is ranked by an upper
   bound (``PathBounds``). A changed hop walks only the paths that may complete it above the
   threshold, so a block costs time in proportion to what it dislocates, not to the pools'
   degrees (a hub token with thousands of pools is walked only as far as its dislocated paths).
   Hubs do not tell every neighbour when their best hop to the base moves: neighbours look
   them up. A cycle must also be deep enough to pay the least gas at a quarter of the gate fee
   (``can_pay``: its best profit is at most ``(M / N) (sqrt(r) - 1)**2``);
2. every hop carries a map at or above its output (``sizing.hop_ceiling_map``); composed,
   they give the exact marginal-rate product and a ceiling on the cycle's profit at any
   size. A cycle whose ceiling cannot pay its gas at the *gate* fee is kept dormant, ordered
   by the base fee at which it would, so a falling base fee wakes exactly the cycles it can
   change.

Survivors of both are *candidates*, each with that ceiling less its gas as an upper bound on
its net profit. Exact sizing (``sizing.size_cycle``) is the expensive step, and it is deferred:
``select`` runs the greedy selection (best net profit first, no two sharing a pool) as a
branch and bound over a priority queue holding each candidate by its bound, or by its exact
net profit once sized. Popping a bound sizes that cycle and queues the result; popping an
exact profit is the greedy's next opportunity in order, since every cycle still unsized is
bounded at or below it (a bound equal to an exact profit pops first: a tie on profit is
broken by the pools, which only the sized cycle shows). A candidate that shares a pool with
an opportunity already picked is skipped unsized: the greedy skips it whatever it pays. The
selection stops at ``limit`` picks, so it is the eager one (every candidate sized, then
greedy: ``select_eager``) to the object, with only the cycles whose bounds reach into it sized.
A sizing is kept until one of the cycle's pools changes or the gate fee falls.

Memory holds the pools, their hops and the few cycles that pass the log-rate filter: it grows
with pools, not with cycles (``stats()`` reports it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache
from heapq import heapify, heappop, heappush
from math import expm1, inf, isqrt, log

from keepers.markets.balancer_weighted import WeightedPool
from keepers.markets.cycles import Cycle, Hop, Pool, hops_of
from keepers.markets.sizing import (
    Opportunity,
    SizingParams,
    hop_ceiling_map,
    marginal_rate,
    select_opportunities,
    size_cycle,
)
from keepers.markets.uniswap_v2 import BPS, V2Pool
from keepers.markets.uniswap_v3.swap_math import FEE_DENOMINATOR
from keepers.markets.uniswap_v3.tick_math import MAX_SQRT_RATIO, MAX_TICK, MIN_SQRT_RATIO, MIN_TICK
from keepers.markets.uniswap_v3.tick_math import get_tick_at_sqrt_ratio as _tick_at

NEVER = MIN_TICK - 10  # the bound of a hop that cannot trade
ALWAYS = 10 * MAX_TICK  # the bound of a rate beyond TickMath's range: never filters
UNBOUNDED = 1 << 256  # the profit ceiling of a composed map without curvature (bounds nothing)


def log_rate_ceiling(numerator: int, denominator: int) -> int:
    """An integer w with ``numerator / denominator <= 1.0001 ** w``, at most 2 above the exact log.

    From the tick t of sqrt(rate) as a Q64.96: rate < (sqrt_ratio(t + 1) / 2**96)**2, and
    TickMath's sqrt ratios are within 1e-19 of exact, so t + 2 bounds the log from above.
    """
    if numerator <= 0 or denominator <= 0:
        return NEVER
    sqrt_price = isqrt((numerator << 192) // denominator)
    if sqrt_price < MIN_SQRT_RATIO:
        return MIN_TICK + 1
    if sqrt_price >= MAX_SQRT_RATIO:
        return ALWAYS
    return _tick_at(sqrt_price) + 2


@lru_cache(maxsize=64)
def _fee_log_ceiling(numerator: int, denominator: int) -> int:
    """``log_rate_ceiling`` of a fee factor (few distinct values: cached)."""
    return log_rate_ceiling(numerator, denominator)


def _price_tick(sqrt_price_x96: int) -> int | None:
    """TickMath's tick of a sqrt price, or None outside its range."""
    if MIN_SQRT_RATIO <= sqrt_price_x96 < MAX_SQRT_RATIO:
        return _tick_at(sqrt_price_x96)
    return None


def loan_fee_log_floor(loan_fee_bps: int) -> int:
    """An integer T with ``1.0001 ** T <= 1 + fee``: a cycle whose hop bounds sum to <= T cannot pay."""
    if loan_fee_bps == 0:
        return 0
    return _tick_at(isqrt(((BPS + loan_fee_bps) << 192) // BPS)) - 1


NONE = -(1 << 62)  # the best bound of no path at all
CAP_SLACK = 6  # ticks: how far a token's best hop to or from the base may rise before its neighbours hear of it

Key = tuple[int, int, int]  # a cycle's hop ids: (first, middle, last), or (first, last, 0) for two hops
LN_TICK = log(1.0001)
RATE_SLACK = 5  # a hop's log-rate bound is at most this far above its exact log: bound - 5 is below it
PRUNE_DIVISOR = 4  # cycles that cannot pay their gas even at a quarter of the gate fee are never kept
PRUNE_MARGIN = 0.01  # 1% on the float bound: far beyond the error of a few logs and exps
RERANK_AFTER = 64  # paths a token's bounds may raise (at least) before its paths are ranked again,
RERANK_SHARE = 16  # ... or one in this many of them
HUB_DEGREE = 256  # a token with more paths through it is a hub: its neighbours look its bound up instead


def _ln_rate_floor(weight: int) -> float:
    """At or below ln of the rate of a hop whose log-rate bound is ``weight``: the bound is within
    ``RATE_SLACK`` of the exact log inside TickMath's range; outside it, nothing is known below."""
    return (weight - RATE_SLACK) * LN_TICK if MIN_TICK + 1 < weight < ALWAYS else -inf


def can_pay(ln_depth: float, weight: int, ln_floor: float) -> bool:
    """Whether a cycle with total log-rate bound ``weight`` and depth at most ``e ** ln_depth`` (its composed
    ceiling map's M / N, in base-token units) may make ``e ** ln_floor``.

    The best profit of ``x -> K x / (M + N x)`` less ``(1 + fee) x`` is ``(M / N) (sqrt(K / M) - sqrt(1 + fee))**2``,
    at most ``(M / N) (sqrt(r) - 1)**2`` with ``r = K / M <= 1.0001 ** weight``; a 1% margin covers the
    floats' rounding. Used only to prune: an exact ceiling is computed for what passes.
    """
    if weight > 40_000:  # a rate above e**4: never pruned (and no overflow)
        return True
    if weight <= 0:
        return False
    excess = expm1(weight * LN_TICK / 2)
    return ln_depth + 2 * log(excess) + PRUNE_MARGIN >= ln_floor


class PathBounds:
    """Upper bounds on each token's 2-hop paths to (or from) the base token, in one direction.

    A token's paths (each of its hops to another token, completed by that token's best hop to or
    from the base) are ranked, best first, by their bounds as of the last ranking. A path whose
    bound rises above that is *raised* (kept apart with its new bound); every other path's bound
    still holds. So the paths that may clear a threshold are a prefix of the ranking plus the raised
    ones above it: a changed hop walks only those, and the few dislocated paths of a hub (a shocked
    or stale pool) never make it walk the thousands at equilibrium. The ranking is redone once a
    token's raised paths outnumber ``max(RERANK_AFTER, paths / RERANK_SHARE)``.
    """

    def __init__(self) -> None:
        self.ranked: dict[str, list[tuple[int, int]]] = {}  # (bound, hop id) at the ranking, best first
        self.recorded: dict[str, dict[int, int]] = {}  # hop id -> bound at the ranking
        self.raised: dict[str, dict[int, int]] = {}  # hop id -> bound, for paths raised above it since
        self.top: dict[str, int] = {}  # at or above every path's bound
        self.limit: dict[str, int] = {}

    def raise_(self, token: str, hop_id: int, value: int) -> bool:
        """A path's bound is now ``value``; returns True when the token's paths should be ranked again."""
        recorded = self.recorded.get(token)
        if recorded is not None and value <= recorded.get(hop_id, NONE):
            return False
        raised = self.raised.get(token)
        if raised is None:
            raised = self.raised[token] = {}
        elif value <= raised.get(hop_id, NONE):
            return False
        raised[hop_id] = value
        if value > self.top.get(token, NONE):
            self.top[token] = value
        return len(raised) > self.limit.get(token, RERANK_AFTER)

    def clearing(self, token: str, floor: int) -> set[int]:
        """The token's paths whose bound may exceed ``floor``."""
        walk = {hop_id for hop_id, value in self.raised.get(token, {}).items() if value > floor}
        for value, hop_id in self.ranked.get(token, ()):
            if value <= floor:
                break
            walk.add(hop_id)
        return walk

    def rank(self, token: str, paths: list[tuple[int, int]]) -> None:
        """Rank a token's paths, (bound, hop id) each, from their current bounds."""
        paths.sort(reverse=True)
        self.ranked[token] = paths
        self.recorded[token] = {hop_id: value for value, hop_id in paths}
        self.raised[token] = {}
        self.top[token] = paths[0][0] if paths else NONE
        self.limit[token] = max(RERANK_AFTER, len(paths) // RERANK_SHARE)  # a ranking costs O(paths log paths)

    def discard(self, token: str, hop_id: int) -> None:
        self.recorded.get(token, {}).pop(hop_id, None)
        self.raised.get(token, {}).pop(hop_id, None)


class ArbSearch:
    """Every 2- and 3-hop cycle through ``base_token``, found on demand around changed pools, bounded
    against the latest pool states and sized when the selection needs it (see the module docstring).

    ``params.base_fee_wei`` is the current base fee; ``set_base_fee`` follows it block by block.
    Cycles are sized against a *gate* fee ``base_fee_headroom_bps`` below it (EIP-1559 lets the
    base fee fall 12.5% a block) and priced at the current fee: the best input does not depend
    on gas, so a new base fee at or above the gate only re-prices what was sized, and a fall
    below the gate wakes the dormant cycles that pay their gas at the new gate and forgets the
    sizings that did not pay at the old one.
    """

    def __init__(
        self,
        pools: Iterable[Pool],
        base_token: str,
        params: SizingParams,
        max_hops: int = 3,
        base_fee_headroom_bps: int = 1_250,
    ):
        if not 2 <= max_hops <= 3:
            raise ValueError("cycles of 2 or 3 hops are supported")
        self.base_token = base_token
        self.params = params
        self.max_hops = max_hops
        self._headroom_bps = base_fee_headroom_bps
        self.pools: dict[str, Pool] = {}
        # Per hop id (0 is a neutral hop padding 2-hop cycles to 3): the hop, its pool, tokens,
        # log-rate bound, ceiling map and gas units.
        self._hops: list[Hop | None] = [None]
        self._hop_pool: list[str] = [""]
        self._hop_in: list[str] = [""]
        self._hop_out: list[str] = [""]
        self._weights: list[int] = [0]
        self._maps: list[tuple[int, int, int]] = [(1, 1, 0)]
        self._hop_gas: list[int] = [0]
        self._ln_depth: list[float] = [inf]  # ln(M / N) of the hop's ceiling map, in its input token's units
        self._pool_hops: dict[str, tuple[int, int]] = {}
        # Per token: hops from the base to it (away), from it to the base (home), and between it and
        # tokens other than the base (out of it, into it).
        self._away: dict[str, list[int]] = {}
        self._home: dict[str, list[int]] = {}
        self._out: dict[str, list[int]] = {}
        self._in: dict[str, list[int]] = {}
        # Per token: the best bound of its away and home hops (exact), the caps its neighbours were
        # told of (at or above them), and upper bounds on its 2-hop paths home (t -> x -> base) and
        # from the base (base -> x -> t).
        self._best_away: dict[str, int] = {}
        self._best_home: dict[str, int] = {}
        self._worst_away: dict[str, int] = {}  # the least bound of a hop from the base to the token
        self._depth_away: dict[str, float] = {}  # the most ln depth of a hop from the base to the token
        self._depth_home: dict[str, float] = {}  # ... and of a hop from the token to the base
        self._cap_away: dict[str, int] = {}
        self._cap_home: dict[str, int] = {}
        self._paths_home = PathBounds()  # t -> x -> base
        self._paths_away = PathBounds()  # base -> x -> t
        # Hubs (thousands of neighbours) do not tell each neighbour when their best hop to (from) the
        # base rises: each neighbour keeps its hops into (out of) hubs and looks the hubs' caps up.
        self._hubs_home: set[str] = set()
        self._hubs_away: set[str] = set()
        self._via_hub_home: dict[str, list[int]] = {}  # t -> its hops t -> hub, hub a home hub
        self._via_hub_away: dict[str, list[int]] = {}  # t -> its hops hub -> t, hub an away hub
        self._threshold = loan_fee_log_floor(params.loan.fee_bps)
        self._min_units = params.gas.base + 2 * min(params.gas.per_v2_hop, params.gas.per_v3_hop)
        self._set_gate(params.base_fee_wei)
        self._set_prune()
        # Cycles passing the log-rate filter with a marginal rate above the loan fee, by their
        # profit ceiling net of the loan fee, before gas: candidates pay their gas at the gate fee,
        # dormant ones do not (a heap orders them by the gate fee that would wake them).
        self._ceilings: dict[Key, int] = {}
        self._dormant: dict[Key, int] = {}
        self._dormant_heap: list[tuple[int, Key]] = []
        self._by_pool: dict[str, set[Key]] = {}  # pool -> keys of candidate and dormant cycles through it
        self._sized: dict[Key, Opportunity | None] = {}  # candidate -> sized at the gate fee (None: does not pay)
        self._opportunities: dict[Key, Opportunity] = {}  # sized candidates priced at the current fee, paying
        # The branch-and-bound queue: (-bound, 0, key, serial) for a candidate not sized yet,
        # (-net profit, 1, pools, key, opportunity) for a sized one that pays. Entries go stale
        # (a pool changed, the cycle got sized) and are dropped when popped; ``_serials`` holds the
        # serial of each unsized candidate's live entry.
        self._queue: list[tuple] = []
        self._serials: dict[Key, int] = {}
        self._serial = 0
        self.sizings = 0  # exact sizings done so far (``sizing.size_cycle`` calls)
        for pool in pools:
            self._register(pool)
        for address in self.pools:
            self._rate(self.pools[address], propagate=False)
        self._exact_bests()

    # --- pools ----------------------------------------------------------------------------------

    def _register(self, pool: Pool) -> None:
        """Give a pool's two hops ids and place them in the token graph (no bounds yet)."""
        if pool.address in self.pools:
            raise ValueError(f"pool {pool.address} is already in the search")
        if isinstance(pool, WeightedPool) and len(pool.tokens) != 2:
            raise ValueError(f"weighted pool {pool.address}: the search takes one pair of it (WeightedPool.pair)")
        self.pools[pool.address] = pool
        base, gas = self.base_token, self.params.gas
        hop_gas = gas.per_v2_hop if isinstance(pool, V2Pool) else gas.per_v3_hop
        ids = []
        for hop in hops_of(pool):
            hop_id = len(self._hops)
            ids.append(hop_id)
            self._hops.append(hop)
            self._hop_pool.append(pool.address)
            self._hop_in.append(hop.token_in)
            self._hop_out.append(hop.token_out)
            self._weights.append(NEVER)
            self._maps.append((0, 1, 0))
            self._hop_gas.append(hop_gas)
            self._ln_depth.append(-inf)
            if hop.token_in == base:
                self._away.setdefault(hop.token_out, []).append(hop_id)
            elif hop.token_out == base:
                self._home.setdefault(hop.token_in, []).append(hop_id)
            else:
                self._out.setdefault(hop.token_in, []).append(hop_id)
                self._in.setdefault(hop.token_out, []).append(hop_id)
                if hop.token_out in self._hubs_home:
                    self._via_hub_home.setdefault(hop.token_in, []).append(hop_id)
                if hop.token_in in self._hubs_away:
                    self._via_hub_away.setdefault(hop.token_out, []).append(hop_id)
        self._pool_hops[pool.address] = (ids[0], ids[1])

    def add_pools(self, pools: Iterable[Pool]) -> list[str]:
        """Take pools the search does not know yet and find the cycles through them; returns their addresses.

        Costs the refresh of the cycles through the new pools: nothing else is rebuilt.
        """
        added = []
        for pool in pools:
            self._register(pool)
            added.append(pool.address)
        for address in added:
            self._rate(self.pools[address])
        self.refresh(added)
        return added

    def remove_pools(self, addresses: Iterable[str]) -> list[str]:
        """Forget pools (and every cycle through them); returns the addresses that were known."""
        removed = []
        for address in addresses:
            if address not in self.pools:
                continue
            self._forget(address)
            for hop_id in self._pool_hops.pop(address):
                token_in, token_out = self._hop_in[hop_id], self._hop_out[hop_id]
                if token_in == self.base_token:
                    self._away[token_out].remove(hop_id)
                    self._token_away(token_out)
                elif token_out == self.base_token:
                    self._home[token_in].remove(hop_id)
                    self._token_home(token_in)
                else:
                    self._out[token_in].remove(hop_id)
                    self._in[token_out].remove(hop_id)
                    self._paths_home.discard(token_in, hop_id)
                    self._paths_away.discard(token_out, hop_id)
                    if token_out in self._hubs_home:
                        self._via_hub_home[token_in].remove(hop_id)
                    if token_in in self._hubs_away:
                        self._via_hub_away[token_out].remove(hop_id)
                # The id stays retired: a hop that cannot trade, in no list.
                self._hops[hop_id] = None
                self._weights[hop_id] = NEVER
                self._maps[hop_id] = (0, 1, 0)
            del self.pools[address]
            removed.append(address)
        return removed

    def apply(self, states: Iterable[Pool]) -> list[str]:
        """Take new states of known pools (from a block's Sync/Swap logs); returns their addresses.

        States of pools the search does not know are ignored: ``add_pools`` takes new pools.
        """
        changed = []
        pools = self.pools
        for state in states:
            if state.address in pools:
                pools[state.address] = state
                self._rate(state)
                changed.append(state.address)
        return changed

    # --- bounds of hops and paths ---------------------------------------------------------------

    def _rate(self, pool: Pool, propagate: bool = True) -> None:
        """Recompute the hop data of one pool: ceiling maps and log-rate bounds of both directions."""
        zero_for_one, one_for_zero = self._pool_hops[pool.address]
        if isinstance(pool, V2Pool):
            if pool.reserve0 <= 0 or pool.reserve1 <= 0:
                self._maps[zero_for_one] = self._maps[one_for_zero] = (0, 1, 0)
                self._weights[zero_for_one] = self._weights[one_for_zero] = NEVER
                self._ln_depth[zero_for_one] = self._ln_depth[one_for_zero] = -inf
                if propagate:
                    self._raised(zero_for_one)
                    self._raised(one_for_zero)
                return
            fee_log = _fee_log_ceiling(BPS - pool.fee_bps, BPS)
            # log1.0001(reserve1 / reserve0) from one tick; out of TickMath's range, per direction
            tick = _price_tick(isqrt((pool.reserve1 << 192) // pool.reserve0))
        elif isinstance(pool, WeightedPool):
            fee_log, tick = 0.0, None  # the marginal rates bound both directions directly
        else:
            fee_log = _fee_log_ceiling(FEE_DENOMINATOR - pool.fee, FEE_DENOMINATOR)
            tick = _price_tick(pool.sqrt_price_x96)
        forward, backward = self._hops[zero_for_one], self._hops[one_for_zero]
        for hop_id, hop in ((zero_for_one, forward), (one_for_zero, backward)):
            ceiling = hop_ceiling_map(pool, hop)  # type: ignore[arg-type]
            self._maps[hop_id] = (ceiling.k, ceiling.m, ceiling.n)
            self._ln_depth[hop_id] = (
                -inf if ceiling.k == 0 else inf if ceiling.n == 0 else log(ceiling.m) - log(ceiling.n)
            )
        if tick is None:
            self._weights[zero_for_one] = log_rate_ceiling(*marginal_rate(pool, forward))  # type: ignore[arg-type]
            self._weights[one_for_zero] = log_rate_ceiling(*marginal_rate(pool, backward))  # type: ignore[arg-type]
        else:
            # price P of token0 in token1 with t <= log P < t + 1 (+ TickMath's 1e-19): the rates are
            # g * P and g / P, so their logs are below fee_log + t + 2 and fee_log - t + 1.
            self._weights[zero_for_one] = fee_log + tick + 2
            self._weights[one_for_zero] = fee_log - tick + 1
        if propagate:
            self._raised(zero_for_one)
            self._raised(one_for_zero)

    def _raised(self, hop_id: int) -> None:
        """Keep the per-token bounds at or above every path after a hop's bound changed.

        A best hop to (from) the base token is exact; when it rises above the cap its neighbours
        were told of, the path bounds of every token next to it are raised against a new cap
        ``CAP_SLACK`` above it (so a hub's neighbours hear of it only when it really moved).
        A hop between two other tokens raises the path bounds of its two ends.
        """
        base, weights = self.base_token, self._weights
        token_in, token_out = self._hop_in[hop_id], self._hop_out[hop_id]
        if token_in == base:
            self._token_away(token_out)
            best = self._best_away[token_out]
            if best > self._cap_away.get(token_out, NONE):
                cap = self._cap_away[token_out] = best + CAP_SLACK
                if self._is_hub(token_out, self._out, self._hubs_away, self._via_hub_away, self._hop_out):
                    return
                paths, hop_out = self._paths_away, self._hop_out
                for m in self._out.get(token_out, ()):
                    x = hop_out[m]
                    if paths.raise_(x, m, cap + weights[m]):
                        self._rank_away(x)
        elif token_out == base:
            self._token_home(token_in)
            best = self._best_home[token_in]
            if best > self._cap_home.get(token_in, NONE):
                cap = self._cap_home[token_in] = best + CAP_SLACK
                if self._is_hub(token_in, self._in, self._hubs_home, self._via_hub_home, self._hop_in):
                    return
                paths, hop_in = self._paths_home, self._hop_in
                for m in self._in.get(token_in, ()):
                    x = hop_in[m]
                    if paths.raise_(x, m, weights[m] + cap):
                        self._rank_home(x)
        else:
            weight = weights[hop_id]
            if self._paths_home.raise_(token_in, hop_id, weight + self._cap_home.get(token_out, NONE)):
                self._rank_home(token_in)
            if self._paths_away.raise_(token_out, hop_id, self._cap_away.get(token_in, NONE) + weight):
                self._rank_away(token_out)

    @staticmethod
    def _is_hub(
        token: str, adjacent: dict[str, list[int]], hubs: set[str], via: dict[str, list[int]], other_end: list[str]
    ) -> bool:
        """Whether the token is a hub (made one now if it has more than ``HUB_DEGREE`` neighbouring hops:
        each neighbour then keeps its hops to it, to look its cap up)."""
        if token in hubs:
            return True
        hops = adjacent.get(token, ())
        if len(hops) <= HUB_DEGREE:
            return False
        hubs.add(token)
        for m in hops:
            via.setdefault(other_end[m], []).append(m)
        return True

    def _token_away(self, token: str) -> None:
        """The token's best and worst hop bound and deepest hop from the base (exact; few hops)."""
        ids, weights, depth = self._away.get(token, ()), self._weights, self._ln_depth
        self._best_away[token] = max((weights[i] for i in ids), default=NONE)
        self._worst_away[token] = min((weights[i] for i in ids), default=NONE)
        self._depth_away[token] = max((depth[i] for i in ids), default=-inf)

    def _token_home(self, token: str) -> None:
        """The token's best hop bound and deepest hop to the base (exact; few hops)."""
        ids, weights, depth = self._home.get(token, ()), self._weights, self._ln_depth
        self._best_home[token] = max((weights[i] for i in ids), default=NONE)
        self._depth_home[token] = max((depth[i] for i in ids), default=-inf)

    def _rank_home(self, token: str) -> None:
        weights, hop_out, cap_home = self._weights, self._hop_out, self._cap_home
        paths = [(weights[m] + cap_home.get(hop_out[m], NONE), m) for m in self._out.get(token, ())]
        self._paths_home.rank(token, paths)

    def _rank_away(self, token: str) -> None:
        weights, hop_in, cap_away = self._weights, self._hop_in, self._cap_away
        paths = [(cap_away.get(hop_in[m], NONE) + weights[m], m) for m in self._in.get(token, ())]
        self._paths_away.rank(token, paths)

    def _exact_bests(self) -> None:
        """Every per-token bound from scratch (start-up): O(hops)."""
        for token in self._away:
            self._token_away(token)
        for token in self._home:
            self._token_home(token)
        self._cap_away = {t: best + CAP_SLACK for t, best in self._best_away.items()}
        self._cap_home = {t: best + CAP_SLACK for t, best in self._best_home.items()}
        for token in self._out:
            self._rank_home(token)
        for token in self._in:
            self._rank_away(token)
        for token in list(self._in):  # hubs are known from the start: none turns into one mid-block
            self._is_hub(token, self._in, self._hubs_home, self._via_hub_home, self._hop_in)
        for token in list(self._out):
            self._is_hub(token, self._out, self._hubs_away, self._via_hub_away, self._hop_out)

    # --- cycles around hops ---------------------------------------------------------------------

    def _cycles_through(self, hop_id: int, keys: set[Key]) -> None:
        """Add to ``keys`` every cycle through the hop whose log-rate bounds clear the threshold and whose
        depth may pay the gas of the pruning level (``can_pay``)."""
        base, weights, threshold, three = self.base_token, self._weights, self._threshold, self.max_hops == 3
        token_in, token_out, pool = self._hop_in[hop_id], self._hop_out[hop_id], self._hop_pool[hop_id]
        hop_pool, depth, floor, w = self._hop_pool, self._ln_depth, self._prune_ln, weights[hop_id]
        d = depth[hop_id]
        low = _ln_rate_floor(w)  # at or below ln of the hop's rate
        if token_in == base:  # the first hop: base -> v
            v = token_out
            for c in self._home.get(v, ()):
                total = w + weights[c]
                if total > threshold and hop_pool[c] != pool and can_pay(min(d, depth[c] - low), total, floor):
                    keys.add((hop_id, c, 0))
            paths, cap_home, hop_out = self._paths_home, self._cap_home, self._hop_out
            via_hubs = self._via_hub_home.get(v, ())
            hub_best = max((weights[m] + cap_home.get(hop_out[m], NONE) for m in via_hubs), default=NONE)
            if three and w + max(paths.top.get(v, NONE), hub_best) > threshold:
                home, best_home, depth_home = self._home, self._best_home, self._depth_home
                for m in {*paths.clearing(v, threshold - w), *via_hubs}:
                    x = hop_out[m]
                    wm = weights[m]
                    s = w + wm
                    if s + best_home.get(x, NONE) <= threshold:
                        continue
                    dm = min(d, depth[m] - low)
                    low_m = low + _ln_rate_floor(wm)
                    if not can_pay(min(dm, depth_home.get(x, -inf) - low_m), s + best_home[x], floor):
                        continue
                    for c in home[x]:
                        total = s + weights[c]
                        if total > threshold and can_pay(min(dm, depth[c] - low_m), total, floor):
                            keys.add((hop_id, m, c))
        elif token_out == base:  # the last hop: u -> base
            u = token_in
            for a in self._away.get(u, ()):
                total = weights[a] + w
                if total > threshold and hop_pool[a] != pool:
                    if can_pay(min(depth[a], d - _ln_rate_floor(weights[a])), total, floor):
                        keys.add((a, hop_id, 0))
            paths, cap_away, hop_in = self._paths_away, self._cap_away, self._hop_in
            via_hubs = self._via_hub_away.get(u, ())
            hub_best = max((cap_away.get(hop_in[m], NONE) + weights[m] for m in via_hubs), default=NONE)
            if three and max(paths.top.get(u, NONE), hub_best) + w > threshold:
                away, best_away = self._away, self._best_away
                worst_away, depth_away = self._worst_away, self._depth_away
                for m in {*paths.clearing(u, threshold - w), *via_hubs}:
                    x = hop_in[m]
                    wm = weights[m]
                    s = wm + w
                    if best_away.get(x, NONE) + s <= threshold:
                        continue
                    # any first hop a: depth <= D_a, D_m / r_a, D_h / (r_a r_m), with r_a at least the worst
                    low_a = _ln_rate_floor(worst_away[x])
                    low_am = low_a + _ln_rate_floor(wm)
                    bound = min(depth_away[x], depth[m] - low_a, d - low_am)
                    if not can_pay(bound, best_away[x] + s, floor):
                        continue
                    for a in away[x]:
                        total = weights[a] + s
                        if total <= threshold:
                            continue
                        low_a = _ln_rate_floor(weights[a])
                        low_am = low_a + _ln_rate_floor(wm)
                        if can_pay(min(depth[a], depth[m] - low_a, d - low_am), total, floor):
                            keys.add((a, m, hop_id))
        elif three:  # the middle hop: u -> v
            best_home = self._best_home.get(token_out, NONE)
            if self._best_away.get(token_in, NONE) + w + best_home > threshold:
                home = self._home.get(token_out, ())
                for a in self._away.get(token_in, ()):
                    s = weights[a] + w
                    if s + best_home <= threshold:
                        continue
                    low_a = _ln_rate_floor(weights[a])
                    da = min(depth[a], d - low_a)
                    low_ah = low_a + low
                    for c in home:
                        total = s + weights[c]
                        if total > threshold and can_pay(min(da, depth[c] - low_ah), total, floor):
                            keys.add((a, hop_id, c))

    def cycles_through(self, addresses: Iterable[str]) -> list[Cycle]:
        """The cycles through these pools whose log-rate bounds clear the threshold (what ``refresh``
        bounds), found on demand."""
        keys: set[Key] = set()
        for address in addresses:
            for hop_id in self._pool_hops.get(address, ()):
                self._cycles_through(hop_id, keys)
        return [self.cycle_of(key) for key in sorted(keys)]

    def _pools_of(self, key: Key) -> tuple[str, ...]:
        hop_pool = self._hop_pool
        return tuple(hop_pool[i] for i in key if i)

    def cycle_of(self, key: Key) -> Cycle:
        """The cycle a key names."""
        hops = self._hops
        return Cycle(tuple(hops[i] for i in key if i))  # type: ignore[misc]

    def key_of(self, cycle: Cycle) -> Key:
        """The key of a cycle through known pools."""
        ids = [self._hop_id(hop) for hop in cycle.hops]
        return (ids[0], ids[1], ids[2] if len(ids) == 3 else 0)

    def _hop_id(self, hop: Hop) -> int:
        return self._pool_hops[hop.pool][0 if hop.zero_for_one else 1]

    def _units(self, key: Key) -> int:
        hop_gas = self._hop_gas
        return self.params.gas.base + hop_gas[key[0]] + hop_gas[key[1]] + hop_gas[key[2]]

    def _forget(self, pool: str) -> None:
        """Drop every cycle through a pool (its bounds and sizings no longer hold)."""
        keys = self._by_pool.pop(pool, None)
        if not keys:
            return
        by_pool, hop_pool = self._by_pool, self._hop_pool
        ceilings, dormant, sized, opportunities, serials = (
            self._ceilings,
            self._dormant,
            self._sized,
            self._opportunities,
            self._serials,
        )
        for key in keys:
            for hop_id in key:
                other = hop_pool[hop_id]
                if hop_id and other != pool:
                    others = by_pool.get(other)
                    if others is not None:
                        others.discard(key)
            ceilings.pop(key, None)
            dormant.pop(key, None)
            sized.pop(key, None)
            opportunities.pop(key, None)
            serials.pop(key, None)

    # --- fees -----------------------------------------------------------------------------------

    def _set_gate(self, base_fee_wei: int) -> None:
        self._gate_fee = base_fee_wei * (BPS - self._headroom_bps) // BPS
        self._gate_params = replace(self.params, base_fee_wei=self._gate_fee)

    def _set_prune(self) -> None:
        """The pruning level: the least gas any cycle pays at a ``PRUNE_DIVISOR``-th of the gate fee."""
        self._prune_fee = self._gate_fee // PRUNE_DIVISOR
        floor = self._min_units * self._prune_fee
        self._prune_ln = log(floor) if floor > 0 else -inf

    def _price(self, key: Key, sized: Opportunity) -> Opportunity | None:
        """A cycle sized at the gate fee, priced at the current base fee; None if it does not pay."""
        base_fee = self.params.base_fee_wei
        if base_fee == self._gate_fee:
            return sized
        gas = self._units(key) * base_fee
        net = sized.gross_profit - sized.loan_fee - gas
        return replace(sized, gas_cost_wei=gas, net_profit=net) if net > 0 else None

    def set_base_fee(self, base_fee_wei: int) -> bool:
        """Follow the block's base fee; returns whether the selection is worth asking for again (the fee
        moved and some cycle may pay at it).

        At or above the gate fee this re-prices the sized cycles and re-bounds the others. Below it,
        the gate follows the fee down: dormant cycles whose ceiling pays their gas at the new gate
        become candidates, and cycles sized as not paying at the old gate are sized again when
        selected. Either way the cost is in proportion to the cycles the fee can change.
        """
        if base_fee_wei == self.params.base_fee_wei:
            return False
        self.params = replace(self.params, base_fee_wei=base_fee_wei)
        if base_fee_wei < self._gate_fee:
            self._set_gate(base_fee_wei)
            if self._gate_fee < self._prune_fee:
                # Cycles pruned for depth at the old level may pay now: enumerate again (the fee fell
                # to under a quarter of the level since it was set: many blocks of falling fees).
                self._set_prune()
                self.refresh_all()
                return bool(self._queue)
            self._wake()
            for key in [key for key, sized in self._sized.items() if sized is None]:
                del self._sized[key]
        self._opportunities = {
            key: priced
            for key, sized in self._sized.items()
            if sized is not None and (priced := self._price(key, sized)) is not None
        }
        self._rebuild_queue()
        return bool(self._queue)

    def _wake(self) -> None:
        """Dormant cycles that pay their gas at the (lower) gate fee become candidates."""
        heap, dormant, ceilings, gate = self._dormant_heap, self._dormant, self._ceilings, self._gate_fee
        while heap and -heap[0][0] >= gate:
            _, key = heappop(heap)
            ceiling = dormant.get(key)
            if ceiling is None or ceiling // self._units(key) < gate:
                continue  # stale: the cycle was dropped, or re-bounded lower
            del dormant[key]
            ceilings[key] = ceiling  # (it stays indexed by its pools)

    # --- bounds of cycles -----------------------------------------------------------------------

    def refresh(self, changed: Iterable[str]) -> None:
        """Re-bound the cycles through ``changed`` pools (their sizings are dropped, nothing is sized).

        What pays, and how much, is known only for what ``select`` asks for; ``opportunities()``
        sizes every candidate.
        """
        keys: set[Key] = set()
        pool_hops = self._pool_hops
        for address in changed:
            hop_ids = pool_hops.get(address)
            if hop_ids is None:
                continue
            self._forget(address)
            self._cycles_through(hop_ids[0], keys)
            self._cycles_through(hop_ids[1], keys)
        entries = self._bound(keys)
        queue = self._queue
        if len(queue) + len(entries) > 2 * (len(self._serials) + len(self._opportunities)) + 1_024:
            self._rebuild_queue()  # mostly stale entries: start over from the live ones
        else:
            for entry in entries:
                heappush(queue, entry)
        if len(self._dormant_heap) > 2 * len(self._dormant) + 1_024:
            self._dormant_heap = [(-(c // self._units(k)), k) for k, c in self._dormant.items()]
            heapify(self._dormant_heap)

    def refresh_all(self) -> None:
        """Re-bound every cycle and drop every sizing (what ``refresh`` avoids): every cycle has one
        first hop, so enumerating around the hops from the base token finds each once."""
        self._ceilings.clear()
        self._dormant.clear()
        self._dormant_heap = []
        self._by_pool.clear()
        self._sized.clear()
        self._opportunities.clear()
        self._serials.clear()
        keys: set[Key] = set()
        for hop_ids in self._away.values():
            for hop_id in hop_ids:
                self._cycles_through(hop_id, keys)
        self._queue = self._bound(keys)
        heapify(self._queue)

    def _bound(self, keys: Iterable[Key]) -> list[tuple]:
        """Bound cycles that passed the log-rate filter: record each one's profit ceiling (as a candidate,
        or dormant if it cannot pay its gas at the gate fee); returns queue entries for the candidates
        whose bound on net profit at the current fee is positive."""
        maps, hop_gas, hop_pool, gas_base = self._maps, self._hop_gas, self._hop_pool, self.params.gas.base
        gate_fee, base_fee = self._gate_fee, self.params.base_fee_wei
        ceilings, dormant, by_pool, serials = self._ceilings, self._dormant, self._by_pool, self._serials
        dormant_heap = self._dormant_heap
        loan_factor = BPS + self.params.loan.fee_bps
        serial = self._serial
        entries = []
        for key in keys:
            a, b, c = key
            k1, m1, n1 = maps[a]
            k2, m2, n2 = maps[b]
            k3, m3, n3 = maps[c]
            k, m = k1 * k2 * k3, m1 * m2 * m3
            if k * BPS <= m * loan_factor:
                continue  # the exact marginal rate does not beat the loan fee
            n = m3 * (m2 * n1 + n2 * k1) + n3 * k1 * k2
            if n > 0:
                # LinearFractional(k, m, n).max_profit_ceiling(fee_bps) + 1 (as ``max_profit_ceiling``)
                root = isqrt(k * m * BPS // loan_factor) + 1
                ceiling = loan_factor * (root - m) ** 2 // (n * m * BPS) + 2
            else:
                ceiling = UNBOUNDED
            units = gas_base + hop_gas[a] + hop_gas[b] + hop_gas[c]
            for hop_id in key:
                if hop_id:
                    by_pool.setdefault(hop_pool[hop_id], set()).add(key)
            if ceiling < units * gate_fee:
                dormant[key] = ceiling
                heappush(dormant_heap, (-(ceiling // units), key))
                continue
            ceilings[key] = ceiling
            negated = units * base_fee - ceiling
            if negated < 0:
                serial += 1
                serials[key] = serial
                entries.append((negated, 0, key, serial))
        self._serial = serial
        return entries

    def _rebuild_queue(self) -> None:
        """The queue from the live state alone: unsized candidates by bound at the current fee, sized ones
        that pay by net profit."""
        base_fee, sized = self.params.base_fee_wei, self._sized
        serials: dict[Key, int] = {}
        serial = self._serial
        queue: list[tuple] = []
        for key, ceiling in self._ceilings.items():
            if key in sized:
                continue
            negated = self._units(key) * base_fee - ceiling
            if negated < 0:
                serial += 1
                serials[key] = serial
                queue.append((negated, 0, key, serial))
        for key, opportunity in self._opportunities.items():
            queue.append((-opportunity.net_profit, 1, opportunity.pools, key, opportunity))
        heapify(queue)
        self._queue, self._serials, self._serial = queue, serials, serial

    def _size(self, key: Key) -> Opportunity | None:
        """Size a candidate at the gate fee (kept until its pools change); queue it if it pays now."""
        sized = size_cycle(self.cycle_of(key), self.pools, self._gate_params)
        self.sizings += 1
        self._sized[key] = sized
        self._serials.pop(key, None)  # its bound entry is stale now
        if sized is None:
            return None
        opportunity = self._price(key, sized)
        if opportunity is not None:
            self._opportunities[key] = opportunity
            heappush(self._queue, (-opportunity.net_profit, 1, opportunity.pools, key, opportunity))
        return opportunity

    # --- results --------------------------------------------------------------------------------

    def select(self, limit: int | None = None) -> list[Opportunity]:
        """The best opportunities that can execute together: greedily by net profit, no two sharing a pool.

        Exactly ``select_eager(limit)``, sizing only the candidates whose bound reaches into the
        selection (see the module docstring); a sizing is kept for later calls and blocks.
        """
        if limit is not None and limit <= 0:
            return []
        queue, serials, opportunities = self._queue, self._serials, self._opportunities
        chosen: list[Opportunity] = []
        used: set[str] = set()
        kept: list[tuple] = []  # live entries popped: back into the queue at the end
        while queue and (limit is None or len(chosen) < limit):
            entry = heappop(queue)
            if entry[1] == 0:  # a bound
                key = entry[2]
                if serials.get(key) != entry[3]:
                    continue  # stale: its pools changed, or it was sized
                if not used.isdisjoint(self._pools_of(key)):
                    kept.append(entry)  # after a pick it conflicts with: skipped whatever it pays
                    continue
                self._size(key)
                continue
            opportunity = entry[4]
            if opportunities.get(entry[3]) is not opportunity:
                continue  # stale: its pools changed, or the fee moved
            kept.append(entry)
            # every candidate left is bounded at or below it: the greedy's next in order
            if used.isdisjoint(opportunity.pools):
                chosen.append(opportunity)
                used.update(opportunity.pools)
        for entry in kept:
            heappush(queue, entry)
        return chosen

    def opportunities(self) -> list[Opportunity]:
        """Every cycle that currently pays loan and gas, sized, best first.

        Sizes every candidate not sized yet (what ``select`` avoids): use it for inspection and tests.
        """
        for key in [k for k in self._ceilings if k not in self._sized]:
            self._size(key)
        return sorted(self._opportunities.values(), key=lambda o: (-o.net_profit, o.pools))

    def select_eager(self, limit: int | None = None) -> list[Opportunity]:
        """``select`` the eager way: every candidate sized (``opportunities``), then the greedy selection.

        After ``refresh_all`` this is the full re-evaluation that ``refresh`` and ``select`` avoid.
        """
        return select_opportunities(self.opportunities(), limit)

    def net_profit_bound(self, cycle: Cycle) -> int | None:
        """The bound ``select`` orders an unsized cycle by: at or above its net profit at the current fee,
        as of the last refresh that touched it; None when the filters dismissed it (it cannot pay at
        the gate fee)."""
        key = self.key_of(cycle)
        ceiling = self._ceilings.get(key)
        return None if ceiling is None else ceiling - self._units(key) * self.params.base_fee_wei

    def log_rate_bound(self, hop: Hop) -> int:
        """The filter's bound for a hop: its marginal rate is at most 1.0001 ** bound."""
        return self._weights[self._hop_id(hop)]

    def stats(self) -> dict[str, int]:
        """What the search holds: pools, tokens, and the cycles that passed the log-rate filter."""
        tokens = set(self._away) | set(self._home) | set(self._out) | set(self._in)
        return {
            "pools": len(self.pools),
            "tokens": len(tokens),
            "candidates": len(self._ceilings),
            "dormant": len(self._dormant),
            "sized": len(self._sized),
            "opportunities": len(self._opportunities),
            "queue": len(self._queue),
        }
