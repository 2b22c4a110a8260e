"""The arb keeper under faults: a crash at every journal step (an injected exception, and a real
`kill -9` of a `keepers run arb` process), a relay that refuses, the node unreachable, and a reorg
of depth 2 that takes a landed arbitrage back. After each, the opportunity still open on chain is
taken within a few blocks of the keeper's return, exactly once, the bot's nonces are contiguous,
nothing is left in flight, and the transaction journal reconciles with the chain."""

from __future__ import annotations

import signal
import subprocess
import time

import pytest
from sqlalchemy import select
from web3 import Web3

from keepers.arb.execution import ARB_CHILD
from keepers.bundles.client import RelayClient
from keepers.chain.faults import Faults, InjectedFault
from keepers.chain.journal import TxJournal
from keepers.devrelay.relay import DevRelay
from keepers.store.db import Store
from keepers.store.models import Bundle
from tests.faults.invariants import check_sender
from tests.faults.matrix import FULL, through_outage
from tests.faults.proxy import CutAt, TcpProxy

from .test_arb_keeper import E18, swap_v2
from .test_service import KEEPERS, keeper_env

ARB_POINTS = ["arb.found", "arb.signed", "arb.relayed", "sender.mined"]
KILL_POINTS = ARB_POINTS if FULL else ["arb.signed"]
POOLS = ("uniswap_v2:WETH/DAI", "v2b:WETH/DAI")
ARB_EXECUTED = ARB_CHILD.event("ArbExecuted")
WITHIN_BLOCKS = 3


def arbitrages(arb, from_block: int) -> int:
    logs = arb.w3.eth.get_logs({"fromBlock": from_block, "address": arb.child.address, "topics": [ARB_EXECUTED.topic]})
    return len(logs)


def executed(arb, from_block: int) -> set[str]:
    """The transactions that emitted ArbExecuted from the child since `from_block`."""
    logs = arb.w3.eth.get_logs({"fromBlock": from_block, "address": arb.child.address, "topics": [ARB_EXECUTED.topic]})
    return {log["transactionHash"].to_0x_hex() for log in logs}


def open_bundles(arb) -> list:
    with arb.store.transaction() as session:
        return session.scalars(select(Bundle).where(Bundle.status.in_(("submitting", "submitted")))).all()


def take_within(arb, keeper, blocks: int = WITHIN_BLOCKS) -> int:
    """Mine and run the keeper until an arbitrage landed; returns how many blocks that took."""
    for n in range(1, blocks + 1):
        report = keeper.on_block(arb.mine())
        if report.landed:
            return n
    raise AssertionError(f"the open opportunity was not taken within {blocks} blocks")


def check(arb, start: int) -> None:
    assert arbitrages(arb, start) == 1  # taken exactly once
    assert open_bundles(arb) == []
    check_sender(arb.w3, TxJournal(arb.store, arb.w3.eth.chain_id), arb.bot.address, start)


@pytest.fixture
def dislocated(arb):
    """A keeper's view from before a 60 WETH dislocation on uniswap_v2 (mined in the next block)."""
    start = arb.w3.eth.block_number
    swap_v2(arb, "uniswap_v2_router", ["WETH", "DAI"], 60 * E18)
    return start


@pytest.mark.parametrize("point", ARB_POINTS)
def test_a_crash_at_any_step_takes_the_opportunity_once(arb, dislocated, point):
    crashing = arb.keeper(pools=POOLS, faults=Faults(frozenset({point})))
    crashing.start(arb.w3.eth.block_number)
    with pytest.raises(InjectedFault):
        for _ in range(4):
            crashing.on_block(arb.mine())
    del crashing

    restarted = arb.keeper(pools=POOLS)
    restarted.start(arb.w3.eth.block_number)
    if arbitrages(arb, dislocated) == 0:
        take_within(arb, restarted)
    else:  # it landed before the crash: the restart only settles it
        restarted.on_block(arb.mine())
    check(arb, dislocated)


def test_a_relay_that_refuses_leaves_the_opportunity_standing(arb, dislocated):
    keeper = arb.keeper(pools=POOLS)
    keeper.start(arb.w3.eth.block_number)
    working = keeper.relays
    keeper.relays = RelayClient(["http://127.0.0.1:9"], arb.searcher)  # nothing listens there
    report = keeper.on_block(arb.mine())
    assert report.dropped and "eth_callBundle failed" in report.dropped[0][1]
    assert keeper.sender.journal.of_sender(arb.bot.address)[0].status == "expired"  # its nonce is free again
    keeper.relays = working
    take_within(arb, keeper)
    keeper.on_block(arb.mine())
    check(arb, dislocated)


