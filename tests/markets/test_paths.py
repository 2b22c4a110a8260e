"""PathOptimizer against brute force on small instances: every simple path, every input, every subset."""

from __future__ import annotations

import random
from fractions import Fraction
from itertools import combinations

from keepers.markets.order_book import BookLeg, Level, Side
from keepers.markets.paths import Edge, Node, PathOptimizer, book_edges, pool_edges
from keepers.markets.uniswap_v2 import V2Pool

USDC, WETH, DAI = "USDC", "WETH", "DAI"


def book(venue: str, side: Side, prices: list[Fraction], size: int, fee: Fraction = Fraction(1, 1000)) -> BookLeg:
    return BookLeg(venue, WETH, USDC, side, tuple(Level(p, size) for p in prices), fee=fee)


def instance(rng: random.Random) -> tuple[list[Edge], dict[Node, int]]:
    """One exchange (WETH/USDC both sides) and a chain with two or three small V2 pools."""
    mid = Fraction(rng.randint(90, 110), 100)
    bids = [mid - Fraction(k, 100) for k in range(1, 4)]
    asks = [mid + Fraction(k, 100) for k in range(1, 4)]
    legs = [book("ex", Side.SELL, bids, rng.randint(5, 30)), book("ex", Side.BUY, asks, rng.randint(5, 30))]
    pools = [V2Pool("p1", USDC, WETH, rng.randint(100, 300), rng.randint(100, 300), rng.choice([0, 30]))]
    pools.append(V2Pool("p2", DAI, WETH, rng.randint(100, 300), rng.randint(100, 300), 30))
    if rng.random() < 0.7:
        pools.append(V2Pool("p3", DAI, USDC, rng.randint(100, 300), rng.randint(100, 300), 30))
    inventory = {
        Node("ex", USDC): rng.randint(0, 60),
        Node("ex", WETH): rng.randint(0, 60),
        Node("chain", USDC): rng.randint(0, 60),
        Node("chain", WETH): rng.randint(0, 60),
    }
    return book_edges(legs) + pool_edges("chain", pools), inventory


def simple_paths(edges, inventory, max_legs=4):
    """Every simple path from a held node back to its asset, no market twice, without any pruning."""
    held = [n for n, a in inventory.items() if a > 0]
    found = []

    def walk(start, here, path, visited, markets):
        sources = [here] + (
            [n for n in held if n.asset == here.asset and n != here and n not in visited] if path else []
        )
        for source in sources:
            for edge in edges:
                if edge.source != source or edge.market in markets:
                    continue
                target = edge.target
                if target in visited and target != start:
                    continue
                new = (*path, edge)
                if target.asset == start.asset:
                    if len(new) >= 2:
                        found.append((start, new))
                    continue
                if len(new) < max_legs:
                    walk(start, target, new, visited | {target, source}, markets | {edge.market})

    for start in held:
        walk(start, start, (), {start}, set())
    return found


def exact_best(optimizer: PathOptimizer, candidate, caps) -> tuple[int, dict]:
    """(profit, draws) of the best integer input, every input up to the start's cap tried."""
    legs = candidate.legs(caps)
    best, draws = 0, {}
    for x in range(1, caps[candidate.start] + 1):
        amount, spent = x, {}
        for leg in legs:
            fill = leg.fill(amount)
            if hasattr(leg, "node"):
                spent[leg.node] = fill.spent
            amount = fill.received
        if amount - x > best:
            best, draws = amount - x, spent
    return best, draws


def brute_force(optimizer: PathOptimizer, candidates) -> int:
    """The best total over every market-disjoint subset, inventory split every integer way between two paths."""
    inventory = optimizer.inventory
    alone = [exact_best(optimizer, c, inventory) for c in candidates]
    useful = [i for i, (profit, _) in enumerate(alone) if profit > 0]
    best = 0
    for size in range(1, len(useful) + 1):
        for subset in combinations(useful, size):
            markets = [candidates[i].markets for i in subset]
            if sum(map(len, markets)) != len(frozenset().union(*markets)):
                continue
            drawn: dict = {}
            for i in subset:
                for node, spent in alone[i][1].items():
                    drawn[node] = drawn.get(node, 0) + spent
            if all(drawn[n] <= inventory[n] for n in drawn):
                best = max(best, sum(alone[i][0] for i in subset))
            elif size == 2:
                a, b = (candidates[i] for i in subset)
                shared = set(a.draws) & set(b.draws)
                for split in range(0, max(inventory[n] for n in shared) + 1):
                    caps_a = {**inventory, **{n: min(split, inventory[n]) for n in shared}}
                    caps_b = {**inventory, **{n: inventory[n] - caps_a[n] for n in shared}}
                    best = max(best, exact_best(optimizer, a, caps_a)[0] + exact_best(optimizer, b, caps_b)[0])
    return best


