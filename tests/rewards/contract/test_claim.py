"""Claiming against cumulative roots: exact payouts over several epochs, batches, the timelock,
revoked roots, proofs that are not the claimant's, and the caps that hold even when a root's leaves
promise more than it allocates."""

from __future__ import annotations

import pytest
from eth_abi import encode
from eth_utils import keccak

from tests.support import event_args, reverts_with, set_storage_word, storage_word

from .conftest import BOB, CAROL, DAVE, DAY, E18, REWARDS_SLOT, at, create_campaign, now, post, post_claimable, warp
from .merkle import Tree, leaf_hash, process_proof

EPOCH_ENTITLEMENTS = [
    {"alice": 100 * E18, BOB: 50 * E18},
    {"alice": 150 * E18, BOB: 120 * E18, CAROL: 30 * E18},
    {"alice": 200 * E18, BOB: 120 * E18, CAROL: 80 * E18, DAVE: 0},
]


@pytest.fixture
def trees(campaign, alice) -> list[Tree]:
    """The campaign's three cumulative trees; `alice` stands for the account with a key."""
    return [
        Tree(campaign.id, {alice.address if a == "alice" else a: v for a, v in epoch.items()})
        for epoch in EPOCH_ENTITLEMENTS
    ]


def claim(child, tree: Tree, account, sender):
    return child.claim(*tree.claim_args(account), sender=sender)


def test_the_local_tree_is_openzeppelins_standard_tree(campaign, trees):
    # A root computed by @openzeppelin/merkle-tree 1.0.8 (`StandardMerkleTree.of(values, ["uint256",
    # "address", "uint256"]).root`) for these three leaves of campaign 3.
    reference = Tree(3, {"0xa0Ee7A142d267C1f36714E4a8F75612F20a79720": 200 * E18, BOB: 120 * E18, CAROL: 80 * E18})
    assert reference.root.hex() == "0965a8cd425ccbb857ea5d0a67787d42436b3d4014367f9eda8194476f5eb5cd"
    for tree in trees:
        for account in tree.entitlements:
            assert (
                process_proof(tree.proof(account), leaf_hash(campaign.id, account, tree.amount(account))) == tree.root
            )


def test_three_epochs_of_claims_pay_every_account_exactly_its_entitlement(
    chain, child, bot, dai, campaign, trees, alice, stranger
):
    first, second, third = trees
    start = {a: dai.balanceOf(a) for a in (alice.address, BOB, CAROL, DAVE)}
    diamond_start = dai.balanceOf(child)

    post_claimable(chain, child, bot, campaign, 1, first)
    assert child.claim.call(*first.claim_args(alice), sender=alice) == 100 * E18
    receipt = claim(child, first, alice, alice)
    assert event_args(receipt, child.Claimed) == [
        {"campaignId": campaign.id, "account": alice.address, "amount": 100 * E18, "cumulativeAmount": 100 * E18}
    ]
    claim(child, first, BOB, stranger)  # anyone may trigger a claim; the tokens go to the account

    post_claimable(chain, child, bot, campaign, 2, second)
    receipt = claim(child, second, alice, stranger)
    assert event_args(receipt, child.Claimed) == [
        {"campaignId": campaign.id, "account": alice.address, "amount": 50 * E18, "cumulativeAmount": 150 * E18}
    ]

    post_claimable(chain, child, bot, campaign, 3, third)
    for account in (alice, BOB, CAROL):
        claim(child, third, account, stranger)
    with reverts_with(child.NothingToClaim, campaignId=campaign.id, account=DAVE, cumulativeAmount=0, alreadyClaimed=0):
        claim(child, third, DAVE, stranger)

    paid = {a: dai.balanceOf(a) - start[a] for a in start}
    assert paid == {alice.address: 200 * E18, BOB: 120 * E18, CAROL: 80 * E18, DAVE: 0}
    assert {a: child.claimed(campaign.id, a) for a in start} == paid
    assert sum(paid.values()) == third.total == child.campaign(campaign.id).claimed <= campaign.funded
    assert diamond_start - dai.balanceOf(child) == third.total


