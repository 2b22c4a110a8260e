"""Creating a campaign: who sponsors it (the caller as `LibContext.msgSender()` reads it, relayed or
not), what is booked (what arrived, not what was asked for), and every schedule or funding the facet
refuses."""

from __future__ import annotations

import ape
import pytest

from tests.support import ZERO_ADDRESS, erc7201_slot, event_args, reverts_with, storage_word

from .conftest import DAY, DEFAULT_GRACE, E18, EPOCH, FUNDING, REWARDS_SLOT, Metric, create_campaign, now


def test_a_campaign_is_booked_with_its_schedule_and_funding(chain, child, sponsor, dai, pool):
    start = now(chain) + 10
    end = start + 2 * EPOCH + EPOCH // 2
    diamond_before, sponsor_before = dai.balanceOf(child), dai.balanceOf(sponsor)

    receipt = child.createCampaign(pool, dai, FUNDING, start, end, EPOCH, Metric.IN_RANGE_LIQUIDITY, sender=sponsor)

    assert event_args(receipt, child.CampaignCreated) == [
        {
            "campaignId": 1,
            "sponsor": sponsor.address,
            "pool": pool,
            "rewardToken": dai.address,
            "funded": FUNDING,
            "start": start,
            "end": end,
            "epochLength": EPOCH,
            "metric": Metric.IN_RANGE_LIQUIDITY,
            "claimGracePeriod": DEFAULT_GRACE,
        }
    ]
    assert tuple(child.campaign(1)) == (
        sponsor.address,
        pool,
        dai.address,
        start,
        end,
        EPOCH,
        Metric.IN_RANGE_LIQUIDITY,
        False,
        FUNDING,
        0,
        0,
    )
    assert child.campaignCount() == 1
    assert child.epochCount(1) == 3  # two full days and a half-day epoch
    assert dai.balanceOf(child) - diamond_before == FUNDING
    assert sponsor_before - dai.balanceOf(sponsor) == FUNDING


def test_ids_count_up_from_one_and_campaigns_are_independent(chain, child, sponsor, dai, pool):
    first = create_campaign(child, sponsor, dai, pool, start=now(chain) + 1, amount=5 * E18)
    second = create_campaign(child, sponsor, dai, pool, start=now(chain) + 1, epochs=7, amount=9 * E18)
    assert (first.id, second.id) == (1, 2)
    assert child.campaignCount() == 2
    assert (child.campaign(1).funded, child.campaign(2).funded) == (5 * E18, 9 * E18)
    assert (child.epochCount(1), child.epochCount(2)) == (3, 7)


def test_unknown_campaigns_read_as_zero(child):
    assert child.campaignCount() == 0
    assert tuple(child.campaign(1)) == (ZERO_ADDRESS, ZERO_ADDRESS, ZERO_ADDRESS, 0, 0, 0, 0, False, 0, 0, 0)
    assert child.epochCount(1) == 0


def test_the_campaign_counter_lives_at_the_erc7201_slot(chain, child, sponsor, dai, pool):
    assert erc7201_slot("lapidary.child.rewards") == REWARDS_SLOT
    create_campaign(child, sponsor, dai, pool, start=now(chain) + 1)
    assert storage_word(chain, child.address, REWARDS_SLOT) == 1


def test_a_fee_on_transfer_token_funds_what_arrived(project, chain, child, sponsor, pool):
    token = project.RewardsFeeToken.deploy(100, sender=sponsor)  # 1 % of every transfer is burnt
    token.mint(sponsor, FUNDING, sender=sponsor)
    token.approve(child, FUNDING, sender=sponsor)

    campaign = create_campaign(child, sponsor, token, pool, start=now(chain) + 1)

    assert campaign.funded == FUNDING * 99 // 100
    assert child.campaign(campaign.id).funded == token.balanceOf(child) == campaign.funded


def test_a_token_that_delivers_nothing_funds_nothing(project, chain, child, sponsor, pool):
    token = project.RewardsFeeToken.deploy(10_000, sender=sponsor)  # burns the whole transfer
    token.mint(sponsor, FUNDING, sender=sponsor)
    token.approve(child, FUNDING, sender=sponsor)
    start = now(chain) + 1
    with reverts_with(child.FundingNotReceived, rewardToken=token.address, amount=FUNDING):
        child.createCampaign(pool, token, FUNDING, start, start + EPOCH, EPOCH, 0, sender=sponsor)
    assert child.campaignCount() == 0