def test_candidates_are_every_simple_path_that_can_profit():
    rng = random.Random(1)
    for _ in range(30):
        edges, inventory = instance(rng)
        optimizer = PathOptimizer(edges, inventory)
        ours = {(c.start, c.edges) for c in optimizer.candidates()}
        everything = simple_paths(edges, {n: a for n, a in inventory.items() if a > 0})
        assert ours <= set(everything)
        for start, path in everything:
            if (start, path) not in ours:  # pruned: its marginal rates forbid any profit
                from keepers.markets.paths import Candidate

                assert exact_best(optimizer, Candidate(start, path), optimizer.inventory)[0] == 0


def test_plan_equals_brute_force_over_paths_inputs_and_subsets():
    rng = random.Random(2)
    checked = 0
    for _ in range(25):
        edges, inventory = instance(rng)
        optimizer = PathOptimizer(edges, inventory, time_limit=5.0)
        plan = optimizer.run()
        from keepers.markets.paths import Candidate

        everything = [Candidate(s, p) for s, p in simple_paths(edges, optimizer.inventory)]
        assert sum(plan.profits.values()) == brute_force(optimizer, everything)
        _assert_feasible(plan, optimizer.inventory)
        checked += bool(plan.paths)
    assert checked > 5


def _assert_feasible(plan, inventory):
    drawn: dict = {}
    markets: list = []
    for path in plan.paths:
        assert path.sized.profit > 0 and isinstance(path.sized.profit, int)
        markets += list(path.candidate.markets)
        for node, spent in path.draws:
            drawn[node] = drawn.get(node, 0) + spent
    assert len(markets) == len(set(markets))
    assert all(drawn[n] <= inventory[n] for n in drawn)


def test_inventory_caps_bind():
    legs = [book("ex", Side.SELL, [Fraction(2)], 1000)]
    pools = [V2Pool("p1", USDC, WETH, 10**6, 10**6, 30)]
    inventory = {Node("chain", USDC): 25, Node("ex", WETH): 10**6}
    plan = PathOptimizer(book_edges(legs) + pool_edges("chain", pools), inventory).run()
    (path,) = plan.paths
    assert dict(path.draws)[Node("chain", USDC)] == 25
    assert path.sized.amount_in == 25 and path.sized.profit == plan.profits[USDC] > 0


def test_time_limit_returns_best_found_with_flag():
    rng = random.Random(3)
    legs, pools = [], []
    for k in range(6):
        legs.append(book(f"ex{k}", Side.SELL, [Fraction(11 + k, 10)], 40))
        pools.append(V2Pool(f"p{k}", USDC, WETH, 500 + 7 * k, 500, 30))
    inventory = {Node("chain", USDC): 200, **{Node(f"ex{k}", WETH): 30 for k in range(6)}}
    edges = book_edges(legs) + pool_edges("chain", pools)
    plan = PathOptimizer(edges, inventory, time_limit=0.0).run()
    assert plan.timed_out
    assert plan.paths and plan.value > 0
    _assert_feasible(plan, {n: a for n, a in inventory.items()})
    del rng


def test_no_profitable_path_is_empty():
    legs = [book("ex", Side.SELL, [Fraction(99, 100)], 100), book("ex", Side.BUY, [Fraction(101, 100)], 100)]
    pools = [V2Pool("p1", USDC, WETH, 1000, 1000, 30)]
    inventory = {Node("chain", USDC): 100, Node("ex", WETH): 100, Node("ex", USDC): 100, Node("chain", WETH): 100}
    plan = PathOptimizer(book_edges(legs) + pool_edges("chain", pools), inventory).run()
    assert plan.paths == () and plan.profits == {}
