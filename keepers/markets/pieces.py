"""A correction's input split into randomized pieces, and the pieces shared among wallets.

Pure functions over ints; every draw comes from the ``random.Random`` the caller passes in,
so a seed gives the same split and the same assignment every time.

:func:`split` draws piece sizes from a :class:`PieceSizes` distribution (uniform, log-uniform
or log-normal between a floor and a cap) until the total is used up. The pieces sum to the
total exactly, and each lies within [floor, cap] except by the **remainder rule**: a total
below the floor is one piece of the whole total; and when ``cap < 2 * floor`` some totals are
no sum of pieces within the bounds (with floor 10 and cap 15, 17 is not), and then the last
piece is what is left, below the floor. When ``cap >= 2 * floor`` every total of at least the
floor is split within the bounds.

:func:`assign` deals pieces to wallets, round robin or at random, each wallet taking pieces
only while it has room (:class:`Room`: pieces left this cycle, input left); a piece no wallet
has room for is left over.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Distribution = Literal["uniform", "loguniform", "lognormal"]
REDRAWS = 16  # a log-normal draw outside [floor, cap] is drawn again this often, then clipped


@dataclass(frozen=True, slots=True)
class PieceSizes:
    """How piece sizes are drawn, in base units of the input token.

    ``uniform``: every integer in [floor, cap] alike; ``loguniform``: the logarithm uniform (as many
    pieces between 1 and 10 units as between 10 and 100); ``lognormal``: ``median * exp(sigma * N(0, 1))``,
    redrawn when out of bounds (``median`` defaults to the geometric mean of floor and cap).
    """

    floor: int
    cap: int
    distribution: Distribution = "lognormal"
    sigma: float = 0.6
    median: int | None = None

    def __post_init__(self) -> None:
        if not 0 < self.floor <= self.cap:
            raise ValueError(f"piece sizes need 0 < floor <= cap, got floor {self.floor}, cap {self.cap}")
        if self.distribution not in ("uniform", "loguniform", "lognormal"):
            raise ValueError(f"unknown distribution {self.distribution!r}")
        if self.sigma <= 0:
            raise ValueError(f"sigma must be positive, got {self.sigma}")

    def draw(self, rng: random.Random) -> int:
        """One size within [floor, cap]."""
        if self.distribution == "uniform":
            return rng.randint(self.floor, self.cap)
        if self.distribution == "loguniform":
            return _clip(round(math.exp(rng.uniform(math.log(self.floor), math.log(self.cap)))), self.floor, self.cap)
        median = self.median if self.median is not None else math.isqrt(self.floor * self.cap)
        size = self.cap + 1
        for _ in range(REDRAWS):
            size = round(median * math.exp(self.sigma * rng.gauss(0.0, 1.0)))
            if self.floor <= size <= self.cap:
                return size
        return _clip(size, self.floor, self.cap)


def _clip(value: int, low: int, high: int) -> int:
    return low if value < low else high if value > high else value


def split(total: int, sizes: PieceSizes, rng: random.Random) -> list[int]:
    """Pieces summing to ``total`` exactly, drawn from ``sizes`` (the remainder rule: module docstring)."""
    if total < 0:
        raise ValueError(f"cannot split a negative total {total}")
    floor, cap = sizes.floor, sizes.cap
    pieces: list[int] = []
    remaining = total
    while remaining > 0:
        size = sizes.draw(rng)
        if remaining - size >= floor:  # leaves enough for at least one more piece
            pieces.append(size)
            remaining -= size
            continue
        if remaining <= cap:  # what is left is one piece (below the floor only if the total was)
            pieces.append(remaining)
            break
        # cap < remaining < size + floor: two pieces, the first drawn among those that fit
        low, high = max(floor, remaining - cap), min(cap, remaining - floor)
        first = rng.randint(low, high) if low <= high else cap  # low > high only when cap < 2 floor
        pieces += [first, remaining - first]
        break
    return pieces


@dataclass(frozen=True, slots=True)
class Room:
    """What a wallet may still take: pieces and input (base units)."""

    pieces: int
    amount: int


def assign(
    pieces: Sequence[int],
    rooms: Sequence[Room],
    rng: random.Random,
    mode: Literal["round_robin", "random"] = "round_robin",
) -> tuple[list[list[int]], list[int]]:
    """Deal ``pieces`` to wallets with ``rooms``: (each wallet's piece indices, indices of the pieces left over).

    ``round_robin`` starts at a random wallet and goes around, skipping wallets without room for
    the piece; ``random`` picks uniformly among the wallets with room. A piece larger than every
    wallet's room is left over (never cut: its size was drawn).
    """
    if mode not in ("round_robin", "random"):
        raise ValueError(f"unknown assignment {mode!r}")
    pieces_left = [room.pieces for room in rooms]
    amount_left = [room.amount for room in rooms]
    dealt: list[list[int]] = [[] for _ in rooms]
    left_over: list[int] = []
    count = len(rooms)
    turn = rng.randrange(count) if count else 0
    for index, piece in enumerate(pieces):
        fits = [w for w in range(count) if pieces_left[w] > 0 and amount_left[w] >= piece]
        if not fits:
            left_over.append(index)
            continue
        if mode == "random":
            wallet = rng.choice(fits)
        else:
            wallet = min(fits, key=lambda w: (w - turn) % count)
            turn = wallet + 1
        dealt[wallet].append(index)
        pieces_left[wallet] -= 1
        amount_left[wallet] -= piece
    return dealt, left_over
