"""The market maker in a reward campaign: the `mm` child's ladder is in-range liquidity the rewards
keeper measures like anyone's; the market maker claims what the root grants the child, once, and
the claim's reward tokens are booked for the child and reconcile with its balance."""

from __future__ import annotations

import random

from eth_account import Account

from keepers.chain.fees import FeePolicy
from keepers.chain.journal import TxJournal
from keepers.chain.sender import TxSender
from keepers.mm.journal import MmJournal
from keepers.mm.keeper import Market
from keepers.mm.ladder import LadderParams
from keepers.mm.rewards import RewardClaims
from keepers.mm.tender import LadderTender
from keepers.store.db import Store
from tests.rewards.e2e.conftest import HOUR, keeper, rewards_child, run_keeper  # noqa: F401  (fixtures)

E18 = 10**18


def test_the_childs_ladder_earns_campaign_rewards_and_claims_them(
    chain,
    world,
    child,
    bot,
    reader,
    pool,
    rewards_child,  # noqa: F811  (the fixture imported above)
    keeper,  # noqa: F811
    stranger,
    tmp_path,
):
    w3 = chain.provider.web3
    store = Store(f"sqlite:///{tmp_path / 'mm.db'}")
    sender = TxSender(
        w3, Account.from_key(bot.private_key), TxJournal(store, chain.chain_id), FeePolicy(), confirmations=1
    )
    sender.start()
    market = Market.read(
        w3, pool.address, "uniswap_v3", world.book.address("uniswap_v3_router"), world.book.address("WETH")
    )
    books = MmJournal(store, chain.chain_id)
    dai = world.token("DAI")
    books.open_balances(child.address, {dai.address: dai.balanceOf(child)}, chain.blocks.height)
    tender = LadderTender(w3, market, reader, sender, books, LadderParams(rungs=(3, 3)), random.Random(5))
    assert tender.tend(market.price(market.state(w3))).action == "laid"

    dai.mint(1_000 * E18, sender=stranger)
    dai.approve(rewards_child, 2**256 - 1, sender=stranger)
    start = chain.pending_timestamp + 60
    rewards_child.createCampaign(pool, dai, 1_000 * E18, start, start + HOUR, HOUR, 1, sender=stranger)
    campaign = rewards_child.campaignCount()
    chain.mine(timestamp=start + HOUR + 5)
    chain.mine(2)
    measuring = keeper()
    run_keeper(chain, measuring, 1, [campaign])
    granted = measuring.journal.claim(campaign, child.address, 1)
    assert granted is not None and granted.cumulative_amount > 0  # the ladder earned a share

    claims = RewardClaims(w3, measuring.contract, measuring.journal, sender, books, pool.address, child.address)
    before = dai.balanceOf(child)
    (claim,) = claims.step()
    assert (claim.campaign, claim.epoch, claim.amount) == (campaign, 1, granted.cumulative_amount)
    assert dai.balanceOf(child) - before == granted.cumulative_amount
    assert claims.step() == []  # claimed once
    (check,) = [c for c in books.reconcile(child.address, lambda t: dai.balanceOf(child)) if c.token == dai.address]
    assert check.reconciled
    store.close()
