"""Swap volume and time-weighted in-range liquidity: hand-computed epochs, and a second-by-second brute force."""

from __future__ import annotations

from collections import defaultdict

import pytest
from eth_utils import to_checksum_address
from hypothesis import given
from hypothesis import strategies as st

from keepers.rewards.metrics import (
    LiquidityRecord,
    PoolToken,
    SwapRecord,
    liquidity_seconds,
    measure_epoch,
    swap_volume,
)
from tests.rewards.metrics.conftest import PURE_SETTINGS

ALICE, BOB, CAROL, SPONSOR = (to_checksum_address(f"0x{i:040x}") for i in (0xA11CE, 0xB0B, 0xCA201, 0x5B0))


class History:
    """Records in log order, one log index after another; ``at`` moves to a new block."""

    def __init__(self):
        self.swaps: list[SwapRecord] = []
        self.liquidity: list[LiquidityRecord] = []
        self.block, self.timestamp, self.log = 1, 0, 0

    def at(self, timestamp: int) -> History:
        self.block, self.timestamp, self.log = self.block + 1, timestamp, 0
        return self

    def _next(self) -> tuple[int, int, int]:
        self.log += 1
        return self.block, self.timestamp, self.log

    def swap(self, trader: str, amount0: int, amount1: int, tick: int) -> SwapRecord:
        record = SwapRecord(*self._next(), trader, amount0, amount1, tick)
        self.swaps.append(record)
        return record

    def change(self, owner: str, position, lower: int, upper: int, delta: int) -> None:
        self.liquidity.append(LiquidityRecord(*self._next(), owner, position, lower, upper, delta))


def test_liquidity_seconds_by_hand():
    h = History()
    h.at(100).change(ALICE, 1, -10, 10, 1000)  # in range at tick 0
    h.at(110).change(BOB, 2, 5, 20, 500)  # out of range at tick 0
    h.at(120).swap(CAROL, 10, -9, 7)  # both in range
    h.at(150).swap(CAROL, 10, -9, 15)  # Alice out, Bob in
    h.at(160).change(ALICE, 1, -10, 10, -1000)
    h.at(170).change(SPONSOR, 3, -100, 100, 10**6)
    metrics = measure_epoch(
        h.swaps, h.liquidity, initial_tick=0, start=105, end=200, token=PoolToken.TOKEN0, exclude=[SPONSOR]
    )
    # Alice: [105, 150) x 1000; Bob: [120, 200) x 500; the sponsor's position does not count
    assert metrics.liquidity_seconds == {ALICE: 45 * 1000, BOB: 80 * 500}
    assert metrics.volume == {CAROL: 20}


def test_liquidity_records_of_one_block_take_effect_together():
    h = History()
    h.at(10).change(ALICE, 1, -10, 10, 7)
    h.swap(BOB, 1, -1, 50)  # same block: Alice's position was in range for zero seconds
    h.at(20).swap(BOB, -1, 1, 0)
    h.at(30)
    assert liquidity_seconds(h.swaps, h.liquidity, initial_tick=0, start=0, end=40) == {ALICE: 20 * 7}


def test_a_transfer_moves_the_liquidity_to_the_new_owner():
    h = History()
    h.at(0).change(ALICE, 77, -60, 60, 10)
    h.at(30).change(BOB, 77, -60, 60, 0)  # the NFT changes hands
    h.at(40).change(BOB, 77, -60, 60, -4)
    assert liquidity_seconds(h.swaps, h.liquidity, initial_tick=0, start=0, end=50) == {ALICE: 300, BOB: 100 + 60}


