"""The pool registry: pools discovered from factory logs, their state kept from pool logs.

Discovery reads `PairCreated` (Uniswap V2 factories) and `PoolCreated` (Uniswap V3 factories)
from each factory's start block with a bounded pool of concurrent ranged queries, commits the
pools of each contiguous prefix of finished ranges with the factory's cursor in one transaction
(a crash never skips a range; a restart continues where the cursor stopped), and reports
progress. State is read once per pool when it is first seen; after that every block's `Sync`
(V2) and `Swap` / `Mint` / `Burn` (V3) logs update it through the raw-log path
(`keepers.arb.pool_logs`), without re-reading pools that did not change.

The states are journaled (`snapshot`: every `snapshot_every` blocks and at shutdown, only the
pools changed since the last one, in bulk) with the block and hash they are as of, so `start`
loads them and catches up by logs instead of reading every pool from the chain again; a
snapshot whose block left the chain is used only up to the last block still in it.
"""

from __future__ import annotations

import logging
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from web3 import Web3
from web3.exceptions import BlockNotFound

from keepers.arb.pool_logs import STATE_TOPICS, BadLog, Pool, apply_logs
from keepers.chain.client import block_ranges, get_raw_log_range, get_raw_logs
from keepers.chain.contracts import StaticEventDecoder, abi
from keepers.chain.pools import read_v2_reserves, read_v3_state
from keepers.config import FactorySettings
from keepers.markets.uniswap_v2 import V2Pool
from keepers.markets.uniswap_v3.pool import V3Pool
from keepers.store.db import Store, bulk_upsert
from keepers.store.models import Cursor, PoolRecord, PoolStateRecord, PoolStateSnapshot

V2_FACTORY, V3_FACTORY = abi("UniswapV2Factory"), abi("UniswapV3Factory")
PAIR_CREATED_EVENT, POOL_CREATED_EVENT = V2_FACTORY.event("PairCreated"), V3_FACTORY.event("PoolCreated")
PAIR_CREATED, POOL_CREATED = PAIR_CREATED_EVENT.topic, POOL_CREATED_EVENT.topic
NEW_PAIR = StaticEventDecoder(PAIR_CREATED_EVENT, ("token0", "token1", "pair"))
NEW_POOL = StaticEventDecoder(POOL_CREATED_EVENT, ("token0", "token1", "fee", "tickSpacing", "pool"))
log = logging.getLogger(__name__)

REORG_WINDOW = 64  # blocks of history kept to undo a reorg
WORKERS = 4  # concurrent discovery queries
SNAPSHOT_EVERY = 100  # blocks between two state snapshots
COMMIT_RANGES = 64  # finished discovery ranges committed in one transaction at most

ProgressCallback = Callable[[str, int, int, int], None]


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


