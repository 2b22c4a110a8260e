"""Posting epoch roots (keeper bots only, in order, once the epoch is over, cumulative totals within
the funding) and revoking them (guardian or owner, only while pending; the keeper then re-posts)."""

from __future__ import annotations

import pytest

from tests.support import event_args, reverts_with

from .conftest import (
    BOB,
    CONTENT,
    DEFAULT_TIMELOCK,
    EPOCH,
    FUNDING,
    at,
    create_campaign,
    now,
    post,
    post_claimable,
    warp,
)
from .merkle import Tree

ROOT = b"\x11" * 32
OTHER_ROOT = b"\x22" * 32


def post_at_end(chain, child, bot, campaign, epoch, root=ROOT, total=0):
    at(chain, max(campaign.epoch_end(epoch), now(chain) + 1))
    return child.postRoot(campaign.id, epoch, root, total, CONTENT, sender=bot)


# -- posting ----------------------------------------------------------------------------------------


def test_a_posted_root_reads_back_and_becomes_claimable_after_the_timelock(chain, child, bot, campaign):
    ends = campaign.epoch_end(1)
    at(chain, ends)
    receipt = child.postRoot(campaign.id, 1, ROOT, 400, CONTENT, sender=bot)

    claimable_at = ends + DEFAULT_TIMELOCK
    assert event_args(receipt, child.RootPosted) == [
        {
            "campaignId": campaign.id,
            "epoch": 1,
            "root": ROOT,
            "totalAllocated": 400,
            "contentHash": CONTENT,
            "claimableAt": claimable_at,
        }
    ]
    assert tuple(child.epochRoot(campaign.id, 1)) == (ROOT, CONTENT, 400, claimable_at, False)
    assert child.campaign(campaign.id).lastEpoch == 1
    assert child.claimableRoot(campaign.id)[0] == 0  # pending

    warp(chain, claimable_at)
    epoch, root = child.claimableRoot(campaign.id)
    assert (epoch, tuple(root)) == (1, (ROOT, CONTENT, 400, claimable_at, False))


@pytest.mark.parametrize("who", ["stranger", "owner", "guardian", "sponsor"])
def test_only_keeper_bots_post(request, chain, child, campaign, who):
    caller = request.getfixturevalue(who)
    at(chain, campaign.epoch_end(1))
    with reverts_with(child.NotBot, caller=caller.address):
        child.postRoot(campaign.id, 1, ROOT, 0, CONTENT, sender=caller)


def test_a_revoked_bot_cannot_post(chain, child, campaign, owner, bot):
    child.setBot(bot, False, sender=owner)
    at(chain, campaign.epoch_end(1))
    with reverts_with(child.NotBot, caller=bot.address):
        child.postRoot(campaign.id, 1, ROOT, 0, CONTENT, sender=bot)


def test_posting_is_refused_while_the_child_or_its_master_is_paused(
    chain, child, master, campaign, bot, guardian, owner
):
    at(chain, campaign.epoch_end(1))
    child.pause(sender=guardian)
    with reverts_with(child.ChildPaused):
        child.postRoot(campaign.id, 1, ROOT, 0, CONTENT, sender=bot)
    child.unpause(sender=owner)
    master.pauseAll(sender=guardian)
    with reverts_with(child.MasterPaused, master=master.address):
        child.postRoot(campaign.id, 1, ROOT, 0, CONTENT, sender=bot)


def test_epochs_are_posted_in_order(chain, child, bot, campaign):
    warp(chain, campaign.end)
    for epoch in (0, 2, 3):
        with reverts_with(child.EpochOutOfOrder, campaignId=campaign.id, epoch=epoch, lastEpoch=0):
            child.postRoot(campaign.id, epoch, ROOT, 0, CONTENT, sender=bot)
    child.postRoot(campaign.id, 1, ROOT, 0, CONTENT, sender=bot)
    for epoch in (1, 3):  # a root that was not revoked is never replaced
        with reverts_with(child.EpochOutOfOrder, campaignId=campaign.id, epoch=epoch, lastEpoch=1):
            child.postRoot(campaign.id, epoch, OTHER_ROOT, 0, CONTENT, sender=bot)
    child.postRoot(campaign.id, 2, ROOT, 0, CONTENT, sender=bot)
    child.postRoot(campaign.id, 3, ROOT, 0, CONTENT, sender=bot)
    assert child.campaign(campaign.id).lastEpoch == 3


def test_an_epoch_is_posted_only_once_it_has_ended(chain, child, bot, campaign):
    ends = campaign.epoch_end(1)
    at(chain, ends - 1)
    with reverts_with(child.EpochNotEnded, campaignId=campaign.id, epoch=1, endsAt=ends):
        child.postRoot(campaign.id, 1, ROOT, 0, CONTENT, sender=bot)
    at(chain, ends)
    child.postRoot(campaign.id, 1, ROOT, 0, CONTENT, sender=bot)


