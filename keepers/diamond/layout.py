"""Which facets make up the master and the child diamonds, and how each is initialized."""

from __future__ import annotations

from dataclasses import dataclass

CORE_FACETS = ("DiamondCutFacet", "DiamondLoupeFacet", "OwnershipFacet")
MASTER_FACETS = (*CORE_FACETS, "ChildRegistryFacet", "CapitalFacet", "StatsFacet", "MasterPauseFacet")
CHILD_FACETS = (*CORE_FACETS, "RiskFacet", "GuardianFacet", "ChildCapitalFacet", "TradeStatsFacet")
DEFAULT_RESERVE_BPS = 500


@dataclass(frozen=True)
class DiamondSpec:
    """A diamond to deploy or upgrade: its facets and the initializer its constructor runs."""

    name: str  # "master" or "child:<strategy>"
    facets: tuple[str, ...]
    init: str  # initializer contract, run by delegatecall from the constructor
    init_args: tuple = ()


def strategy_id(strategy: str) -> bytes:
    """The bytes32 strategy id the master registers a child under: the name, right-padded."""
    raw = strategy.encode()
    if not raw or len(raw) > 32:
        raise ValueError(f"strategy name must be 1 to 32 bytes: {strategy!r}")
    return raw.ljust(32, b"\0")


def child_name(strategy: str) -> str:
    return f"child:{strategy}"
