"""Small synthetic pools and registries for the pure-math tests (no chain)."""

from __future__ import annotations

from hypothesis import strategies as st

from keepers.markets.uniswap_v2 import V2Pool
from keepers.markets.uniswap_v3 import V3Pool
from keepers.markets.uniswap_v3.tick_math import get_sqrt_ratio_at_tick

WETH, TKA, TKB, TKC = "WETH", "TKA", "TKB", "TKC"
TOKENS = (WETH, TKA, TKB, TKC)


def v3_pool(
    address: str,
    token0: str,
    token1: str,
    tick: int,
    positions: list[tuple[int, int, int]],
    *,
    fee: int = 3000,
    spacing: int = 60,
    offset: int = 0,
) -> V3Pool:
    """A V3 pool at ``tick`` (price ``offset`` above the tick's boundary) holding ``positions``
    (lower, upper, liquidity); the in-range liquidity is what the positions imply."""
    net: dict[int, int] = {}
    for lower, upper, liquidity in positions:
        net[lower] = net.get(lower, 0) + liquidity
        net[upper] = net.get(upper, 0) - liquidity
    low, high = get_sqrt_ratio_at_tick(tick), get_sqrt_ratio_at_tick(tick + 1)
    sqrt_price = low + offset % (high - low)
    liquidity = sum(n for t, n in net.items() if t <= tick)
    return V3Pool(address, token0, token1, fee, spacing, sqrt_price, tick, liquidity, net)


@st.composite
def v3_pools(
    draw, token0: str = WETH, token1: str = TKA, address: str = "v3", small: bool = False, max_tick: int = 2000
) -> V3Pool:
    """A V3 pool at a tick within ``max_tick`` of price one, with 1 to 4 positions around the price,
    possibly leaving gaps of no liquidity."""
    spacing = draw(st.sampled_from([1, 10, 60]))
    fee = draw(st.sampled_from([500, 3000, 10000]))
    tick = draw(st.integers(-max_tick, max_tick))
    scale = (10**4, 10**7) if small else (10**15, 10**22)
    positions = []
    for _ in range(draw(st.integers(1, 4))):
        lower = (tick // spacing + draw(st.integers(-40, 5))) * spacing
        upper = lower + draw(st.integers(1, 60)) * spacing
        positions.append((lower, upper, draw(st.integers(*scale))))
    offset = draw(st.integers(0, 2**64))
    return v3_pool(address, token0, token1, tick, positions, fee=fee, spacing=spacing, offset=offset)


def v2_pool(address: str, a: str, b: str, reserve_a: int, reserve_b: int, fee_bps: int = 30) -> V2Pool:
    """A V2 pair of tokens a and b (ordered by name, as pairs order by address)."""
    if a < b:
        return V2Pool(address, a, b, reserve_a, reserve_b, fee_bps)
    return V2Pool(address, b, a, reserve_b, reserve_a, fee_bps)


@st.composite
def registries(
    draw, v3: bool = True, max_pools: int = 7, min_pools: int = 2, skew_bps: int = 300, max_tick: int = 2000
):
    """A few pools among WETH and three tokens, priced near one (V2 off by up to ``skew_bps``, V3
    ticks within ``max_tick``) so some cycles pay and most do not."""
    pools = []
    count = draw(st.integers(min_pools, max_pools))
    for i in range(count):
        a, b = draw(st.sampled_from([(WETH, TKA), (WETH, TKB), (WETH, TKC), (TKA, TKB), (TKB, TKC), (TKA, TKC)]))
        if v3 and draw(st.integers(0, 3)) == 0:
            token0, token1 = sorted((a, b))
            pools.append(draw(v3_pools(token0, token1, f"p{i}", max_tick=max_tick)))
        else:
            reserve = draw(st.integers(10**20, 10**22))
            skew = draw(st.integers(10_000 - skew_bps, 10_000 + skew_bps))
            pools.append(v2_pool(f"p{i}", a, b, reserve, reserve * skew // 10_000, draw(st.sampled_from([30, 25]))))
    return pools