def test_volume_by_hand_with_exclusions_and_wash_trades():
    h = History()
    h.at(50).swap(ALICE, 5, -4, 0)  # before the window
    h.at(90).change(BOB, 1, 100, 200, 10**9)  # Bob's position, above the price
    h.at(100).swap(ALICE, 1000, -990, -5)  # counted: token1 side is 990
    counted = h.swap(BOB, -30, 31, 0)  # counted: path [-5, 0] does not reach Bob's range
    crossing = h.at(110).swap(BOB, -300, 301, 150)  # wash: the path climbs into Bob's own range
    inside = h.at(120).swap(BOB, 20, -19, 140)  # wash: Bob is in range where the swap starts
    h.swap(SPONSOR, 7, -7, 139)  # the sponsor never counts
    h.at(130).change(BOB, 1, 100, 200, -(10**9))  # Bob leaves
    h.swap(BOB, -2, 3, 141)  # counted: Bob holds nothing any more
    h.swap(ALICE, 40, -41, 130)  # counted: Alice holds no position
    h.at(200).swap(ALICE, 1, -1, 130)  # at the end: outside [start, end)
    metrics = measure_epoch(
        h.swaps, h.liquidity, initial_tick=0, start=100, end=200, token=PoolToken.TOKEN1, exclude=[SPONSOR.lower()]
    )
    assert metrics.volume == {ALICE: 990 + 41, BOB: abs(counted.amount1) + 3}
    assert metrics.wash_trades == (crossing, inside)
    token0 = swap_volume(h.swaps, h.liquidity, initial_tick=0, start=100, end=200, token=PoolToken.TOKEN0)
    assert token0 == {ALICE: 1000 + 40, BOB: 30 + 2, SPONSOR: 7}


def test_records_are_canonical_and_checked():
    record = SwapRecord(1, 1, 0, ALICE.lower(), 1, -1, 0)
    assert record.trader == ALICE
    with pytest.raises(ValueError, match="tick_lower"):
        LiquidityRecord(1, 1, 0, ALICE, 1, 10, 10, 5)
    with pytest.raises(ValueError, match="outside"):
        SwapRecord(1, 1, 0, ALICE, 1, -1, 900_000)
    with pytest.raises(ValueError, match="must be an int"):
        SwapRecord(1, 1, 0, ALICE, True, -1, 0)
    with pytest.raises(ValueError, match="checksum"):
        SwapRecord(1, 1, 0, "0x" + "Ab" * 20, 1, -1, 0)


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ([SwapRecord(5, 10, 1, ALICE, 1, -1, 0), LiquidityRecord(5, 10, 1, BOB, 1, -5, 5, 1)], "two records"),
        ([SwapRecord(5, 10, 1, ALICE, 1, -1, 0), SwapRecord(6, 9, 0, ALICE, 1, -1, 0)], "goes back"),
        ([LiquidityRecord(5, 10, 1, BOB, 1, -5, 5, -1)], "liquidity -1"),
        ([LiquidityRecord(5, 10, 1, BOB, 1, -5, 5, 1), LiquidityRecord(6, 10, 1, BOB, 1, -5, 6, 1)], "not \\[-5, 6\\)"),
    ],
)
def test_inconsistent_histories_are_refused(records, message):
    swaps = [r for r in records if isinstance(r, SwapRecord)]
    liquidity = [r for r in records if isinstance(r, LiquidityRecord)]
    with pytest.raises(ValueError, match=message):
        measure_epoch(swaps, liquidity, initial_tick=0, start=0, end=100, token=PoolToken.TOKEN0)


# --- brute force: the state replayed from scratch for every second, and before every swap

ACCOUNTS = [ALICE, BOB, CAROL, SPONSOR]