class PoolRegistry:
    """Pools and their live state for one chain."""

    def __init__(
        self,
        w3: Web3,
        store: Store,
        chain_id: int,
        factories: Iterable[FactorySettings],
        chunk: int,
        *,
        workers: int = WORKERS,
        snapshot_every: int = SNAPSHOT_EVERY,
    ):
        self.w3 = w3
        self.store = store
        self.chain_id = chain_id
        self.factories = {Web3.to_checksum_address(f.address): f for f in factories}
        self.chunk = chunk
        self.workers = max(1, workers)
        self.snapshot_every = snapshot_every
        self.pools: dict[str, PoolInfo] = {}
        self.states: dict[str, Pool] = {}
        # V3: initialized tick -> liquidityGross, to know when a burn uninitializes a tick
        self._gross: dict[str, dict[int, int]] = {}
        self._addresses: dict[str, str] = {}  # lowercase (as logs carry it) -> checksummed, every known pool
        self._factory_of = {address.lower(): address for address in self.factories}
        self.block: int | None = None  # state is as of the end of this block
        # Recent blocks the state is as of: block -> (its hash, pools changed since the entry before).
        self._applied: OrderedDict[int, tuple[str | None, set[str]]] = OrderedDict()
        self._dirty: set[str] = set()  # pools whose state changed since the last snapshot
        self.snapshot_block: int | None = None  # the block the journaled states are as of

    def start(self, head: int, on_progress: ProgressCallback | None = None) -> None:
        """Everything up to `head`: pools from the store, discovery (`backfill`), then states from the
        last snapshot caught up by logs; pools the snapshot lacks, or wrote in blocks that left the
        chain, are read from the chain. Without a usable snapshot: `read_states(head)`."""
        self.load()
        self.backfill(head, on_progress)
        as_of = self._restore(head)
        if as_of is None:
            self.read_states(head)
            return
        reread = {address for address in self.pools if address not in self.states}
        for first, last in block_ranges(as_of + 1, head, self.chunk):
            logs = get_raw_log_range(self.w3, first, last, [list(STATE_TOPICS)])
            changed, bad = self._apply(logs, reread)
            self._dirty |= changed
            reread |= bad
        if reread:
            self.read_states(head, reread)
        self.block = head
        self._applied.clear()
        self._remember(head, set())

    # -- discovery -------------------------------------------------------------------------

    def load(self) -> None:
        """Pools already discovered, from the store (one query, no ORM objects)."""
        table = PoolRecord.__table__.c
        columns = (
            table.address,
            table.kind,
            table.exchange,
            table.factory,
            table.token0,
            table.token1,
            table.fee,
            table.tick_spacing,
            table.created_block,
        )
        with self.store.transaction() as session:
            rows = session.execute(select(*columns).where(table.chain_id == self.chain_id)).all()
        factories = self.factories
        for row in rows:
            if row[3] in factories:
                self._know(PoolInfo(*row))

    def _know(self, info: PoolInfo) -> None:
        self.pools[info.address] = info
        self._addresses[info.address.lower()] = info.address

    def backfill(self, to_block: int, on_progress: ProgressCallback | None = None) -> int:
        """Discover pools created up to `to_block`; returns how many were new.

        Each factory's blocks after its cursor are queried `chunk` blocks at a time by `workers`
        threads (a range the node finds too large is split). Finished ranges are committed in chain
        order, each contiguous prefix in one transaction with the factory's cursor, so an error
        anywhere (the node, the store, `on_progress`) leaves the cursor at the last block whose
        pools are all stored. `on_progress(factory, blocks_done, blocks_total, pools_known)` is
        called after each commit.
        """
        return sum(
            self._discover(address, factory, to_block, on_progress) for address, factory in self.factories.items()
        )

    def _discover(
        self, address: str, factory: FactorySettings, to_block: int, on_progress: ProgressCallback | None
    ) -> int:
        cursor_name = f"discovery:{address}"
        start = max(factory.start_block, self._cursor(cursor_name) + 1)
        if start > to_block:
            return 0
        topics = [[PAIR_CREATED if factory.kind == "uniswap_v2" else POOL_CREATED]]
        ranges = block_ranges(start, to_block, self.chunk)
        pending: deque[tuple[int, Future[list[dict[str, Any]]]]] = deque()
        executor = ThreadPoolExecutor(self.workers, thread_name_prefix="discovery")

        def keep_busy() -> None:
            while len(pending) < 2 * self.workers and (span := next(ranges, None)) is not None:
                first, last = span
                pending.append((last, executor.submit(get_raw_log_range, self.w3, first, last, topics, [address])))

        found = 0
        try:
            keep_busy()
            while pending:
                last, future = pending.popleft()
                logs = future.result()
                committed = 1
                while pending and pending[0][1].done() and committed < COMMIT_RANGES:
                    last, future = pending.popleft()
                    logs = logs + future.result()
                    committed += 1
                keep_busy()
                found += len(self._commit_pools(self._pools_created(logs), [cursor_name], last))
                if on_progress is not None:
                    on_progress(factory.name, last - start + 1, to_block - start + 1, len(self.pools))
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
        return found

    def _pools_created(self, logs: Iterable[Mapping[str, Any]]) -> list[PoolInfo]:
        """The pools that factories' creation logs among `logs` announce (other logs are ignored)."""
        infos = []
        for log in logs:
            factory_address = self._factory_of.get(str(log["address"]).lower())
            if factory_address is None or not log["topics"] or log.get("removed"):
                continue
            factory, topic = self.factories[factory_address], str(log["topics"][0]).lower()
            try:
                block = int(log["blockNumber"], 16)
                if factory.kind == "uniswap_v2" and topic == PAIR_CREATED:
                    token0, token1, pair = NEW_PAIR(log)
                    infos.append(
                        PoolInfo(
                            pair,
                            "uniswap_v2",
                            factory.name,
                            factory_address,
                            token0,
                            token1,
                            factory.fee_bps,
                            None,
                            block,
                        )
                    )
                elif factory.kind == "uniswap_v3" and topic == POOL_CREATED:
                    token0, token1, fee, spacing, pool = NEW_POOL(log)
                    infos.append(
                        PoolInfo(pool, "uniswap_v3", factory.name, factory_address, token0, token1, fee, spacing, block)
                    )
            except (ValueError, TypeError) as err:
                raise BadLog(f"creation log of {factory.name} in block {log.get('blockNumber')}: {err}") from err
        return infos

    def _commit_pools(self, infos: Iterable[PoolInfo], cursors: Iterable[str], block: int) -> set[str]:
        """Store new pools and move `cursors` to `block`, in one transaction; returns the new pools."""
        new: dict[str, PoolInfo] = {}
        for info in infos:
            if info.address not in self.pools:
                new.setdefault(info.address, info)
        rows = [
            {
                "address": info.address,
                "chain_id": self.chain_id,
                "kind": info.kind,
                "factory": info.factory,
                "exchange": info.exchange,
                "token0": info.token0,
                "token1": info.token1,
                "fee": info.fee,
                "tick_spacing": info.tick_spacing,
                "created_block": info.created_block,
            }
            for info in new.values()
        ]
        with self.store.transaction() as session:
            bulk_upsert(session, PoolRecord.__table__, rows, update=False)
            bulk_upsert(
                session, Cursor.__table__, [{"name": n, "chain_id": self.chain_id, "block": block} for n in cursors]
            )
        for info in new.values():
            self._know(info)
        return set(new)

    def _cursor(self, name: str) -> int:
        with self.store.transaction() as session:
            row = session.get(Cursor, (name, self.chain_id))
            return row.block if row is not None else -1

    # -- state -----------------------------------------------------------------------------

    def read_states(self, block: int, pools: Iterable[str] | None = None) -> None:
        """Read the full state of `pools` (default: all) as of `block`."""
        addresses = list(pools if pools is not None else self.pools)
        for address in addresses:
            info = self.pools[address]
            self.states[address] = (
                self._read_v2(info, block) if info.kind == "uniswap_v2" else self._read_v3(info, block)
            )
        self._dirty.update(addresses)
        if pools is None:
            self._applied.clear()
            self._remember(block, set())
        self.block = block

    def _read_v2(self, info: PoolInfo, block: int) -> V2Pool:
        reserve0, reserve1 = read_v2_reserves(self.w3, info.address, block)
        return V2Pool(info.address, info.token0, info.token1, reserve0, reserve1, info.fee)

    def _read_v3(self, info: PoolInfo, block: int) -> V3Pool:
        spacing = info.tick_spacing or 1
        state = read_v3_state(self.w3, info.address, spacing, block)
        self._gross[info.address] = state.gross
        return V3Pool(
            info.address,
            info.token0,
            info.token1,
            info.fee,
            spacing,
            state.sqrt_price_x96,
            state.tick,
            state.liquidity,
            state.net,
        )

    def sync(self, to_block: int) -> set[str]:
        """Apply creation and state logs after `self.block` up to `to_block`; returns changed pools.

        Blocks already applied that left the chain (a reorg) are undone first: the pools they touched
        are read again whole at `to_block`, as are new pools and any pool with a log that does not
        decode."""
        if self.block is None:
            raise RuntimeError("read_states() first: the registry has no starting state")
        orphaned = self._unwind()
        if to_block <= self.block:
            if orphaned:
                self.read_states(to_block, orphaned)
                self._remember(to_block, orphaned)
            return orphaned
        creation_topics = []
        if any(f.kind == "uniswap_v2" for f in self.factories.values()):
            creation_topics.append(PAIR_CREATED)
        if any(f.kind == "uniswap_v3" for f in self.factories.values()):
            creation_topics.append(POOL_CREATED)
        logs = get_raw_logs(self.w3, self.block + 1, to_block, [[*creation_topics, *STATE_TOPICS]], self.chunk)
        cursors = [f"discovery:{address}" for address in self.factories]
        new = self._commit_pools(self._pools_created(logs), cursors, to_block)
        changed, bad = self._apply(logs, new | orphaned)
        reread = new | orphaned | bad
        if reread:
            self.read_states(to_block, reread)
            changed |= reread
        self.block = to_block
        self._dirty |= changed
        self._remember(to_block, changed)
        return changed

    def _apply(self, logs: list[dict[str, Any]], skip: set[str]) -> tuple[set[str], set[str]]:
        """(pools changed by `logs`, pools to read whole instead because one of their logs is malformed)."""
        try:
            return apply_logs(logs, self.states, self._gross, self._addresses, skip), set()
        except BadLog as err:
            log.warning("%s; reading every pool of these logs from the chain instead", err)
            seen = {str(entry["address"]).lower() for entry in logs}
            return set(), {self._addresses[a] for a in seen if a in self._addresses} - skip

    # -- snapshots -------------------------------------------------------------------------

    def snapshot(self, force: bool = False) -> int:
        """Journal, in one transaction, the states changed since the last snapshot as of `self.block`;
        returns how many pools were written. Unless `force` (a clean shutdown), only once
        `snapshot_every` blocks have passed since the last snapshot."""
        if self.block is None:
            return 0
        if self.block == self.snapshot_block and not self._dirty:
            return 0
        if not force and self.snapshot_block is not None and self.block - self.snapshot_block < self.snapshot_every:
            return 0
        block, applied = self.block, self._applied.get(self.block)
        block_hash = applied[0] if applied is not None else self._hash(block)
        if block_hash is None:
            return 0  # the block is not in the chain any more: the next sync unwinds it
        written = [address for address in self._dirty if address in self.states]
        rows = [self._state_row(address, block, block_hash) for address in written]
        header = {"chain_id": self.chain_id, "block": block, "block_hash": block_hash, "at": datetime.now(UTC)}
        with self.store.transaction() as session:
            bulk_upsert(session, PoolStateRecord.__table__, rows)
            bulk_upsert(session, PoolStateSnapshot.__table__, [header])
        self._dirty.clear()
        self.snapshot_block = block
        return len(rows)

    def _state_row(self, address: str, block: int, block_hash: str) -> dict[str, Any]:
        state = self.states[address]
        row: dict[str, Any] = {"address": address, "chain_id": self.chain_id, "block": block, "block_hash": block_hash}
        if isinstance(state, V2Pool):
            row.update(reserve0=state.reserve0, reserve1=state.reserve1)
            row.update(sqrt_price_x96=None, tick=None, liquidity=None, ticks=None)
        else:
            gross = self._gross[address]
            ticks = [[tick, state.ticks[tick], gross[tick]] for tick in state.ticks]
            row.update(reserve0=None, reserve1=None)
            row.update(sqrt_price_x96=state.sqrt_price_x96, tick=state.tick, liquidity=state.liquidity, ticks=ticks)
        return row

    def _restore(self, head: int) -> int | None:
        """States from the last snapshot into `states`; returns the block they are valid as of, or
        None when there is none still in the chain. When the snapshot's block left the chain, rows
        written in the last block still in it or before are valid as of that block (each row was
        rewritten at the next snapshot after any change); rows written later are left out."""
        table = PoolStateRecord.__table__.c
        columns = (
            table.address,
            table.block,
            table.block_hash,
            table.reserve0,
            table.reserve1,
            table.sqrt_price_x96,
            table.tick,
            table.liquidity,
            table.ticks,
        )
        with self.store.transaction() as session:
            header = session.get(PoolStateSnapshot, self.chain_id)
            if header is None:
                return None
            as_of, header_hash = header.block, header.block_hash
            rows = session.execute(select(*columns).where(table.chain_id == self.chain_id)).all()
        if as_of > head or self._hash(as_of) != header_hash:
            written = sorted({(row.block, row.block_hash) for row in rows}, reverse=True)
            as_of = next((b for b, h in written if b <= head and self._hash(b) == h), None)
            if as_of is None:
                return None
        for address, block, _, reserve0, reserve1, sqrt_price_x96, tick, liquidity, ticks in rows:
            info = self.pools.get(address)
            if info is None or block > as_of:
                continue
            if info.kind == "uniswap_v2" and reserve0 is not None and reserve1 is not None:
                self.states[address] = V2Pool(address, info.token0, info.token1, reserve0, reserve1, info.fee)
            elif info.kind == "uniswap_v3" and sqrt_price_x96 is not None and ticks is not None:
                self.states[address] = V3Pool(
                    address,
                    info.token0,
                    info.token1,
                    info.fee,
                    info.tick_spacing or 1,
                    sqrt_price_x96,
                    tick,
                    liquidity,
                    {t: net for t, net, _ in ticks},
                )
                self._gross[address] = {t: gross for t, _, gross in ticks}
        self.snapshot_block = as_of
        return as_of

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
