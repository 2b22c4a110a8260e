"""The pool registry: pools discovered from factory logs, their state kept from pool logs.

Discovery reads `PairCreated` (Uniswap V2 factories) and `PoolCreated` (Uniswap
V3 factories) from each factory's start block, in chunks, with progress, and
persists every pool and a cursor per factory, so a restart continues where it
stopped. State is read once per pool when it is first seen; after that every
block's `Sync` (V2) and `Swap` / `Mint` / `Burn` (V3) logs update it, without
re-reading pools that did not change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from eth_abi import decode
from eth_utils import keccak, to_checksum_address
from sqlalchemy import select
from web3 import Web3
from web3.types import LogReceipt

from keepers.chain.client import block_ranges, get_logs
from keepers.config import FactorySettings
from keepers.markets.uniswap_v2 import V2Pool
from keepers.markets.uniswap_v3.pool import V3Pool
from keepers.store.db import Store
from keepers.store.models import Cursor, PoolRecord


def _topic(signature: str) -> str:
    return "0x" + keccak(text=signature).hex()


PAIR_CREATED = _topic("PairCreated(address,address,address,uint256)")
POOL_CREATED = _topic("PoolCreated(address,address,uint24,int24,address)")
SYNC = _topic("Sync(uint112,uint112)")
V3_SWAP = _topic("Swap(address,address,int256,int256,uint160,uint128,int24)")
V3_MINT = _topic("Mint(address,address,int24,int24,uint128,uint256,uint256)")
V3_BURN = _topic("Burn(address,int24,int24,uint128,uint256,uint256)")
STATE_TOPICS = (SYNC, V3_SWAP, V3_MINT, V3_BURN)

_SELECTOR = {name: keccak(text=name)[:4] for name in ("getReserves()", "slot0()", "liquidity()")}


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


def _word(data: bytes, index: int, signed: bool = False) -> int:
    value = int.from_bytes(data[32 * index : 32 * index + 32], "big")
    return value - (1 << 256) if signed and value >> 255 else value


def _topic_int(topic: bytes, signed: bool = False) -> int:
    value = int.from_bytes(topic, "big")
    return value - (1 << 256) if signed and value >> 255 else value


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
        self.block = block

    def _call(self, address: str, data: bytes, block: int) -> bytes:
        return bytes(self.w3.eth.call({"to": address, "data": data}, block))

    def _read_v2(self, info: PoolInfo, block: int) -> V2Pool:
        data = self._call(info.address, _SELECTOR["getReserves()"], block)
        return V2Pool(info.address, info.token0, info.token1, _word(data, 0), _word(data, 1), info.fee)

    def _read_v3(self, info: PoolInfo, block: int) -> V3Pool:
        slot0 = self._call(info.address, _SELECTOR["slot0()"], block)
        liquidity = _word(self._call(info.address, _SELECTOR["liquidity()"], block), 0)
        spacing = info.tick_spacing or 1
        net: dict[int, int] = {}
        gross: dict[int, int] = {}
        min_word, max_word = (-887272 // spacing) >> 8, (887272 // spacing) >> 8
        bitmap_selector = keccak(text="tickBitmap(int16)")[:4]
        ticks_selector = keccak(text="ticks(int24)")[:4]
        with self.w3.batch_requests() as batch:
            for word in range(min_word, max_word + 1):
                batch.add(
                    self.w3.eth.call(
                        {"to": info.address, "data": bitmap_selector + word.to_bytes(32, "big", signed=True)}, block
                    )
                )
            words = batch.execute()
        initialized = [
            ((min_word + i) * 256 + bit) * spacing
            for i, raw in enumerate(words)
            if (bits := int.from_bytes(bytes(raw), "big"))
            for bit in range(256)
            if bits >> bit & 1
        ]
        if initialized:
            with self.w3.batch_requests() as batch:
                for tick in initialized:
                    batch.add(
                        self.w3.eth.call(
                            {"to": info.address, "data": ticks_selector + tick.to_bytes(32, "big", signed=True)}, block
                        )
                    )
                results = batch.execute()
            for tick, raw in zip(initialized, results, strict=True):
                data = bytes(raw)
                gross[tick], net[tick] = _word(data, 0), _word(data, 1, signed=True)
        self._gross[info.address] = gross
        return V3Pool(
            info.address,
            info.token0,
            info.token1,
            info.fee,
            spacing,
            _word(slot0, 0),
            _word(slot0, 1, signed=True),
            liquidity,
            net,
        )

    def sync(self, to_block: int) -> set[str]:
        """Apply creation and state logs after `self.block` up to `to_block`; returns changed pools."""
        if self.block is None:
            raise RuntimeError("read_states() first: the registry has no starting state")
        if to_block <= self.block:
            return set()
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
        if new:
            self.read_states(to_block, new)
            changed |= new
        self.block = to_block
        return changed


def _pool_from_creation_log(log: LogReceipt, factory: FactorySettings) -> PoolInfo:
    topics = log["topics"]
    data = bytes(log["data"])
    token0 = to_checksum_address(topics[1][-20:])
    token1 = to_checksum_address(topics[2][-20:])
    if factory.kind == "uniswap_v2":
        (pair, _) = decode(["address", "uint256"], data)
        return PoolInfo(
            to_checksum_address(pair),
            "uniswap_v2",
            factory.name,
            Web3.to_checksum_address(factory.address),
            token0,
            token1,
            factory.fee_bps,
            None,
            log["blockNumber"],
        )
    fee = _topic_int(bytes(topics[3]))
    tick_spacing, pool = decode(["int24", "address"], data)
    return PoolInfo(
        to_checksum_address(pool),
        "uniswap_v3",
        factory.name,
        Web3.to_checksum_address(factory.address),
        token0,
        token1,
        fee,
        tick_spacing,
        log["blockNumber"],
    )


def _apply(log: LogReceipt, pool: Pool, gross: dict[int, int] | None) -> Pool | None:
    """The pool after one of its logs, or None when the log does not concern state."""
    topic = log["topics"][0].to_0x_hex()
    data = bytes(log["data"])
    if topic == SYNC and isinstance(pool, V2Pool):
        return pool.with_reserves(_word(data, 0), _word(data, 1))
    if not isinstance(pool, V3Pool) or gross is None:
        return None
    if topic == V3_SWAP:
        # data: amount0, amount1, sqrtPriceX96, liquidity, tick
        return pool.with_slot0(_word(data, 2), _word(data, 4, signed=True), _word(data, 3))
    if topic in (V3_MINT, V3_BURN):
        lower = _topic_int(bytes(log["topics"][2]), signed=True)
        upper = _topic_int(bytes(log["topics"][3]), signed=True)
        # Mint data: sender, amount, amount0, amount1; Burn data: amount, amount0, amount1.
        amount = _word(data, 1) if topic == V3_MINT else _word(data, 0)
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