@st.composite
def histories(draw):
    ranges = {}
    for position in range(draw(st.integers(1, 5))):
        lower = draw(st.integers(-40, 39))
        ranges[position] = (lower, draw(st.integers(lower + 1, 40)))
    owners, held = {}, defaultdict(int)
    swaps, liquidity = [], []
    block, timestamp = 0, draw(st.integers(0, 20))
    for _ in range(draw(st.integers(0, 30))):
        block += 1
        timestamp += draw(st.sampled_from([0, 0, 1, 3, 7, 15]))  # blocks may share a timestamp
        for log in range(draw(st.integers(1, 3))):
            if draw(st.booleans()):
                trader = draw(st.sampled_from(ACCOUNTS))
                amounts = draw(st.tuples(st.integers(-(10**6), 10**6), st.integers(-(10**6), 10**6)))
                swaps.append(SwapRecord(block, timestamp, log, trader, *amounts, draw(st.integers(-45, 45))))
                continue
            position = draw(st.sampled_from(sorted(ranges)))
            owner = owners.get(position) or draw(st.sampled_from(ACCOUNTS))
            kind = draw(st.sampled_from(["add", "add", "remove", "transfer"]))
            if kind == "transfer":
                owner, delta = draw(st.sampled_from(ACCOUNTS)), 0
            elif kind == "remove":
                delta = -draw(st.integers(0, held[position]))
            else:
                delta = draw(st.integers(1, 10**4))
            owners[position], held[position] = owner, held[position] + delta
            liquidity.append(LiquidityRecord(block, timestamp, log, owner, position, *ranges[position], delta))
    initial_tick = draw(st.integers(-45, 45))
    start = draw(st.integers(0, timestamp + 10))
    end = draw(st.integers(start + 1, timestamp + 30))
    return swaps, liquidity, initial_tick, start, end


def _replay(records, initial_tick):
    """(tick, {position: [owner, lower, upper, liquidity]}) after ``records``."""
    tick, positions = initial_tick, {}
    for record in records:
        if isinstance(record, SwapRecord):
            tick = record.tick_after
        else:
            position = positions.setdefault(record.position_id, [None, record.tick_lower, record.tick_upper, 0])
            position[0] = record.owner
            position[3] += record.liquidity_delta
    return tick, positions


def brute_liquidity_seconds(swaps, liquidity, initial_tick, start, end, excluded):
    records = sorted(swaps + liquidity, key=lambda r: (r.block, r.log_index))
    totals = defaultdict(int)
    for second in range(start, end):
        tick, positions = _replay([r for r in records if r.timestamp <= second], initial_tick)
        for owner, lower, upper, amount in positions.values():
            if lower <= tick < upper and owner not in excluded:
                totals[owner] += amount
    return {owner: value for owner, value in totals.items() if value}


def brute_volume(swaps, liquidity, initial_tick, start, end, excluded, token):
    records = sorted(swaps + liquidity, key=lambda r: (r.block, r.log_index))
    volume, wash = defaultdict(int), []
    for i, record in enumerate(records):
        if not isinstance(record, SwapRecord) or not start <= record.timestamp < end or record.trader in excluded:
            continue
        tick, positions = _replay(records[:i], initial_tick)
        low, high = min(tick, record.tick_after), max(tick, record.tick_after)
        if any(
            owner == record.trader and amount > 0 and lower <= high and upper > low
            for owner, lower, upper, amount in positions.values()
        ):
            wash.append(record)
        else:
            volume[record.trader] += abs(record.amount1 if token else record.amount0)
    return {trader: value for trader, value in volume.items() if value}, tuple(wash)


@PURE_SETTINGS
@given(history=histories(), token=st.sampled_from(PoolToken), excluded=st.sets(st.sampled_from(ACCOUNTS), max_size=2))
def test_metrics_match_a_second_by_second_brute_force(history, token, excluded):
    swaps, liquidity, initial_tick, start, end = history
    metrics = measure_epoch(
        swaps, liquidity, initial_tick=initial_tick, start=start, end=end, token=token, exclude=excluded
    )
    assert metrics.liquidity_seconds == brute_liquidity_seconds(swaps, liquidity, initial_tick, start, end, excluded)
    volume, wash = brute_volume(swaps, liquidity, initial_tick, start, end, excluded, token)
    assert metrics.volume == volume
    assert metrics.wash_trades == wash
    assert not excluded & (metrics.volume.keys() | metrics.liquidity_seconds.keys())
    assert all(value > 0 for value in (*metrics.volume.values(), *metrics.liquidity_seconds.values()))
