"""A campaign's contribution metrics and each epoch's allocation: pure functions, ints in, ints out.

The inputs are one pool's logs reduced to records (``SwapRecord``, ``LiquidityRecord``), ordered
by ``(block, log_index)``, the only total order of logs (several blocks may share a timestamp on
a dev chain). ``measure_epoch`` replays them once and measures, over the window ``[start, end)``:

- **swap volume** per trader: the absolute amount of the campaign's token (``token0`` or
  ``token1``, as the pool reports it: on the input side it includes the LP fee) of every swap
  timestamped in the window; the excluded accounts' swaps (the sponsor's) do not count, nor do
  **wash trades**: a swap whose trader holds liquidity (> 0, as owner of a position) in a range
  that the swap's price path touches, ``tick_lower <= max(tick_before, tick_after)`` and
  ``tick_upper > min(tick_before, tick_after)``, where ``tick_before`` is the pool tick just before
  the swap. Such a trade executes, at least in part, against the trader's own position, so it
  moves no risk to anyone else; the rule also covers a position that only comes in range during
  the swap. ``EpochMetrics.wash_trades`` lists them.
- **time-weighted in-range liquidity** per owner, in liquidity x seconds: between consecutive
  records, every position with ``tick_lower <= tick < tick_upper`` (the pool's own rule for
  active liquidity, with ``tick`` the last swap's ``tick_after``) accrues its liquidity for each
  second of the interval that lies in the window. A record's state holds from its timestamp
  (records of one block take effect together, at the block's timestamp). Excluded owners'
  positions do not count.

Records before ``start`` only build up the state (positions, current tick); records at or after
``end`` are ignored. ``initial_tick`` is the pool's tick before the first record given, so the
history must either start at the pool's creation or at a known ``slot0``.

Allocation splits an epoch's budget pro rata with floor division (``allocate``): the sum never
exceeds the budget and the dust (less than one wei per contributor) stays unallocated. Passing
what was allocated so far to ``epoch_budget`` carries it into the next epoch; the last epoch's dust
(and any epoch nobody contributed to, if it is the last) stays in the campaign's escrow and goes
back to the sponsor with ``MerkleRewardsFacet.withdrawLeftover``. Amounts posted are cumulative
per account (``cumulative``), as the facet's roots are.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from itertools import pairwise

from keepers.markets.uniswap_v3.tick_math import MAX_TICK, MIN_TICK
from keepers.rewards.tree import checksum_address

MAX_LIQUIDITY = (1 << 128) - 1


class PoolToken(IntEnum):
    """Which of the pool's tokens a volume is measured in."""

    TOKEN0 = 0
    TOKEN1 = 1


@functools.lru_cache(maxsize=1 << 16)
def _account(address: str) -> str:
    """Checksummed (records from logs repeat the same few accounts: cached)."""
    return checksum_address(address)


