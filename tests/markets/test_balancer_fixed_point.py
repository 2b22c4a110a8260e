"""Balancer's FixedPoint and LogExpMath: edge values, the library's refusals, and the error bound
``pow_down``/``pow_up`` rely on, against x^y taken with 60 significant digits.

Pure (no chain): ``.venv/bin/python -m pytest -p no:ape_test --noconftest tests/markets/test_balancer_fixed_point.py``.
The chain comparison of the whole swap is ``test_balancer_weighted.py``.
"""

from __future__ import annotations

from decimal import Context, Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keepers.markets.balancer_fixed_point import (
    LN_36_LOWER_BOUND,
    LN_36_UPPER_BOUND,
    MAX_NATURAL_EXPONENT,
    MAX_UINT256,
    MILD_EXPONENT_BOUND,
    MIN_NATURAL_EXPONENT,
    ONE,
    BalancerError,
    _sdiv,
    _smod,
    add,
    complement,
    div_down,
    div_up,
    exp,
    mul_down,
    mul_up,
    pow_,
    pow_down,
    pow_up,
    sub,
)
from keepers.markets.balancer_weighted import MAX_IN_RATIO_CODE, RatioError, WeightedPool

PURE = settings(max_examples=300, deadline=None, derandomize=True, database=None)
PRECISE = Context(prec=60)


def _true_pow(x: int, y: int) -> Decimal:
    """x^y of 18-decimal x and y, in 18-decimal units, to 60 significant digits."""
    base = PRECISE.divide(Decimal(x), Decimal(ONE))
    exponent = PRECISE.divide(Decimal(y), Decimal(ONE))
    return PRECISE.multiply(PRECISE.exp(PRECISE.multiply(PRECISE.ln(base), exponent)), Decimal(ONE))


def test_mul_and_div_round_each_way():
    assert (mul_down(1, 1), mul_up(1, 1)) == (0, 1)
    assert (mul_down(ONE, 7), mul_up(ONE, 7)) == (7, 7)
    assert (mul_up(0, 5), div_up(0, 5), div_down(0, 5)) == (0, 0, 0)
    assert (div_down(1, 3 * ONE), div_up(1, 3 * ONE)) == (0, 1)
    assert (div_down(2 * ONE, 3 * ONE), div_up(2 * ONE, 3 * ONE)) == (666666666666666666, 666666666666666667)


def test_complement_floors_at_zero():
    assert (complement(0), complement(ONE // 4), complement(ONE), complement(ONE + 1)) == (ONE, 3 * ONE // 4, 0, 0)


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda: add(MAX_UINT256, 1), "BAL#000"),
        (lambda: sub(1, 2), "BAL#001"),
        (lambda: mul_down(2**128, 2**128), "BAL#003"),
        (lambda: mul_up(2**200, 2**60), "BAL#003"),
        (lambda: div_down(1, 0), "BAL#004"),
        (lambda: div_up(0, 0), "BAL#004"),
        (lambda: div_down(2**200, 1), "BAL#006"),
        (lambda: pow_(2**255, ONE), "BAL#007"),
        (lambda: pow_(ONE, MILD_EXPONENT_BOUND), "BAL#008"),
        (lambda: pow_(10**30, 10 * ONE), "BAL#009"),  # ln(1e12) * 10 > 130
        (lambda: pow_(1, ONE), "BAL#009"),  # ln(1e-18) < -41
        (lambda: exp(MAX_NATURAL_EXPONENT + 1), "BAL#010"),
        (lambda: exp(MIN_NATURAL_EXPONENT - 1), "BAL#010"),
    ],
)
def test_refusals_carry_the_contracts_codes(call, code):
    with pytest.raises(BalancerError, match=code) as refused:
        call()
    assert isinstance(refused.value, ValueError) and refused.value.reason == code


def test_pow_of_zero_exponent_and_zero_base():
    assert (pow_(0, 0), pow_(12345, 0), pow_(0, ONE)) == (ONE, ONE, 0)


def test_pow_of_a_tiny_result_rounds_to_zero_down_and_widens_up():
    # (1.3e-9)^2 = 1.69e-18: one wei, which the error bound (one wei) swallows.
    assert (pow_(1_300_000_000, 2 * ONE), pow_down(1_300_000_000, 2 * ONE), pow_up(1_300_000_000, 2 * ONE)) == (1, 0, 3)


