#!/usr/bin/env python
"""The PathOptimizer over many venues: how long a full pass takes, and whether it finds the optimum.

1. **A full pass.** ``--exchanges`` exchanges with ``--markets`` markets each (both sides, 20
   levels around a consistent price, 0.1% taker fee) and ``--pools`` Uniswap V2 pools on the chain
   (reserves around the same prices, 0.3%), over ``--tokens`` assets; a few gaps planted (a
   mispriced pool, a crossed book). Inventory in a few assets on every venue. Ours:
   ``PathOptimizer.run`` (bound, candidates, exact sizing by the AmtOptimizer, joint choice),
   the CPU time of one pass. Anchor, same run: the exact sizing of every 2-leg path from a held
   node alone (no pruning). Target: <= 100 ms.
2. **Same optimum on reduced instances.** The instances of ``tests/markets/test_paths.py``: every
   simple path, every input and every subset enumerated; ours must equal it on every one.

    .venv/bin/python benchmarks/venues.py --json
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from keepers.markets.order_book import BookLeg, Level, Side  # noqa: E402
from keepers.markets.paths import Candidate, Node, PathOptimizer, book_edges, pool_edges  # noqa: E402
from keepers.markets.uniswap_v2 import V2Pool  # noqa: E402

TARGET_MS = 100.0


def full_instance(rng: random.Random, exchanges: int, markets: int, pools: int, tokens: int):
    names = [f"T{i}" for i in range(tokens)]
    price = {t: Fraction(rng.randint(10**3, 10**6), 10**4) for t in names}  # USD per base unit
    price["T0"] = Fraction(1)
    legs = []
    for e in range(exchanges):
        for m in range(markets):
            base, quote = names[1 + m % (tokens - 1)], names[0] if m % 3 else names[1]
            if base == quote:
                base = names[2]
            mid = price[base] / price[quote]
            gap = Fraction(105, 100) if rng.random() < 0.002 else 1
            bids = tuple(Level(mid * gap * (1 - Fraction(k + 1, 2000)), rng.randint(10**3, 10**5)) for k in range(20))
            asks = tuple(Level(mid * (1 + Fraction(k + 1, 2000)), rng.randint(10**3, 10**5)) for k in range(20))
            for side, levels in ((Side.SELL, bids), (Side.BUY, asks)):
                legs.append(BookLeg(f"ex{e}", base, quote, side, levels, fee=Fraction(1, 1000)))
    chain = []
    for p in range(pools):
        a, b = rng.sample(names[: max(3, tokens // (1 if p % 4 else 8))], 2)
        depth = rng.randint(10**6, 10**9)
        skew = Fraction(103, 100) if rng.random() < 0.001 else 1
        chain.append(V2Pool(f"p{p}", a, b, int(depth / price[a] * skew), int(depth / price[b]), 30))
    inventory = {Node(f"ex{e}", t): 10**7 for e in range(exchanges) for t in names[:3]}
    inventory |= {Node("chain", t): 10**7 for t in names[:3]}
    values = {t: float(price[t]) for t in names}
    return book_edges(legs) + pool_edges("chain", chain), inventory, values


def anchor(optimizer: PathOptimizer, limit: int) -> int:
    """The first ``limit`` 2-leg paths from a held node sized exactly, no bound: the count tried."""
    sized = 0
    for start in optimizer.inventory:
        for first, _ in optimizer.out.get(start, ()):
            for second, _ in optimizer.out.get(first.target, ()):
                if second.target.asset == start.asset and second.market != first.market:
                    optimizer.size(Candidate(start, (first, second)))
                    sized += 1
                    if sized >= limit:
                        return sized
    return sized


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exchanges", type=int, default=5)
    parser.add_argument("--markets", type=int, default=200)
    parser.add_argument("--pools", type=int, default=10_000)
    parser.add_argument("--tokens", type=int, default=400)
    parser.add_argument("--reduced", type=int, default=25)
    parser.add_argument("--anchor-paths", type=int, default=200, help="2-leg paths the anchor sizes")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print only the JSON result")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    edges, inventory, values = full_instance(rng, args.exchanges, args.markets, args.pools, args.tokens)

    started = time.process_time()
    optimizer = PathOptimizer(edges, inventory, values=values, time_limit=0.05)
    plan = optimizer.run()
    ours_ms = 1000 * (time.process_time() - started)
    started = time.process_time()
    tried = anchor(optimizer, args.anchor_paths)
    anchor_ms = 1000 * (time.process_time() - started)

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "markets"))
    from test_paths import brute_force, instance, simple_paths  # noqa: PLC0415

    small = random.Random(args.seed)
    matches = 0
    for _ in range(args.reduced):
        small_edges, small_inventory = instance(small)
        small_opt = PathOptimizer(small_edges, small_inventory, time_limit=5.0)
        everything = [Candidate(s, p) for s, p in simple_paths(small_edges, small_opt.inventory)]
        matches += sum(small_opt.run().profits.values()) == brute_force(small_opt, everything)

    results = [
        {
            "name": (
                f"full pass, {args.exchanges} exchanges x {args.markets} markets + {args.pools} V2 pools "
                f"({plan.candidates} candidates, {len(plan.paths)} paths chosen by {plan.method}, "
                f"timed out: {plan.timed_out})"
            ),
            "ours": round(ours_ms, 2),
            "anchor": round(anchor_ms, 2),
            "anchor_name": f"the first {tried} 2-leg paths from a held node sized exactly, no bound (a lower bound)",
            "unit": "ms CPU",
            "target": f"<= {TARGET_MS:g} ms",
            "met": ours_ms <= TARGET_MS,
        },
        {
            "name": "reduced instances where ours equals brute force (every path, input and subset)",
            "ours": matches,
            "anchor": args.reduced,
            "anchor_name": "brute-force enumeration, exact leg models",
            "unit": "instances",
            "target": "all",
            "met": matches == args.reduced,
        },
    ]
    if not args.json:
        print(f"ours {ours_ms:.1f} ms, anchor {anchor_ms:.1f} ms; value {plan.value:.2f}", file=sys.stderr)
    print(json.dumps({"benchmark": "venues", "results": results}))


if __name__ == "__main__":
    main()
