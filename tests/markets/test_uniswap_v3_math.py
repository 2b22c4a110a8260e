"""Uniswap V3 libraries: the values v3-core's own unit tests pin, and properties against exact rationals."""

from __future__ import annotations

from fractions import Fraction
from math import isqrt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keepers.markets.uniswap_v3.full_math import MAX_UINT256, mul_div, mul_div_rounding_up
from keepers.markets.uniswap_v3.liquidity_math import add_delta
from keepers.markets.uniswap_v3.sqrt_price_math import (
    get_amount0_delta,
    get_amount1_delta,
    get_next_sqrt_price_from_input,
    get_next_sqrt_price_from_output,
)
from keepers.markets.uniswap_v3.swap_math import compute_swap_step
from keepers.markets.uniswap_v3.tick_bitmap import bitmap_words, next_initialized_tick_within_one_word, position
from keepers.markets.uniswap_v3.tick_math import MAX_SQRT_RATIO, MIN_SQRT_RATIO
from tests.markets.conftest import PURE_SETTINGS

Q96 = 2**96
E18 = 10**18
UINT256 = st.integers(0, MAX_UINT256)


def encode_price_sqrt(reserve1: int, reserve0: int) -> int:
    """v3-core's test helper: sqrt(reserve1 / reserve0) as a Q64.96, rounded down."""
    return isqrt(reserve1 * 2**192 // reserve0)


# --- FullMath -------------------------------------------------------------------------------


@PURE_SETTINGS
@given(a=UINT256, b=UINT256, d=st.integers(1, MAX_UINT256))
def test_mul_div_is_floor_and_ceil_of_the_exact_quotient(a, b, d):
    exact = Fraction(a * b, d)
    if exact > MAX_UINT256:
        with pytest.raises(ValueError):
            mul_div(a, b, d)
        return
    assert mul_div(a, b, d) == exact.numerator // exact.denominator
    ceil = -(-exact.numerator // exact.denominator)
    if ceil > MAX_UINT256:
        with pytest.raises(ValueError):
            mul_div_rounding_up(a, b, d)
    else:
        assert mul_div_rounding_up(a, b, d) == ceil


def test_full_math_reverts_like_the_library():
    with pytest.raises(ValueError):
        mul_div(Q96, 5, 0)
    with pytest.raises(ValueError):
        mul_div(MAX_UINT256, MAX_UINT256, MAX_UINT256 - 1)
    assert mul_div(MAX_UINT256, MAX_UINT256, MAX_UINT256) == MAX_UINT256
    with pytest.raises(ValueError):  # floor fits, the ceiling does not
        mul_div_rounding_up(535006138814359, 432862656469423142931042426214547535783388063929571229938474969, 2)


def test_add_delta():
    assert add_delta(1, 0) == 1 and add_delta(1, -1) == 0 and add_delta(1, 1) == 2
    with pytest.raises(ValueError, match="LA"):
        add_delta(2**128 - 15, 15)
    with pytest.raises(ValueError, match="LS"):
        add_delta(0, -1)


# --- SqrtPriceMath: values from v3-core's SqrtPriceMath.spec.ts --------------------------------


def test_next_sqrt_price_from_input_known_values():
    one = encode_price_sqrt(1, 1)
    assert get_next_sqrt_price_from_input(one, E18, E18 // 10, False) == 87150978765690771352898345369
    assert get_next_sqrt_price_from_input(one, E18, E18 // 10, True) == 72025602285694852357767227579
    assert get_next_sqrt_price_from_input(one, 10 * E18, 2**100, True) == 624999999995069620
    assert get_next_sqrt_price_from_input(one, 1, 2**255, True) == 1  # product overflows: the fallback
    assert get_next_sqrt_price_from_input(one, E18 // 10, 0, True) == one
    assert get_next_sqrt_price_from_input(one, E18 // 10, 0, False) == one
    with pytest.raises(ValueError):  # sqrtP + 2^96 overflows uint160
        get_next_sqrt_price_from_input(2**160 - 1, 1024, 1024, False)


def test_next_sqrt_price_from_output_known_values():
    one = encode_price_sqrt(1, 1)
    assert get_next_sqrt_price_from_output(one, E18, E18 // 10, False) == 88031291682515930659493278152
    assert get_next_sqrt_price_from_output(one, E18, E18 // 10, True) == 71305346262837903834189555302
    price, liquidity = 20282409603651670423947251286016, 1024
    assert get_next_sqrt_price_from_output(price, liquidity, 262143, True) == 77371252455336267181195264
    with pytest.raises(ValueError):  # exactly the virtual reserve of token0
        get_next_sqrt_price_from_output(price, liquidity, 4, False)
    with pytest.raises(ValueError):
        get_next_sqrt_price_from_output(price, liquidity, 262144, True)


def test_amount_deltas_known_values():
    one, high = encode_price_sqrt(1, 1), encode_price_sqrt(121, 100)
    assert get_amount0_delta(one, high, E18, True) == 90909090909090910
    assert get_amount0_delta(one, high, E18, False) == 90909090909090909
    assert get_amount1_delta(one, high, E18, True) == 100000000000000000
    assert get_amount1_delta(one, high, E18, False) == 99999999999999999
    assert get_amount0_delta(one, encode_price_sqrt(2, 1), 0, True) == 0
    # the intermediate product overflows 256 bits: FullMath handles it
    low, up = encode_price_sqrt(2**90, 1), encode_price_sqrt(2**96, 1)
    assert get_amount0_delta(low, up, E18, True) == get_amount0_delta(low, up, E18, False) + 1


@PURE_SETTINGS
@given(
    a=st.integers(MIN_SQRT_RATIO, MAX_SQRT_RATIO),
    b=st.integers(MIN_SQRT_RATIO, MAX_SQRT_RATIO),
    liquidity=st.integers(0, 2**128 - 1),
)
def test_amount_deltas_bracket_the_exact_amounts(a, b, liquidity):
    low, high = min(a, b), max(a, b)
    exact0 = Fraction(liquidity * Q96 * (high - low), high * low)
    exact1 = Fraction(liquidity * (high - low), Q96)
    assert get_amount0_delta(a, b, liquidity, False) <= exact0 <= get_amount0_delta(a, b, liquidity, True)
    assert get_amount1_delta(a, b, liquidity, False) <= exact1 <= get_amount1_delta(a, b, liquidity, True)
    assert get_amount1_delta(a, b, liquidity, True) - get_amount1_delta(a, b, liquidity, False) <= 1


# --- SwapMath: cases from v3-core's SwapMath.spec.ts --------------------------------------------


def test_compute_swap_step_known_values():
    one = encode_price_sqrt(1, 1)
    target = encode_price_sqrt(101, 100)
    # exact input capped at the target price
    assert compute_swap_step(one, target, 2 * E18, E18, 600) == (
        target,
        9975124224178055,
        9925619580021728,
        5988667735148,
    )
    # exact output capped at the target price
    assert compute_swap_step(one, target, 2 * E18, -E18, 600) == (
        target,
        9975124224178055,
        9925619580021728,
        5988667735148,
    )
    # exact input fully spent before the target
    nxt, amount_in, amount_out, fee = compute_swap_step(one, encode_price_sqrt(1000, 100), 2 * E18, E18, 600)
    assert (amount_in, amount_out, fee) == (999400000000000000, 666399946655997866, 600000000000000)
    assert amount_in + fee == E18 and nxt == get_next_sqrt_price_from_input(one, 2 * E18, amount_in, False)
    # the entire input taken as fee
    assert compute_swap_step(2413, 79887613182836312, 1985041575832132834610021537970, 10, 1872) == (2413, 0, 0, 10)
    # intermediate insufficient liquidity, exact output
    price = 20282409603651670423947251286016
    assert compute_swap_step(price, price * 11 // 10, 1024, -4, 3000) == (price * 11 // 10, 26215, 0, 79)
    assert compute_swap_step(price, price * 9 // 10, 1024, -263000, 3000) == (price * 9 // 10, 1, 26214, 1)


# --- TickBitmap: the sorted-ticks search equals the word-bitmap search --------------------------


def _msb(x: int) -> int:
    return x.bit_length() - 1


def _lsb(x: int) -> int:
    return (x & -x).bit_length() - 1


def _solidity_next(words: dict[int, int], tick: int, spacing: int, lte: bool) -> tuple[int, bool]:
    """A literal port of nextInitializedTickWithinOneWord over the bitmap words."""
    compressed = int(tick / spacing)  # Solidity division truncates towards zero
    if tick < 0 and tick % spacing != 0:
        compressed -= 1
    if lte:
        word, bit = position(compressed)
        masked = words.get(word, 0) & ((1 << bit) - 1 + (1 << bit))
        if masked:
            return (compressed - (bit - _msb(masked))) * spacing, True
        return (compressed - bit) * spacing, False
    word, bit = position(compressed + 1)
    masked = words.get(word, 0) & ~((1 << bit) - 1) & (2**256 - 1)
    if masked:
        return (compressed + 1 + (_lsb(masked) - bit)) * spacing, True
    return (compressed + 1 + (255 - bit)) * spacing, False


@PURE_SETTINGS
@given(
    spacing=st.sampled_from([1, 10, 60, 200]),
    compressed=st.sets(st.integers(-1200, 1200), max_size=12),
    tick_offset=st.integers(-1300 * 200, 1300 * 200),
    lte=st.booleans(),
)
def test_sorted_tick_search_equals_the_bitmap_search(spacing, compressed, tick_offset, lte):
    initialized = sorted(c * spacing for c in compressed)
    tick = tick_offset if spacing > 1 else tick_offset // 200
    words = bitmap_words(initialized, spacing)
    assert next_initialized_tick_within_one_word(initialized, tick, spacing, lte) == _solidity_next(
        words, tick, spacing, lte
    )
    # and on the initialized ticks themselves, and their neighbours
    for t in initialized[:3]:
        for probe in (t - 1, t, t + 1):
            assert next_initialized_tick_within_one_word(initialized, probe, spacing, lte) == _solidity_next(
                words, probe, spacing, lte
            )


def test_bitmap_words_rejects_unspaced_ticks():
    with pytest.raises(ValueError):
        bitmap_words([61], 60)
