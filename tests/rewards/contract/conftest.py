"""A master and a rewards child carrying MerkleRewardsFacet, on the real local DeFi world.

The diamonds are built by the production deployer (`DeployConfig(strategies={"rewards":
["MerkleRewardsFacet"]})`) and configured as an operator would: one keeper bot allowed to post
roots. A sponsor holds the world's DAI with the child approved. Campaigns reward the world's
Uniswap V3 WETH/USDC pool. Everything is set up once per session, before the first test, and Ape's
snapshot/revert gives each test this state.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from ape.contracts import ContractInstance

from keepers.diamond.deploy import DeployConfig, DiamondDeployer
from tests.support import ZERO_ADDRESS

from .merkle import Tree

E18 = 10**18
HOUR = 3_600
DAY = 86_400
EPOCH = DAY
FUNDING = 1_000 * E18
POOL = "uniswap_v3:WETH/USDC/3000"
DEFAULT_TIMELOCK = HOUR
DEFAULT_GRACE = 30 * DAY
MAX_UINT = 2**256 - 1
CONTENT = b"\x0c" * 32  # a stand-in for the published tree's hash
# keccak256(abi.encode(uint256(keccak256("lapidary.child.rewards")) - 1)) & ~bytes32(uint256(0xff))
REWARDS_SLOT = 0x3F31A9B294E19D51B19AC0A8806E384DD7ADCAD32A2CBA9B91B95B1198A75600


class Metric:
    SWAP_VOLUME, IN_RANGE_LIQUIDITY = 0, 1


@dataclass(frozen=True)
class RewardsSystem:
    master: ContractInstance
    child: ContractInstance


@pytest.fixture(scope="session")
def rewards_system(project, world, owner, guardian, tmp_path_factory) -> RewardsSystem:
    path = tmp_path_factory.mktemp("rewards-deployments") / "deployments.json"
    deployer = DiamondDeployer.open(project, owner, path, "ethereum:local")
    records = deployer.system(DeployConfig(guardian=guardian.address, strategies={"rewards": ["MerkleRewardsFacet"]}))
    master = deployer.handle(records.master.address, "Diamond", *records.master.facets)
    child_record = records.children["rewards"]
    assert "MerkleRewardsFacet" in child_record.facets
    child = deployer.handle(child_record.address, "Diamond", *child_record.facets)
    return RewardsSystem(master=master, child=child)


@pytest.fixture(scope="session")
def master(rewards_system) -> ContractInstance:
    return rewards_system.master


@pytest.fixture(scope="session")
def child(rewards_system, owner, bot) -> ContractInstance:
    """The rewards child with `bot` allowed to post roots."""
    child = rewards_system.child
    child.setBot(bot, True, sender=owner)
    return child


@pytest.fixture(scope="session")
def pool(world) -> str:
    return world.book.address(POOL)


@pytest.fixture(scope="session")
def sponsor(accounts, dai, child):
    """Holds DAI and has approved the rewards child."""
    account = accounts[8]
    dai.mint(100_000 * E18, sender=account)
    dai.approve(child, MAX_UINT, sender=account)
    return account


@pytest.fixture(scope="session")
def alice(accounts):
    """A market maker with a key of its own (claims for itself in some tests)."""
    return accounts[9]


# Claimants that never sign anything: someone else triggers their claims.
BOB = "0x000000000000000000000000000000000000b0b0"
CAROL = "0x000000000000000000000000000000000000ca01"
DAVE = "0x000000000000000000000000000000000000da7e"


@pytest.fixture(scope="session", autouse=True)
def _session_fixtures_first(child, master, sponsor, alice, stranger, dai, pool):
    """Sets up every session fixture before the first test, so Ape's per-test isolation never has
    to rebase its snapshots onto a fixture created later."""


@pytest.fixture
def relay(project, child, owner):
    """A stand-in for the gasless relay cut into the child: the diamond calls itself with a sender
    appended, as `LibContext.msgSender()` expects (no signature check: test only)."""
    facet = project.SelfCallRelayProbeFacet.deploy(sender=owner)
    selector = bytes.fromhex(facet.contract_type.method_identifiers["relayAs(address,bytes)"][2:])
    child.diamondCut([(facet.address, 0, [selector])], ZERO_ADDRESS, b"", sender=owner)
    return ContractInstance(child.address, facet.contract_type)


# -- time -----------------------------------------------------------------------------------------


def now(chain) -> int:
    return chain.blocks.head.timestamp


def at(chain, timestamp: int) -> None:
    """The next transaction is mined at exactly `timestamp`."""
    chain.pending_timestamp = timestamp


def warp(chain, timestamp: int) -> None:
    """Mines an empty block at `timestamp`, so views see it."""
    chain.mine(timestamp=timestamp)


# -- campaigns ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Campaign:
    """A campaign created in a test, with what the test needs to drive it."""

    id: int
    start: int
    end: int
    epoch_length: int
    funded: int

    def epoch_end(self, epoch: int) -> int:
        return min(self.start + epoch * self.epoch_length, self.end)

    def withdrawable_at(self, grace: int = DEFAULT_GRACE) -> int:
        return self.end + grace


def create_campaign(
    child,
    sponsor,
    token,
    pool: str,
    *,
    start: int,
    epochs: int = 3,
    epoch_length: int = EPOCH,
    amount: int = FUNDING,
    metric: int = Metric.SWAP_VOLUME,
) -> Campaign:
    end = start + epochs * epoch_length
    receipt = child.createCampaign(pool, token, amount, start, end, epoch_length, metric, sender=sponsor)
    (log,) = child.CampaignCreated.from_receipt(receipt)
    return Campaign(log.campaignId, start, end, epoch_length, log.funded)


@pytest.fixture
def campaign(chain, child, sponsor, dai, pool) -> Campaign:
    """Three one-day epochs of DAI rewards starting at the next block, funded with 1,000 DAI."""
    return create_campaign(child, sponsor, dai, pool, start=now(chain) + 1)


def post(child, bot, campaign: Campaign, epoch: int, tree: Tree, total: int | None = None, content: bytes = CONTENT):
    """Posts `tree` for `epoch` (its total unless `total` is given)."""
    total = tree.total if total is None else total
    return child.postRoot(campaign.id, epoch, tree.root, total, content, sender=bot)


def post_claimable(chain, child, bot, campaign: Campaign, epoch: int, tree: Tree, total: int | None = None):
    """Moves to the end of `epoch`, posts `tree` and moves past its timelock."""
    ends = campaign.epoch_end(epoch)
    if now(chain) < ends:
        at(chain, ends)
    receipt = post(child, bot, campaign, epoch, tree, total)
    (log,) = child.RootPosted.from_receipt(receipt)
    warp(chain, log.claimableAt)
    return receipt
