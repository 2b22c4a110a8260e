"""The devrelay with the node around it: given nodes, interval mining, the CLI entry, races with the mempool."""

from __future__ import annotations

import threading
import time

import pytest
from web3 import Web3

from keepers.bundles.client import RelayClient, RelayError, track_inclusion
from keepers.bundles.transactions import Bundle, RawTransaction, bundle_hash
from keepers.devrelay.builder import BlockBuilder
from keepers.devrelay.node import NodeRpc
from keepers.devrelay.relay import DevRelay, DevRelayError, RelayLimits, serve_devrelay
from keepers.toolchain.anvil import Anvil
from tests.bundles.support import (
    DEV,
    ONE_SHOT_INIT,
    SEARCHER,
    Chain,
    call,
    post,
    rpc,
    transfer,
    tx_hash,
)


def test_a_given_node_must_keep_submission_order(tmp_path):
    with Anvil(log_path=tmp_path / "anvil.log") as node:  # default --order fees
        with pytest.raises(DevRelayError, match="--order fifo"):
            DevRelay(node.url, block_interval=None).start()


def test_a_node_that_is_not_there_is_a_clear_error():
    with pytest.raises(DevRelayError, match="no node at http://127.0.0.1:1"):
        DevRelay("http://127.0.0.1:1", block_interval=None).start()


def test_a_given_node_mines_only_through_the_relay_and_gets_automine_back(tmp_path):
    with Anvil(args=("--order", "fifo"), log_path=tmp_path / "anvil.log") as node:
        w3 = Web3(Web3.HTTPProvider(node.url))
        assert w3.provider.make_request("anvil_getAutomine", [])["result"] is True
        with DevRelay(node.url, block_interval=None) as relay:
            raw = transfer(DEV[0], 0, DEV[1].address, 1)
            w3.eth.send_raw_transaction(raw)
            assert w3.eth.block_number == 0
            assert relay.mine_now().transactions == (tx_hash(raw),)
        assert w3.provider.make_request("anvil_getAutomine", [])["result"] is True


def test_interval_mining_lands_a_bundle_sent_ahead(tmp_path):
    with DevRelay(block_interval=0.1) as relay:
        w3 = Web3(Web3.HTTPProvider(relay.anvil_url))
        deadline = time.monotonic() + 5
        while w3.eth.block_number < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert w3.eth.block_number >= 2
        txs = [transfer(DEV[0], 0, DEV[1].address, 1), transfer(DEV[1], 0, DEV[0].address, 1)]
        target = w3.eth.block_number + 3
        client = RelayClient([relay.url], SEARCHER)
        assert client.send_bundle(txs, target).accepted
        result = track_inclusion(w3, [tx_hash(tx) for tx in txs], until_block=target, timeout=10, poll_interval=0.05)
        assert result.included and result.block_number == target