def test_claim_many_pays_a_batch_and_returns_the_sum(chain, child, bot, dai, campaign, trees, alice, stranger):
    _, second, _ = trees
    post_claimable(chain, child, bot, campaign, 1, trees[0])
    claim(child, trees[0], alice, stranger)  # alice already took 100 of her 150
    post_claimable(chain, child, bot, campaign, 2, second)
    batch = [second.claim_args(a) for a in (alice, BOB, CAROL)]
    before = {a: dai.balanceOf(a) for a in (alice.address, BOB, CAROL)}

    assert child.claimMany.call(batch, sender=stranger) == (50 + 120 + 30) * E18
    receipt = child.claimMany(batch, sender=stranger)

    assert [(log["account"], log["amount"]) for log in event_args(receipt, child.Claimed)] == [
        (alice.address, 50 * E18),
        (BOB, 120 * E18),
        (CAROL, 30 * E18),
    ]
    assert {a: dai.balanceOf(a) - before[a] for a in before} == {
        alice.address: 50 * E18,
        BOB: 120 * E18,
        CAROL: 30 * E18,
    }
    assert child.campaign(campaign.id).claimed == second.total


def test_claim_many_is_all_or_nothing(chain, child, bot, dai, campaign, trees, alice, stranger):
    first = trees[0]
    post_claimable(chain, child, bot, campaign, 1, first)
    bad = (campaign.id, CAROL, 30 * E18, first.proof(BOB))
    with reverts_with(child.InvalidProof, campaignId=campaign.id, account=CAROL, cumulativeAmount=30 * E18):
        child.claimMany([first.claim_args(alice), bad], sender=stranger)
    with reverts_with(
        child.NothingToClaim, campaignId=campaign.id, account=BOB, cumulativeAmount=50 * E18, alreadyClaimed=50 * E18
    ):
        child.claimMany([first.claim_args(BOB), first.claim_args(BOB)], sender=stranger)
    with reverts_with(child.EmptyClaims):
        child.claimMany([], sender=stranger)
    assert child.campaign(campaign.id).claimed == 0
    assert child.claimed(campaign.id, alice) == 0


def test_a_second_claim_of_the_same_root_pays_nothing(chain, child, bot, campaign, trees, alice):
    first = trees[0]
    post_claimable(chain, child, bot, campaign, 1, first)
    claim(child, first, alice, alice)
    with reverts_with(
        child.NothingToClaim,
        campaignId=campaign.id,
        account=alice.address,
        cumulativeAmount=100 * E18,
        alreadyClaimed=100 * E18,
    ):
        claim(child, first, alice, alice)


def test_a_proof_proves_only_its_own_leaf(chain, child, bot, sponsor, dai, pool, campaign, trees, alice, stranger):
    first = trees[0]
    post_claimable(chain, child, bot, campaign, 1, first)
    amount, proof = first.amount(alice), first.proof(alice)
    # Someone else's proof, for that someone's amount.
    with reverts_with(child.InvalidProof, campaignId=campaign.id, account=stranger.address, cumulativeAmount=amount):
        child.claim(campaign.id, stranger, amount, proof, sender=stranger)
    # The account's own proof for more than its leaf.
    with reverts_with(child.InvalidProof, campaignId=campaign.id, account=alice.address, cumulativeAmount=amount + 1):
        child.claim(campaign.id, alice, amount + 1, proof, sender=alice)
    # The same tree posted for another campaign: the leaf binds the campaign id.
    other = create_campaign(child, sponsor, dai, pool, start=now(chain) - 1 - campaign.epoch_length, epochs=2)
    post_claimable(chain, child, bot, other, 1, first)
    with reverts_with(child.InvalidProof, campaignId=other.id, account=alice.address, cumulativeAmount=amount):
        child.claim(other.id, alice, amount, proof, sender=alice)


def test_nothing_is_claimable_before_the_first_timelock_ends(chain, child, bot, campaign, trees, alice):
    first = trees[0]
    at(chain, campaign.epoch_end(1))
    post(child, bot, campaign, 1, first)
    claimable_at = child.epochRoot(campaign.id, 1).claimableAt
    at(chain, claimable_at - 1)
    with reverts_with(child.NoClaimableRoot, campaignId=campaign.id):
        claim(child, first, alice, alice)
    at(chain, claimable_at)
    claim(child, first, alice, alice)


