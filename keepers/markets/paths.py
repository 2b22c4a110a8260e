"""Arbitrage paths across venues on one graph: which to trade together, each sized exactly.

The graph's nodes are ``Node(venue, asset)``: an asset held on a centralized exchange and the same
asset in the chain wallet are different nodes. Its edges (``Edge``) are markets as a taker meets
them: one side of a CEX market (``order_book.BookLeg``: buy walks the asks, sell the bids, taker
fee, lots, minimums) and one direction of a DEX pool (``amounts.PoolLeg`` for Uniswap V2 / V3,
``WeightedLeg`` for a Balancer V2 weighted pool). Transfers between venues are not modelled: a
path may continue on another venue in the asset it holds only by spending that venue's own
inventory of it (a *draw*), and what it received on the first venue stays there.

Steps, in the order ``PathOptimizer.run`` takes them:

1. **Bound.** Every edge's marginal rate (its output per unit of input at zero size, after the
   fee) bounds its output per unit at any size. A backward dynamic programme over at most
   ``max_legs`` legs gives, for each node, the best product of marginal rates back to the start
   asset (floats, with a tolerance: only pruning uses them).
2. **Candidates.** From every held node, a depth-first search over simple paths (no node, no
   market or pool twice) of at most ``max_legs`` market legs that end in the start asset on any
   venue; a branch is cut when its rates times the bound cannot exceed 1. No path cut can profit.
3. **Exact sizing.** Each candidate, with a capped identity leg (``Draw``) wherever it spends
   inventory, is sized by the ``AmtOptimizer``: its exact optimal input and profit in integers.
4. **Joint choice.** Candidates that share a market or pool, or whose exact draws together exceed
   a node's inventory, compete. For those, a mixed-integer program (HiGHS via ``highspy``, with a
   time limit): a binary per path; per path, a convex combination of breakpoints (0 and its
   input scaled from 0 to the exact optimum) carrying the exact profit and the exact draws at
   each breakpoint (as floats); at most one path per market or pool; draws within inventory.
   Profits of different assets are added by ``values`` (value per base unit; floats).
5. **Exact re-check.** The chosen paths are sized again with the AmtOptimizer, each draw capped by
   the inventory the MILP gave it (floored; the whole inventory where one path uses the node):
   the plan's amounts and profits are exact integers and respect every inventory. A greedy
   exact plan (best value first, compatible paths only) is computed too and the better one kept.

**What is exact:** every amount and profit in the plan; the candidate set (all simple paths up to
``max_legs`` legs whose marginal rates allow a profit); each path's size (the AmtOptimizer's
guarantee). **What is approximate:** the MILP's profit curves (piecewise-linear through exact
points) and the float valuation across assets; paths sharing a market are never chosen together
(the second would meet the depth the first left), so a split of one market's depth between paths
is not explored. With the time limit reached the MILP's best incumbent is used (``timed_out``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from keepers.markets.amounts import AmtOptimizer, PathCosts, PoolLeg, SizedPath
from keepers.markets.balancer_weighted import BalancerError, WeightedPool
from keepers.markets.cycles import Hop
from keepers.markets.order_book import BookLeg, Fill, Side
from keepers.markets.piecewise import Mobius, Piecewise
from keepers.markets.sizing import marginal_rate

TOLERANCE = 1e-9  # log-rate margin kept when pruning with floats


@dataclass(frozen=True, slots=True)
class Node:
    """An asset as held on one venue (an exchange, or the chain wallet)."""

    venue: str
    asset: str


@dataclass(frozen=True, slots=True)
class Draw:
    """Spending a venue's own inventory of an asset: the identity, capped at what is held."""

    node: Node
    cap: int

    @property
    def token_in(self) -> str:
        return self.node.asset

    @property
    def token_out(self) -> str:
        return self.node.asset

    def fill(self, amount_in: int) -> Fill:
        used = max(0, min(amount_in, self.cap))
        return Fill(used, used)

    def relaxation(self) -> Piecewise:
        return Piecewise.single(Mobius.of(1, 0, 0, 1)).capped(max(self.cap, 0))


