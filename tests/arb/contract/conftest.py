"""A master and an arbitrage child carrying FlashArbFacet, on the real local DeFi world.

The diamonds are built by the production deployer (`DeployConfig(strategies={"arb":
["FlashArbFacet"]})`), then configured as an operator would: the world's Balancer Vault, Aave
Pool and WETH as lenders, every V2 pair (fee 30) and the V3 pool registered and risk-allowed,
one keeper bot, WETH and DAI allowed with caps and loss limits. Sweeping is off; tests that
sweep turn it on. Everything is set up once per session, before the first test, and Ape's
snapshot/revert gives each test this state.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from ape.contracts import ContractInstance

from keepers.diamond.deploy import DeployConfig, DiamondDeployer

from .routes import Router

E18 = 10**18
V2_FEE_BPS = 30
V3_POOL = "uniswap_v3:WETH/USDC/3000"
V2_POOLS = ("uniswap_v2:WETH/DAI", "uniswap_v2:WETH/USDC", "uniswap_v2:DAI/USDC", "v2b:WETH/DAI", "v2b:WETH/USDC")
TRADE_CAP = {"WETH": 200 * E18, "DAI": 500_000 * E18}
DAILY_LOSS_LIMIT = {"WETH": 10 * E18, "DAI": 20_000 * E18}
DRAWDOWN_LIMIT = {"WETH": 20 * E18, "DAI": 40_000 * E18}


class Lender:
    OWN_CAPITAL, BALANCER, AAVE = 0, 1, 2


class PoolKind:
    V2, V3 = 0, 1


def set_sweep(child, book, owner, sweep: bool) -> None:
    """The world's lenders and WETH, with profit swept to the treasury or kept by the child."""
    child.setArbConfig(
        book.address("balancer_vault"), book.address("aave_pool"), book.address("WETH"), sweep, sender=owner
    )


@dataclass(frozen=True)
class ArbSystem:
    master: ContractInstance
    child: ContractInstance


@pytest.fixture(scope="session")
def arb_trader(accounts, world):
    """Holds WETH, DAI and USDC with every router approved: makes the dislocations."""
    account = accounts[7]
    world.token("WETH").deposit(value=2_000 * E18, sender=account)
    world.token("DAI").mint(5_000_000 * E18, sender=account)
    world.token("USDC").mint(5_000_000 * 10**6, sender=account)
    for spender in ("uniswap_v2_router", "v2b_router", "uniswap_v3_router"):
        for symbol in ("WETH", "DAI", "USDC"):
            world.token(symbol).approve(world.book.address(spender), 2**256 - 1, sender=account)
    return account


@pytest.fixture(scope="session")
def arb_system(project, world, owner, guardian, tmp_path_factory) -> ArbSystem:
    path = tmp_path_factory.mktemp("arb-deployments") / "deployments.json"
    deployer = DiamondDeployer.open(project, owner, path, "ethereum:local")
    records = deployer.system(DeployConfig(guardian=guardian.address, strategies={"arb": ["FlashArbFacet"]}))
    master = deployer.handle(records.master.address, "Diamond", *records.master.facets)
    child = deployer.handle(records.children["arb"].address, "Diamond", *records.children["arb"].facets)
    return ArbSystem(master=master, child=child)


@pytest.fixture(scope="session")
def master(arb_system) -> ContractInstance:
    return arb_system.master


@pytest.fixture(scope="session")
def child(arb_system, world, owner, bot) -> ContractInstance:
    """The arbitrage child, configured for trading (sweep off)."""
    child = arb_system.child
    book = world.book
    set_sweep(child, book, owner, False)
    for name in V2_POOLS:
        child.setArbPool(book.address(name), PoolKind.V2, V2_FEE_BPS, True, sender=owner)
        child.setPoolAllowed(book.address(name), True, sender=owner)
    child.setArbPool(book.address(V3_POOL), PoolKind.V3, 0, True, sender=owner)
    child.setPoolAllowed(book.address(V3_POOL), True, sender=owner)
    child.setBot(bot, True, sender=owner)
    for symbol in ("WETH", "DAI"):
        token = book.address(symbol)
        child.setTokenAllowed(token, True, sender=owner)
        child.setTradeCap(token, TRADE_CAP[symbol], sender=owner)
        child.setDailyLossLimit(token, DAILY_LOSS_LIMIT[symbol], sender=owner)
        child.setDrawdownLimit(token, DRAWDOWN_LIMIT[symbol], sender=owner)
    return child


@pytest.fixture(scope="session")
def router(world) -> Router:
    return Router(world)


@pytest.fixture(scope="session", autouse=True)
def _session_fixtures_first(child, master, arb_trader, router, stranger):
    """Sets up every session fixture before the first test, so Ape's per-test isolation never has
    to rebase its snapshots onto a fixture created later."""
