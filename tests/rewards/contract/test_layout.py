"""The campaign's first two words, which a claim reads without Solidity's field accessors: the
offsets `LibMerkleRewards.header` decodes and the claim word the claim writes must be where the
compiler packs `CampaignData`."""

from __future__ import annotations

from eth_abi import encode
from eth_utils import keccak

from tests.support import field, storage_word

from .conftest import E18, REWARDS_SLOT, at, create_campaign, now, post, post_claimable
from .merkle import Tree


def campaign_slot(campaign_id: int) -> int:
    """The first word of `campaigns[campaignId]` (the mapping is the layout's third word)."""
    return int.from_bytes(keccak(encode(["uint256", "uint256"], [campaign_id, REWARDS_SLOT + 2])), "big")


def test_the_claim_header_and_claim_word_hold_what_the_claim_decodes(
    chain, child, bot, guardian, sponsor, dai, pool, alice, stranger
):
    campaign = create_campaign(child, sponsor, dai, pool, start=now(chain) + 1, metric=1)
    tree = Tree(campaign.id, {alice.address: 70 * E18})
    post_claimable(chain, child, bot, campaign, 1, tree, total=100 * E18)
    child.claim(*tree.claim_args(alice), sender=stranger)
    at(chain, campaign.epoch_end(2))
    post(child, bot, campaign, 2, tree, total=100 * E18)
    child.revokeRoot(campaign.id, 2, sender=guardian)

    header = storage_word(chain, child.address, campaign_slot(campaign.id))
    claim_word = storage_word(chain, child.address, campaign_slot(campaign.id) + 1)
    assert field(header, 0, 160) == int(dai.address, 16)  # rewardToken
    assert field(header, 160, 32) == 2  # lastEpoch
    assert field(header, 192, 40) == child.epochRoot(campaign.id, 2).claimableAt  # lastClaimableAt
    assert field(header, 232, 8) == 1  # lastRevoked
    assert field(header, 240, 8) == 0  # closed
    assert field(header, 248, 8) == 1  # metric
    assert field(claim_word, 0, 128) == 70 * E18 == child.campaign(campaign.id).claimed  # claimed
    assert field(claim_word, 128, 128) == 100 * E18  # lastCap: the total of epoch 2, the last posted