def test_exp_of_zero_and_its_bounds():
    assert exp(0) == ONE
    assert exp(MAX_NATURAL_EXPONENT) > 0 and exp(MIN_NATURAL_EXPONENT) > 0


def test_solidity_division_truncates_toward_zero():
    assert (_sdiv(-7, 2), _sdiv(7, -2), _sdiv(-7, -2), _sdiv(7, 2)) == (-3, -3, 3, 3)
    assert (_smod(-7, 2), _smod(7, -2), _smod(-7, -2)) == (-1, 1, -1)


# Bases and exponents a weighted pool's swaps take: balance ratios within 30% either way, weight
# ratios from 1/99 to 99 (weights of 1% to 99%); the ln_36 band's edges on both sides.
BASES = st.one_of(
    st.integers(7 * 10**17, 15 * 10**17),
    st.sampled_from([LN_36_LOWER_BOUND, LN_36_LOWER_BOUND + 1, LN_36_UPPER_BOUND - 1, LN_36_UPPER_BOUND, ONE]),
)
EXPONENTS = st.integers(ONE // 99, 99 * ONE)


@PURE
@given(x=BASES, y=EXPONENTS)
def test_pow_down_and_pow_up_bracket_the_true_power(x, y):
    """The premise of every rounding in WeightedMath: powUp never understates x^y, powDown never overstates it."""
    true = _true_pow(x, y)
    assert Decimal(pow_down(x, y)) <= true <= Decimal(pow_up(x, y))


@PURE
@given(x=st.integers(LN_36_LOWER_BOUND + 1, LN_36_UPPER_BOUND - 1), y=st.integers(1, 4 * ONE))
def test_pow_near_one_is_within_the_relative_error(x, y):
    """The 36-decimal ln keeps small powers near 1 within 1e-14 (plus a wei)."""
    true = _true_pow(x, y)
    assert abs(Decimal(pow_(x, y)) - true) <= true * Decimal("1e-14") + 1


def _pool(balances=(500 * ONE, 500_000 * ONE, 500_000 * 10**6)) -> WeightedPool:
    return WeightedPool(
        address="pool",
        pool_id=bytes(32),
        tokens=("A", "B", "C"),
        balances=balances,
        weights=(ONE // 2, ONE // 4, ONE // 4),
        scaling_factors=(1, 1, 10**12),
        swap_fee=3 * 10**15,
    )


def test_spot_price_and_marginal_rate_are_exact_fractions():
    pool = _pool()
    # (500_000e6 / 0.25) / (500e18 / 0.5) = 2e-9 units of C (6 decimals) per wei of A.
    assert pool.spot_price("A", "C") == Fraction(2, 10**9)
    assert pool.marginal_rate("A", "C") == Fraction(2, 10**9) * Fraction(997, 1000)


@PURE
@given(tokens=st.permutations(("A", "B", "C")), amount=st.integers(1, 10**26))
def test_no_output_beats_the_marginal_rate(tokens, amount):
    token_in, token_out, _ = tokens
    pool = _pool()
    try:
        out = pool.amount_out(token_in, token_out, amount)
    except RatioError as refused:
        assert refused.code == MAX_IN_RATIO_CODE
        return
    assert out <= amount * pool.marginal_rate(token_in, token_out)


def test_a_pool_refuses_foreign_and_same_tokens_and_nonpositive_amounts():
    pool = _pool()
    for call in (
        lambda: pool.amount_out("A", "Z", 1),
        lambda: pool.amount_out("A", "A", 1),
        lambda: pool.amount_out("A", "B", 0),
        lambda: pool.amount_in("A", "B", 0),
    ):
        with pytest.raises(ValueError):
            call()


def test_with_swap_keeps_the_whole_input_and_pays_the_output():
    pool = _pool()
    out = pool.amount_out("A", "C", ONE)
    moved = pool.with_swap("A", "C", ONE)
    assert moved.balances == (pool.balances[0] + ONE, pool.balances[1], pool.balances[2] - out)
