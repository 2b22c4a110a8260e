"""A master diamond with one registered child diamond, deployed once per session.

The diamonds are built by the production deploy module (keepers.diamond.deploy),
with the test-only TradeProbeFacet as the child's strategy facet. Tests get one
Ape handle per diamond carrying the merged ABI of the Diamond and all its facets,
so calls, events and custom errors of every facet resolve on it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from ape.contracts import ContractInstance

from keepers.diamond.deploy import DeployConfig, DiamondDeployer
from keepers.diamond.layout import strategy_id

RESERVE_BPS = 500
STRATEGY = "probe"


@dataclass(frozen=True)
class System:
    master: ContractInstance
    child: ContractInstance
    strategy_id: bytes


def deploy_master_and_child(project, owner, master_guardian, child_guardian, path) -> System:
    """The master (reserve ratio `RESERVE_BPS`) and a child registered for `STRATEGY`."""
    deployer = DiamondDeployer.open(project, owner, path, "ethereum:local")
    config = DeployConfig(
        reserve_ratio_bps=RESERVE_BPS, guardian=master_guardian.address, strategies={STRATEGY: ["TradeProbeFacet"]}
    )
    records = deployer.system(config)
    master_record, child_record = records.master, records.children[STRATEGY]
    master = deployer.handle(master_record.address, "Diamond", *master_record.facets)
    child = deployer.handle(child_record.address, "Diamond", *child_record.facets)
    child.setGuardian(child_guardian, sender=owner)
    return System(master=master, child=child, strategy_id=strategy_id(STRATEGY))


@pytest.fixture(scope="session")
def system(project, world, owner, guardian, child_guardian, tmp_path_factory) -> System:
    path = tmp_path_factory.mktemp("deployments") / "deployments.json"
    return deploy_master_and_child(project, owner, guardian, child_guardian, path)


@pytest.fixture(scope="session", autouse=True)
def _session_fixtures_first(system, trading_child, dai, usdc, pools, bot, other_bot, stranger):
    """Sets up every session fixture before the first test, so Ape's per-test isolation never has
    to rebase its snapshots onto a fixture created later."""


@pytest.fixture(scope="session")
def master(system) -> ContractInstance:
    return system.master


@pytest.fixture(scope="session")
def child(system) -> ContractInstance:
    return system.child


@pytest.fixture(scope="session")
def pools(world) -> tuple[str, str]:
    """Two pool addresses of the world that hold DAI: the first gets allow-listed, the second not."""
    addresses = [pool.address for pool in world.book.pools.values() if "DAI" in pool.tokens]
    assert len(addresses) >= 2, world.book.pools
    return addresses[0], addresses[1]


@pytest.fixture
def fund(stranger):
    """Sends freshly minted tokens to an address with a plain transfer (how the treasury is funded)."""

    def fund(token: ContractInstance, to, amount: int) -> None:
        token.mint(amount, sender=stranger)
        token.transfer(to, amount, sender=stranger)

    return fund


@pytest.fixture(scope="session")
def trading_child(child, owner, bot, dai, pools):
    """The child set up for DAI trades through the first pool by `bot`, with generous limits.

    Session-scoped (set up once, before the first test, like every session fixture here), so every
    test sees the child in this state: `child` and `trading_child` are the same diamond; tests
    that trade name it `trading_child`. Nothing about USDC or the second pool is set up."""
    child.setBot(bot, True, sender=owner)
    child.setPoolAllowed(pools[0], True, sender=owner)
    child.setTokenAllowed(dai, True, sender=owner)
    child.setTradeCap(dai, 10**24, sender=owner)
    child.setDailyLossLimit(dai, 10**24, sender=owner)
    child.setDrawdownLimit(dai, 10**24, sender=owner)
    return child
