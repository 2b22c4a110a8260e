"""Loading and linking the published artifacts."""

from __future__ import annotations

import pytest

from keepers.world.artifacts import ArtifactError, ArtifactStore


def test_every_known_artifact_loads_with_abi_and_bytecode(artifacts: ArtifactStore):
    from keepers.world.artifacts import SOURCES

    for name in SOURCES:
        artifact = artifacts.get(name)
        assert artifact.abi and len(artifact.bytecode) > 100, name


def test_unknown_artifact_names_the_known_ones(artifacts):
    with pytest.raises(ArtifactError, match="unknown artifact 'Nope'.*UniswapV2Factory"):
        artifacts.get("Nope")


def test_linking_requires_every_library(artifacts):
    pool = artifacts.get("Pool")
    assert pool.libraries == {
        "BorrowLogic",
        "BridgeLogic",
        "EModeLogic",
        "FlashLoanLogic",
        "LiquidationLogic",
        "PoolLogic",
        "SupplyLogic",
    }
    with pytest.raises(ArtifactError, match="needs libraries"):
        pool.linked({"BorrowLogic": "0x" + "11" * 20})


def test_linking_splices_each_address_at_its_offsets(artifacts):
    descriptor = artifacts.get("NonfungibleTokenPositionDescriptor")
    address = "0x" + "ab" * 20
    code = descriptor.linked({"NFTDescriptor": address})
    for link in descriptor.links:
        assert code[link.start : link.start + 20] == bytes.fromhex("ab" * 20)
    assert len(code) == len(descriptor.bytecode)


def test_missing_node_modules_tells_how_to_fix(tmp_path):
    with pytest.raises(ArtifactError, match="make install"):
        ArtifactStore(tmp_path).get("WETH9")
