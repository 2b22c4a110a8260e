"""A whole arbitrage stack on its own chain: anvil (FIFO order) behind the devrelay, the world, the
diamonds, a configured arb child, and a keeper wired to all of it; blocks are mined on demand.

The Ape test session's own chain is not used: the devrelay needs to own block production.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

import pytest
from ape import Project, accounts, networks
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from keepers.arb.execution import ArbExecutor, lender_terms
from keepers.arb.journal import ArbJournal
from keepers.arb.keeper import ArbKeeper, ArbPlan
from keepers.arb.registry import PoolRegistry
from keepers.arb.setup import configure_child
from keepers.bundles.client import RelayClient
from keepers.chain.faults import NO_FAULTS, Faults
from keepers.chain.fees import FeePolicy
from keepers.chain.journal import TxJournal
from keepers.chain.sender import TxSender
from keepers.devrelay.relay import DevRelay
from keepers.diamond.deploy import DeployConfig, DiamondDeployer
from keepers.store.db import Store
from keepers.store.models import Base
from keepers.toolchain.anvil import Anvil
from keepers.world.artifacts import ArtifactStore
from keepers.world.book import AddressBook
from keepers.world.deploy import deploy_world
from keepers.world.settings import arb_child_setup, world_factories

E18 = 10**18
DEADLINE = 2**32 - 1


@dataclass
class Stack:
    w3: Web3
    node_url: str
    book: AddressBook
    master: object
    child: object
    owner: object  # ape account
    bot: LocalAccount
    searcher: LocalAccount
    trader: LocalAccount
    store: Store
    artifacts: ArtifactStore
    book_file: Path
    deployments_file: Path
    relay: DevRelay | None = None

    def keeper(
        self,
        lender: str = "balancer",
        pools: tuple[str, ...] | None = None,
        max_hops: int = 3,
        coinbase_bps: int = 0,
        faults: Faults = NO_FAULTS,
        confirmations: int = 1,
        node: Web3 | None = None,
    ) -> ArbKeeper:
        """A keeper on this stack (a new process, as far as it knows: same journal, same bot), trading
        only the world pools named in `pools` (default: all); `node`: another connection to the node."""
        w3 = node or self.w3
        chain_id = w3.eth.chain_id
        only = frozenset(self.book.address(name) for name in pools) if pools is not None else None
        sender = TxSender(
            w3, self.bot, TxJournal(self.store, chain_id), FeePolicy(), confirmations=confirmations, faults=faults
        )
        return ArbKeeper(
            w3,
            PoolRegistry(w3, self.store, chain_id, world_factories(self.book), 500),
            ArbExecutor(w3, self.child.address, self.bot.address),
            sender,
            RelayClient([self.relay.url], self.searcher),
            ArbJournal(self.store, chain_id),
            ArbPlan(
                base_token=self.book.address("WETH"),
                lender=lender,
                loan=lender_terms(self.w3, self.child.address, lender),
                max_hops=max_hops,
                coinbase_bps=coinbase_bps,
                only_pools=only,
            ),
            faults,
        )

    def contract(self, name: str):
        """A web3 contract of the world by name."""
        return self.w3.eth.contract(
            address=self.book.address(name), abi=self.artifacts.abi(self.book.contracts[name].artifact)
        )

    def transact(self, account: LocalAccount, fn, value: int = 0) -> str:
        """A public-mempool transaction (the devrelay puts it after the next block's bundles)."""
        tx = fn.build_transaction(
            {
                "from": account.address,
                "value": value,
                "gas": 1_500_000,
                "maxFeePerGas": 50 * 10**9,
                "maxPriorityFeePerGas": 10**9,
                "nonce": self.w3.eth.get_transaction_count(account.address, "pending"),
            }
        )
        return self.w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction).to_0x_hex()

    def mine(self) -> int:
        self.relay.mine_now()
        return self.w3.eth.block_number


def _funded(w3: Web3) -> LocalAccount:
    account = Account.from_key(secrets.token_bytes(32))
    w3.provider.make_request("anvil_setBalance", [account.address, hex(1_000 * E18)])
    return account


@pytest.fixture(scope="module")
def stack(tmp_path_factory, toolchain) -> Stack:
    tmp = tmp_path_factory.mktemp("arb-e2e")
    with Anvil(args=("--order", "fifo"), log_path=tmp / "anvil.log") as node:
        w3 = Web3(Web3.HTTPProvider(node.url, request_kwargs={"timeout": 30}))
        book = deploy_world(w3, w3.eth.accounts[0], toolchain.root / "node_modules")
        project = Project(toolchain.root)
        # Ape only for deploying and configuring the diamonds: leave its provider right after, so the
        # test session's own chain (and Ape's snapshots of it) are never touched by this stack.
        with networks.parse_network_choice(node.url):
            owner = accounts.test_accounts[0]
            deployer = DiamondDeployer.open(project, owner, tmp / "deployments.json", "ethereum:custom")
            records = deployer.system(DeployConfig(strategies={"arb": ["FlashArbFacet"]}))
            master = deployer.handle(records.master.address, "Diamond", *records.master.facets)
            child = deployer.handle(records.children["arb"].address, "Diamond", *records.children["arb"].facets)
            bot, searcher, trader = _funded(w3), _funded(w3), _funded(w3)
            configure_child(child, arb_child_setup(book, bots=(bot.address,), sweep_profit=True), owner)
            deployer.save(tmp / "deployments.json")
        stack = Stack(
            w3,
            node.url,
            book,
            master,
            child,
            owner,
            bot,
            searcher,
            trader,
            Store(f"sqlite:///{tmp / 'journal.db'}"),
            ArtifactStore(toolchain.root / "node_modules"),
            book_file=book.write(tmp / "world.json"),
            deployments_file=tmp / "deployments.json",
        )
        _fund_trader(stack)
        yield stack


def _fund_trader(stack: Stack) -> None:
    weth = stack.contract("WETH")
    stack.transact(stack.trader, weth.functions.deposit(), value=500 * E18)
    for symbol, amount in (("DAI", 5_000_000 * E18), ("USDC", 5_000_000 * 10**6)):
        stack.transact(stack.trader, stack.contract(symbol).functions.mint(amount))
    for router in ("uniswap_v2_router", "v2b_router", "uniswap_v3_router"):
        for symbol in ("WETH", "DAI", "USDC"):
            stack.transact(
                stack.trader, stack.contract(symbol).functions.approve(stack.book.address(router), 2**256 - 1)
            )
    stack.w3.provider.make_request("evm_mine", [])


@pytest.fixture
def arb(stack, tmp_path):
    """Each test: the same chain state, an empty journal, a devrelay of its own (no stale bundles)."""
    snapshot = stack.w3.provider.make_request("evm_snapshot", [])["result"]
    with stack.store.transaction() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(table.delete())
    with DevRelay(stack.node_url, block_interval=3600, anvil_log=tmp_path / "sim.log") as relay:
        stack.relay = relay
        yield stack
    stack.relay = None
    stack.w3.provider.make_request("evm_revert", [snapshot])