def _int(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{what} must be an int, got {value!r}")
    return value


def _tick(value: object, what: str) -> int:
    if not MIN_TICK <= _int(value, what) <= MAX_TICK:
        raise ValueError(f"{what} {value} is outside [{MIN_TICK}, {MAX_TICK}]")
    return value


@dataclass(frozen=True, slots=True)
class SwapRecord:
    """One pool swap. ``amount0``/``amount1`` are the pool's signed deltas (V3 ``Swap``: positive
    into the pool; for a V2 pair ``amountIn - amountOut`` of each token); ``tick_after`` is the
    pool's tick after the swap (V3 ``Swap.tick``).

    ``trader`` is the transaction's ``from``, not the event's ``sender``/``recipient``: ``sender``
    is usually the router (or an aggregator), ``recipient`` may be a contract or another wallet;
    the transaction's sender is the account that initiated and paid for the trade, the one the
    campaign wants to reward (and the one a wash-trading check can match to a position owner).
    """

    block: int
    timestamp: int
    log_index: int
    trader: str
    amount0: int
    amount1: int
    tick_after: int

    def __post_init__(self) -> None:
        for name in ("block", "timestamp", "log_index", "amount0", "amount1"):
            _int(getattr(self, name), name)
        _tick(self.tick_after, "tick_after")
        object.__setattr__(self, "trader", _account(self.trader))


@dataclass(frozen=True, slots=True)
class LiquidityRecord:
    """A change of one position: ``liquidity_delta`` added (``Mint``/``IncreaseLiquidity``) or
    removed (negative: ``Burn``/``DecreaseLiquidity``), or a change of owner.

    ``owner`` is the position's owner from this record on: for a position held through the
    ``NonfungiblePositionManager``, the NFT's owner (not the manager, which owns it in the pool);
    ``position_id`` identifies the position (the NFT's ``tokenId``, or for a direct pool position
    anything unique to ``(owner, tick_lower, tick_upper)``). An NFT transfer is a record with
    ``liquidity_delta == 0`` and the new owner: from then on the liquidity counts for the new
    owner. One record per change: a manager's ``IncreaseLiquidity`` and the pool's ``Mint`` are
    the same change.
    """

    block: int
    timestamp: int
    log_index: int
    owner: str
    position_id: Hashable
    tick_lower: int
    tick_upper: int
    liquidity_delta: int

    def __post_init__(self) -> None:
        for name in ("block", "timestamp", "log_index", "liquidity_delta"):
            _int(getattr(self, name), name)
        _tick(self.tick_lower, "tick_lower")
        _tick(self.tick_upper, "tick_upper")
        if self.tick_lower >= self.tick_upper:
            raise ValueError(f"tick_lower {self.tick_lower} must be below tick_upper {self.tick_upper}")
        object.__setattr__(self, "owner", _account(self.owner))


@dataclass(frozen=True)
class EpochMetrics:
    """What one epoch's window measured. Every dict holds positive amounts only."""

    start: int
    end: int
    volume: dict[str, int]
    liquidity_seconds: dict[str, int]
    wash_trades: tuple[SwapRecord, ...]


@dataclass(slots=True)
class _Position:
    owner: str
    tick_lower: int
    tick_upper: int
    liquidity: int = 0

    def active_at(self, tick: int) -> bool:
        return self.tick_lower <= tick < self.tick_upper


class _PoolReplay:
    """The pool's positions and tick as the records go by, with liquidity x seconds accrued per owner.

    Each owner's in-range liquidity is kept as a running sum, settled (``active x elapsed``) only
    when it changes: when a record touches one of its in-range positions, or when a swap moves the
    tick across a boundary of one of its positions (found by bisecting the sorted boundary ticks).
    """

    def __init__(self, tick: int, start: int, end: int):
        self.tick = tick
        self.start, self.end = start, end
        self.positions: dict[Hashable, _Position] = {}
        self.boundaries: list[int] = []  # sorted distinct tick_lower/tick_upper values
        self.by_boundary: dict[int, list[Hashable]] = {}
        self.holdings: dict[str, set[Hashable]] = {}  # owner -> positions with liquidity > 0
        self.active: dict[str, int] = {}
        self.accrued: dict[str, int] = {}
        self.since: dict[str, int] = {}

    def _clip(self, t: int) -> int:
        return min(max(t, self.start), self.end)

    def _change(self, owner: str, delta: int, t: int) -> None:
        """Settle the owner's accrual up to ``t``, then change its in-range liquidity by ``delta``."""
        active = self.active.get(owner, 0)
        if active:
            elapsed = self._clip(t) - self._clip(self.since[owner])
            self.accrued[owner] = self.accrued.get(owner, 0) + active * elapsed
        self.active[owner] = active + delta
        self.since[owner] = t

    def close(self) -> None:
        for owner in list(self.active):
            self._change(owner, 0, self.end)

    def touches_own_liquidity(self, trader: str, tick_after: int) -> bool:
        low, high = min(self.tick, tick_after), max(self.tick, tick_after)
        for position_id in self.holdings.get(trader, ()):
            position = self.positions[position_id]
            if position.tick_lower <= high and position.tick_upper > low:
                return True
        return False

    def move_tick(self, tick: int, t: int) -> None:
        old = self.tick
        if tick == old:
            return
        low, high = min(old, tick), max(old, tick)
        first = bisect.bisect_right(self.boundaries, low)
        last = bisect.bisect_right(self.boundaries, high)
        for boundary in self.boundaries[first:last]:  # a position changes status only if a boundary is crossed
            for position_id in self.by_boundary[boundary]:
                position = self.positions[position_id]
                was, now = position.active_at(old), position.active_at(tick)
                if was != now and position.liquidity:
                    self._change(position.owner, position.liquidity if now else -position.liquidity, t)
        self.tick = tick

    def apply(self, record: LiquidityRecord) -> None:
        t = record.timestamp
        position = self.positions.get(record.position_id)
        if position is None:
            position = self.positions[record.position_id] = _Position(
                record.owner, record.tick_lower, record.tick_upper
            )
            for boundary in (record.tick_lower, record.tick_upper):
                if boundary not in self.by_boundary:
                    bisect.insort(self.boundaries, boundary)
                    self.by_boundary[boundary] = []
                self.by_boundary[boundary].append(record.position_id)
        elif (position.tick_lower, position.tick_upper) != (record.tick_lower, record.tick_upper):
            raise ValueError(
                f"position {record.position_id!r} is [{position.tick_lower}, {position.tick_upper}), "
                f"not [{record.tick_lower}, {record.tick_upper})"
            )
        in_range = position.active_at(self.tick)
        if record.owner != position.owner:
            if position.liquidity:
                if in_range:
                    self._change(position.owner, -position.liquidity, t)
                    self._change(record.owner, position.liquidity, t)
                self.holdings[position.owner].discard(record.position_id)
                self.holdings.setdefault(record.owner, set()).add(record.position_id)
            position.owner = record.owner
        liquidity = position.liquidity + record.liquidity_delta
        if not 0 <= liquidity <= MAX_LIQUIDITY:
            raise ValueError(f"position {record.position_id!r} would hold liquidity {liquidity}")
        if in_range and record.liquidity_delta:
            self._change(position.owner, record.liquidity_delta, t)
        position.liquidity = liquidity
        held = self.holdings.setdefault(position.owner, set())
        if liquidity:
            held.add(record.position_id)
        else:
            held.discard(record.position_id)


def _in_log_order(
    swaps: Iterable[SwapRecord], liquidity: Iterable[LiquidityRecord]
) -> list[SwapRecord | LiquidityRecord]:
    records = sorted([*swaps, *liquidity], key=lambda r: (r.block, r.log_index))
    for before, after in pairwise(records):
        if (before.block, before.log_index) == (after.block, after.log_index):
            raise ValueError(f"two records at block {after.block} log {after.log_index}")
        if after.timestamp < before.timestamp:
            raise ValueError(f"timestamp goes back at block {after.block} log {after.log_index}")
    return records


def measure_epoch(
    swaps: Iterable[SwapRecord],
    liquidity: Iterable[LiquidityRecord],
    *,
    initial_tick: int,
    start: int,
    end: int,
    token: PoolToken,
    exclude: Collection[str] = (),
) -> EpochMetrics:
    """Swap volume and liquidity x seconds per account over ``[start, end)`` (see the module notes)."""
    _tick(initial_tick, "initial_tick")
    if not _int(start, "start") < _int(end, "end"):
        raise ValueError(f"empty window [{start}, {end})")
    token = PoolToken(token)
    excluded = {_account(address) for address in exclude}
    pool = _PoolReplay(initial_tick, start, end)
    volume: dict[str, int] = {}
    wash: list[SwapRecord] = []
    for record in _in_log_order(swaps, liquidity):
        if record.timestamp >= end:
            break
        if isinstance(record, LiquidityRecord):
            pool.apply(record)
            continue
        if record.timestamp >= start and record.trader not in excluded:
            if pool.touches_own_liquidity(record.trader, record.tick_after):
                wash.append(record)
            else:
                amount = abs(record.amount1 if token is PoolToken.TOKEN1 else record.amount0)
                if amount:
                    volume[record.trader] = volume.get(record.trader, 0) + amount
        pool.move_tick(record.tick_after, record.timestamp)
    pool.close()
    seconds = {owner: value for owner, value in pool.accrued.items() if value > 0 and owner not in excluded}
    return EpochMetrics(start, end, volume, seconds, tuple(wash))


def swap_volume(
    swaps: Iterable[SwapRecord],
    liquidity: Iterable[LiquidityRecord],
    *,
    initial_tick: int,
    start: int,
    end: int,
    token: PoolToken,
    exclude: Collection[str] = (),
) -> dict[str, int]:
    """Counted swap volume per trader in ``[start, end)``: ``measure_epoch(...).volume``."""
    return measure_epoch(
        swaps, liquidity, initial_tick=initial_tick, start=start, end=end, token=token, exclude=exclude
    ).volume


def liquidity_seconds(
    swaps: Iterable[SwapRecord],
    liquidity: Iterable[LiquidityRecord],
    *,
    initial_tick: int,
    start: int,
    end: int,
    exclude: Collection[str] = (),
) -> dict[str, int]:
    """In-range liquidity x seconds per owner in ``[start, end)``: ``measure_epoch(...).liquidity_seconds``."""
    return measure_epoch(
        swaps, liquidity, initial_tick=initial_tick, start=start, end=end, token=PoolToken.TOKEN0, exclude=exclude
    ).liquidity_seconds


# ---------------------------------------------------------------------------------------------
# Allocation


def _amounts(mapping: Mapping[str, int], what: str) -> Mapping[str, int]:
    for account, amount in mapping.items():
        if _int(amount, f"{what} of {account}") < 0:
            raise ValueError(f"{what} of {account} is negative: {amount}")
    return mapping


def allocate(budget: int, contributions: Mapping[str, int]) -> dict[str, int]:
    """``budget`` split pro rata: ``budget * contribution // total`` each, zero shares left out.

    Each share is within 1 wei below its exact pro-rata value, so the sum never exceeds the budget
    and the unallocated dust is less than one wei per contributor. No contribution, no allocation.
    """
    if _int(budget, "budget") < 0:
        raise ValueError(f"budget is negative: {budget}")
    total = sum(_amounts(contributions, "contribution").values())
    if total == 0:
        return {}
    shares = ((account, budget * amount // total) for account, amount in contributions.items())
    return {account: share for account, share in shares if share}


def count_epochs(start: int, end: int, epoch_length: int) -> int:
    """The facet's schedule: ``ceil((end - start) / epochLength)`` epochs."""
    if not _int(start, "start") < _int(end, "end") or _int(epoch_length, "epoch_length") <= 0:
        raise ValueError(f"no epochs in [{start}, {end}) of length {epoch_length}")
    return -((start - end) // epoch_length)


def epoch_window(start: int, end: int, epoch_length: int, epoch: int) -> tuple[int, int]:
    """Epoch ``epoch`` (1-based, as the facet's): ``[start + (e - 1) * length, min(start + e * length, end))``."""
    count = count_epochs(start, end, epoch_length)
    if not 1 <= _int(epoch, "epoch") <= count:
        raise ValueError(f"epoch {epoch} is not in 1..{count}")
    return start + (epoch - 1) * epoch_length, min(start + epoch * epoch_length, end)


def epoch_budget(funded: int, epoch: int, epoch_count: int, allocated_so_far: int) -> int:
    """What epoch ``epoch`` (1-based) may allocate: what is left, split evenly over the epochs left.

    ``(funded - allocated_so_far) // (epoch_count - epoch + 1)``: whatever earlier epochs left
    unallocated (their dust, or a whole epoch without contributions) is carried forward, the last
    epoch may allocate everything that remains, and nothing beyond ``funded`` ever is.
    """
    if _int(funded, "funded") < 0 or not 0 <= _int(allocated_so_far, "allocated_so_far") <= funded:
        raise ValueError(f"allocated_so_far {allocated_so_far} is not within funded {funded}")
    if not 1 <= _int(epoch, "epoch") <= _int(epoch_count, "epoch_count"):
        raise ValueError(f"epoch {epoch} is not in 1..{epoch_count}")
    return (funded - allocated_so_far) // (epoch_count - epoch + 1)


def cumulative(previous: Mapping[str, int], epoch_allocation: Mapping[str, int]) -> dict[str, int]:
    """Cumulative amounts after an epoch: ``previous`` plus this epoch's allocation, per account.

    Every account keeps at least its previous amount: allocations are never negative.
    """
    result = dict(_amounts(previous, "previous amount"))
    for account, amount in _amounts(epoch_allocation, "allocation").items():
        result[account] = result.get(account, 0) + amount
    return result
