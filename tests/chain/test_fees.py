"""The one fee policy: bids, caps, replacements of at least +10%, and EIP-1559's next base fee."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keepers.chain.errors import FeeCapReached
from keepers.chain.fees import FeePolicy, Fees, next_base_fee
from keepers.config import FeeSettings

GWEI = 10**9


def test_a_bid_is_multiplier_times_base_fee_plus_tip_within_the_caps():
    policy = FeePolicy(base_fee_multiplier=2, priority_fee=GWEI, max_fee_cap=100 * GWEI, priority_fee_cap=5 * GWEI)
    assert policy.fees(10 * GWEI) == Fees(21 * GWEI, GWEI)
    assert policy.fees(60 * GWEI) == Fees(100 * GWEI, GWEI)  # capped, still above the base fee
    assert policy.fees(10 * GWEI, tip=9 * GWEI) == Fees(25 * GWEI, 5 * GWEI)  # tip capped
    with pytest.raises(FeeCapReached, match="above the max fee cap"):
        policy.fees(101 * GWEI)


@given(
    max_fee=st.integers(1, 10**12),
    tip=st.integers(0, 10**11),
    base_fee=st.integers(0, 10**11),
    bump=st.integers(1_000, 5_000),
)
def test_a_replacement_raises_both_fees_by_at_least_the_bump(max_fee, tip, base_fee, bump):
    policy = FeePolicy(max_fee_cap=10**15, priority_fee_cap=10**15, bump_bps=bump)
    tip = min(tip, max_fee)
    bumped = policy.bump(Fees(max_fee, tip), base_fee)
    assert bumped.max_fee * 10_000 >= max_fee * (10_000 + bump) and bumped.max_fee > max_fee
    assert bumped.tip * 10_000 >= tip * (10_000 + bump) and bumped.tip > tip
    assert bumped.max_fee >= policy.base_fee_multiplier * base_fee + bumped.tip


def test_a_replacement_past_a_cap_is_refused_and_bumps_below_ten_percent_are_not_configurable():
    policy = FeePolicy(max_fee_cap=20 * GWEI, priority_fee_cap=2 * GWEI)
    with pytest.raises(FeeCapReached, match="above the caps"):
        policy.bump(Fees(19 * GWEI, GWEI), GWEI)
    with pytest.raises(ValueError, match="10%"):
        FeePolicy(bump_bps=999)
    with pytest.raises(ValueError):
        FeeSettings(bump_bps=500)


def test_from_settings():
    settings = FeeSettings(base_fee_multiplier=3, priority_fee_wei=7, max_fee_cap_wei=9_000, stuck_after_blocks=5)
    policy = FeePolicy.from_settings(settings)
    assert (policy.base_fee_multiplier, policy.priority_fee, policy.max_fee_cap, policy.stuck_after_blocks) == (
        3,
        7,
        9_000,
        5,
    )


def test_next_base_fee_follows_eip_1559():
    assert next_base_fee(10**9, 15_000_000, 30_000_000) == 10**9  # at target
    assert next_base_fee(10**9, 30_000_000, 30_000_000) == 1_125_000_000  # full: +12.5%
    assert next_base_fee(10**9, 0, 30_000_000) == 875_000_000  # empty: -12.5%
    assert next_base_fee(7, 15_000_001, 30_000_000) == 8  # at least +1 above target
