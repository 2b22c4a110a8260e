"""The upgrade tooling on a live diamond: the loupe ends equal to the compiled expectation."""

from __future__ import annotations

import ape
import pytest

from keepers.diamond.deploy import DiamondDeployer, selectors
from keepers.diamond.layout import CORE_FACETS, DiamondSpec
from keepers.diamond.plan import CutAction, CutPlanError
from keepers.diamond.records import DiamondRecord
from keepers.diamond.upgrade import read_loupe, upgrade

V1 = DiamondSpec("counter", (*CORE_FACETS, "UpgradeCounterV1"), "DiamondInit", ([],))
V2_FACETS = (*CORE_FACETS, "UpgradeCounterV2", "UpgradeExtraFacet")


@pytest.fixture
def upgrade_deployer(project, accounts, tmp_path) -> DiamondDeployer:
    return DiamondDeployer.open(project, accounts[0], tmp_path / "deployments.json", "ethereum:local")


def expected_loupe(upgrade_deployer: DiamondDeployer, facets) -> dict[str, str]:
    """What the compiled facets say the diamond should route, at their recorded addresses."""
    return {
        selector: upgrade_deployer.records.contracts[name].address
        for name in facets
        for selector in selectors(upgrade_deployer.contract_type_of(name))
    }


def signature(upgrade_deployer, name: str, function: str) -> str:
    return next(s for s, sig in selectors(upgrade_deployer.contract_type_of(name)).items() if sig == function)


def test_dry_run_plans_add_replace_remove_and_sends_nothing(upgrade_deployer, accounts):
    record = upgrade_deployer.diamond(V1)
    before = read_loupe(upgrade_deployer, record.address)
    nonce = accounts[0].nonce

    result = upgrade(upgrade_deployer, "counter", V2_FACETS, execute=False)

    assert not result.executed and accounts[0].nonce == nonce
    assert read_loupe(upgrade_deployer, record.address) == before
    actions = [(e.action, e.facet, e.signatures) for e in result.plan.entries]
    assert actions[0] == (CutAction.REMOVE, "", ("decrement()",))
    assert (CutAction.REPLACE, "UpgradeCounterV2") == actions[1][:2]
    assert set(actions[1][2]) == {"increment()", "count()"}
    assert {(a, f, s) for a, f, s in actions[2:]} == {
        (CutAction.ADD, "UpgradeCounterV2", ("reset()",)),
        (CutAction.ADD, "UpgradeExtraFacet", ("extra()",)),
    }
    assert all(e.address is None for e in result.plan.entries[1:])  # new facets not deployed in a dry run


def test_execute_leaves_the_loupe_equal_to_the_compiled_expectation(upgrade_deployer, accounts):
    record = upgrade_deployer.diamond(V1)
    owner = accounts[0]
    upgrade_deployer.handle(record.address, "UpgradeCounterV1").increment(sender=owner)

    result = upgrade(upgrade_deployer, "counter", V2_FACETS, execute=True)

    assert result.executed
    assert read_loupe(upgrade_deployer, record.address) == expected_loupe(upgrade_deployer, V2_FACETS)
    counter = upgrade_deployer.handle(record.address, "UpgradeCounterV2", "UpgradeExtraFacet", "UpgradeCounterV1")
    assert counter.count() == 1  # state survives the replace
    counter.increment(sender=owner)
    assert counter.count() == 11  # the replaced function runs the new code
    assert counter.extra() == "extra"
    with ape.reverts(upgrade_deployer.handle(record.address, "Diamond").FunctionNotFound):
        counter.decrement(sender=owner)
    assert upgrade_deployer.records.diamonds["counter"].facets == list(V2_FACETS)

    nonce = owner.nonce
    again = upgrade(upgrade_deployer, "counter", V2_FACETS, execute=True)
    assert again.plan.empty and not again.executed and owner.nonce == nonce


def test_collisions_between_facets_are_refused_before_sending(upgrade_deployer, accounts):
    upgrade_deployer.diamond(V1)
    nonce = accounts[0].nonce
    with pytest.raises(CutPlanError, match="collision.*count\\(\\)"):
        upgrade(upgrade_deployer, "counter", (*CORE_FACETS, "UpgradeCounterV1", "UpgradeCollidingFacet"), execute=True)
    assert accounts[0].nonce == nonce


def test_functions_defined_on_the_diamond_are_never_touched(upgrade_deployer, project, accounts):
    owner = accounts[0]
    cut = []
    for name in CORE_FACETS:
        address = upgrade_deployer.contract(name)
        cut.append((address, 0, [bytes.fromhex(s[2:]) for s in upgrade_deployer.records.contracts[name].selectors]))
    diamond = project.ImmutableDiamond.deploy(owner, cut, "0x" + "00" * 20, b"", sender=owner)
    upgrade_deployer.records.diamonds["immutable"] = DiamondRecord(
        address=diamond.address, facets=list(CORE_FACETS), init="", tx_hash=str(diamond.txn_hash), block=0
    )

    # Unlisted, version() stays: it belongs to the diamond, not to a facet.
    plan = upgrade(upgrade_deployer, "immutable", CORE_FACETS, execute=True).plan
    assert plan.empty and plan.immutable == (signature(upgrade_deployer, "UpgradeCollidingFacet", "version()"),)
    with pytest.raises(CutPlanError, match="defined on the diamond itself"):
        upgrade(upgrade_deployer, "immutable", (*CORE_FACETS, "UpgradeCollidingFacet"), execute=True)
    assert diamond.version() == 1


def test_unknown_diamond_is_a_clear_error(upgrade_deployer):
    from keepers.diamond.deploy import DeployError

    with pytest.raises(DeployError, match="no diamond named 'nope'"):
        upgrade(upgrade_deployer, "nope", CORE_FACETS, execute=False)
