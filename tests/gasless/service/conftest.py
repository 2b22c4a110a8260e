"""The relayer service on the real local chain: a rewards child carrying GaslessRelayFacet, a funded
campaign whose root is claimable, signers that never hold ETH, and a relayer account that pays.

The child is built by the production deployer with the default strategies and configured by
`configure_rewards_child` (claims relayable), as an operator would. The campaign's tree entitles
ten signers (keys, zero ETH) and a hundred claimants without keys, whose claims anyone may relay.
Everything chain-side is set up once per session; Ape's snapshot/revert gives each test this state.
Each test gets its own relayer (fresh store, funded account) speaking to the node over HTTP.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pytest
from ape.contracts import ContractInstance
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address
from web3 import Web3

from keepers.chain.faults import NO_FAULTS, Faults
from keepers.chain.fees import FeePolicy
from keepers.config import GaslessSettings
from keepers.diamond.deploy import DeployConfig, DiamondDeployer
from keepers.gasless.service import HttpServer, Relayer, create_app, make_relayer
from keepers.rewards.campaigns import RewardsContract
from keepers.rewards.setup import configure_rewards_child
from keepers.store.db import Store
from tests.rewards.contract.conftest import E18, MAX_UINT, create_campaign, now, post_claimable
from tests.rewards.contract.merkle import Tree

POOL = "uniswap_v3:WETH/USDC/3000"
SIGNERS = 10
CLAIMANTS = 100
RELAYER_FUNDS = 100 * E18


@dataclass(frozen=True)
class Campaign:
    """A campaign with a claimable root over `tree`."""

    id: int
    tree: Tree

    def claim_data(self, account: str) -> bytes:
        account = to_checksum_address(account)
        proof = ["0x" + node.hex() for node in self.tree.proof(account)]
        return RewardsContract.claim_calldata(self.id, account, self.tree.amount(account), proof)


@pytest.fixture(scope="session")
def child(project, world, owner, guardian, bot, tmp_path_factory) -> ContractInstance:
    path = tmp_path_factory.mktemp("gasless-service-deployments") / "deployments.json"
    deployer = DiamondDeployer.open(project, owner, path, "ethereum:local")
    records = deployer.system(DeployConfig(guardian=guardian.address))
    record = records.children["rewards"]
    assert "GaslessRelayFacet" in record.facets
    deployer.save(path)
    child = deployer.handle(record.address, "Diamond", *record.facets)
    configure_rewards_child(child, (bot.address,), owner)
    child.deployments_file = path
    return child


@pytest.fixture(scope="session")
def signers() -> list[LocalAccount]:
    """Keys that never hold ETH."""
    return [Account.from_key(keccak(text=f"lapidary relayer test signer {i}")) for i in range(SIGNERS)]


@pytest.fixture(scope="session")
def claimants() -> list[str]:
    return [to_checksum_address(keccak(text=f"lapidary claimant {i}")[:20]) for i in range(CLAIMANTS)]


@pytest.fixture(scope="session")
def service_campaign(chain, child, accounts, bot, dai, world, signers, claimants) -> Campaign:
    sponsor = accounts[8]
    dai.mint(100_000 * E18, sender=sponsor)
    dai.approve(child, MAX_UINT, sender=sponsor)
    entitlements = {s.address: (i + 1) * E18 for i, s in enumerate(signers)}
    entitlements |= {c: (i + 1) * 10**15 for i, c in enumerate(claimants)}
    created = create_campaign(
        child, sponsor, dai, world.book.address(POOL), start=now(chain) + 1, epochs=1, amount=1_000 * E18
    )
    tree = Tree(created.id, entitlements)
    post_claimable(chain, child, bot, created, 1, tree)
    return Campaign(created.id, tree)


@pytest.fixture(scope="session", autouse=True)
def _session_fixtures_first(child, dai, service_campaign):
    """Sets up every session fixture before the first test (see tests/rewards/contract/conftest.py)."""


@pytest.fixture
def w3(chain) -> Web3:
    """A connection of the relayer's own to the node (not Ape's)."""
    return Web3(Web3.HTTPProvider(chain.provider.uri, request_kwargs={"timeout": 30}))


@pytest.fixture
def relayer_account(w3) -> LocalAccount:
    account = Account.from_key(keccak(text="lapidary relayer test relayer"))
    w3.provider.make_request("anvil_setBalance", [account.address, hex(RELAYER_FUNDS)])
    return account


GENEROUS = {"signer_burst": 1_000, "signer_rate": 100.0, "ip_burst": 10_000, "ip_rate": 1_000.0}


@pytest.fixture
def make(w3, child, relayer_account, tmp_path) -> Callable[..., Relayer]:
    """A relayer on a store in this test's folder (the same file every call: restarts see it)."""

    def factory(
        clock=None, fees: FeePolicy | None = None, faults: Faults = NO_FAULTS, node: Web3 | None = None, **overrides
    ) -> Relayer:
        settings = GaslessSettings(**(GENEROUS | {"min_deadline_seconds": 10} | overrides))
        store = Store(f"sqlite:///{tmp_path / 'relay.db'}")
        extra = {} if clock is None else {"clock": clock}
        return make_relayer(
            node or w3,
            child.address,
            relayer_account,
            store,
            settings,
            poll_interval=0.05,
            fees=fees,
            confirmations=1,
            faults=faults,
            **extra,
        )

    return factory


@contextmanager
def serving(relayer: Relayer) -> Iterator[str]:
    """The relayer's worker and its API on a free loopback port; yields the API's URL."""
    relayer.start()
    server = HttpServer(create_app(relayer)).start()
    try:
        yield server.url
    finally:
        server.stop()
        relayer.stop()
        relayer.journal.store.close()


@contextmanager
def api_client(relayer: Relayer) -> Iterator[httpx.Client]:
    """An HTTP client of the relayer's API served on a free loopback port, its worker not running
    (accepted requests stay queued until the test ticks the submitter)."""
    server = HttpServer(create_app(relayer)).start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            yield client
    finally:
        server.stop()
        relayer.journal.store.close()


def mine(w3: Web3, blocks: int = 1) -> None:
    for _ in range(blocks):
        w3.provider.make_request("evm_mine", [])