@dataclass(frozen=True, slots=True)
class WeightedLeg:
    """A GIVEN_IN swap in a Balancer V2 weighted pool; the input is capped where the pool's 30%
    limits (``BAL#304`` / ``BAL#305``) would refuse it.

    Its relaxation: with ``r = w_in / w_out`` and ``t = (1 - fee) x / B_in``, the pool pays
    ``B_out (1 - (1 + t)^-r)``, at most ``B_out r t / (1 + min(r, 1) t)`` (Bernoulli's inequality
    for r <= 1, the mean value theorem for r > 1): a Möbius map with the pool's marginal rate.
    """

    pool: WeightedPool
    token_in: str
    token_out: str

    @property
    def max_in(self) -> int:
        return _weighted_cap(self.pool, self.token_in, self.token_out)

    def fill(self, amount_in: int) -> Fill:
        budget = min(amount_in, self.max_in)
        if budget <= 0:
            return Fill(0, 0)
        return Fill(budget, self.pool.amount_out(self.token_in, self.token_out, budget))

    def relaxation(self) -> Piecewise:
        pool = self.pool
        i, o = pool.index(self.token_in), pool.index(self.token_out)
        r = Fraction(pool.weights[i], pool.weights[o])
        keep = 1 - Fraction(pool.swap_fee, 10**18)
        b_in, b_out = pool.balances[i], pool.balances[o]
        curve = Mobius.of(b_out * r * keep, 0, min(r, 1) * keep, b_in)
        return Piecewise.single(curve).capped(self.max_in)


_CAPS: dict[tuple[int, str, str], int] = {}


def _weighted_cap(pool: WeightedPool, token_in: str, token_out: str) -> int:
    """The largest input the pool accepts (bisection on its refusals; memoized per state)."""
    key = (id(pool), token_in, token_out)
    if key not in _CAPS:
        ok, bad = 0, pool.balances[pool.index(token_in)] + 1
        while bad - ok > 1:
            mid = (ok + bad) // 2
            try:
                pool.amount_out(token_in, token_out, mid)
                ok = mid
            except BalancerError:
                bad = mid
        _CAPS[key] = ok
    return _CAPS[key]


Leg = BookLeg | PoolLeg | WeightedLeg


@dataclass(frozen=True, slots=True)
class Edge:
    """A market leg on ``venue``; ``market`` names the depth it consumes (a book side, a pool)."""

    venue: str
    leg: Leg
    market: str

    @property
    def source(self) -> Node:
        return Node(self.venue, self.leg.token_in)

    @property
    def target(self) -> Node:
        return Node(self.venue, self.leg.token_out)

    def rate(self) -> float:
        """The marginal rate, an upper bound on output per unit of input at any size."""
        leg = self.leg
        if isinstance(leg, BookLeg):
            if not leg.levels:
                return 0.0
            keep, price = 1 - leg.fee, leg.levels[0].price
            return float(keep * price if leg.side is Side.SELL else keep / price)
        if isinstance(leg, WeightedLeg):
            return float(leg.pool.marginal_rate(leg.token_in, leg.token_out))
        hop = Hop(leg.pool.address, leg.token_in, leg.token_out, leg.zero_for_one)
        num, den = marginal_rate(leg.pool, hop)
        return num / den


def book_edges(legs: Sequence[BookLeg]) -> list[Edge]:
    """Each book side as an edge on its exchange; a market's depth is its own per side."""
    return [Edge(leg.venue, leg, f"{leg.venue}:{leg.base}/{leg.quote}:{leg.side.value}") for leg in legs]


def pool_edges(venue: str, pools: Sequence) -> list[Edge]:
    """Both directions of every pool on ``venue`` (V2 / V3 through ``PoolLeg``, weighted pairs through
    ``WeightedLeg``); both directions consume the same pool."""
    edges = []
    for pool in pools:
        if isinstance(pool, WeightedPool):
            for a in pool.tokens:
                edges += [Edge(venue, WeightedLeg(pool, a, b), pool.address) for b in pool.tokens if b != a]
        else:
            edges += [Edge(venue, PoolLeg(pool, token), pool.address) for token in (pool.token0, pool.token1)]
    return edges


