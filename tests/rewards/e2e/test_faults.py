"""The rewards keeper under faults: a root that cannot be sent, a crash at every journal step (an
injected exception, and a real `kill -9` of a `keepers run rewards` process), a transaction dropped
from the pool, the node unreachable while the root goes out, and a reorg of depth 2. After each, the
epoch's root is on chain exactly once and claimable, the bot's nonces are contiguous, and its
journal reconciles with the chain."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from web3 import Web3

from keepers.chain.contracts import abi
from keepers.chain.errors import WouldRevert
from keepers.chain.faults import POINTS, Faults, InjectedFault
from keepers.chain.journal import TxJournal
from keepers.rewards.journal import RewardsJournal
from keepers.store.db import Store
from keepers.world.settings import keeper_environment
from tests.faults.invariants import check_sender
from tests.faults.matrix import FULL, through_outage
from tests.faults.proxy import CutAt, TcpProxy
from tests.support import manual_mining

from .conftest import E18, TIMELOCK, run_keeper

KEEPERS = str(Path(sys.executable).with_name("keepers"))
REWARDS_POINTS = ["rewards.computed", "sender.journaled", "sender.broadcast", "rewards.sent", "sender.mined"]
# `make test` kills a process at the boundary right after the write-ahead; `make test-faults` at all.
KILL_POINTS = REWARDS_POINTS if FULL else ["rewards.sent"]
ROOT_POSTED = abi("MerkleRewardsFacet").event("RootPosted")


def posted_roots(w3: Web3, child: str, campaign: int) -> int:
    logs = w3.eth.get_logs(
        {"fromBlock": 0, "address": child, "topics": [ROOT_POSTED.topic, "0x" + campaign.to_bytes(32, "big").hex()]}
    )
    return len(logs)


def check(keeper, campaign: int, from_block: int) -> None:
    """The epoch is claimable, its root posted once; the bot's journal reconciles with the chain."""
    assert keeper.contract.claimable_root(campaign)[0] == 1
    assert keeper.journal.epoch(campaign, 1).status == "claimable"
    assert posted_roots(keeper.w3, keeper.contract.address, campaign) == 1
    check_sender(keeper.w3, keeper.sender.journal, keeper.bot.address, from_block)


def test_a_root_that_cannot_be_sent_leaves_the_epoch_computed_and_posts_later(
    chain, rewards_child, keeper, ended_epoch, owner
):
    """The stuck-`posting` case: a send that raised used to leave the epoch `posting` with no hash."""
    k = keeper()
    start = chain.blocks.height
    rewards_child.pause(sender=owner)
    chain.mine()
    with pytest.raises(WouldRevert, match="ChildPaused"):
        k.on_block(chain.blocks.height)
    assert k.journal.epoch(ended_epoch.campaign, 1).status == "computed"
    assert k.sender.journal.of_sender(k.bot.address) == []

    rewards_child.unpause(sender=owner)
    run_keeper(chain, k, 1, [ended_epoch.campaign])
    check(k, ended_epoch.campaign, start)


@pytest.mark.parametrize("point", REWARDS_POINTS)
def test_a_crash_at_any_step_posts_the_root_once(chain, keeper, ended_epoch, point):
    assert point in POINTS
    start = chain.blocks.height
    crashing = keeper(Faults(frozenset({point})))
    with pytest.raises(InjectedFault):
        for _ in range(10):
            chain.mine()
            crashing.on_block(chain.blocks.height)
    del crashing  # the process is gone; what it journaled stays

    restarted = keeper()
    restarted.sender.start()
    run_keeper(chain, restarted, 1, [ended_epoch.campaign])
    check(restarted, ended_epoch.campaign, start)


