"""Arbitrage cycles: closed paths of two or three swaps from the base token (WETH) back to it.

A ``Hop`` names a pool by address and a direction; it holds no state, so a cycle stays
valid while its pools' states change block by block (states live in a mapping from
address to ``V2Pool``/``V3Pool``/``WeightedPool``). A Balancer weighted pool of n tokens gives a hop
in each direction between every two of its tokens; ``zero_for_one`` is then whether the input's
address sorts below the output's (FlashArbFacet registers a Balancer pair as token0 < token1).
``enumerate_cycles`` lists every cycle at once: the
reference the on-demand search (``search.ArbSearch``) is tested against.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeAlias

from keepers.markets.balancer_weighted import WeightedPool
from keepers.markets.uniswap_v2 import V2Pool
from keepers.markets.uniswap_v3.pool import V3Pool

Pool: TypeAlias = V2Pool | V3Pool | WeightedPool


@dataclass(frozen=True, slots=True)
class Hop:
    """One swap of a route: sell ``token_in`` for ``token_out`` in the pool at ``pool``."""

    pool: str
    token_in: str
    token_out: str
    zero_for_one: bool


@dataclass(frozen=True, slots=True)
class Cycle:
    """Hops whose tokens chain up and return to the first hop's input, each pool used once."""

    hops: tuple[Hop, ...]

    def __post_init__(self) -> None:
        hops = self.hops
        if len(hops) < 2:
            raise ValueError("a cycle needs at least two hops")
        for a, b in zip(hops, hops[1:] + hops[:1], strict=True):
            if a.token_out != b.token_in:
                raise ValueError(f"hop into {a.token_out} is followed by a hop out of {b.token_in}")
        if len({h.pool for h in hops}) != len(hops):
            raise ValueError("a cycle uses each pool once")

    @property
    def base_token(self) -> str:
        """The token borrowed, and returned with the profit."""
        return self.hops[0].token_in

    @property
    def pools(self) -> tuple[str, ...]:
        return tuple(h.pool for h in self.hops)


def hops_of(pool: Pool) -> tuple[Hop, ...]:
    """The pool's directions: (token0 -> token1, token1 -> token0); for a weighted pool, both
    directions of each pair of its tokens, in token order (two hops for a two-token pool)."""
    if isinstance(pool, WeightedPool):
        return tuple(
            Hop(pool.address, a, b, int(a, 16) < int(b, 16))
            for i, first in enumerate(pool.tokens)
            for second in pool.tokens[i + 1 :]
            for a, b in ((first, second), (second, first))
        )
    return (
        Hop(pool.address, pool.token0, pool.token1, True),
        Hop(pool.address, pool.token1, pool.token0, False),
    )


def enumerate_cycles(pools: Iterable[Pool], base_token: str, max_hops: int = 3) -> list[Cycle]:
    """Every simple cycle of 2 to ``max_hops`` (at most 3) hops from ``base_token`` back to it.

    Both directions of a loop are listed (they are different trades); intermediate tokens
    are distinct and differ from the base token. Hops are shared between cycles.
    """
    if not 2 <= max_hops <= 3:
        raise ValueError("cycles of 2 or 3 hops are supported")
    # token -> hops leaving it, in pool order; a hop's identity is (pool, direction)
    leaving: dict[str, list[Hop]] = defaultdict(list)
    for pool in pools:
        for hop in hops_of(pool):
            leaving[hop.token_in].append(hop)
    # hops from each token straight back to the base
    home: dict[str, list[Hop]] = defaultdict(list)
    for hops in leaving.values():
        for hop in hops:
            if hop.token_out == base_token:
                home[hop.token_in].append(hop)

    cycles: list[Cycle] = []
    for first in leaving.get(base_token, ()):
        a = first.token_out
        for last in home.get(a, ()):
            if last.pool != first.pool:
                cycles.append(Cycle((first, last)))
        if max_hops < 3:
            continue
        for middle in leaving.get(a, ()):
            b = middle.token_out
            if b == base_token:
                continue
            for last in home.get(b, ()):
                cycles.append(Cycle((first, middle, last)))
    return cycles