@dataclass(frozen=True, slots=True)
class Candidate:
    """A path found by the search, its markets and the nodes it draws inventory from."""

    start: Node
    edges: tuple[Edge, ...]

    @property
    def markets(self) -> frozenset[str]:
        return frozenset(edge.market for edge in self.edges)

    def legs(self, caps: Mapping[Node, int]) -> list:
        """The path for the AmtOptimizer: a ``Draw`` wherever it spends a venue's inventory."""
        legs: list = [Draw(self.start, caps[self.start])]
        here = self.start
        for edge in self.edges:
            if edge.source != here:
                legs.append(Draw(edge.source, caps[edge.source]))
            legs.append(edge.leg)
            here = edge.target
        return legs

    @property
    def draws(self) -> tuple[Node, ...]:
        nodes, here = [self.start], self.start
        for edge in self.edges:
            if edge.source != here:
                nodes.append(edge.source)
            here = edge.target
        return tuple(nodes)


@dataclass(frozen=True, slots=True)
class TradedPath:
    """A chosen path, sized exactly: ``sized.profit`` in base units of ``candidate.start.asset``;
    ``draws`` what it spends of each node's inventory."""

    candidate: Candidate
    sized: SizedPath
    draws: tuple[tuple[Node, int], ...]


@dataclass(frozen=True, slots=True)
class PathPlan:
    """The paths to trade together. ``profits``: exact per asset; ``value`` their float valuation;
    ``timed_out``: the MILP hit its time limit (its best incumbent, or the greedy plan, is used)."""

    paths: tuple[TradedPath, ...]
    profits: dict[str, int]
    value: float
    candidates: int
    timed_out: bool
    method: str  # "independent", "milp" or "greedy"