@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_killed_keeper_process_resumes_and_posts_once(
    chain, world, rewards_child, owner, ended_epoch, tmp_path, point
):
    w3 = chain.provider.web3
    bot = os.urandom(32)
    bot_address = w3.eth.account.from_key(bot).address
    w3.provider.make_request("anvil_setBalance", [bot_address, hex(10 * E18)])
    rewards_child.setBot(bot_address, True, sender=owner)
    start = chain.blocks.height
    env = {
        **os.environ,
        **keeper_environment(world.book),
        "LAPIDARY_CHAIN__RPC_URL": chain.provider.uri,
        "LAPIDARY_CHAIN__POLL_INTERVAL": "0.1",
        "LAPIDARY_CHAIN__CONFIRMATIONS": "1",
        "LAPIDARY_STORE__URL": f"sqlite:///{tmp_path / 'journal.db'}",
        "LAPIDARY_DEPLOYMENTS_FILE": str(rewards_child.deployments_file),
        "LAPIDARY_BOT__PRIVATE_KEY": "0x" + bot.hex(),
        "LAPIDARY_REWARDS__TREE_DIR": str(tmp_path / "trees"),
        "LAPIDARY_REWARDS__CONFIRMATIONS": "1",
    }
    killed = env | {"LAPIDARY_FAULTS__CRASH_AT": f'["{point}"]', "LAPIDARY_FAULTS__MODE": "kill"}
    with _keeper_process(killed, tmp_path / "first.log") as process:
        _mine_until(chain, lambda: process.poll() is not None, 60)
        assert process.returncode == -signal.SIGKILL, (tmp_path / "first.log").read_text()
    store = Store(env["LAPIDARY_STORE__URL"])
    journal = RewardsJournal(store, chain.chain_id, rewards_child.address)
    with _keeper_process(env, tmp_path / "second.log"):

        def claimable() -> bool:  # what the restarted keeper journaled, not just what the chain says
            row = journal.epoch(ended_epoch.campaign, 1)
            return row is not None and row.status == "claimable"

        _mine_until(chain, claimable, 90, step=TIMELOCK // 4)
    try:
        assert posted_roots(w3, rewards_child.address, ended_epoch.campaign) == 1
        check_sender(w3, TxJournal(store, chain.chain_id), bot_address, start)
    finally:
        store.close()


@contextmanager
def _keeper_process(env: dict, log: Path):
    with log.open("w") as out:
        process = subprocess.Popen([KEEPERS, "run", "rewards"], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(30)


def _mine_until(chain, done, timeout: float, step: int = 0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "timed out"
        chain.mine(deltatime=step) if step else chain.mine()
        time.sleep(0.3)


def _mine(w3: Web3, seconds: int = 0) -> int:
    if seconds:
        timestamp = w3.eth.get_block("latest")["timestamp"] + seconds
        w3.provider.make_request("evm_setNextBlockTimestamp", [timestamp])
    w3.provider.make_request("evm_mine", [])
    return w3.eth.block_number


def _run_raw(k, w3: Web3, campaign: int, blocks: int = 40) -> None:
    """Mine with the node's own RPC (automine off) and run the keeper until the root is claimable."""
    for _ in range(blocks):
        k.on_block(_mine(w3, TIMELOCK // 4))
        if k.contract.claimable_root(campaign)[0] == 1:
            k.on_block(_mine(w3))
            return
    rows = [(r.purpose, r.status, r.error) for r in k.sender.journal.of_sender(k.bot.address)]
    latest = w3.eth.get_block("latest")
    root = k.contract.epoch_root(campaign, 1)
    raise AssertionError(
        f"never claimable: epoch {k.journal.epoch(campaign, 1).status}, transactions {rows}, "
        f"head {latest['number']} at {latest['timestamp']}, root {root}"
    )


def test_a_dropped_root_transaction_is_sent_again(chain, keeper, ended_epoch):
    k = keeper()
    w3 = k.w3
    start = chain.blocks.height
    with manual_mining(w3):
        report = k.on_block(_mine(w3))
        assert report.posted == [(ended_epoch.campaign, 1)]
        sent = k.sender.journal.of_sender(k.bot.address)[0]
        w3.provider.make_request("anvil_dropTransaction", [sent.tx_hash])
        _run_raw(k, w3, ended_epoch.campaign)
    check(k, ended_epoch.campaign, start)


def test_the_node_unreachable_while_the_root_goes_out(chain, keeper, ended_epoch):
    proxy = TcpProxy(chain.provider.uri)
    outage = CutAt("sender.journaled", proxy)
    k = keeper(outage, Web3(Web3.HTTPProvider(proxy.url, request_kwargs={"timeout": 5})))
    start = chain.blocks.height
    try:
        chain.mine()
        report = k.on_block(chain.blocks.height)  # journaled, then the node vanished: not broadcast
        assert outage.cut and report.posted == [(ended_epoch.campaign, 1)]
        assert "not broadcast yet" in k.sender.journal.of_sender(k.bot.address)[0].error

        def block() -> None:
            chain.mine()
            k.on_block(chain.blocks.height)

        assert through_outage(block) > 0
        proxy.open()
        run_keeper(chain, k, 1, [ended_epoch.campaign])
        check(k, ended_epoch.campaign, start)
    finally:
        proxy.close()


def test_a_reorg_of_depth_two_puts_the_root_back_and_it_lands_once(chain, keeper, ended_epoch):
    k = keeper(confirmations=3)
    w3 = k.w3
    start = chain.blocks.height
    with manual_mining(w3):
        snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
        k.on_block(_mine(w3))
        posted_in = _mine(w3)
        k.on_block(posted_in)
        assert k.journal.epoch(ended_epoch.campaign, 1).status == "posted"
        assert posted_roots(w3, k.contract.address, ended_epoch.campaign) == 1
        w3.provider.make_request("evm_revert", [snapshot])  # both blocks leave the chain
        w3.provider.make_request("anvil_dropAllTransactions", [])
        _mine(w3)
        _mine(w3)  # two other blocks at those heights
        _run_raw(k, w3, ended_epoch.campaign)
    check(k, ended_epoch.campaign, start)
    assert k.sender.journal.of_sender(k.bot.address)[0].mined_block > posted_in
