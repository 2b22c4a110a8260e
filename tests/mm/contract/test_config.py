"""The owner's settings, and the mm child as the deploy tooling builds, upgrades and names it."""

from __future__ import annotations

from keepers.diamond.console import console_namespace
from keepers.diamond.deploy import DeployConfig, DiamondDeployer, selectors
from keepers.diamond.session import load_config
from keepers.diamond.upgrade import read_loupe, upgrade
from tests.support import ZERO_ADDRESS, event_args

from .conftest import DEADLINE, E18, INVENTORY_LIMIT, around, mint


def test_the_configured_child_reads_back(child, manager, pool, other_pool, tokens, weth):
    assert child.positionManager() == manager.address
    assert tuple(child.marketPool(pool)) == (tokens[0].address, tokens[1].address, 3000, True)
    assert tuple(child.marketPool(other_pool)) == (tokens[0].address, tokens[1].address, 500, True)
    assert child.marketPools() == [pool.address, other_pool.address]
    assert child.inventory(weth) == (0, INVENTORY_LIMIT["WETH"])
    assert tuple(child.marketPool(weth)) == (ZERO_ADDRESS, ZERO_ADDRESS, 0, False)


def test_disabling_and_enabling_a_pool(child, owner, pool, other_pool, tokens):
    receipt = child.setMarketPool(pool, False, sender=owner)
    assert event_args(receipt, child.MarketPoolSet) == [
        {"pool": pool.address, "token0": tokens[0].address, "token1": tokens[1].address, "fee": 3000, "enabled": False}
    ]
    assert not child.marketPool(pool).enabled
    child.setMarketPool(pool, True, sender=owner)
    assert child.marketPool(pool).enabled
    assert child.marketPools() == [pool.address, other_pool.address]  # listed once


def test_the_inventory_limit_setter_reports_the_change(child, owner, weth):
    receipt = child.setInventoryLimit(weth, 3 * E18, sender=owner)
    assert event_args(receipt, child.InventoryLimitChanged) == [
        {"token": weth.address, "previousLimit": INVENTORY_LIMIT["WETH"], "newLimit": 3 * E18}
    ]
    assert child.inventory(weth) == (0, 3 * E18)


def test_a_new_manager_disables_every_pool_until_checked_again(child, owner, bot, manager, pool, other_pool, tokens):
    token_id = mint(child, bot, pool, around(pool, -2, 2, 10**15, 10**15))
    child.decreasePosition((token_id, child.position(token_id).liquidity, 0, 0, DEADLINE), sender=bot)
    child.burnPosition(token_id, sender=bot)

    receipt = child.setPositionManager(manager, sender=owner)

    assert [e["pool"] for e in event_args(receipt, child.MarketPoolSet)] == [pool.address, other_pool.address]
    assert event_args(receipt, child.PositionManagerChanged) == [
        {"previousManager": manager.address, "newManager": manager.address}
    ]
    assert not child.marketPool(pool).enabled and not child.marketPool(other_pool).enabled


# -- deployment -----------------------------------------------------------------------------------


def test_ape_config_deploys_an_mm_child_with_the_facet(project):
    config = load_config(project)
    assert config.strategies["mm"] == ["MarketMakingFacet"]
    assert config.child_spec("mm", ZERO_ADDRESS).facets[-1] == "MarketMakingFacet"
    # `keepers up` and the demo deploy DeployConfig's defaults, which leave the mm child out for now.
    assert "mm" not in DeployConfig().strategies


def test_the_deployed_child_routes_every_facet_selector(mm_system):
    deployer = mm_system.deployer
    record = deployer.records.children["mm"]
    facet = deployer.records.contracts["MarketMakingFacet"]
    assert facet.selectors == selectors(deployer.contract_type_of("MarketMakingFacet"))
    loupe = read_loupe(deployer, record.address)
    assert {s: a for s, a in loupe.items() if a == facet.address} == dict.fromkeys(facet.selectors, facet.address)
    assert upgrade(deployer, "child:mm", record.facets, execute=False).plan.empty


def test_the_upgrade_planner_adds_the_facet_to_a_core_child(project, owner, tmp_path):
    path = tmp_path / "deployments.json"
    deployer = DiamondDeployer.open(project, owner, path, "ethereum:local")
    deployer.system(DeployConfig(strategies={"mm": []}))
    wanted = DeployConfig(strategies={"mm": ["MarketMakingFacet"]}).child_spec("mm", ZERO_ADDRESS).facets

    result = upgrade(deployer, "child:mm", wanted, execute=True)

    (entry,) = result.plan.entries
    assert (entry.action.name, entry.facet) == ("ADD", "MarketMakingFacet")
    expected = selectors(deployer.contract_type_of("MarketMakingFacet"))
    assert set(entry.selectors) == set(expected)
    child = deployer.records.children["mm"]
    assert child.facets == list(wanted)
    mm = deployer.handle(child.address, *child.facets)
    assert mm.positionManager() == ZERO_ADDRESS and mm.positionCount() == 0


def test_the_console_names_the_mm_child(project, mm_system, child, manager):
    namespace = console_namespace(project, "ethereum", "local", mm_system.path)
    assert namespace["children"].mm.positionManager() == manager.address
    assert (
        namespace["facets"].MarketMakingFacet.address
        == mm_system.deployer.records.contracts["MarketMakingFacet"].address
    )
