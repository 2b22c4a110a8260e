"""Spot price math is exact."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keepers.markets.spot import human_price, v2_spot, v3_spot, weighted_spot
from keepers.world.deploy import sqrt_price_x96

amounts = st.integers(min_value=10**6, max_value=10**30)


@given(amounts, amounts)
def test_v3_spot_of_an_encoded_price_is_within_one_ulp_of_it(amount0, amount1):
    sqrt_p = sqrt_price_x96(amount0, amount1)
    target = Fraction(amount1, amount0)
    assert v3_spot(sqrt_p, True) <= target < v3_spot(sqrt_p + 1, True)
    assert v3_spot(sqrt_p, False) == 1 / v3_spot(sqrt_p, True)


def test_v2_and_weighted_spot():
    assert v2_spot(10**18, 2000 * 10**6) == Fraction(2000 * 10**6, 10**18)
    assert human_price(v2_spot(10**18, 2000 * 10**6), 18, 6) == 2000
    # 50/25 weights: half the value on each side of a 2:1 weight split.
    assert weighted_spot(500 * 10**18, 5 * 10**17, 500_000 * 10**18, 25 * 10**16) == 2000


@pytest.mark.parametrize("call", [lambda: v2_spot(0, 1), lambda: v3_spot(0, True), lambda: weighted_spot(1, 0, 1, 1)])
def test_degenerate_inputs_are_refused(call):
    with pytest.raises(ValueError):
        call()
