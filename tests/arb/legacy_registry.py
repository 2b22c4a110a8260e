"""The registry's paths before the raw-log rewrite, kept as the reference the new ones are checked
against (tests/arb/test_pool_logs.py) and the anchor they are measured against (benchmarks/pool_logs.py):
web3-formatted logs (``w3.eth.get_logs``), checksummed per log, decoded by eth_abi, applied with
``dataclasses.replace``; pools loaded through the ORM."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from web3 import Web3
from web3.types import LogReceipt

from keepers.arb.pool_logs import (
    SYNC,
    SYNC_EVENT,
    V3_BURN,
    V3_BURN_EVENT,
    V3_MINT,
    V3_MINT_EVENT,
    V3_SWAP,
    V3_SWAP_EVENT,
    Pool,
)
from keepers.arb.registry import PoolInfo
from keepers.markets.uniswap_v2 import V2Pool
from keepers.markets.uniswap_v3.pool import V3Pool
from keepers.store.db import Store
from keepers.store.models import PoolRecord


def legacy_load(store: Store, chain_id: int, factories: set[str]) -> dict[str, PoolInfo]:
    """`PoolRegistry.load` before: one ORM object per pool row."""
    pools: dict[str, PoolInfo] = {}
    with store.transaction() as session:
        rows = session.scalars(select(PoolRecord).where(PoolRecord.chain_id == chain_id)).all()
        for row in rows:
            if row.factory in factories:
                pools[row.address] = PoolInfo(
                    row.address,
                    row.kind,
                    row.exchange,
                    row.factory,
                    row.token0,
                    row.token1,
                    row.fee,
                    row.tick_spacing,
                    row.created_block,
                )
    return pools


def legacy_apply_logs(logs: list[LogReceipt], states: dict[str, Pool], gross: dict[str, dict[int, int]]) -> set[str]:
    """What `PoolRegistry.sync` did with each formatted log of a known pool."""
    changed: set[str] = set()
    for log in logs:
        address = Web3.to_checksum_address(log["address"])
        state = states.get(address)
        updated = _apply(log, state, gross.get(address)) if state is not None else None
        if updated is not None:
            states[address] = updated
            changed.add(address)
    return changed


def _apply(log: LogReceipt, pool: Pool, gross: dict[int, int] | None) -> Pool | None:
    """The pool after one of its logs, or None when the log does not concern state."""
    topic = log["topics"][0].to_0x_hex()
    if topic == SYNC and isinstance(pool, V2Pool):
        reserve0, reserve1 = SYNC_EVENT.decode_data(log["data"])
        return pool.with_reserves(reserve0, reserve1)
    if not isinstance(pool, V3Pool) or gross is None:
        return None
    if topic == V3_SWAP:
        swap = V3_SWAP_EVENT.decode(log)
        return replace(pool, sqrt_price_x96=swap["sqrtPriceX96"], tick=swap["tick"], liquidity=swap["liquidity"])
    if topic in (V3_MINT, V3_BURN):
        change = (V3_MINT_EVENT if topic == V3_MINT else V3_BURN_EVENT).decode(log)
        lower, upper, amount = change["tickLower"], change["tickUpper"], change["amount"]
        if amount == 0:
            return pool  # a poke: collects fees only
        sign = 1 if topic == V3_MINT else -1
        net = dict(pool.ticks)
        for tick, side in ((lower, 1), (upper, -1)):
            gross[tick] = gross.get(tick, 0) + sign * amount
            net[tick] = net.get(tick, 0) + sign * side * amount
            if gross[tick] == 0:  # uninitialized: no position references it any more
                del gross[tick], net[tick]
        liquidity = pool.liquidity + sign * amount if lower <= pool.tick < upper else pool.liquidity
        return replace(pool, ticks=net, liquidity=liquidity)
    return None
