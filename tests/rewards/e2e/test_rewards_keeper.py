"""End to end on the world: two campaigns on the V3 pool, LPs and traders over three epochs, the
keeper posts three roots each, every participant claims; all amounts exact to the wei."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from eth_utils import keccak

from keepers.rewards.tree import RewardTree

from .conftest import DEADLINE, E18, HOUR, POOL, Market, run_keeper

KEEPERS = str(Path(sys.executable).with_name("keepers"))


def test_three_epochs_posted_and_fully_claimed(chain, accounts, world, rewards_child, keeper, stranger):
    sponsor = stranger
    lp_a, lp_b, lp_c, trader = accounts[7], accounts[8], accounts[9], accounts[3]
    market = Market(world, [lp_a, lp_b, trader, sponsor])
    dai = world.token("DAI")
    dai.mint(9_000 * E18, sender=sponsor)
    dai.approve(rewards_child, 2**256 - 1, sender=sponsor)
    start = chain.pending_timestamp + 120
    pool = world.book.address(POOL)
    rewards_child.createCampaign(pool, dai, 6_000 * E18, start, start + 3 * HOUR, HOUR, 1, sender=sponsor)
    rewards_child.createCampaign(pool, dai, 3_000 * E18, start, start + 3 * HOUR, HOUR, 0, sender=sponsor)
    liquidity_campaign, volume_campaign = 1, 2
    k = keeper()

    # Epoch 1: A provides from the start, B from mid-epoch; the trader and the sponsor trade.
    position_a = market.mint(lp_a, -5, 5, 10 * E18)
    chain.mine(timestamp=start + 1)
    market.swap(trader, weth_in=3 * E18)
    chain.mine(timestamp=start + HOUR // 2)
    market.mint(lp_b, -2, 3, 5 * E18)
    market.swap(sponsor, usdc_in=9_000 * 10**6)  # the sponsor's own volume never counts
    market.swap(trader, usdc_in=4_000 * 10**6)
    chain.mine(timestamp=start + HOUR + 5)
    run_keeper(chain, k, 1, [liquidity_campaign, volume_campaign])

    # Epoch 2 (and a restart of the keeper): A removes half, B trades through its own range (wash).
    k = keeper()
    liquidity = market.manager.positions(position_a).liquidity
    market.manager.decreaseLiquidity((position_a, liquidity // 2, 0, 0, DEADLINE), sender=lp_a)
    market.swap(lp_b, weth_in=2 * E18)
    market.swap(trader, weth_in=E18)
    chain.mine(timestamp=start + 2 * HOUR + 5)
    run_keeper(chain, k, 2, [liquidity_campaign, volume_campaign])

    # Epoch 3: A's NFT goes to C, whose liquidity counts from then on.
    market.manager.transferFrom(lp_a, lp_c, position_a, sender=lp_a)
    market.swap(trader, usdc_in=2_000 * 10**6)
    chain.mine(timestamp=start + 3 * HOUR + 5)
    run_keeper(chain, k, 3, [liquidity_campaign, volume_campaign])

    contract = k.contract
    for campaign_id, funded in ((liquidity_campaign, 6_000 * E18), (volume_campaign, 3_000 * E18)):
        epoch, root = contract.claimable_root(campaign_id)
        assert epoch == 3
        row = k.journal.epoch(campaign_id, 3)
        tree_bytes = open(row.tree_file, "rb").read()
        assert "0x" + keccak(tree_bytes).hex() == root.content_hash == row.content_hash
        tree = RewardTree.load(json.loads(tree_bytes))
        assert tree.root == root.root and sum(tree.amounts.values()) == root.total_allocated
        assert root.total_allocated <= funded
        assert sponsor.address not in tree.amounts
        total = 0
        for account, cumulative in tree.amounts.items():
            claim = k.journal.claim(campaign_id, account)
            assert claim.cumulative_amount == cumulative
            before = dai.balanceOf(account)
            rewards_child.claim(campaign_id, account, cumulative, claim.proof, sender=trader)  # anyone may
            assert dai.balanceOf(account) - before == cumulative
            total += cumulative
        assert contract.campaign(campaign_id).claimed == total == root.total_allocated
    liquidity_root = RewardTree.load(json.loads(open(k.journal.epoch(1, 3).tree_file, "rb").read()))
    assert {lp_a.address, lp_b.address, lp_c.address} <= set(liquidity_root.amounts)
    volume_root = RewardTree.load(json.loads(open(k.journal.epoch(2, 3).tree_file, "rb").read()))
    assert set(volume_root.amounts) == {trader.address}  # LP B's trade was through its own range


def test_a_crash_after_posting_never_posts_twice(chain, keeper, ended_epoch):
    first = keeper()
    report = first.on_block(chain.blocks.height)
    assert report.posted == [(1, 1)]
    # Sent, not waited for: count the bot's nonce once the post is mined, or a busy node reads it short.
    first.w3.eth.wait_for_transaction_receipt(first.journal.epoch(1, 1).post_tx, timeout=30)
    nonce = chain.provider.web3.eth.get_transaction_count(first.bot.address)
    del first  # dies before settling the post

    second = keeper()
    for _ in range(3):
        chain.mine()
        second.on_block(chain.blocks.height)
    assert chain.provider.web3.eth.get_transaction_count(second.bot.address, "pending") == nonce  # nothing re-sent
    assert second.journal.epoch(1, 1).status in ("posted", "claimable")
    assert second.contract.campaign(1).last_epoch == 1


def test_a_revoked_root_is_computed_and_posted_again(chain, rewards_child, keeper, ended_epoch, owner):
    k = keeper()
    k.on_block(chain.blocks.height)
    chain.mine()
    k.on_block(chain.blocks.height)
    rewards_child.revokeRoot(1, 1, sender=owner)

    chain.mine()
    report = k.on_block(chain.blocks.height)

    assert report.revoked == [(1, 1)] and report.posted == [(1, 1)]
    # Sent, not waited for: read the chain once the new post is mined.
    k.w3.eth.wait_for_transaction_receipt(k.journal.epoch(1, 1).post_tx, timeout=30)
    root = k.contract.epoch_root(1, 1)
    assert not root.revoked and root.root == k.journal.epoch(1, 1).root


def test_proof_command_prints_claim_arguments(chain, rewards_child, keeper, ended_epoch, stranger, tmp_path):
    sponsor, lp, dai = ended_epoch.sponsor, ended_epoch.lp, ended_epoch.dai
    k = keeper()
    run_keeper(chain, k, 1, [1])
    env = {
        **os.environ,
        "LAPIDARY_CHAIN__RPC_URL": chain.provider.uri,
        "LAPIDARY_STORE__URL": f"sqlite:///{tmp_path / 'journal.db'}",
        "LAPIDARY_DEPLOYMENTS_FILE": str(rewards_child.deployments_file),
    }

    result = subprocess.run(
        [KEEPERS, "rewards", "proof", "1", lp.address], env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stdout + result.stderr
    printed = json.loads(result.stdout)
    claim = k.journal.claim(1, lp.address)
    assert printed["proof"] == claim.proof and int(printed["cumulative_amount"]) == claim.cumulative_amount
    # The printed calldata is exactly the claim: sending it pays the account its whole entitlement.
    before = dai.balanceOf(lp)
    w3 = chain.provider.web3
    sent = w3.eth.send_transaction(
        {"from": sponsor.address, "to": printed["to"], "data": printed["calldata"], "gas": 500_000}
    )
    # Sent, not waited for by the node's automine on a busy machine: read balances once it is mined.
    assert w3.eth.wait_for_transaction_receipt(sent, timeout=30).status == 1
    assert dai.balanceOf(lp) - before == claim.cumulative_amount

    missing = subprocess.run(
        [KEEPERS, "rewards", "proof", "1", stranger.address], env=env, capture_output=True, text=True, timeout=120
    )
    assert missing.returncode == 1 and "has a leaf for" in missing.stdout and "Traceback" not in missing.stderr
    bad = subprocess.run(
        [KEEPERS, "rewards", "proof", "1", "not-an-address"], env=env, capture_output=True, text=True, timeout=120
    )
    assert bad.returncode == 2 and "is not an address" in bad.stderr