def test_the_last_epoch_is_shorter_and_ends_with_the_campaign(chain, child, bot, sponsor, dai, pool):
    start = now(chain) + 1
    end = start + 2 * EPOCH + 600
    child.createCampaign(pool, dai, FUNDING, start, end, EPOCH, 0, sender=sponsor)
    assert child.epochCount(1) == 3
    at(chain, start + 2 * EPOCH)
    child.postRoot(1, 1, ROOT, 0, CONTENT, sender=bot)
    child.postRoot(1, 2, ROOT, 0, CONTENT, sender=bot)
    with reverts_with(child.EpochNotEnded, campaignId=1, epoch=3, endsAt=end):
        child.postRoot(1, 3, ROOT, 0, CONTENT, sender=bot)
    at(chain, end)
    child.postRoot(1, 3, ROOT, 0, CONTENT, sender=bot)
    with reverts_with(child.EpochBeyondCampaign, campaignId=1, epoch=4, epochCount=3):
        child.postRoot(1, 4, ROOT, 0, CONTENT, sender=bot)


def test_a_root_cannot_allocate_more_than_the_funding(chain, child, bot, campaign):
    at(chain, campaign.epoch_end(1))
    total = campaign.funded + 1
    with reverts_with(child.AllocationExceedsFunding, campaignId=campaign.id, totalAllocated=total, funded=FUNDING):
        child.postRoot(campaign.id, 1, ROOT, total, CONTENT, sender=bot)
    child.postRoot(campaign.id, 1, ROOT, campaign.funded, CONTENT, sender=bot)  # all of it is fine


def test_totals_are_cumulative_and_never_decrease(chain, child, bot, campaign):
    post_at_end(chain, child, bot, campaign, 1, total=500)
    at(chain, campaign.epoch_end(2))
    with reverts_with(child.AllocationDecreased, campaignId=campaign.id, totalAllocated=499, previousTotal=500):
        child.postRoot(campaign.id, 2, ROOT, 499, CONTENT, sender=bot)
    child.postRoot(campaign.id, 2, ROOT, 500, CONTENT, sender=bot)  # an epoch that allocates nothing new


def test_a_zero_root_is_refused(chain, child, bot, campaign):
    at(chain, campaign.epoch_end(1))
    with reverts_with(child.ZeroRoot):
        child.postRoot(campaign.id, 1, b"\x00" * 32, 0, CONTENT, sender=bot)


@pytest.mark.parametrize("campaign_id", [0, 2])
def test_an_unknown_campaign_takes_no_root(child, bot, campaign, campaign_id):
    with reverts_with(child.UnknownCampaign, campaignId=campaign_id):
        child.postRoot(campaign_id, 1, ROOT, 0, CONTENT, sender=bot)


def test_the_owners_timelock_applies_to_roots_posted_afterwards(chain, child, bot, owner, campaign):
    post_at_end(chain, child, bot, campaign, 1)
    first = child.epochRoot(campaign.id, 1).claimableAt
    child.setRewardsConfig(6 * 3_600, 7 * EPOCH, sender=owner)
    ends = campaign.epoch_end(2)
    at(chain, ends)
    child.postRoot(campaign.id, 2, ROOT, 0, CONTENT, sender=bot)
    assert child.epochRoot(campaign.id, 2).claimableAt == ends + 6 * 3_600
    assert child.epochRoot(campaign.id, 1).claimableAt == first


# -- revoking -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["guardian", "owner"])
def test_the_guardian_or_the_owner_revokes_a_pending_root(request, chain, child, bot, campaign, who):
    caller = request.getfixturevalue(who)
    post_at_end(chain, child, bot, campaign, 1, root=ROOT, total=300)
    receipt = child.revokeRoot(campaign.id, 1, sender=caller)
    assert event_args(receipt, child.RootRevoked) == [
        {"campaignId": campaign.id, "epoch": 1, "root": ROOT, "by": caller.address}
    ]
    assert child.epochRoot(campaign.id, 1).revoked
    assert child.campaign(campaign.id).lastEpoch == 1
    warp(chain, child.epochRoot(campaign.id, 1).claimableAt)
    assert child.claimableRoot(campaign.id)[0] == 0  # a revoked root never becomes claimable


@pytest.mark.parametrize("who", ["stranger", "bot", "sponsor"])
def test_nobody_else_revokes(request, chain, child, bot, campaign, who):
    caller = request.getfixturevalue(who)
    post_at_end(chain, child, bot, campaign, 1)
    with reverts_with(child.NotGuardianOrOwner, caller=caller.address):
        child.revokeRoot(campaign.id, 1, sender=caller)


