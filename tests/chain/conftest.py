"""The transaction path on a node of its own: anvil with mining off (blocks only when a test mines),
fresh funded keys per test, a fresh journal per test. No Ape, no world: TxSender speaks to the node
the way a keeper does."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from keepers.chain.faults import NO_FAULTS, Faults
from keepers.chain.fees import FeePolicy
from keepers.chain.journal import TxJournal
from keepers.chain.sender import SenderPool, TxSender
from keepers.store.db import Store
from keepers.toolchain import default_toolchain
from keepers.toolchain.anvil import Anvil

E18 = 10**18


@dataclass
class Node:
    w3: Web3
    url: str

    def mine(self, blocks: int = 1) -> int:
        for _ in range(blocks):
            self.w3.provider.make_request("evm_mine", [])
        return self.w3.eth.block_number

    def fund(self, ether: int = 10) -> LocalAccount:
        account = Account.from_key(secrets.token_bytes(32))
        self.w3.provider.make_request("anvil_setBalance", [account.address, hex(ether * E18)])
        return account

    def rpc(self, method: str, *params):
        answer = self.w3.provider.make_request(method, list(params))
        assert "error" not in answer, answer
        return answer["result"]

    def deploy(self, contract: str) -> str:
        """A compiled contract of ours, deployed by a fresh account (raw bytecode from Ape's build)."""
        manifest = json.loads((default_toolchain().root / ".build" / "__local__.json").read_text())
        code = manifest["contractTypes"][contract]["deploymentBytecode"]["bytecode"]
        deployer = self.fund()
        signed = deployer.sign_transaction(
            {
                "type": 2,
                "chainId": self.w3.eth.chain_id,
                "nonce": 0,
                "data": code,
                "value": 0,
                "gas": 3_000_000,
                "maxFeePerGas": 10 * 10**9,
                "maxPriorityFeePerGas": 10**9,
            }
        )
        tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
        self.mine()
        return self.w3.eth.get_transaction_receipt(tx_hash)["contractAddress"]


@pytest.fixture(scope="module")
def node(tmp_path_factory) -> Iterator[Node]:
    log = tmp_path_factory.mktemp("chain") / "anvil.log"
    with Anvil(args=("--no-mining", "--base-fee", str(10**9)), log_path=log) as anvil:
        yield Node(Web3(Web3.HTTPProvider(anvil.url, request_kwargs={"timeout": 30})), anvil.url)


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path / 'journal.db'}")
    yield store
    store.close()


@pytest.fixture
def journal(node, store) -> TxJournal:
    return TxJournal(store, node.w3.eth.chain_id)


@pytest.fixture
def make_sender(node, journal) -> Callable[..., TxSender]:
    def make(
        account: LocalAccount | None = None,
        policy: FeePolicy | None = None,
        confirmations: int = 2,
        faults: Faults = NO_FAULTS,
    ) -> TxSender:
        return TxSender(
            node.w3,
            account or node.fund(),
            journal,
            policy or FeePolicy(),
            confirmations=confirmations,
            faults=faults,
        )

    return make


@pytest.fixture
def sender_pool(node, journal) -> SenderPool:
    return SenderPool(node.w3, journal, FeePolicy(), confirmations=1)