def test_serve_devrelay_runs_until_stopped():
    ready: list[DevRelay] = []
    stop = threading.Event()
    thread = threading.Thread(
        target=serve_devrelay,
        kwargs={"block_interval": 0.1, "on_ready": ready.append, "stop": stop},
        daemon=True,
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not ready and time.monotonic() < deadline:
        time.sleep(0.02)
    [relay] = ready
    assert relay.url.startswith("http://127.0.0.1:") and relay.port > 0
    assert post(relay.url, rpc("eth_chainId")).json()["result"] == "0x7a69"
    anvil_url = relay.anvil_url
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()
    with pytest.raises(ConnectionError):
        NodeRpc(anvil_url, timeout=1).call("eth_chainId")  # its anvil went with it


def test_pending_bundles_are_limited():
    with DevRelay(block_interval=None, limits=RelayLimits(max_pending_bundles=2)) as relay:
        client = RelayClient([relay.url], SEARCHER)
        for block in (1, 2):
            assert client.send_bundle([transfer(DEV[0], 0, DEV[1].address, 1)], block).accepted
        [answer] = client.send_bundle([transfer(DEV[0], 0, DEV[1].address, 1)], 3).answers
        assert "too many pending bundles" in answer.error.message


def test_call_bundle_simulates_on_a_recent_state(relay, chain, client):
    relay.mine_now()
    spent = transfer(DEV[0], 0, DEV[1].address, 1)
    chain.w3.eth.send_raw_transaction(spent)
    relay.mine_now()  # block 2 uses DEV[0]'s nonce 0
    head = chain.w3.eth.get_block("latest")
    again = transfer(DEV[0], 0, DEV[2].address, 2)

    # What web3's Flashbots module asks by default: the state of the head's parent, at the head's time.
    result = client.call_bundle([again], head.number, state_block=head.number - 1, timestamp=head.timestamp)
    assert result.state_block_number == head.number - 1 and result.total_gas_used == 21_000
    assert client.call_bundle([again], head.number, state_block=0).state_block_number == 0
    with pytest.raises(RelayError, match="nonce"):
        client.call_bundle([again], head.number + 1)  # the latest state: the nonce is spent
    assert chain.head() == head.number


def test_call_bundle_refuses_states_it_cannot_simulate_on():
    with DevRelay(block_interval=None, limits=RelayLimits(max_state_age=2)) as relay:
        for _ in range(4):
            relay.mine_now()
        client = RelayClient([relay.url], SEARCHER)
        txs = [transfer(DEV[0], 0, DEV[1].address, 1)]
        assert client.call_bundle(txs, 5, state_block=2).state_block_number == 2
        for state in (1, 5, "pending"):
            with pytest.raises(RelayError, match=r"is not 'latest' nor a recent block \(2 to 4\)"):
                client.call_bundle(txs, 5, state_block=state)
        state_time = Web3(Web3.HTTPProvider(relay.anvil_url)).eth.get_block(3)["timestamp"]
        with pytest.raises(RelayError, match=f"must be after that of the state block 3 \\({state_time}\\)"):
            client.call_bundle(txs, 5, state_block=3, timestamp=state_time)


# -- races with transactions that reach anvil directly while a block is being built -------------


class _RacingBuilder(BlockBuilder):
    """Sends ``intruder`` straight to the chain's anvil at the worst moment: just before the
    sealed block's bundle transactions."""

    def __init__(self, chain: NodeRpc, simulator: NodeRpc, intruder: bytes):
        super().__init__(chain, simulator)
        self.intruder: bytes | None = intruder
        self.sealing = False

    def _seal(self, *args, **kwargs):
        self.sealing = True
        return super()._seal(*args, **kwargs)

    def _submit(self, node: NodeRpc, tx: RawTransaction) -> None:
        if self.sealing and self.intruder is not None:
            self._chain.call("eth_sendRawTransaction", "0x" + self.intruder.hex())
            self.intruder = None
        super()._submit(node, tx)


class _WatchedBuilder(BlockBuilder):
    """Looks at the chain while each trial block exists on the simulator."""

    def __init__(self, chain: NodeRpc, simulator: NodeRpc):
        super().__init__(chain, simulator)
        self.seen: list[tuple[int, int, list]] = []

    def _trial(self, txs, prefix, timestamp, trace):
        simulation = super()._trial(txs, prefix, timestamp, trace)
        chain_head = int(self._chain.call("eth_blockNumber"), 16)
        simulator_head = int(self._simulator.call("eth_blockNumber"), 16)
        receipts = [self._chain.call("eth_getTransactionReceipt", tx.hash) for tx in txs]
        self.seen.append((chain_head, simulator_head, receipts))
        return simulation


@pytest.fixture
def nodes(tmp_path):
    with Anvil(args=("--no-mining", "--order", "fifo"), log_path=tmp_path / "chain.log") as chain:
        fork = ("--no-mining", "--order", "fifo", "--fork-url", chain.url)
        with Anvil(args=fork, log_path=tmp_path / "simulator.log") as simulator:
            yield NodeRpc(chain.url), NodeRpc(simulator.url)


def _bundle(txs: list[bytes], reverting: frozenset[str] = frozenset()) -> Bundle:
    return Bundle(
        bundle_hash=bundle_hash(txs),
        txs=tuple(RawTransaction.decode(tx) for tx in txs),
        block_number=0,
        signer=SEARCHER.address,
        sequence=0,
        reverting_tx_hashes=reverting,
    )


def _next_timestamp(chain: Chain) -> int:
    return chain.w3.eth.get_block("latest")["timestamp"] + 1


def _one_shot(nodes) -> tuple[Chain, str]:
    chain = Chain(Web3(Web3.HTTPProvider(nodes[0].url)))
    raw = call(DEV[4], 0, None, ONE_SHOT_INIT, gas=200_000)
    chain.w3.eth.send_raw_transaction(raw)
    BlockBuilder(*nodes).build([], _next_timestamp(chain))
    return chain, chain.receipt(raw)["contractAddress"]


def test_trial_blocks_never_show_on_the_chain(nodes):
    chain, one_shot = _one_shot(nodes)
    winner = [call(DEV[0], 0, one_shot, b"", value=10**15)]
    loser = [call(DEV[1], 0, one_shot, b"")]
    builder = _WatchedBuilder(*nodes)

    built = builder.build([_bundle(winner), _bundle(loser)], _next_timestamp(chain))

    assert built.included == (bundle_hash(winner),) and bundle_hash(loser) in built.dropped
    assert len(builder.seen) == 3  # each bundle alone, then the loser on top of the winner
    for chain_head, simulator_head, receipts in builder.seen:
        assert (chain_head, simulator_head) == (1, 2)
        assert receipts == [None]


def test_a_transaction_slipping_in_ahead_of_a_bundle_never_breaks_its_atomicity(nodes):
    chain, one_shot = _one_shot(nodes)
    # Someone takes the OneShot by sending straight to anvil while the block is sealed:
    # the bundle's own OneShot call would now revert behind it.
    intruder = call(DEV[2], 0, one_shot, b"")
    bundle = [transfer(DEV[0], 0, DEV[1].address, 1), call(DEV[1], 0, one_shot, b"")]
    builder = _RacingBuilder(*nodes, intruder)

    built = builder.build([_bundle(bundle)], _next_timestamp(chain))

    assert built.included == ()
    assert built.dropped[bundle_hash(bundle)].startswith("block check failed")
    assert list(built.transactions) == [tx_hash(intruder)]
    assert chain.receipt(bundle[0]) is None and chain.receipt(bundle[1]) is None
    assert chain.head() == built.number == 2
    assert chain.w3.provider.make_request("txpool_status", [])["result"] == {"pending": "0x0", "queued": "0x0"}


def test_the_trial_block_has_the_chains_base_fee_and_coinbase(nodes):
    chain = Chain(Web3(Web3.HTTPProvider(nodes[0].url)))
    nodes[0].call("anvil_setCoinbase", "0x000000000000000000000000000000000000bEEF")
    for _ in range(3):  # empty blocks: the base fee falls every block
        BlockBuilder(*nodes).build([], _next_timestamp(chain))
    # The fee cap sits between the fork block's base fee and the next one: only the right base fee admits it.
    parent_fee = chain.w3.eth.get_block("latest")["baseFeePerGas"]
    raw = (
        DEV[0]
        .sign_transaction(
            {
                "chainId": 31337,
                "nonce": 0,
                "to": DEV[1].address,
                "value": 1,
                "gas": 21_000,
                "type": 2,
                "maxFeePerGas": parent_fee - 1,
                "maxPriorityFeePerGas": 10**6,
            }
        )
        .raw_transaction
    )
    builder = BlockBuilder(*nodes)
    simulation = builder.call([RawTransaction.decode(raw)], _next_timestamp(chain))
    built = builder.build([_bundle([raw])], _next_timestamp(chain))
    assert simulation.failure is None and built.included == (bundle_hash([raw]),)
    assert simulation.block.base_fee == chain.w3.eth.get_block(built.number)["baseFeePerGas"] < parent_fee
    assert simulation.block.coinbase.lower() == chain.w3.eth.get_block(built.number)["miner"].lower()
    assert simulation.outcomes[0].gas_fees == 21_000 * 10**6