@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_killed_keeper_process_resumes_and_takes_the_opportunity_once(arb, tmp_path, point):
    store_url = f"sqlite:///{tmp_path / 'service.db'}"
    start = arb.w3.eth.block_number
    with DevRelay(arb.node_url, block_interval=0.5, anvil_log=tmp_path / "sim.log") as relay:
        env = keeper_env(arb, store_url, f'["{relay.url}"]') | {"LAPIDARY_CHAIN__CONFIRMATIONS": "1"}
        killed = env | {"LAPIDARY_FAULTS__CRASH_AT": f'["{point}"]', "LAPIDARY_FAULTS__MODE": "kill"}
        first = subprocess.Popen([KEEPERS, "run", "arb"], env=killed, stdout=subprocess.PIPE, text=True)
        for line in first.stdout:
            if line.startswith("arb keeper:"):
                break
        swap_v2(arb, "uniswap_v2_router", ["WETH", "DAI"], 60 * E18)
        assert first.wait(60) == -signal.SIGKILL

        second = subprocess.Popen([KEEPERS, "run", "arb"], env=env, stdout=subprocess.PIPE, text=True)
        store = Store(store_url)
        try:
            deadline = time.monotonic() + 60
            while True:
                with store.transaction() as session:
                    landed = session.scalars(select(Bundle).where(Bundle.status == "landed")).all()
                if landed:
                    break
                assert time.monotonic() < deadline, "no arbitrage landed after the restart"
                time.sleep(0.3)
            time.sleep(1.5)  # a block more for the sender to settle what landed
        finally:
            second.send_signal(signal.SIGTERM)
            second.communicate(timeout=30)
        try:
            # The killed process may have relayed the world's small standing opportunity before the
            # dislocation: then two different opportunities land, each exactly once, each journaled.
            with store.transaction() as session:
                landed = {b.tx_hash for b in session.scalars(select(Bundle).where(Bundle.status == "landed"))}
            assert landed and executed(arb, start) == landed
            with store.transaction() as session:
                assert session.scalars(select(Bundle).where(Bundle.status.in_(("submitting", "submitted")))).all() == []
            check_sender(arb.w3, TxJournal(store, arb.w3.eth.chain_id), arb.bot.address, start)
        finally:
            store.close()


def test_the_node_unreachable_then_the_opportunity_is_taken(arb, dislocated):
    proxy = TcpProxy(arb.node_url)
    node = Web3(Web3.HTTPProvider(proxy.url, request_kwargs={"timeout": 5}))
    try:
        keeper = arb.keeper(pools=POOLS, node=node, faults=CutAt("arb.found", proxy))
        keeper.start(arb.w3.eth.block_number)
        with pytest.raises(OSError):
            keeper.on_block(arb.mine())  # found it, then the node vanished mid-simulation
        assert through_outage(lambda: keeper.on_block(arb.mine())) > 0
        assert arbitrages(arb, dislocated) == 0
        proxy.open()
        take_within(arb, keeper)
        keeper.on_block(arb.mine())
    finally:
        proxy.close()
    check(arb, dislocated)


def test_a_reorg_of_depth_two_takes_the_arbitrage_back_and_it_is_taken_again(arb, dislocated):
    keeper = arb.keeper(pools=POOLS, confirmations=3)
    keeper.start(arb.w3.eth.block_number)
    arb.mine()  # the dislocation
    snapshot = arb.w3.provider.make_request("evm_snapshot", [])["result"]
    keeper.on_block(arb.w3.eth.block_number)  # submits
    take_within(arb, keeper, 1)
    keeper.on_block(arb.mine())
    assert arbitrages(arb, dislocated) == 1

    arb.w3.provider.make_request("evm_revert", [snapshot])  # both blocks leave the chain
    arb.w3.provider.make_request("anvil_dropAllTransactions", [])
    arb.mine()
    arb.mine()  # two other (empty) blocks at those heights
    assert arbitrages(arb, dislocated) == 0  # the dislocation is open again on chain
    take_within(arb, keeper)
    keeper.on_block(arb.mine())
    check(arb, dislocated)


def test_a_bundle_whose_block_was_replaced_before_it_settled_is_settled_later(arb, dislocated):
    """The sender saw the bundle mined, then its block was replaced before the keeper settled it (the
    devrelay re-seals a block whose bundles fail their check): settling waits instead of failing the
    block on a receipt that is gone, and the opportunity is taken again."""
    keeper = arb.keeper(pools=POOLS, confirmations=3)
    keeper.start(arb.w3.eth.block_number)
    arb.mine()  # the dislocation
    snapshot = arb.w3.provider.make_request("evm_snapshot", [])["result"]
    keeper.on_block(arb.w3.eth.block_number)  # submits
    head = arb.mine()
    keeper.sender.poll(head)  # the sender journals it mined; the keeper has not settled it yet
    assert arbitrages(arb, dislocated) == 1

    arb.w3.provider.make_request("evm_revert", [snapshot])
    arb.w3.provider.make_request("anvil_dropAllTransactions", [])
    keeper.settle(arb.mine())  # raised TransactionNotFound before
    take_within(arb, keeper)
    keeper.on_block(arb.mine())
    check(arb, dislocated)
