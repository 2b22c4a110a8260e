"""The ABIs shipped in keepers/chain/abi/ are exactly what the compiled contracts and the npm
artifacts say: a contract changed without `python -m keepers.world.abis` fails here."""

from __future__ import annotations

from keepers.chain.contracts import ABI_DIR, abi, all_errors
from keepers.world.abis import BUILTINS, expected_abis


def test_shipped_abis_match_the_build(toolchain):
    wanted = expected_abis(toolchain.root)
    shipped = {path.name: path.read_text() for path in ABI_DIR.glob("*.json") if path.stem != BUILTINS}
    stale = sorted(name for name in wanted.keys() | shipped.keys() if wanted.get(name) != shipped.get(name))
    assert not stale, f"out of date: {stale}; run `.venv/bin/python -m keepers.world.abis`"


def test_a_diamond_handle_merges_its_facets_and_knows_every_error():
    child = abi("FlashArbFacet", "RiskFacet", "GuardianFacet")
    assert child.function("executeArb").selector == abi("FlashArbFacet").function("executeArb").selector
    assert child.function("isPoolAllowed") and child.event("ArbExecuted")
    names = {error.name for error in all_errors().values()}
    assert {"Error", "Panic", "NotOwner", "InvalidNonce", "ChildPaused"} <= names