def test_a_pending_root_leaves_claims_on_the_previous_one(chain, child, bot, dai, campaign, trees, alice):
    first, second, _ = trees
    post_claimable(chain, child, bot, campaign, 1, first)
    at(chain, campaign.epoch_end(2))
    post(child, bot, campaign, 2, second)
    epoch, root = child.claimableRoot(campaign.id)
    assert (epoch, root[0]) == (1, first.root)

    with reverts_with(child.InvalidProof, campaignId=campaign.id, account=alice.address, cumulativeAmount=150 * E18):
        claim(child, second, alice, alice)
    claim(child, first, alice, alice)

    warp(chain, child.epochRoot(campaign.id, 2).claimableAt)
    with reverts_with(child.InvalidProof, campaignId=campaign.id, account=BOB, cumulativeAmount=50 * E18):
        claim(child, first, BOB, alice)  # superseded: proofs are always against the latest claimable root
    claim(child, second, alice, alice)
    assert child.claimed(campaign.id, alice) == 150 * E18


def test_a_revoked_root_is_skipped_and_its_repost_is_claimed(chain, child, bot, guardian, dai, campaign, trees, alice):
    first, second, _ = trees
    post_claimable(chain, child, bot, campaign, 1, first)
    bad = Tree(campaign.id, {alice.address: 900 * E18})
    at(chain, campaign.epoch_end(2))
    post(child, bot, campaign, 2, bad)
    child.revokeRoot(campaign.id, 2, sender=guardian)
    warp(chain, child.epochRoot(campaign.id, 2).claimableAt + 1)

    assert child.claimableRoot(campaign.id)[0] == 1
    with reverts_with(child.InvalidProof, campaignId=campaign.id, account=alice.address, cumulativeAmount=900 * E18):
        claim(child, bad, alice, alice)

    post_claimable(chain, child, bot, campaign, 2, second)
    before = dai.balanceOf(alice)
    claim(child, second, alice, alice)
    assert dai.balanceOf(alice) - before == 150 * E18


def test_leaves_promising_more_than_the_root_allocates_are_paid_only_up_to_its_total(
    chain, child, bot, dai, campaign, alice, stranger
):
    greedy = Tree(campaign.id, {alice.address: 80, BOB: 80})
    post_claimable(chain, child, bot, campaign, 1, greedy, total=100)
    claim(child, greedy, alice, stranger)
    with reverts_with(child.ClaimExceedsAllocation, campaignId=campaign.id, amount=80, available=20):
        claim(child, greedy, BOB, stranger)
    assert child.campaign(campaign.id).claimed == 80

    post_claimable(chain, child, bot, campaign, 2, greedy, total=160)  # the next root allocates enough
    claim(child, greedy, BOB, stranger)
    assert dai.balanceOf(BOB) == 80


def test_a_campaign_never_pays_out_more_than_it_was_funded(chain, child, bot, sponsor, dai, pool, alice, stranger):
    campaign = create_campaign(child, sponsor, dai, pool, start=now(chain) + 1, amount=100)
    greedy = Tree(campaign.id, {alice.address: 80, BOB: 80})
    post_claimable(chain, child, bot, campaign, 1, greedy, total=100)
    claim(child, greedy, alice, stranger)
    at(chain, campaign.epoch_end(2))
    post(child, bot, campaign, 2, greedy, total=100)

    # Even totals above the funding, written past the facet's own check straight into storage, pay
    # no more: a claim against an earlier root (found past a pending one) is capped by the funding ...
    overstate_total(chain, child, campaign.id, 1)
    assert child.claimableRoot(campaign.id)[0] == 1
    with reverts_with(child.ClaimExceedsAllocation, campaignId=campaign.id, amount=80, available=20):
        claim(child, greedy, BOB, stranger)
    # ... and one against the latest root by the cap checked when that root was posted.
    warp(chain, child.epochRoot(campaign.id, 2).claimableAt)
    overstate_total(chain, child, campaign.id, 2)
    assert child.claimableRoot(campaign.id)[0] == 2
    with reverts_with(child.ClaimExceedsAllocation, campaignId=campaign.id, amount=80, available=20):
        claim(child, greedy, BOB, stranger)
    assert child.campaign(campaign.id).claimed == 80


