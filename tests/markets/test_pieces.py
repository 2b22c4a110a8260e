"""Randomized pieces: exact sums, sizes within [floor, cap] but for the documented remainder, the same
split for the same seed, and pieces dealt to wallets only within their room."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keepers.markets.pieces import PieceSizes, Room, assign, split
from tests.markets.conftest import PURE_SETTINGS

DISTRIBUTIONS = st.sampled_from(["uniform", "loguniform", "lognormal"])


@st.composite
def piece_sizes(draw) -> PieceSizes:
    floor = draw(st.integers(1, 10**20))
    cap = floor + draw(st.one_of(st.integers(0, floor * 3), st.integers(0, 10**24)))
    return PieceSizes(floor, cap, draw(DISTRIBUTIONS), draw(st.floats(0.1, 2.0)))


def totals(sizes: PieceSizes):
    """From below the floor to a few hundred pieces' worth."""
    return st.integers(0, sizes.cap * 300)


@PURE_SETTINGS
@given(data=st.data(), sizes=piece_sizes(), seed=st.integers(0, 2**32))
def test_pieces_sum_to_the_total_within_their_bounds(data, sizes, seed):
    total = data.draw(totals(sizes))
    pieces = split(total, sizes, random.Random(seed))
    assert sum(pieces) == total and all(piece > 0 for piece in pieces)
    assert split(total, sizes, random.Random(seed)) == pieces  # the seed decides everything
    outside = [i for i, piece in enumerate(pieces) if not sizes.floor <= piece <= sizes.cap]
    if total < sizes.floor:
        assert pieces == ([total] if total else [])
    elif sizes.cap >= 2 * sizes.floor:
        assert outside == []
    else:  # the remainder rule: at most the last piece, and only below the floor
        assert outside in ([], [len(pieces) - 1])
        assert all(pieces[i] < sizes.floor for i in outside)


@settings(PURE_SETTINGS, max_examples=40)
@given(sizes=piece_sizes(), seed=st.integers(0, 2**32))
def test_draws_stay_within_bounds(sizes, seed):
    rng = random.Random(seed)
    assert all(sizes.floor <= sizes.draw(rng) <= sizes.cap for _ in range(50))


def test_the_distribution_shapes_the_sizes():
    rng = random.Random(5)
    uniform = [PieceSizes(1, 1000, "uniform").draw(rng) for _ in range(4000)]
    lognormal = [PieceSizes(1, 1000, "lognormal", sigma=0.5).draw(rng) for _ in range(4000)]
    assert 450 < sorted(uniform)[2000] < 550  # median in the middle of [1, 1000]
    assert 25 < sorted(lognormal)[2000] < 38  # median at the geometric mean, ~31.6
    wide = [PieceSizes(10**15, 10**21).draw(rng) for _ in range(1000)]
    assert len(set(wide)) == 1000  # natural-looking amounts, not a few round sizes
    with pytest.raises(ValueError):
        PieceSizes(10, 5)
    with pytest.raises(ValueError):
        PieceSizes(1, 5, "normal")  # type: ignore[arg-type]


def test_the_remainder_when_the_bounds_cannot_make_the_total():
    pieces = split(17, PieceSizes(10, 15, "uniform"), random.Random(1))
    assert sum(pieces) == 17 and pieces[-1] < 10 and all(10 <= p <= 15 for p in pieces[:-1])
    assert split(7, PieceSizes(10, 15), random.Random(1)) == [7]


ROOMS = st.lists(st.builds(Room, st.integers(0, 6), st.integers(0, 10**6)), min_size=1, max_size=12)


@PURE_SETTINGS
@given(
    pieces=st.lists(st.integers(1, 10**5), max_size=60),
    rooms=ROOMS,
    mode=st.sampled_from(["round_robin", "random"]),
    seed=st.integers(0, 2**32),
)
def test_assignment_respects_each_wallets_room(pieces, rooms, mode, seed):
    dealt, left_over = assign(pieces, rooms, random.Random(seed), mode)
    assert (dealt, left_over) == assign(pieces, rooms, random.Random(seed), mode)
    placed = sorted(i for indices in dealt for i in indices)
    assert sorted(placed + left_over) == list(range(len(pieces)))  # each piece once
    for indices, room in zip(dealt, rooms, strict=True):
        assert len(indices) <= room.pieces and sum(pieces[i] for i in indices) <= room.amount
    # a piece is left over only when no wallet had room for it at its turn
    for index in left_over:
        for indices, room in zip(dealt, rooms, strict=True):
            before = [i for i in indices if i < index]
            assert len(before) >= room.pieces or room.amount - sum(pieces[i] for i in before) < pieces[index]


def test_round_robin_spreads_evenly_and_random_uses_every_wallet():
    pieces = [100] * 50
    rooms = [Room(100, 10**9)] * 10
    dealt, left_over = assign(pieces, rooms, random.Random(3))
    assert left_over == [] and {len(indices) for indices in dealt} == {5}
    dealt, _ = assign(pieces, rooms, random.Random(3), "random")
    assert all(dealt) and Counter(map(len, dealt)) != Counter({5: 10})
    assert assign([5], [], random.Random(1)) == ([], [0])
