"""A master and a rewards child carrying MerkleRewardsFacet and GaslessRelayFacet, on the real local
DeFi world.

The diamonds are built by the production deployer with the default rewards strategy (which carries
the relay) and configured by `configure_rewards_child`, as an operator would: one keeper bot, claims
relayable. A campaign of the world's DAI has a claimable root in which `signer` (a fresh key that
never holds ETH) and two accounts without keys are entitled. A relayer account submits and pays.
Everything is set up once per session; Ape's snapshot/revert gives each test this state.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from ape.contracts import ContractInstance
from eth_account import Account
from eth_utils import keccak

from keepers.diamond.deploy import DeployConfig, DiamondDeployer
from keepers.rewards.setup import configure_rewards_child
from tests.rewards.contract.conftest import BOB, CAROL, E18, MAX_UINT, create_campaign, now, post_claimable
from tests.rewards.contract.merkle import Tree

from .signing import ForwardRequest, sign

POOL = "uniswap_v3:WETH/USDC/3000"
REQUEST_GAS = 300_000
HOUR = 3_600
SIGNER_KEY = keccak(text="lapidary gasless test signer")
OTHER_KEY = keccak(text="lapidary gasless test other signer")


@dataclass(frozen=True)
class Signer:
    """A key that never holds ETH."""

    key: bytes
    address: str


@pytest.fixture(scope="session")
def child(project, world, owner, guardian, bot, tmp_path_factory) -> ContractInstance:
    path = tmp_path_factory.mktemp("gasless-deployments") / "deployments.json"
    deployer = DiamondDeployer.open(project, owner, path, "ethereum:local")
    records = deployer.system(DeployConfig(guardian=guardian.address))
    record = records.children["rewards"]
    assert "GaslessRelayFacet" in record.facets
    child = deployer.handle(record.address, "Diamond", *record.facets)
    configure_rewards_child(child, (bot.address,), owner)
    return child


@pytest.fixture(scope="session")
def sponsor(accounts, dai, child):
    account = accounts[8]
    dai.mint(100_000 * E18, sender=account)
    dai.approve(child, MAX_UINT, sender=account)
    return account


@pytest.fixture(scope="session")
def relayer(accounts):
    """Submits signed requests and pays their gas."""
    return accounts[7]


@pytest.fixture(scope="session")
def signer() -> Signer:
    account = Account.from_key(SIGNER_KEY)
    return Signer(SIGNER_KEY, account.address)


@pytest.fixture(scope="session")
def other_signer() -> Signer:
    account = Account.from_key(OTHER_KEY)
    return Signer(OTHER_KEY, account.address)


@dataclass(frozen=True)
class Claimable:
    """A campaign with a claimable root."""

    campaign_id: int
    end: int
    tree: Tree


@pytest.fixture(scope="session")
def claimable(chain, child, sponsor, bot, dai, world, signer, other_signer) -> Claimable:
    pool = world.book.address(POOL)
    campaign = create_campaign(child, sponsor, dai, pool, start=now(chain) + 1, epochs=1)
    tree = Tree(campaign.id, {signer.address: 100 * E18, other_signer.address: 40 * E18, BOB: 7 * E18, CAROL: 3 * E18})
    post_claimable(chain, child, bot, campaign, 1, tree)
    return Claimable(campaign.id, campaign.end, tree)


@pytest.fixture(scope="session", autouse=True)
def _session_fixtures_first(child, sponsor, relayer, claimable, stranger):
    """Sets up every session fixture before the first test (see tests/rewards/contract/conftest.py)."""


# -- requests -------------------------------------------------------------------------------------


def request_for(chain, child, signer: Signer, data: bytes, **fields) -> ForwardRequest:
    """A request by `signer` to `child` with its next nonce, an hour to live and REQUEST_GAS."""
    defaults = {
        "sender": signer.address,
        "to": child.address,
        "value": 0,
        "gas": REQUEST_GAS,
        "nonce": child.nonces(signer.address),
        "deadline": now(chain) + HOUR,
        "data": data,
    }
    return ForwardRequest(**(defaults | fields))


def signed(chain, child, signer: Signer, request: ForwardRequest, chain_id: int | None = None) -> bytes:
    return sign(request, signer.key, chain.chain_id if chain_id is None else chain_id, child.address)


def claim_data(child, tree: Tree, account: str) -> bytes:
    return bytes(child.claim.encode_input(*tree.claim_args(account)))