def overstate_total(chain, child, campaign_id: int, epoch: int) -> None:
    """Sets the stored total of `epoch`'s root to 1,000, whatever the funding."""
    status_slot = root_slot(campaign_id, epoch) + 2  # totalAllocated | claimableAt << 128 | revoked << 192
    status = storage_word(chain, child.address, status_slot)
    set_storage_word(chain, child.address, status_slot, (status >> 128 << 128) | 1_000)
    assert child.epochRoot(campaign_id, epoch).totalAllocated == 1_000


def test_claims_follow_a_later_root_whose_shorter_timelock_ends_first(
    chain, child, bot, owner, dai, campaign, trees, alice, stranger
):
    first, second, third = trees
    post_claimable(chain, child, bot, campaign, 1, first)
    claim(child, first, alice, stranger)
    child.setRewardsConfig(7 * DAY, 7 * DAY, sender=owner)
    at(chain, campaign.epoch_end(2))
    post(child, bot, campaign, 2, second)  # claimable in 7 days
    child.setRewardsConfig(10 * 60, 7 * DAY, sender=owner)
    at(chain, campaign.epoch_end(3))
    post(child, bot, campaign, 3, third)  # claimable in 10 minutes, days before epoch 2's
    warp(chain, child.epochRoot(campaign.id, 3).claimableAt)
    assert child.epochRoot(campaign.id, 2).claimableAt > now(chain)

    assert child.claimableRoot(campaign.id)[0] == 3
    with reverts_with(child.InvalidProof, campaignId=campaign.id, account=BOB, cumulativeAmount=120 * E18):
        claim(child, second, BOB, stranger)  # the pending epoch 2 is not the claimable root
    claim(child, third, alice, stranger)
    claim(child, third, BOB, stranger)
    assert (dai.balanceOf(alice), dai.balanceOf(BOB)) == (200 * E18, 120 * E18)


def test_a_revoked_last_root_over_a_pending_one_leaves_claims_on_the_last_claimable(
    chain, child, bot, owner, guardian, campaign, trees, alice, stranger
):
    first, second, third = trees
    post_claimable(chain, child, bot, campaign, 1, first)
    child.setRewardsConfig(7 * DAY, 7 * DAY, sender=owner)
    at(chain, campaign.epoch_end(2))
    post(child, bot, campaign, 2, second)  # pending for 7 days
    child.setRewardsConfig(10 * 60, 7 * DAY, sender=owner)
    at(chain, campaign.epoch_end(3))
    post(child, bot, campaign, 3, third)
    child.revokeRoot(campaign.id, 3, sender=guardian)
    warp(chain, child.epochRoot(campaign.id, 3).claimableAt + 1)

    assert child.claimableRoot(campaign.id)[0] == 1
    for tree, amount in ((second, 150 * E18), (third, 200 * E18)):
        with reverts_with(child.InvalidProof, campaignId=campaign.id, account=alice.address, cumulativeAmount=amount):
            claim(child, tree, alice, stranger)
    claim(child, first, alice, stranger)
    assert child.claimed(campaign.id, alice) == 100 * E18


def root_slot(campaign_id: int, epoch: int) -> int:
    """The first word of `roots[campaignId][epoch]` (the roots mapping is the layout's fourth word)."""
    inner = keccak(encode(["uint256", "uint256"], [campaign_id, REWARDS_SLOT + 3]))
    return int.from_bytes(keccak(encode(["uint256"], [epoch]) + inner), "big")


def test_claims_are_refused_while_paused(chain, child, bot, guardian, campaign, trees, alice):
    first = trees[0]
    post_claimable(chain, child, bot, campaign, 1, first)
    child.pause(sender=guardian)
    with reverts_with(child.ChildPaused):
        claim(child, first, alice, alice)
    with reverts_with(child.ChildPaused):
        child.claimMany([first.claim_args(alice)], sender=alice)


def test_an_unknown_campaign_pays_nothing(child, alice):
    with reverts_with(child.UnknownCampaign, campaignId=7):
        child.claim(7, alice, 1, [], sender=alice)


def test_a_single_leaf_tree_has_an_empty_proof(chain, child, bot, dai, campaign, stranger):
    solo = Tree(campaign.id, {CAROL: 7})
    assert solo.proof(CAROL) == [] and solo.root == leaf_hash(campaign.id, CAROL, 7)
    post_claimable(chain, child, bot, campaign, 1, solo)
    claim(child, solo, CAROL, stranger)
    assert dai.balanceOf(CAROL) == 7
