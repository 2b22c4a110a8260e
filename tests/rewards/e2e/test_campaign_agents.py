"""The demo's campaign agents (`keepers.sim.campaign`) against the rewards keeper: every participant
gets its position once, however often the agents start; claims wait while a later root is about to
turn claimable, go out for what the journal grants, and are followed to their receipts."""

from __future__ import annotations

from keepers.rewards.campaigns import EpochRoot, settled_epoch
from keepers.sim.campaign import CampaignAgents, CampaignParams
from tests.rewards.e2e.conftest import run_keeper

SEED = 7


def root(claimable_at: int, revoked: bool = False) -> EpochRoot:
    return EpochRoot("0x" + "11" * 32, "0x" + "22" * 32, 1, claimable_at, revoked)


def test_a_claim_waits_while_a_later_root_is_about_to_turn_claimable():
    now, margin = 1_000, 48
    assert settled_epoch(3, [], now, margin) == 3
    assert settled_epoch(3, [root(now + margin + 1)], now, margin) == 3
    assert settled_epoch(3, [root(now + margin)], now, margin) == 0
    assert settled_epoch(3, [root(now + margin + 50), root(now)], now, margin) == 0
    assert settled_epoch(3, [root(now, revoked=True)], now, margin) == 3  # a revoked root never turns claimable
    assert settled_epoch(0, [], now, margin) == 0


def settle_roots(chain, rewards_keeper, campaign: int) -> None:
    """Run the keeper until a root is claimable, then an hour on: every root it posted is claimable
    and journaled as such, and no later one is on its way."""
    run_keeper(chain, rewards_keeper, 1, [campaign])
    chain.mine(timestamp=chain.pending_timestamp + 3_600)
    rewards_keeper.on_block(chain.blocks.height)
    chain.mine(2)
    rewards_keeper.on_block(chain.blocks.height)


def agents(chain, world, artifacts, keeper) -> CampaignAgents:
    made = keeper()
    w3 = chain.provider.web3
    params = CampaignParams(epoch_seconds=600, epochs=1, start_delay=30)
    return CampaignAgents(w3, world.book, artifacts, made.contract, made.journal, SEED, params, gasless_url=None)


def test_participants_get_one_position_each_and_claim_what_the_root_grants(chain, world, artifacts, keeper):
    first = agents(chain, world, artifacts, keeper)
    campaign = first.setup()
    manager = world.contract("uniswap_v3_position_manager")
    assert [manager.balanceOf(account) for account in first.accounts] == [1] * len(first.accounts)

    again = agents(chain, world, artifacts, keeper)  # a restarted driver
    assert again.setup() == campaign
    assert [manager.balanceOf(account) for account in again.accounts] == [1] * len(again.accounts)

    chain.mine(timestamp=first.contract.campaign(campaign).start + 600 + 5)
    settle_roots(chain, keeper(), campaign)

    report = again.step(chain.blocks.height)
    holder = again.holder.address
    assert [line.split()[0] for line in report.sent] == [w.address for w in again.participants]
    assert report.failed == [f"{holder} {again.journal.claim(campaign, holder).cumulative_amount} gasless: "
                             "relayer unavailable"]  # fmt: skip
    chain.mine()
    followed = again.step(chain.blocks.height)
    assert followed.sent == [] and followed.failed == [f for f in followed.failed if f.startswith(holder)]
    for wallet in again.participants:
        granted = again.journal.claim(campaign, wallet.address).cumulative_amount
        assert granted > 0 and again.contract.claimed(campaign, wallet.address) == granted


def test_a_reverted_claim_is_reported_and_sent_again(chain, world, artifacts, keeper, rewards_child, owner):
    made = agents(chain, world, artifacts, keeper)
    campaign = made.setup()
    chain.mine(timestamp=made.contract.campaign(campaign).start + 600 + 5)
    settle_roots(chain, keeper(), campaign)

    rewards_child.pause(sender=owner)  # every claim now reverts
    sent = made.step(chain.blocks.height)
    chain.mine()
    rewards_child.unpause(sender=owner)
    followed = made.step(chain.blocks.height)
    reverted = [line for line in followed.failed if "reverted in block" in line]
    assert len(reverted) == len(made.participants)
    assert len(followed.sent) == len(sent.sent)  # claimed again once unpaused
