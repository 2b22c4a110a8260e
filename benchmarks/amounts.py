#!/usr/bin/env python
"""The AmtOptimizer on a CEX–DEX path: how fast it sizes one, and whether it finds the optimum.

The path (seeded, ``--instances`` of them): buy WETH with USDC on a centralized exchange's book of
``--levels`` asks (from 2,950 to about 3,010 USDC, 0.05 to 0.5 WETH each, lots of 0.001 WETH, a
0.1% taker fee), sell the WETH for DAI on a Uniswap V2 pair (2,000 WETH deep, priced 3,040 to
3,080), sell the DAI for USDC on a Uniswap V3 pool (0.05%, a few positions around one dollar).
Amounts are in base units (USDC 6 decimals, WETH and DAI 18); gas 5 USDC.

1. **Time per optimization.** Ours: ``keepers.markets.amounts.optimal_amount`` (median over the
   instances). Anchor, on the same instances: exhaustive search over every lot count the book can
   fill (the least USDC buying each, then the exact pool math): the path's output depends on the
   input only through the lots bought, so this is the exact optimum by enumeration. Target: the
   same input and profit on every instance, ours >= 10x faster.
2. **Same optimum on reduced instances.** Small books (up to 20 levels, unit lots) and small pools,
   every integer input enumerated with the exact leg models; ours must match the brute-force
   maximum and its smallest maximizer on every one.

    .venv/bin/python benchmarks/amounts.py --json
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from fractions import Fraction
from math import isqrt
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from keepers.markets.amounts import PathCosts, PoolLeg, optimal_amount  # noqa: E402
from keepers.markets.order_book import BookLeg, Level, Side  # noqa: E402
from keepers.markets.uniswap_v2 import V2Pool  # noqa: E402
from keepers.markets.uniswap_v3 import V3Pool  # noqa: E402
from keepers.markets.uniswap_v3.tick_math import get_tick_at_sqrt_ratio  # noqa: E402

E18, E6 = 10**18, 10**6
Q96 = 1 << 96
USDC, WETH, DAI = "USDC", "WETH", "DAI"
TARGET_SPEEDUP = 10.0


def v3_pool(rng: random.Random, token0: str, token1: str, price: Fraction, scale: int, spacing: int = 10) -> V3Pool:
    """A pool at ``price`` (token1 base units per token0 base unit) with 2 to 5 positions around it."""
    sqrt_price = _sqrt_price(price)
    tick = get_tick_at_sqrt_ratio(sqrt_price)
    net: dict[int, int] = {}
    for i in range(rng.randint(2, 5)):
        lower = (tick // spacing - rng.randint(1 if i == 0 else -20, 60)) * spacing
        upper = max(lower + spacing, (tick // spacing + rng.randint(1 if i == 0 else -20, 60)) * spacing)
        liquidity = rng.randint(scale, 4 * scale)
        net[lower] = net.get(lower, 0) + liquidity
        net[upper] = net.get(upper, 0) - liquidity
    liquidity = sum(n for t, n in net.items() if t <= tick)
    ticks = {t: n for t, n in net.items() if n}
    return V3Pool("v3", token0, token1, 500, spacing, sqrt_price, tick, liquidity, ticks)


def _sqrt_price(price: Fraction) -> int:
    """sqrt(price) * 2**96, floored."""
    return isqrt(price.numerator * Q96 * Q96 // price.denominator)


def full_instance(rng: random.Random, levels: int) -> list:
    price = Fraction(2950 * E6, E18)
    asks = []
    for _ in range(levels):
        asks.append(Level(price, rng.randint(50, 500) * E18 // 1000))
        price += Fraction(rng.randint(0, 60) * E6 // 100, E18)  # 0 to 0.6 USDC a level
    book = BookLeg("cex", WETH, USDC, Side.BUY, tuple(asks), fee=Fraction(1, 1000), lot=E18 // 1000)
    pair = V2Pool("v2", DAI, WETH, 2000 * rng.randint(3040, 3080) * E18, 2000 * E18, 30)
    pool = v3_pool(rng, DAI, USDC, Fraction(E6, E18) * Fraction(rng.randint(9990, 10010), 10000), 5 * 10**18)
    return [book, PoolLeg(pair, WETH), PoolLeg(pool, DAI)]


def reduced_instance(rng: random.Random) -> list:
    price, asks = Fraction(rng.randint(80, 100), 100), []
    for _ in range(rng.randint(1, 20)):
        asks.append(Level(price, rng.randint(1, 15)))
        price += Fraction(rng.randint(0, 4), 100)
    book = BookLeg("cex", WETH, USDC, Side.BUY, tuple(asks), fee=Fraction(rng.choice([0, 1, 10]), 1000))
    reserve = rng.randint(200, 2000)
    pair = V2Pool("v2", DAI, WETH, reserve * rng.randint(100, 130) // 100, reserve, rng.choice([0, 30]))
    if rng.random() < 0.5:
        last = PoolLeg(V2Pool("v2b", DAI, USDC, (r := rng.randint(300, 3000)), r * rng.randint(95, 105) // 100), DAI)
    else:
        last = PoolLeg(v3_pool(rng, DAI, USDC, Fraction(rng.randint(98, 102), 100), 10**4, spacing=1), DAI)
    return [book, PoolLeg(pair, WETH), last]


def profit_of(path: list, costs: PathCosts, amount_in: int) -> int:
    amount = amount_in
    for leg in path:
        amount = leg.fill(amount).received
    return amount - amount_in - costs.premium(amount_in) - costs.gas


def every_lot(path: list, costs: PathCosts) -> tuple[int, int]:
    """The anchor: (least input, profit) of the best lot count of the book, trying every one."""
    book = path[0]
    best = (0, 0)
    for lots in range(1, book.max_quantity // book.lot + 1):
        amount_in = book.least_input(lots * book.lot)
        profit = profit_of(path, costs, amount_in)
        if profit > best[1]:
            best = (amount_in, profit)
    return best


def every_input(path: list, costs: PathCosts) -> tuple[int, int]:
    """Brute force on a reduced instance: every integer input up to what the book can spend."""
    book = path[0]
    best = (0, 0)
    for amount_in in range(1, book.least_input(book.max_quantity) + 1):
        profit = profit_of(path, costs, amount_in)
        if profit > best[1]:
            best = (amount_in, profit)
    return best


def ours(path: list, costs: PathCosts) -> tuple[int, int, bool]:
    sized = optimal_amount(path, costs)
    return (0, 0, True) if sized is None else (sized.amount_in, sized.profit, sized.proven)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", type=int, default=200)
    parser.add_argument("--instances", type=int, default=5)
    parser.add_argument("--reduced", type=int, default=200, help="reduced instances checked by brute force")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print only the JSON result")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    costs = PathCosts(gas=5 * E6)

    ours_s, anchor_s, same, proven, profits = [], [], 0, 0, []
    for _ in range(args.instances):
        path = full_instance(rng, args.levels)
        started = time.perf_counter()
        x, profit, is_proven = ours(path, costs)
        ours_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        anchor = every_lot(path, costs)
        anchor_s.append(time.perf_counter() - started)
        same += (x, profit) == anchor
        proven += is_proven
        profits.append(profit)
    ours_ms, anchor_ms = 1000 * statistics.median(ours_s), 1000 * statistics.median(anchor_s)

    matches = 0
    for _ in range(args.reduced):
        path = reduced_instance(rng)
        small_costs = PathCosts(gas=rng.choice([0, 1, 3]))
        matches += ours(path, small_costs)[:2] == every_input(path, small_costs)

    speedup = anchor_ms / ours_ms
    results = [
        {
            "name": (
                f"one optimization, a {args.levels}-level book + V2 + V3 (median of {args.instances}; "
                f"{same}/{args.instances} same optimum as the anchor, {proven} proven)"
            ),
            "ours": round(ours_ms, 3),
            "anchor": round(anchor_ms, 3),
            "anchor_name": "exhaustive search over every lot count the book can fill, exact pool math",
            "unit": "ms",
            "target": f">= {TARGET_SPEEDUP:g}x faster, same optimum on every instance (ours: {speedup:.0f}x)",
            "met": speedup >= TARGET_SPEEDUP and same == args.instances,
        },
        {
            "name": "reduced instances (<= 20 levels, small V2 / V3 pools) where ours equals brute force",
            "ours": matches,
            "anchor": args.reduced,
            "anchor_name": "every integer input enumerated with the exact leg models",
            "unit": "instances",
            "target": "all",
            "met": matches == args.reduced,
        },
    ]
    if not args.json:
        print(
            f"ours {ours_ms:.2f} ms, every lot {anchor_ms:.1f} ms ({speedup:.0f}x); profits {profits} USDC units; "
            f"reduced {matches}/{args.reduced}",
            file=sys.stderr,
        )
    print(json.dumps({"benchmark": "amounts", "results": results}))


if __name__ == "__main__":
    main()
