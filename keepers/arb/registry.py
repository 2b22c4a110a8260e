"""The pool registry: pools discovered from factory logs, their state kept from pool logs.

Discovery reads `PairCreated` (Uniswap V2 factories) and `PoolCreated` (Uniswap
V3 factories) from each factory's start block, in chunks, with progress, and
persists every pool and a cursor per factory, so a restart continues where it
stopped. State is read once per pool when it is first seen; after that every
block's `Sync` (V2) and `Swap` / `Mint` / `Burn` (V3) logs update it, without
re-reading pools that did not change.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from eth_utils import to_checksum_address
from sqlalchemy import select
from web3 import Web3
from web3.exceptions import BlockNotFound
from web3.types import LogReceipt

from keepers.chain.client import block_ranges, get_logs
from keepers.chain.contracts import Contract, abi
from keepers.config import FactorySettings
from keepers.markets.uniswap_v2 import V2Pool
from keepers.markets.uniswap_v3.pool import V3Pool
from keepers.store.db import Store
from keepers.store.models import Cursor, PoolRecord

V2_FACTORY, V3_FACTORY = abi("UniswapV2Factory"), abi("UniswapV3Factory")
V2_PAIR, V3_POOL = abi("UniswapV2Pair"), abi("UniswapV3Pool")
PAIR_CREATED_EVENT, POOL_CREATED_EVENT = V2_FACTORY.event("PairCreated"), V3_FACTORY.event("PoolCreated")
SYNC_EVENT = V2_PAIR.event("Sync")
V3_SWAP_EVENT, V3_MINT_EVENT, V3_BURN_EVENT = V3_POOL.event("Swap"), V3_POOL.event("Mint"), V3_POOL.event("Burn")
PAIR_CREATED, POOL_CREATED = PAIR_CREATED_EVENT.topic, POOL_CREATED_EVENT.topic
SYNC, V3_SWAP, V3_MINT, V3_BURN = SYNC_EVENT.topic, V3_SWAP_EVENT.topic, V3_MINT_EVENT.topic, V3_BURN_EVENT.topic
STATE_TOPICS = (SYNC, V3_SWAP, V3_MINT, V3_BURN)
REORG_WINDOW = 64  # blocks of history kept to undo a reorg


@dataclass(frozen=True)
class PoolInfo:
    """What never changes about a pool."""

    address: str
    kind: str  # uniswap_v2 | uniswap_v3
    exchange: str
    factory: str
    token0: str
    token1: str
    fee: int  # V2: basis points; V3: pips
    tick_spacing: int | None
    created_block: int


Pool = V2Pool | V3Pool


class PoolRegistry:
    """Pools and their live state for one chain."""

    def __init__(self, w3: Web3, store: Store, chain_id: int, factories: Iterable[FactorySettings], chunk: int):
        self.w3 = w3
        self.store = store
        self.chain_id = chain_id
        self.factories = {Web3.to_checksum_address(f.address): f for f in factories}
        self.chunk = chunk
        self.pools: dict[str, PoolInfo] = {}
        self.states: dict[str, Pool] = {}
        # V3: initialized tick -> liquidityGross, to know when a burn uninitializes a tick
        self._gross: dict[str, dict[int, int]] = {}
        self.block: int | None = None  # state is as of the end of this block
        # Recent blocks the state is as of: block -> (its hash, pools changed since the entry before).
        self._applied: OrderedDict[int, tuple[str | None, set[str]]] = OrderedDict()

    # -- discovery -------------------------------------------------------------------------

    def load(self) -> None:
        """Pools already discovered, from the store."""
        with self.store.transaction() as session:
            rows = session.scalars(select(PoolRecord).where(PoolRecord.chain_id == self.chain_id)).all()
            for row in rows:
                if row.factory in self.factories:
                    self.pools[row.address] = PoolInfo(
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

    def backfill(self, to_block: int, on_progress: Callable[[str, int, int, int], None] | None = None) -> int:
        """Discover pools created up to `to_block`; returns how many were new.

        `on_progress(factory, blocks_done, blocks_total, pools_known)` is called after each chunk.
        """
        found = 0
        for address, factory in self.factories.items():
            cursor_name = f"discovery:{address}"
            start = max(factory.start_block, self._cursor(cursor_name) + 1)
            topic = PAIR_CREATED if factory.kind == "uniswap_v2" else POOL_CREATED
            total = max(to_block - start + 1, 0)
            for first, last in block_ranges(start, to_block, self.chunk):
                logs = get_logs(self.w3, first, last, [[topic]], self.chunk, addresses=[address])
                found += self._add_pools(logs)
                self._set_cursors([cursor_name], last)
                if on_progress is not None:
                    on_progress(factory.name, last - start + 1, total, len(self.pools))
        return found

    def _add_pools(self, logs: list[LogReceipt]) -> int:
        records = []
        for log in logs:
            factory = self.factories.get(Web3.to_checksum_address(log["address"]))
            if factory is None:
                continue
            info = _pool_from_creation_log(log, factory)
            if info.address not in self.pools:
                self.pools[info.address] = info
                records.append(info)
        if records:
            with self.store.transaction() as session:
                for info in records:
                    session.merge(
                        PoolRecord(
                            address=info.address,
                            chain_id=self.chain_id,
                            kind=info.kind,
                            factory=info.factory,
                            exchange=info.exchange,
                            token0=info.token0,
                            token1=info.token1,
                            fee=info.fee,
                            tick_spacing=info.tick_spacing,
                            created_block=info.created_block,
                        )
                    )
        return len(records)

    def _cursor(self, name: str) -> int:
        with self.store.transaction() as session:
            row = session.get(Cursor, (name, self.chain_id))
            return row.block if row is not None else -1

    def _set_cursors(self, names: Iterable[str], block: int) -> None:
        with self.store.transaction() as session:
            for name in names:
                session.merge(Cursor(name=name, chain_id=self.chain_id, block=block))

    # -- state -----------------------------------------------------------------------------

    def read_states(self, block: int, pools: Iterable[str] | None = None) -> None:
        """Read the full state of `pools` (default: all) as of `block`."""
        for address in list(pools if pools is not None else self.pools):
            info = self.pools[address]
            self.states[address] = (
                self._read_v2(info, block) if info.kind == "uniswap_v2" else self._read_v3(info, block)
            )
        if pools is None:
            self._applied.clear()
            self._remember(block, set())
        self.block = block

    def _read_v2(self, info: PoolInfo, block: int) -> V2Pool:
        reserve0, reserve1, _ = Contract(self.w3, info.address, V2_PAIR).call("getReserves", block=block)
        return V2Pool(info.address, info.token0, info.token1, reserve0, reserve1, info.fee)

    def _read_v3(self, info: PoolInfo, block: int) -> V3Pool:
        pool = Contract(self.w3, info.address, V3_POOL)
        slot0 = pool.call("slot0", block=block)
        liquidity = pool.call("liquidity", block=block)
        spacing = info.tick_spacing or 1
        net: dict[int, int] = {}
        gross: dict[int, int] = {}
        min_word, max_word = (-887272 // spacing) >> 8, (887272 // spacing) >> 8
        tick_bitmap, ticks = V3_POOL.function("tickBitmap"), V3_POOL.function("ticks")
        with self.w3.batch_requests() as batch:
            for word in range(min_word, max_word + 1):
                batch.add(self.w3.eth.call({"to": info.address, "data": tick_bitmap.encode(word)}, block))
            words = batch.execute()
        initialized = [
            ((min_word + i) * 256 + bit) * spacing
            for i, raw in enumerate(words)
            if (bits := tick_bitmap.decode(raw))
            for bit in range(256)
            if bits >> bit & 1
        ]
        if initialized:
            with self.w3.batch_requests() as batch:
                for tick in initialized:
                    batch.add(self.w3.eth.call({"to": info.address, "data": ticks.encode(tick)}, block))
                results = batch.execute()
            for tick, raw in zip(initialized, results, strict=True):
                gross[tick], net[tick] = ticks.decode(raw)[:2]
        self._gross[info.address] = gross
        return V3Pool(
            info.address,
            info.token0,
            info.token1,
            info.fee,
            spacing,
            slot0[0],
            slot0[1],
            liquidity,
            net,
        )

    def sync(self, to_block: int) -> set[str]:
        """Apply creation and state logs after `self.block` up to `to_block`; returns changed pools.

        Blocks already applied that left the chain (a reorg) are undone first: the pools they touched
        are read again whole at `to_block`."""
        if self.block is None:
            raise RuntimeError("read_states() first: the registry has no starting state")
        orphaned = self._unwind()
        if to_block <= self.block:
            if orphaned:
                self.read_states(to_block, orphaned)
                self._remember(to_block, orphaned)
            return orphaned
        start = self.block + 1
        creation_topics = []
        if any(f.kind == "uniswap_v2" for f in self.factories.values()):
            creation_topics.append(PAIR_CREATED)
        if any(f.kind == "uniswap_v3" for f in self.factories.values()):
            creation_topics.append(POOL_CREATED)
        logs = get_logs(self.w3, start, to_block, [[*creation_topics, *STATE_TOPICS]], self.chunk)
        changed: set[str] = set()
        new_pools_before = set(self.pools)
        self._add_pools([log for log in logs if log["topics"][0].to_0x_hex() in creation_topics])
        self._set_cursors([f"discovery:{address}" for address in self.factories], to_block)
        new = set(self.pools) - new_pools_before
        for log in logs:
            address = Web3.to_checksum_address(log["address"])
            if address in new or address not in self.pools:
                continue  # new pools are read whole below
            state = self.states.get(address)
            updated = _apply(log, state, self._gross.get(address)) if state is not None else None
            if updated is not None:
                self.states[address] = updated
                changed.add(address)
        if new | orphaned:
            self.read_states(to_block, new | orphaned)
            changed |= new | orphaned
        self.block = to_block
        self._remember(to_block, changed)
        return changed

    # -- reorgs ----------------------------------------------------------------------------

    def _hash(self, number: int) -> str | None:
        try:
            return self.w3.eth.get_block(number)["hash"].to_0x_hex()
        except BlockNotFound:
            return None

    def _remember(self, block: int, changed: set[str]) -> None:
        """Note the hash of a block the state is now as of, and what changed up to it."""
        self._applied[block] = (self._hash(block), set(changed))
        while len(self._applied) > REORG_WINDOW:
            self._applied.popitem(last=False)

    def _unwind(self) -> set[str]:
        """Pools whose state came from blocks no longer in the chain; `self.block` goes back to the
        last block still in it. Deeper than the window remembers: every pool."""
        if not self._applied:
            return set()
        last = next(reversed(self._applied))
        if self._hash(last) == self._applied[last][0]:
            return set()
        touched: set[str] = set()
        while self._applied:
            _, (_, changed) = self._applied.popitem(last=True)
            touched |= changed
            if self._applied:
                previous = next(reversed(self._applied))
                if self._hash(previous) == self._applied[previous][0]:
                    self.block = previous
                    return touched
        return set(self.pools)  # the fork is older than anything remembered: read everything again


def _pool_from_creation_log(log: LogReceipt, factory: FactorySettings) -> PoolInfo:
    if factory.kind == "uniswap_v2":
        created = PAIR_CREATED_EVENT.decode(log)
        return PoolInfo(
            to_checksum_address(created["pair"]),
            "uniswap_v2",
            factory.name,
            Web3.to_checksum_address(factory.address),
            created["token0"],
            created["token1"],
            factory.fee_bps,
            None,
            log["blockNumber"],
        )
    created = POOL_CREATED_EVENT.decode(log)
    return PoolInfo(
        created["pool"],
        "uniswap_v3",
        factory.name,
        Web3.to_checksum_address(factory.address),
        created["token0"],
        created["token1"],
        created["fee"],
        created["tickSpacing"],
        log["blockNumber"],
    )


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
        return pool.with_slot0(swap["sqrtPriceX96"], swap["tick"], swap["liquidity"])
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
