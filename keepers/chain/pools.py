"""Pool state read whole from a node at one block: a Uniswap V2 pair's reserves, a V3 pool's price,
liquidity and every initialized tick (bitmap words and ticks each in one JSON-RPC batch), a Balancer
weighted pool's Vault balances, weights, swap fee and scaling factors.

Raw numbers only: the pure models in `keepers.markets` are built from them by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass

from web3 import Web3

from keepers.chain.contracts import Contract, abi

V2_PAIR = abi("UniswapV2Pair")
V3_POOL = abi("UniswapV3Pool")
BALANCER_VAULT = abi("BalancerVault")
WEIGHTED_POOL = abi("BalancerWeightedPool")
ERC20 = abi("ERC20")
MAX_TICK = 887272


@dataclass(frozen=True)
class V3State:
    sqrt_price_x96: int
    tick: int
    liquidity: int
    net: dict[int, int]  # initialized tick -> liquidityNet
    gross: dict[int, int]  # initialized tick -> liquidityGross


@dataclass(frozen=True)
class WeightedState:
    """What a Balancer weighted pool's swaps read, in the Vault's token order (sorted by address)."""

    pool_id: bytes
    tokens: tuple[str, ...]
    balances: tuple[int, ...]  # total (cash + managed), as the Vault hands them to the pool
    weights: tuple[int, ...]  # normalized, 18-decimal, summing to 1e18
    scaling_factors: tuple[int, ...]  # 10**(18 - decimals)
    swap_fee: int  # 18-decimal fraction


def read_v2_reserves(w3: Web3, pair: str, block: int | str = "latest") -> tuple[int, int]:
    reserve0, reserve1, _ = Contract(w3, pair, V2_PAIR).call("getReserves", block=block)
    return reserve0, reserve1


def read_v3_state(w3: Web3, address: str, spacing: int, block: int | str = "latest") -> V3State:
    """The pool at `block`: slot0, in-range liquidity and each initialized tick's liquidity."""
    pool = Contract(w3, address, V3_POOL)
    slot0 = pool.call("slot0", block=block)
    liquidity = pool.call("liquidity", block=block)
    min_word, max_word = (-MAX_TICK // spacing) >> 8, (MAX_TICK // spacing) >> 8
    tick_bitmap, ticks = V3_POOL.function("tickBitmap"), V3_POOL.function("ticks")
    with w3.batch_requests() as batch:
        for word in range(min_word, max_word + 1):
            batch.add(w3.eth.call({"to": address, "data": tick_bitmap.encode(word)}, block))
        words = batch.execute()
    initialized = [
        ((min_word + i) * 256 + bit) * spacing
        for i, raw in enumerate(words)
        if (bits := tick_bitmap.decode(raw))
        for bit in range(256)
        if bits >> bit & 1
    ]
    net: dict[int, int] = {}
    gross: dict[int, int] = {}
    if initialized:
        with w3.batch_requests() as batch:
            for tick in initialized:
                batch.add(w3.eth.call({"to": address, "data": ticks.encode(tick)}, block))
            results = batch.execute()
        for tick, raw in zip(initialized, results, strict=True):
            gross[tick], net[tick] = ticks.decode(raw)[:2]
    return V3State(slot0[0], slot0[1], liquidity, net, gross)


def read_weighted_state(w3: Web3, vault: str, pool: str, block: int | str = "latest") -> WeightedState:
    """A Balancer V2 weighted pool at `block`: `getPoolTokens` from the Vault, weights and fee from the pool.

    The April 2021 WeightedPool has no `getScalingFactors()`; its factors are `10**(18 - decimals)`
    of each token, which is what this derives them from.
    """
    weighted = Contract(w3, pool, WEIGHTED_POOL)
    pool_id = weighted.call("getPoolId", block=block)
    tokens, balances, _ = Contract(w3, vault, BALANCER_VAULT).call("getPoolTokens", pool_id, block=block)
    weights = weighted.call("getNormalizedWeights", block=block)
    swap_fee = weighted.call("getSwapFeePercentage", block=block)
    decimals = [Contract(w3, token, ERC20).call("decimals", block=block) for token in tokens]
    if any(not 0 <= d <= 18 for d in decimals):
        raise ValueError(f"pool {pool}: token decimals {decimals} outside 0..18")
    return WeightedState(
        pool_id, tuple(tokens), tuple(balances), tuple(weights), tuple(10 ** (18 - d) for d in decimals), swap_fee
    )
