"""The sponsor's leftover: only the sponsor, only from end + the campaign's grace period, exactly
what was funded and not claimed; the campaign then closes and unclaimed entitlements are forfeit."""

from __future__ import annotations

from eth_utils import to_checksum_address

from tests.support import event_args, reverts_with

from .conftest import BOB, CAROL, CONTENT, DAY, DEFAULT_GRACE, E18, at, create_campaign, now, post_claimable, warp
from .merkle import Tree


def claimed_campaign(chain, child, bot, campaign, stranger) -> Tree:
    """The campaign with its last root claimable: BOB claimed 300, CAROL's 200 left unclaimed."""
    tree = Tree(campaign.id, {BOB: 300 * E18, CAROL: 200 * E18})
    for epoch in (1, 2, 3):
        post_claimable(chain, child, bot, campaign, epoch, tree)
    child.claim(*tree.claim_args(BOB), sender=stranger)
    return tree


def test_the_sponsor_takes_back_what_was_not_claimed_and_the_campaign_closes(
    chain, child, bot, sponsor, dai, campaign, stranger
):
    tree = claimed_campaign(chain, child, bot, campaign, stranger)
    withdrawable_at = campaign.end + DEFAULT_GRACE
    at(chain, withdrawable_at - 1)
    with reverts_with(child.ClaimWindowOpen, campaignId=campaign.id, withdrawableAt=withdrawable_at):
        child.withdrawLeftover(campaign.id, sender=sponsor)
    # Until the sponsor withdraws, claims remain open past the grace period.
    warp(chain, withdrawable_at + DAY)
    assert child.withdrawLeftover.call(campaign.id, sender=sponsor) == campaign.funded - 300 * E18
    before = dai.balanceOf(sponsor)

    receipt = child.withdrawLeftover(campaign.id, sender=sponsor)

    leftover = campaign.funded - 300 * E18
    assert event_args(receipt, child.LeftoverWithdrawn) == [
        {"campaignId": campaign.id, "sponsor": sponsor.address, "amount": leftover}
    ]
    assert dai.balanceOf(sponsor) - before == leftover
    record = child.campaign(campaign.id)
    assert (record.closed, record.funded, record.claimed) == (True, campaign.funded, 300 * E18)
    # CAROL's 200 are forfeit; nothing more moves.
    with reverts_with(child.CampaignClosed, campaignId=campaign.id):
        child.claim(*tree.claim_args(CAROL), sender=stranger)
    with reverts_with(child.CampaignClosed, campaignId=campaign.id):
        child.claimMany([tree.claim_args(CAROL)], sender=stranger)
    with reverts_with(child.CampaignClosed, campaignId=campaign.id):
        child.withdrawLeftover(campaign.id, sender=sponsor)
    with reverts_with(child.CampaignClosed, campaignId=campaign.id):
        child.postRoot(campaign.id, 4, tree.root, 0, CONTENT, sender=bot)


def test_the_first_second_of_the_window_is_enough(chain, child, sponsor, dai, campaign):
    at(chain, campaign.end + DEFAULT_GRACE)
    before = dai.balanceOf(sponsor)
    child.withdrawLeftover(campaign.id, sender=sponsor)
    assert dai.balanceOf(sponsor) - before == campaign.funded  # nothing was claimed: all of it


def test_a_fully_claimed_campaign_closes_with_nothing_to_send(chain, child, bot, sponsor, dai, campaign, stranger):
    tree = Tree(campaign.id, {BOB: campaign.funded})
    post_claimable(chain, child, bot, campaign, 1, tree)
    child.claim(*tree.claim_args(BOB), sender=stranger)
    at(chain, campaign.end + DEFAULT_GRACE)
    before = dai.balanceOf(sponsor)
    receipt = child.withdrawLeftover(campaign.id, sender=sponsor)
    assert event_args(receipt, child.LeftoverWithdrawn)[0]["amount"] == 0
    assert dai.balanceOf(sponsor) == before
    assert child.campaign(campaign.id).closed


def test_only_the_sponsor_withdraws(chain, child, campaign, stranger, owner, guardian, bot):
    at(chain, campaign.end + DEFAULT_GRACE)
    for caller in (stranger, owner, guardian, bot):
        with reverts_with(child.NotSponsor, campaignId=campaign.id, caller=caller.address):
            child.withdrawLeftover(campaign.id, sender=caller)
    with reverts_with(child.UnknownCampaign, campaignId=5):
        child.withdrawLeftover(5, sender=stranger)


def test_withdrawing_is_refused_while_paused(chain, child, sponsor, guardian, campaign):
    at(chain, campaign.end + DEFAULT_GRACE)
    child.pause(sender=guardian)
    with reverts_with(child.ChildPaused):
        child.withdrawLeftover(campaign.id, sender=sponsor)


def test_a_campaign_keeps_the_grace_period_it_was_created_with(chain, child, sponsor, owner, dai, pool, campaign):
    child.setRewardsConfig(3_600, 90 * DAY, sender=owner)
    later = create_campaign(child, sponsor, dai, pool, start=now(chain) + 1)
    assert later.withdrawable_at(90 * DAY) > campaign.withdrawable_at()

    at(chain, campaign.end + DEFAULT_GRACE)
    child.withdrawLeftover(campaign.id, sender=sponsor)  # the 30 days in force at its creation
    at(chain, later.end + DEFAULT_GRACE)
    with reverts_with(child.ClaimWindowOpen, campaignId=later.id, withdrawableAt=later.end + 90 * DAY):
        child.withdrawLeftover(later.id, sender=sponsor)


def test_a_relayed_withdrawal_pays_the_signing_sponsor(chain, child, relay, sponsor, stranger, dai, campaign):
    at(chain, campaign.end + DEFAULT_GRACE)
    data = child.withdrawLeftover.encode_input(campaign.id)
    with reverts_with(child.NotSponsor, campaignId=campaign.id, caller=stranger.address):
        relay.relayAs(stranger, data, sender=sponsor)  # the relayer's own address does not count
    before = dai.balanceOf(sponsor)
    relay.relayAs(sponsor, data, sender=stranger)
    assert dai.balanceOf(sponsor) - before == campaign.funded
    assert to_checksum_address(child.campaign(campaign.id).sponsor) == sponsor.address