class PathOptimizer:
    """Finds and sizes the best set of arbitrage paths over ``edges`` from ``inventory``."""

    def __init__(
        self,
        edges: Sequence[Edge],
        inventory: Mapping[Node, int],
        values: Mapping[str, float] | None = None,
        max_legs: int = 4,
        time_limit: float = 0.05,
        breakpoints: int = 8,
        optimizer: AmtOptimizer | None = None,
    ):
        self.edges = list(edges)
        self.inventory = {node: amount for node, amount in inventory.items() if amount > 0}
        self.values = dict(values or {})
        self.max_legs = max_legs
        self.time_limit = time_limit
        self.breakpoints = breakpoints
        self.optimizer = optimizer or AmtOptimizer()
        nodes = {node for edge in self.edges for node in (edge.source, edge.target)} | set(self.inventory)
        self.nodes = sorted(nodes, key=lambda n: (n.venue, n.asset))
        self.index = {node: i for i, node in enumerate(self.nodes)}
        self.out: dict[Node, list[tuple[Edge, float]]] = defaultdict(list)
        for edge in self.edges:
            rate = edge.rate()
            if rate > 0:
                self.out[edge.source].append((edge, math.log(rate)))
        self.held: dict[str, list[Node]] = defaultdict(list)
        for node in self.inventory:
            self.held[node.asset].append(node)

    def value(self, asset: str, amount: int) -> float:
        return self.values.get(asset, 1.0) * amount

    # --- 1 and 2: bound and candidates ---------------------------------------------------------

    def _bounds(self, asset: str) -> np.ndarray:
        """bound[l][v]: the best log marginal rate from v to ``asset`` in at most l market legs,
        drawing held inventory of v's asset on other venues allowed."""
        n = len(self.nodes)
        src = np.array([self.index[e.source] for es in self.out.values() for e, _ in es], dtype=np.int64)
        dst = np.array([self.index[e.target] for es in self.out.values() for e, _ in es], dtype=np.int64)
        log_rate = np.array([lr for es in self.out.values() for _, lr in es])
        assets = sorted({node.asset for node in self.nodes})
        asset_of = np.array([assets.index(node.asset) for node in self.nodes])
        held = np.array([node in self.inventory for node in self.nodes])
        bound = np.full((self.max_legs + 1, n), -np.inf)
        bound[0][asset_of == assets.index(asset)] = 0.0
        for legs in range(1, self.max_legs + 1):
            step = np.full(n, -np.inf)
            np.maximum.at(step, src, log_rate + bound[legs - 1][dst])
            best = np.maximum(bound[legs - 1], step)
            best_held = np.full(len(assets), -np.inf)
            np.maximum.at(best_held, asset_of[held], best[held])
            bound[legs] = np.maximum(best, best_held[asset_of])  # at v, or drawing v's asset elsewhere
        return bound

    def candidates(self) -> list[Candidate]:
        """Every simple path from a held node back to its asset whose marginal rates allow a profit."""
        found: list[Candidate] = []
        bounds: dict[str, np.ndarray] = {}
        for start in self.inventory:
            if start.asset not in bounds:
                bounds[start.asset] = self._bounds(start.asset)
            bound = bounds[start.asset]
            self._extend(start, start, (), frozenset({start}), frozenset(), 0.0, bound, found)
        return found

    def _extend(self, start, here, edges, visited, markets, log_rate, bound, found) -> None:
        sources = [here]
        if edges:
            sources += [n for n in self.held[here.asset] if n != here and n not in visited]
        for source in sources:
            for edge, lr in self.out.get(source, ()):
                target = edge.target
                if edge.market in markets or (target in visited and target != start):
                    continue
                total = log_rate + lr
                path = (*edges, edge)
                if target.asset == start.asset:
                    if total > -TOLERANCE and len(path) >= 2:
                        found.append(Candidate(start, path))
                    continue
                left = self.max_legs - len(path)
                if left > 0 and total + bound[left][self.index[target]] > -TOLERANCE:
                    visit = visited | {target} | ({source} if source != here else set())
                    self._extend(start, target, path, visit, markets | {edge.market}, total, bound, found)

    # --- 3 to 5: sizing and choice --------------------------------------------------------------

    def size(self, candidate: Candidate, caps: Mapping[Node, int] | None = None) -> TradedPath | None:
        caps = self.inventory if caps is None else caps
        legs = candidate.legs(caps)
        sized = self.optimizer.optimize(legs, PathCosts())
        if sized is None:
            return None
        draws = tuple(
            (leg.node, fill.spent) for leg, fill in zip(legs, sized.fills, strict=True) if isinstance(leg, Draw)
        )
        return TradedPath(candidate, sized, draws)

    def _worth(self, path: TradedPath) -> float:
        return self.value(path.candidate.start.asset, path.sized.profit)

    def run(self) -> PathPlan:
        candidates = self.candidates()
        sized = [p for c in candidates if (p := self.size(c)) is not None]
        conflicted = _conflicts(sized, self.inventory)
        free = [p for i, p in enumerate(sized) if i not in conflicted]
        if not conflicted:
            return self._plan(free, len(candidates), False, "independent")
        competing = [sized[i] for i in sorted(conflicted)]
        greedy = self._greedy(competing)
        chosen, timed_out = self._milp(competing)
        method = "milp"
        if chosen is None or sum(map(self._worth, chosen)) < sum(map(self._worth, greedy)):
            chosen, method = greedy, "greedy"
        return self._plan(free + chosen, len(candidates), timed_out, method)

    def _plan(self, paths: list[TradedPath], candidates: int, timed_out: bool, method: str) -> PathPlan:
        profits: dict[str, int] = defaultdict(int)
        for path in paths:
            profits[path.candidate.start.asset] += path.sized.profit
        value = sum(self.value(asset, profit) for asset, profit in profits.items())
        return PathPlan(tuple(paths), dict(profits), value, candidates, timed_out, method)

    def _greedy(self, paths: list[TradedPath]) -> list[TradedPath]:
        """Best value first, each re-sized exactly within the inventory the earlier ones left."""
        left, used, chosen = dict(self.inventory), set(), []
        for path in sorted(paths, key=self._worth, reverse=True):
            if path.candidate.markets & used:
                continue
            resized = self.size(path.candidate, left)
            if resized is None:
                continue
            chosen.append(resized)
            used |= path.candidate.markets
            for node, spent in resized.draws:
                left[node] -= spent
        return chosen

    def _milp(self, paths: list[TradedPath]) -> tuple[list[TradedPath] | None, bool]:
        """The MILP of step 4, then the exact re-check of step 5; (None, timed_out) without a solution."""
        import highspy

        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("time_limit", max(self.time_limit, 0.0))
        inf = highspy.kHighsInf
        columns: list[tuple[int, list[tuple[Node, float]]]] = []  # (path, draws) per lambda column
        binaries = []
        for p, path in enumerate(paths):
            y = h.addVariable(0, 1, 0)
            binaries.append(y)
            top = path.sized.amount_in
            xs = sorted({max(1, top * k // self.breakpoints) for k in range(1, self.breakpoints + 1)})
            lambdas = []
            for x in xs:
                caps = {**self.inventory}
                legs = path.candidate.legs(caps)
                fills, amount = [], x
                for leg in legs:
                    fill = leg.fill(amount)
                    fills.append(fill)
                    amount = fill.received
                profit = amount - x
                draws = [
                    (leg.node, float(f.spent)) for leg, f in zip(legs, fills, strict=True) if isinstance(leg, Draw)
                ]
                lambdas.append(h.addVariable(0, 1, self.value(path.candidate.start.asset, profit)))
                columns.append((p, draws))
            h.addRow(
                -inf,
                0,
                len(lambdas) + 1,
                np.array([*lambdas, y], dtype=np.int32),
                np.array([1.0] * len(lambdas) + [-1.0]),
            )
        by_market: dict[str, list[int]] = defaultdict(list)
        for p, path in enumerate(paths):
            for market in path.candidate.markets:
                by_market[market].append(binaries[p])
        for ys in by_market.values():
            if len(ys) > 1:
                h.addRow(-inf, 1, len(ys), np.array(ys, dtype=np.int32), np.ones(len(ys)))
        by_node: dict[Node, list[tuple[int, float]]] = defaultdict(list)
        column_ids = [i for i in range(h.getNumCol()) if i not in set(binaries)]
        for col, (_, draws) in zip(column_ids, columns, strict=True):
            for node, amount in draws:
                by_node[node].append((col, amount))
        for node, entries in by_node.items():
            h.addRow(
                -inf,
                float(self.inventory[node]),
                len(entries),
                np.array([c for c, _ in entries], dtype=np.int32),
                np.array([a for _, a in entries]),
            )
        h.changeColsIntegrality(
            len(binaries), np.array(binaries, dtype=np.int32), np.array([highspy.HighsVarType.kInteger] * len(binaries))
        )
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        h.run()
        status = h.getModelStatus()
        timed_out = status == highspy.HighsModelStatus.kTimeLimit
        solution = h.getSolution()
        if not solution.value_valid:
            return None, timed_out
        values = solution.col_value
        chosen = [p for p, y in enumerate(binaries) if values[y] > 0.5]
        # Step 5: inventory allotted as the MILP drew it, then every path sized exactly.
        users: dict[Node, list[int]] = defaultdict(list)
        for p in chosen:
            for node in paths[p].candidate.draws:
                users[node].append(p)
        planned: dict[tuple[int, Node], float] = defaultdict(float)
        for col, (p, draws) in zip(column_ids, columns, strict=True):
            for node, amount in draws:
                planned[(p, node)] += values[col] * amount
        result = []
        for p in chosen:
            caps = dict(self.inventory)
            for node in paths[p].candidate.draws:
                if len(users[node]) > 1:
                    caps[node] = min(self.inventory[node], math.floor(planned[(p, node)]))
            resized = self.size(paths[p].candidate, caps)
            if resized is not None:
                result.append(resized)
        return result, timed_out


def _conflicts(paths: Sequence[TradedPath], inventory: Mapping[Node, int]) -> set[int]:
    """Indices of paths that share a market with another, or whose draws together exceed a node's inventory."""
    conflicted: set[int] = set()
    by_market: dict[str, list[int]] = defaultdict(list)
    by_node: dict[Node, list[int]] = defaultdict(list)
    drawn: dict[Node, int] = defaultdict(int)
    for i, path in enumerate(paths):
        for market in path.candidate.markets:
            by_market[market].append(i)
        for node, spent in path.draws:
            by_node[node].append(i)
            drawn[node] += spent
    for users in by_market.values():
        if len(users) > 1:
            conflicted.update(users)
    for node, users in by_node.items():
        if len(users) > 1 and drawn[node] > inventory[node]:
            conflicted.update(users)
    return conflicted


__all__ = ["Draw", "Edge", "Node", "PathOptimizer", "PathPlan", "TradedPath", "WeightedLeg", "book_edges", "pool_edges"]