def test_a_root_can_be_revoked_only_while_pending(chain, child, bot, guardian, campaign):
    post_at_end(chain, child, bot, campaign, 1)
    claimable_at = child.epochRoot(campaign.id, 1).claimableAt
    at(chain, claimable_at)
    with reverts_with(child.RootNotPending, campaignId=campaign.id, epoch=1, claimableAt=claimable_at):
        child.revokeRoot(campaign.id, 1, sender=guardian)


def test_the_last_pending_second_still_revokes(chain, child, bot, guardian, campaign):
    post_at_end(chain, child, bot, campaign, 1)
    at(chain, child.epochRoot(campaign.id, 1).claimableAt - 1)
    child.revokeRoot(campaign.id, 1, sender=guardian)


def test_only_a_posted_root_that_is_not_yet_revoked_can_be_revoked(chain, child, bot, guardian, campaign):
    with reverts_with(child.RootNotFound, campaignId=campaign.id, epoch=1):
        child.revokeRoot(campaign.id, 1, sender=guardian)
    post_at_end(chain, child, bot, campaign, 1)
    child.revokeRoot(campaign.id, 1, sender=guardian)
    with reverts_with(child.RootAlreadyRevoked, campaignId=campaign.id, epoch=1):
        child.revokeRoot(campaign.id, 1, sender=guardian)
    with reverts_with(child.UnknownCampaign, campaignId=9):
        child.revokeRoot(9, 1, sender=guardian)


def test_revoking_works_while_paused(chain, child, bot, guardian, campaign):
    post_at_end(chain, child, bot, campaign, 1)
    child.pause(sender=guardian)
    child.revokeRoot(campaign.id, 1, sender=guardian)
    assert child.epochRoot(campaign.id, 1).revoked


def test_a_revoked_epoch_is_reposted_and_its_total_no_longer_binds(chain, child, bot, guardian, campaign):
    post_at_end(chain, child, bot, campaign, 1, root=ROOT, total=600)
    child.revokeRoot(campaign.id, 1, sender=guardian)

    receipt = child.postRoot(campaign.id, 1, OTHER_ROOT, 400, CONTENT, sender=bot)  # below the revoked 600

    (posted,) = event_args(receipt, child.RootPosted)
    assert (posted["epoch"], posted["root"]) == (1, OTHER_ROOT)
    assert tuple(child.epochRoot(campaign.id, 1))[:3] == (OTHER_ROOT, CONTENT, 400)
    assert not child.epochRoot(campaign.id, 1).revoked
    assert child.campaign(campaign.id).lastEpoch == 1
    with reverts_with(child.EpochOutOfOrder, campaignId=campaign.id, epoch=1, lastEpoch=1):
        child.postRoot(campaign.id, 1, ROOT, 400, CONTENT, sender=bot)  # re-posted: not revoked any more
    at(chain, campaign.epoch_end(2))
    with reverts_with(child.AllocationDecreased, campaignId=campaign.id, totalAllocated=399, previousTotal=400):
        child.postRoot(campaign.id, 2, ROOT, 399, CONTENT, sender=bot)


def test_the_next_epoch_may_follow_a_revoked_one_and_covers_it(chain, child, bot, guardian, campaign):
    """Roots are cumulative: skipping a revoked epoch loses nobody anything."""
    post_at_end(chain, child, bot, campaign, 1, total=600)
    child.revokeRoot(campaign.id, 1, sender=guardian)
    tree = Tree(campaign.id, {BOB: 300})
    post_claimable(chain, child, bot, campaign, 2, tree)  # 300 < the revoked 600: allowed
    assert child.claimableRoot(campaign.id)[0] == 2
    assert child.epochRoot(campaign.id, 1).revoked


def test_a_pending_root_that_is_revoked_leaves_the_earlier_one_claimable(chain, child, bot, guardian, campaign):
    first = Tree(campaign.id, {BOB: 100})
    post_claimable(chain, child, bot, campaign, 1, first)
    at(chain, campaign.epoch_end(2))
    post(child, bot, campaign, 2, Tree(campaign.id, {BOB: 900}))
    child.revokeRoot(campaign.id, 2, sender=guardian)
    warp(chain, child.epochRoot(campaign.id, 2).claimableAt + 1)
    epoch, root = child.claimableRoot(campaign.id)
    assert (epoch, root[0]) == (1, first.root)


def test_each_campaign_keeps_its_own_epochs(chain, child, bot, sponsor, dai, pool, campaign):
    other = create_campaign(child, sponsor, dai, pool, start=now(chain) + 1, epochs=1)
    post_at_end(chain, child, bot, campaign, 1)
    assert child.campaign(other.id).lastEpoch == 0
    with reverts_with(child.EpochOutOfOrder, campaignId=other.id, epoch=2, lastEpoch=0):
        child.postRoot(other.id, 2, ROOT, 0, CONTENT, sender=bot)
