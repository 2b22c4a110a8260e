"""``RewardTree.from_allocations``: what may reach a root, and claims that verify like the facet's check."""

from __future__ import annotations

import pytest
from eth_abi import encode
from eth_utils import keccak, to_checksum_address
from hypothesis import given
from hypothesis import strategies as st

from keepers.rewards.tree import RewardTree, StandardMerkleTree, verify, verify_proof
from tests.rewards.tree.conftest import PURE_SETTINGS, REWARD, oz_trees

A = to_checksum_address("0x" + "a1" * 20)
B = to_checksum_address("0x" + "0b" * 20)
C = to_checksum_address("0x" + "c3" * 20)


def test_the_tree_is_the_librarys_tree_of_the_sorted_checksummed_list():
    allocations = {C.lower(): 3, A: 10**30, B: 2**256 - 1}
    reward = RewardTree.from_allocations(42, allocations)
    values = [["42", B, str(2**256 - 1)], ["42", A, str(10**30)], ["42", C, "3"]]
    [answer] = oz_trees([{"leafEncoding": REWARD, "values": values}])
    assert reward.root == answer["root"]
    assert reward.dump_json() == answer["dump"]
    assert reward.dump() == StandardMerkleTree.of(values, REWARD).dump()
    assert list(reward.amounts) == [B, A, C]
    assert [list(claim.proof) for claim in reward.claims()] == answer["proofs"]


def test_zero_amounts_are_skipped():
    reward = RewardTree.from_allocations(1, {A: 0, B: 5})
    assert len(reward) == 1 and reward.amount(A) == 0 and reward.amount(B.lower()) == 5
    with pytest.raises(KeyError):
        reward.claim(A)


@pytest.mark.parametrize(
    ("campaign", "allocations", "message"),
    [
        (1, {"0x" + "00" * 20: 5}, "zero address"),
        (1, {A: 1, A.lower(): 2}, "appears twice"),
        (1, {A: -1}, "amount"),
        (1, {A: True}, "amount"),
        (1, {A: 2**256}, "amount"),
        (1, {A: 0, B: 0}, "no account has a positive"),
        (1, {}, "no account has a positive"),
        (1, {"0x" + "A1" * 19 + "a1": 1}, "checksum"),
        (1, {"alice": 1}, "Invalid address"),
        (-1, {A: 1}, "campaign_id"),
        (2**256, {A: 1}, "campaign_id"),
    ],
)
def test_what_must_never_reach_a_root_is_refused(campaign, allocations, message):
    with pytest.raises(ValueError, match=message):
        RewardTree.from_allocations(campaign, allocations)


ALLOCATIONS = st.dictionaries(
    st.integers(1, 2**160 - 1).map(lambda a: to_checksum_address(a.to_bytes(20, "big"))),
    st.integers(0, 2**256 - 1),
    min_size=1,
    max_size=60,
).filter(lambda d: any(d.values()))


@PURE_SETTINGS
@given(campaign=st.integers(0, 2**256 - 1), allocations=ALLOCATIONS)
def test_every_claim_verifies_as_the_facet_would(campaign, allocations):
    reward = RewardTree.from_allocations(campaign, allocations)
    positive = {a: v for a, v in allocations.items() if v}
    assert dict(reward.amounts) == positive
    for account, amount in positive.items():
        claim = reward.claim(account)
        assert (claim.campaign_id, claim.account, claim.cumulative_amount) == (campaign, account, amount)
        leaf = keccak(keccak(encode(REWARD, [campaign, account, amount])))  # LibMerkleRewards.leaf
        assert verify_proof(reward.root, leaf, claim.proof)
        assert verify(reward.root, REWARD, [str(campaign), account, str(amount)], claim.proof)
        inflated = amount + 1 if amount < 2**256 - 1 else amount - 1
        assert not verify_proof(reward.root, keccak(keccak(encode(REWARD, [campaign, account, inflated]))), claim.proof)


def test_a_dump_loads_back_only_if_it_is_canonical():
    reward = RewardTree.from_allocations(9, {A: 1, B: 2, C: 3})
    loaded = RewardTree.load(reward.dump())
    assert loaded.root == reward.root and dict(loaded.amounts) == dict(reward.amounts) and loaded.campaign_id == 9
    lowercase = StandardMerkleTree.of([["9", A.lower(), "1"]], REWARD)
    with pytest.raises(ValueError, match="canonical"):
        RewardTree.load(lowercase.dump())
    two_campaigns = StandardMerkleTree.of([["9", A, "1"], ["8", B, "1"]], REWARD)
    with pytest.raises(ValueError, match="one campaign"):
        RewardTree.load(two_campaigns.dump())
    other = StandardMerkleTree.of([["9", A]], ["uint256", "address"])
    with pytest.raises(ValueError, match="leaf encoding"):
        RewardTree.load(other.dump())
