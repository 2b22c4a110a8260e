"""Upgrade a live diamond to a list of facets: read its loupe, diff, cut (dry run unless asked)."""

from __future__ import annotations

from dataclasses import dataclass

from keepers.diamond.deploy import ZERO_ADDRESS, DeployError, DiamondDeployer, bytecode_hash, selectors
from keepers.diamond.plan import CutPlan, FacetTarget, plan_cut


@dataclass(frozen=True)
class UpgradeResult:
    diamond: str
    plan: CutPlan
    executed: bool
    tx_hash: str | None = None


def loupe_by_facet(deployer: DiamondDeployer, diamond: str) -> dict[str, list[str]]:
    """Facet address -> selectors, as the diamond's loupe reports them (in its order)."""
    loupe = deployer.handle(diamond, "DiamondLoupeFacet")
    return {facet.facetAddress: ["0x" + bytes(s).hex() for s in facet.functionSelectors] for facet in loupe.facets()}


def read_loupe(deployer: DiamondDeployer, diamond: str) -> dict[str, str]:
    """Selector -> facet address, as the diamond's loupe reports it."""
    return {s: facet for facet, selectors in loupe_by_facet(deployer, diamond).items() for s in selectors}


def facet_targets(deployer: DiamondDeployer, facets: tuple[str, ...] | list[str], deploy: bool) -> list[FacetTarget]:
    """Each facet's compiled selectors and current deployment; new code is deployed only if `deploy`."""
    targets = []
    for name in facets:
        contract_type = deployer.contract_type_of(name)
        record = deployer.records.contracts.get(name)
        current = record is not None and record.bytecode_hash == bytecode_hash(contract_type)
        if current and deployer.has_code(record.address):
            address: str | None = record.address
        else:
            address = deployer.contract(name) if deploy else None
        targets.append(FacetTarget(name, address, selectors(contract_type)))
    return targets


def upgrade(deployer: DiamondDeployer, name: str, facets: tuple[str, ...] | list[str], execute: bool) -> UpgradeResult:
    """Plan (and with `execute`, send) the cut that gives diamond `name` exactly `facets`."""
    record = deployer.records.diamonds.get(name)
    if record is None:
        known = ", ".join(deployer.records.diamonds) or "none"
        raise DeployError(f"no diamond named {name!r} in the deployments file (known: {known}); run `ape run deploy`")
    known_signatures = {s: sig for r in deployer.records.contracts.values() for s, sig in r.selectors.items()}
    loupe = read_loupe(deployer, record.address)
    # Plan before deploying anything: a refused plan must cost nothing.
    plan = plan_cut(loupe, facet_targets(deployer, facets, deploy=False), record.address, known_signatures)
    if not execute or plan.empty:
        return UpgradeResult(name, plan, executed=False)
    plan = plan_cut(loupe, facet_targets(deployer, facets, deploy=True), record.address, known_signatures)
    cutter = deployer.handle(record.address, "DiamondCutFacet")
    receipt = cutter.diamondCut([e.as_tuple() for e in plan.entries], ZERO_ADDRESS, b"", sender=deployer.sender)
    deployer.transactions += 1
    record.facets = list(facets)
    return UpgradeResult(name, plan, executed=True, tx_hash=str(receipt.txn_hash))
