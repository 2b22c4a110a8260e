"""Uniswap V2 math without a chain: the library's formulas, its reverts, and pool states."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keepers.markets.uniswap_v2 import V2Pool, get_amount_in, get_amount_out, get_amounts_out
from tests.markets.conftest import PURE_SETTINGS

RESERVES = st.integers(1, 2**112 - 1)


@PURE_SETTINGS
@given(amount=st.integers(1, 2**100), reserve_in=RESERVES, reserve_out=RESERVES)
def test_thirty_bps_is_the_librarys_997_over_1000(amount, reserve_in, reserve_out):
    with_fee = amount * 997
    expected = with_fee * reserve_out // (reserve_in * 1000 + with_fee)
    assert get_amount_out(amount, reserve_in, reserve_out) == expected


@PURE_SETTINGS
@given(
    reserve_in=st.integers(10**3, 2**112 - 1),
    reserve_out=st.integers(10**3, 2**112 - 1),
    fraction=st.integers(1, 9_999),
    fee_bps=st.sampled_from([0, 5, 25, 30, 100]),
)
def test_get_amount_in_pays_the_output_and_is_least_or_one_above(reserve_in, reserve_out, fraction, fee_bps):
    amount_out = max(1, reserve_out * fraction // 10_000)
    if amount_out >= reserve_out:
        return
    amount_in = get_amount_in(amount_out, reserve_in, reserve_out, fee_bps)
    assert get_amount_out(amount_in, reserve_in, reserve_out, fee_bps) >= amount_out
    if amount_in > 2:
        assert get_amount_out(amount_in - 2, reserve_in, reserve_out, fee_bps) < amount_out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0, 10, 10), "INSUFFICIENT_INPUT_AMOUNT"),
        ((1, 0, 10), "INSUFFICIENT_LIQUIDITY"),
        ((1, 10, 0), "INSUFFICIENT_LIQUIDITY"),
        ((2**200, 2**100, 2**100), "overflow"),
        ((1, 10, 10, 10_000), "fee_bps"),
    ],
)
def test_get_amount_out_reverts_like_the_library(args, message):
    with pytest.raises(ValueError, match=message):
        get_amount_out(*args)


@pytest.mark.parametrize("amount_out", [0, 10, 11])
def test_get_amount_in_reverts_like_the_library(amount_out):
    with pytest.raises(ValueError):
        get_amount_in(amount_out, 10, 10)


def test_get_amounts_out_chains_and_fails_on_a_zero_hop():
    assert get_amounts_out(10**18, [(10**21, 2 * 10**24), (2 * 10**24, 10**21)]) == [
        10**18,
        get_amount_out(10**18, 10**21, 2 * 10**24),
        get_amount_out(get_amount_out(10**18, 10**21, 2 * 10**24), 2 * 10**24, 10**21),
    ]
    with pytest.raises(ValueError):  # 1 wei buys nothing, and nothing cannot be swapped again
        get_amounts_out(1, [(10**21, 10**3), (10**3, 10**21)])


@PURE_SETTINGS
@given(reserve0=RESERVES, reserve1=RESERVES, amount=st.integers(1, 2**100), zero_for_one=st.booleans())
def test_pool_swaps_move_reserves_and_never_lower_k(reserve0, reserve1, amount, zero_for_one):
    pool = V2Pool("pair", "T0", "T1", reserve0, reserve1)
    token_in = "T0" if zero_for_one else "T1"
    try:
        out = pool.amount_out(token_in, amount)
    except ValueError:
        return
    after = pool.with_swap(token_in, amount)
    if zero_for_one:
        assert (after.reserve0, after.reserve1) == (reserve0 + amount, reserve1 - out)
    else:
        assert (after.reserve0, after.reserve1) == (reserve0 - out, reserve1 + amount)
    assert after.reserve0 * after.reserve1 >= reserve0 * reserve1
    assert pool.with_reserves(after.reserve0, after.reserve1) == after
    with pytest.raises(ValueError):
        pool.amount_out("T2", amount)