def test_the_sponsor_must_have_approved_the_amount(chain, child, stranger, dai, pool):
    dai.mint(FUNDING, sender=stranger)  # holds it, never approved
    start = now(chain) + 1
    with ape.reverts("ERC20: transfer amount exceeds allowance"):
        child.createCampaign(pool, dai, FUNDING, start, start + EPOCH, EPOCH, 0, sender=stranger)
    assert child.campaignCount() == 0


@pytest.mark.parametrize(
    ("case", "start_offset", "length", "epoch_length"),
    [
        ("start equals end", 10, 0, EPOCH),
        ("start after end", 10, -1, EPOCH),
        ("zero epoch length", 10, EPOCH, 0),
    ],
)
def test_a_schedule_must_have_epochs(chain, child, sponsor, dai, pool, case, start_offset, length, epoch_length):
    start = now(chain) + start_offset
    end = start + length
    with reverts_with(child.InvalidSchedule, start=start, end=end, epochLength=epoch_length):
        child.createCampaign(pool, dai, FUNDING, start, end, epoch_length, 0, sender=sponsor)


def test_more_epochs_than_fit_32_bits_are_refused(child, sponsor, dai, pool):
    start, end = 0, 2**32 + 1  # one-second epochs from 1970 to 2106: one too many
    with reverts_with(child.InvalidSchedule, start=start, end=end, epochLength=1):
        child.createCampaign(pool, dai, FUNDING, start, end, 1, 0, sender=sponsor)
    create_campaign(child, sponsor, dai, pool, start=end - (2**32 - 1), epochs=2**32 - 1, epoch_length=1)


def test_a_campaign_must_end_in_the_future(chain, child, sponsor, dai, pool):
    timestamp = now(chain) + 100
    chain.pending_timestamp = timestamp
    with reverts_with(child.EndNotInFuture, end=timestamp, timestamp=timestamp):
        child.createCampaign(pool, dai, FUNDING, timestamp - 3 * DAY, timestamp, DAY, 0, sender=sponsor)


def test_a_backdated_start_is_allowed_while_the_end_is_ahead(chain, child, sponsor, dai, pool, bot):
    campaign = create_campaign(child, sponsor, dai, pool, start=now(chain) - 2 * EPOCH, epochs=3)
    # Two epochs are already over: their roots can be posted at once.
    child.postRoot(campaign.id, 1, b"\x01" * 32, 0, b"", sender=bot)
    child.postRoot(campaign.id, 2, b"\x02" * 32, 0, b"", sender=bot)
    assert child.campaign(campaign.id).lastEpoch == 2


def test_zero_funding_is_refused(chain, child, sponsor, dai, pool):
    start = now(chain) + 1
    with reverts_with(child.ZeroAmount):
        child.createCampaign(pool, dai, 0, start, start + EPOCH, EPOCH, 0, sender=sponsor)


def test_the_pool_and_the_token_must_be_contracts(chain, child, sponsor, dai, pool, stranger):
    start = now(chain) + 1
    with reverts_with(child.InvalidPool, pool=stranger.address):
        child.createCampaign(stranger, dai, FUNDING, start, start + EPOCH, EPOCH, 0, sender=sponsor)
    with reverts_with(child.InvalidRewardToken, rewardToken=stranger.address):
        child.createCampaign(pool, stranger, FUNDING, start, start + EPOCH, EPOCH, 0, sender=sponsor)


def test_creating_is_refused_while_paused(chain, child, sponsor, dai, pool, guardian):
    child.pause(sender=guardian)
    start = now(chain) + 1
    with reverts_with(child.ChildPaused):
        child.createCampaign(pool, dai, FUNDING, start, start + EPOCH, EPOCH, 0, sender=sponsor)


# -- the sponsor as LibContext reads it ---------------------------------------------------------------


def test_a_relayed_campaign_is_sponsored_by_the_signer_not_the_relayer(chain, child, relay, sponsor, dai, pool, bot):
    start = now(chain) + 1
    data = child.createCampaign.encode_input(pool, dai, FUNDING, start, start + EPOCH, EPOCH, 0)
    sponsor_before = dai.balanceOf(sponsor)

    receipt = relay.relayAs(sponsor, data, sender=bot)  # the bot pays the gas

    (created,) = event_args(receipt, child.CampaignCreated)
    assert created["sponsor"] == child.campaign(1).sponsor == sponsor.address
    assert sponsor_before - dai.balanceOf(sponsor) == FUNDING
