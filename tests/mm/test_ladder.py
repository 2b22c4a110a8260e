"""The ladder is drawn from its ranges, around the reference, within the budget, with the exact
amounts the pool will take; it is laid again only once the reference leaves its band."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keepers.markets.uniswap_v3.liquidity_amounts import liquidity_for_amounts, position_amounts
from keepers.markets.uniswap_v3.tick_math import get_sqrt_ratio_at_tick
from keepers.mm.ladder import LadderParams, draw_ladder, off_centre

SPACING = 60


@settings(max_examples=200, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    tick=st.integers(-200_000, 200_000),
    budget0=st.integers(0, 10**24),
    budget1=st.integers(0, 10**24),
)
def test_a_ladder_is_drawn_from_its_ranges_within_the_budget(seed, tick, budget0, budget1):
    params = LadderParams()
    sqrt_price = get_sqrt_ratio_at_tick(tick)
    ladder = draw_ladder(random.Random(seed), params, tick, SPACING, sqrt_price, tick, budget0, budget1)
    assert len(ladder.rungs) <= params.rungs[1]
    spent0, spent1 = ladder.amounts
    assert spent0 <= budget0 and spent1 <= budget1
    for rung in ladder.rungs:
        assert rung.lower % SPACING == 0 and rung.upper % SPACING == 0 and rung.lower < rung.upper
        half = (rung.upper - rung.lower) // SPACING / 2
        assert params.half_width[0] <= half <= params.half_width[1]
        middle = (rung.upper + rung.lower) / 2 / SPACING
        assert abs(middle - tick // SPACING) <= params.max_offset
        assert rung.liquidity > 0
        assert (rung.amount0, rung.amount1) == position_amounts(
            sqrt_price, tick, rung.lower, rung.upper, rung.liquidity, round_up=True
        )


def test_the_same_seed_lays_the_same_ladder_and_another_seed_another():
    draw = lambda seed: draw_ladder(random.Random(seed), LadderParams(), 0, SPACING, 2**96, 0, 10**21, 10**21)  # noqa: E731
    assert draw(1) == draw(1)
    assert draw(1) != draw(2)


def test_liquidity_for_amounts_is_the_least_of_both_sides_inside_the_range():
    lower, upper = get_sqrt_ratio_at_tick(-600), get_sqrt_ratio_at_tick(600)
    both = liquidity_for_amounts(2**96, lower, upper, 10**18, 10**18)
    assert both == min(
        liquidity_for_amounts(2**96, lower, upper, 10**18, 10**30),
        liquidity_for_amounts(2**96, lower, upper, 10**30, 10**18),
    )
    assert liquidity_for_amounts(lower - 1, lower, upper, 10**18, 0) > 0  # below: token0 only
    assert liquidity_for_amounts(upper, lower, upper, 0, 10**18) > 0  # above: token1 only


def test_the_ladder_is_laid_again_only_past_its_band():
    params = LadderParams(recentre_ticks=100)
    ladder = draw_ladder(random.Random(0), params, 1_000, SPACING, 2**96, 0, 10**21, 10**21)
    assert not off_centre(ladder, 1_100, params) and not off_centre(ladder, 900, params)
    assert off_centre(ladder, 1_101, params) and off_centre(ladder, 899, params)


@pytest.mark.parametrize(
    "bad", [{"rungs": (0, 2)}, {"rungs": (3, 2)}, {"half_width": (0, 3)}, {"size_spread": 1.0}, {"recentre_ticks": 0}]
)
def test_nonsense_ranges_are_refused(bad):
    with pytest.raises(ValueError):
        LadderParams(**bad)
