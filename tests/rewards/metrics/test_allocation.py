"""Pro-rata allocation, the epoch budget with carry-over, cumulative amounts, and the facet's schedule."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keepers.rewards.metrics import allocate, count_epochs, cumulative, epoch_budget, epoch_window
from tests.rewards.metrics.conftest import PURE_SETTINGS

ACCOUNTS = st.sampled_from([f"0x{i:040x}" for i in range(1, 12)])
CONTRIBUTIONS = st.dictionaries(ACCOUNTS, st.integers(0, 2**200), max_size=11)


def test_allocation_by_hand():
    assert allocate(100, {"a": 1, "b": 1, "c": 1}) == {"a": 33, "b": 33, "c": 33}  # 1 wei of dust
    assert allocate(10, {"a": 3, "b": 7}) == {"a": 3, "b": 7}
    assert allocate(10, {"a": 1, "b": 1000}) == {"b": 9}  # a's share floors to zero: left out
    assert allocate(0, {"a": 5}) == {} and allocate(100, {"a": 0}) == {} and allocate(100, {}) == {}
    with pytest.raises(ValueError, match="negative"):
        allocate(100, {"a": -1, "b": 2})
    with pytest.raises(ValueError, match="negative"):
        allocate(-1, {"a": 1})


def test_three_epochs_by_hand():
    funded, allocated = 100, 0
    budget = epoch_budget(funded, 1, 3, allocated)
    assert budget == 33
    allocated += sum(allocate(budget, {"a": 1, "b": 1}).values())  # 16 + 16: 1 wei carried
    assert allocated == 32
    budget = epoch_budget(funded, 2, 3, allocated)
    assert budget == 34  # 68 left over 2 epochs
    allocated += sum(allocate(budget, {}).values())  # nobody contributed: all of it carried
    assert epoch_budget(funded, 3, 3, allocated) == 68  # the last epoch may take everything left
    with pytest.raises(ValueError):
        epoch_budget(funded, 4, 3, allocated)
    with pytest.raises(ValueError):
        epoch_budget(funded, 1, 3, 101)


def test_the_facets_schedule():
    assert count_epochs(1000, 1250, 100) == 3
    assert [epoch_window(1000, 1250, 100, e) for e in (1, 2, 3)] == [(1000, 1100), (1100, 1200), (1200, 1250)]
    assert count_epochs(0, 300, 100) == 3 and epoch_window(0, 300, 100, 3) == (200, 300)
    with pytest.raises(ValueError):
        epoch_window(0, 300, 100, 4)
    with pytest.raises(ValueError):
        count_epochs(10, 10, 1)


@PURE_SETTINGS
@given(budget=st.integers(0, 2**256 - 1), contributions=CONTRIBUTIONS)
def test_allocations_never_exceed_the_budget_and_are_pro_rata_within_one_wei(budget, contributions):
    shares = allocate(budget, contributions)
    total = sum(contributions.values())
    assert sum(shares.values()) <= budget
    for account, amount in contributions.items():
        share = shares.get(account, 0)
        assert share * total <= budget * amount < (share + 1) * total  # floor of the exact share
    contributors = sum(1 for amount in contributions.values() if amount)
    if total:
        assert budget - sum(shares.values()) < max(contributors, 1)
    assert all(share > 0 for share in shares.values())


@PURE_SETTINGS
@given(funded=st.integers(0, 10**30), epochs=st.lists(CONTRIBUTIONS, min_size=1, max_size=12))
def test_a_whole_campaign_allocates_the_funding_less_dust_and_never_more(funded, epochs):
    amounts: dict[str, int] = {}
    allocated = 0
    for epoch, contributions in enumerate(epochs, start=1):
        budget = epoch_budget(funded, epoch, len(epochs), allocated)
        shares = allocate(budget, contributions)
        before = dict(amounts)
        amounts = cumulative(amounts, shares)
        allocated += sum(shares.values())
        assert allocated == sum(amounts.values()) <= funded
        assert all(amounts[account] >= amount for account, amount in before.items())
    last = epochs[-1]
    if sum(last.values()):
        assert funded - allocated < sum(1 for amount in last.values() if amount)


@PURE_SETTINGS
@given(previous=CONTRIBUTIONS, allocation=CONTRIBUTIONS)
def test_cumulative_amounts_add_up_and_never_decrease(previous, allocation):
    result = cumulative(previous, allocation)
    assert result.keys() == previous.keys() | allocation.keys()
    for account, amount in result.items():
        assert amount == previous.get(account, 0) + allocation.get(account, 0) >= previous.get(account, 0)
    with pytest.raises(ValueError, match="negative"):
        cumulative(previous, {"0x" + "00" * 19 + "01": -1})
