"""The market maker's liquidity ladder: V3 positions around the reference price whose count,
widths, offsets and sizes are drawn from configured ranges, so the depth looks like many
providers' rather than one block of liquidity; and when to lay it again.

Pure: a `random.Random` is passed in, amounts are exact (`liquidity_amounts`), nothing is sent.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from keepers.markets.uniswap_v3.liquidity_amounts import liquidity_for_amounts, position_amounts
from keepers.markets.uniswap_v3.tick_math import MAX_TICK, MIN_TICK, get_sqrt_ratio_at_tick


@dataclass(frozen=True)
class LadderParams:
    """Ranges the ladder is drawn from. Widths and offsets count tick spacings."""

    rungs: tuple[int, int] = (3, 6)  # how many positions, drawn uniformly
    half_width: tuple[int, int] = (2, 40)  # each position's half-width, drawn log-uniform
    max_offset: int = 4  # a position's centre, drawn uniformly within this of the reference
    size_spread: float = 0.5  # each position's share of the budget varies by up to this either way
    recentre_ticks: int = 500  # lay the ladder again once the reference is this far from its centre

    def __post_init__(self) -> None:
        low, high = self.rungs
        if not 1 <= low <= high:
            raise ValueError(f"rungs must be 1 <= low <= high, not {self.rungs}")
        if not 1 <= self.half_width[0] <= self.half_width[1]:
            raise ValueError(f"half_width must be 1 <= low <= high, not {self.half_width}")
        if self.max_offset < 0 or not 0 <= self.size_spread < 1 or self.recentre_ticks < 1:
            raise ValueError("max_offset >= 0, 0 <= size_spread < 1 and recentre_ticks >= 1")


@dataclass(frozen=True)
class Rung:
    """One position to mint: its range, the liquidity the amounts pay for at the pool's price, and
    the exact amounts the pool takes for it."""

    lower: int
    upper: int
    liquidity: int
    amount0: int
    amount1: int


@dataclass(frozen=True)
class Ladder:
    centre: int  # the reference tick it was laid around
    rungs: tuple[Rung, ...]

    @property
    def amounts(self) -> tuple[int, int]:
        return sum(r.amount0 for r in self.rungs), sum(r.amount1 for r in self.rungs)


def draw_ladder(
    rng: random.Random,
    params: LadderParams,
    reference_tick: int,
    spacing: int,
    sqrt_price_x96: int,
    tick: int,
    budget0: int,
    budget1: int,
) -> Ladder:
    """A ladder around `reference_tick` on a pool at (`sqrt_price_x96`, `tick`) using at most
    `budget0` and `budget1`. Rungs whose share buys no liquidity are left out."""
    count = rng.randint(*params.rungs)
    low, high = params.half_width
    shares = [1 + rng.uniform(-params.size_spread, params.size_spread) for _ in range(count)]
    total = sum(shares)
    centre = reference_tick // spacing
    rungs = []
    for share in shares:
        half = round(math.exp(rng.uniform(math.log(low), math.log(high))))
        middle = centre + rng.randint(-params.max_offset, params.max_offset)
        lower = max(middle - half, -(-MIN_TICK // spacing)) * spacing
        upper = min(middle + half, MAX_TICK // spacing) * spacing
        if lower >= upper:
            continue
        weight = int(share / total * 10**9)  # floored: the offers never sum past the budget
        offer0, offer1 = budget0 * weight // 10**9, budget1 * weight // 10**9
        liquidity = liquidity_for_amounts(
            sqrt_price_x96, get_sqrt_ratio_at_tick(lower), get_sqrt_ratio_at_tick(upper), offer0, offer1
        )
        if liquidity == 0:
            continue
        amount0, amount1 = position_amounts(sqrt_price_x96, tick, lower, upper, liquidity, round_up=True)
        rungs.append(Rung(lower, upper, liquidity, amount0, amount1))
    return Ladder(reference_tick, tuple(rungs))


def off_centre(ladder: Ladder, reference_tick: int, params: LadderParams) -> bool:
    """Whether the reference has moved far enough from the ladder's centre to lay it again."""
    return abs(reference_tick - ladder.centre) > params.recentre_ticks


def ladder_centre(ranges: list[tuple[int, int]]) -> int | None:
    """Where a laid ladder is centred: the mean of its positions' middles (None without positions)."""
    if not ranges:
        return None
    return sum(lower + upper for lower, upper in ranges) // (2 * len(ranges))
