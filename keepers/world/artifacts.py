"""Published protocol artifacts, read from the npm packages exactly as shipped.

Nothing here is recompiled: each artifact is the ABI and creation bytecode that
Uniswap, Balancer and Aave published on npm (the same bytecode they deployed),
so the local world runs the real protocol code. Three layouts occur: waffle
builds (``build/X.json``), hardhat artifacts (``artifacts/**/X.json`` with link
references) and Balancer's split ``abi/`` + ``bytecode/`` task folders.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from eth_utils import to_checksum_address

_AAVE = "@aave/core-v3/artifacts/contracts"
_V3_CORE = "@uniswap/v3-core/artifacts/contracts"
_V3_PERIPHERY = "@uniswap/v3-periphery/artifacts/contracts"
_BALANCER = "@balancer-labs/v2-deployments/dist/tasks"

# name -> path under node_modules (without .json); Balancer entries are task folders.
SOURCES: dict[str, str] = {
    "WETH9": "@uniswap/v2-periphery/build/WETH9",
    "UniswapV2Factory": "@uniswap/v2-core/build/UniswapV2Factory",
    "UniswapV2Pair": "@uniswap/v2-core/build/UniswapV2Pair",
    "UniswapV2Router02": "@uniswap/v2-periphery/build/UniswapV2Router02",
    "UniswapV3Factory": f"{_V3_CORE}/UniswapV3Factory.sol/UniswapV3Factory",
    "UniswapV3Pool": f"{_V3_CORE}/UniswapV3Pool.sol/UniswapV3Pool",
    "NFTDescriptor": f"{_V3_PERIPHERY}/libraries/NFTDescriptor.sol/NFTDescriptor",
    "NonfungibleTokenPositionDescriptor": (
        f"{_V3_PERIPHERY}/NonfungibleTokenPositionDescriptor.sol/NonfungibleTokenPositionDescriptor"
    ),
    "NonfungiblePositionManager": f"{_V3_PERIPHERY}/NonfungiblePositionManager.sol/NonfungiblePositionManager",
    "SwapRouter": f"{_V3_PERIPHERY}/SwapRouter.sol/SwapRouter",
    "QuoterV2": f"{_V3_PERIPHERY}/lens/QuoterV2.sol/QuoterV2",
    "TickLens": f"{_V3_PERIPHERY}/lens/TickLens.sol/TickLens",
    "Authorizer": f"{_BALANCER}/20210418-authorizer:Authorizer",
    "Vault": f"{_BALANCER}/20210418-vault:Vault",
    "WeightedPoolFactory": f"{_BALANCER}/20210418-weighted-pool:WeightedPoolFactory",
    "WeightedPool": f"{_BALANCER}/20210418-weighted-pool:WeightedPool",
    "MintableERC20": f"{_AAVE}/mocks/tokens/MintableERC20.sol/MintableERC20",
    "PoolAddressesProvider": f"{_AAVE}/protocol/configuration/PoolAddressesProvider.sol/PoolAddressesProvider",
    "ACLManager": f"{_AAVE}/protocol/configuration/ACLManager.sol/ACLManager",
    "SupplyLogic": f"{_AAVE}/protocol/libraries/logic/SupplyLogic.sol/SupplyLogic",
    "BorrowLogic": f"{_AAVE}/protocol/libraries/logic/BorrowLogic.sol/BorrowLogic",
    "LiquidationLogic": f"{_AAVE}/protocol/libraries/logic/LiquidationLogic.sol/LiquidationLogic",
    "EModeLogic": f"{_AAVE}/protocol/libraries/logic/EModeLogic.sol/EModeLogic",
    "BridgeLogic": f"{_AAVE}/protocol/libraries/logic/BridgeLogic.sol/BridgeLogic",
    "FlashLoanLogic": f"{_AAVE}/protocol/libraries/logic/FlashLoanLogic.sol/FlashLoanLogic",
    "PoolLogic": f"{_AAVE}/protocol/libraries/logic/PoolLogic.sol/PoolLogic",
    "ConfiguratorLogic": f"{_AAVE}/protocol/libraries/logic/ConfiguratorLogic.sol/ConfiguratorLogic",
    "Pool": f"{_AAVE}/protocol/pool/Pool.sol/Pool",
    "PoolConfigurator": f"{_AAVE}/protocol/pool/PoolConfigurator.sol/PoolConfigurator",
    "AaveOracle": f"{_AAVE}/misc/AaveOracle.sol/AaveOracle",
    "AaveProtocolDataProvider": f"{_AAVE}/misc/AaveProtocolDataProvider.sol/AaveProtocolDataProvider",
    "MockAggregator": f"{_AAVE}/mocks/oracle/CLAggregators/MockAggregator.sol/MockAggregator",
    "AToken": f"{_AAVE}/protocol/tokenization/AToken.sol/AToken",
    "StableDebtToken": f"{_AAVE}/protocol/tokenization/StableDebtToken.sol/StableDebtToken",
    "VariableDebtToken": f"{_AAVE}/protocol/tokenization/VariableDebtToken.sol/VariableDebtToken",
    "DefaultReserveInterestRateStrategy": (
        f"{_AAVE}/protocol/pool/DefaultReserveInterestRateStrategy.sol/DefaultReserveInterestRateStrategy"
    ),
    # Not part of the world: the anchor `benchmarks/claim_gas.py` measures our reward claims against.
    "MerkleDistributor": "@uniswap/merkle-distributor/build/MerkleDistributor",
}

# Which npm package publishes each artifact (recorded in the address book).
PACKAGES = (
    "@uniswap/v2-core",
    "@uniswap/v2-periphery",
    "@uniswap/v3-core",
    "@uniswap/v3-periphery",
    "@balancer-labs/v2-deployments",
    "@aave/core-v3",
    "@uniswap/merkle-distributor",
)


class ArtifactError(Exception):
    """An artifact is missing, malformed or cannot be linked."""


@dataclass(frozen=True)
class LinkReference:
    """Where a library address must be spliced into creation bytecode."""

    library: str
    start: int
    length: int = 20


@dataclass(frozen=True)
class Artifact:
    """A contract's ABI and creation bytecode as published."""

    name: str
    package: str
    abi: list[dict]
    bytecode: bytes
    links: tuple[LinkReference, ...] = field(default=())

    @property
    def libraries(self) -> set[str]:
        return {link.library for link in self.links}

    def linked(self, addresses: dict[str, str]) -> bytes:
        """Creation bytecode with every library placeholder replaced by its address."""
        if missing := self.libraries - addresses.keys():
            raise ArtifactError(f"{self.name} needs libraries {sorted(missing)} deployed first")
        code = bytearray(self.bytecode)
        for link in self.links:
            code[link.start : link.start + link.length] = bytes.fromhex(
                to_checksum_address(addresses[link.library])[2:]
            )
        return bytes(code)


def _hex_to_bytes(text: str, *, where: str) -> bytes:
    text = text[2:] if text.startswith("0x") else text
    # Unlinked hardhat bytecode carries `__$<hash>$__` placeholders; zero them so the
    # hex parses, the link step overwrites those bytes by offset.
    cleaned = []
    i = 0
    while i < len(text):
        if text.startswith("__", i):
            cleaned.append("00" * 20)
            i += 40
        else:
            cleaned.append(text[i : i + 2])
            i += 2
    try:
        return bytes.fromhex("".join(cleaned))
    except ValueError as err:
        raise ArtifactError(f"{where}: bytecode is not hex ({err})") from err


class ArtifactStore:
    """Loads artifacts from one ``node_modules`` folder (cached per name)."""

    def __init__(self, node_modules: Path):
        self.node_modules = node_modules
        self._loaded: dict[str, Artifact] = {}

    def get(self, name: str) -> Artifact:
        """The artifact published under ``name`` (see ``SOURCES``)."""
        if name not in self._loaded:
            self._loaded[name] = self._load(name)
        return self._loaded[name]

    def _load(self, name: str) -> Artifact:
        try:
            source = SOURCES[name]
        except KeyError:
            raise ArtifactError(f"unknown artifact {name!r}; known: {', '.join(sorted(SOURCES))}") from None
        package = next(p for p in PACKAGES if source.startswith(p))
        if ":" in source:
            return self._load_balancer_task(name, package, *source.split(":"))
        path = self.node_modules / f"{source}.json"
        data = self._read(path)
        # Waffle builds have no linkReferences; hardhat artifacts list them per source file.
        links = tuple(
            LinkReference(library, ref["start"], ref["length"])
            for libs in data.get("linkReferences", {}).values()
            for library, refs in libs.items()
            for ref in refs
        )
        return Artifact(name, package, data["abi"], _hex_to_bytes(data["bytecode"], where=str(path)), links)

    def _load_balancer_task(self, name: str, package: str, task: str, contract: str) -> Artifact:
        folder = self.node_modules / task
        artifact_file = folder / "artifact" / f"{contract}.json"
        if artifact_file.is_file():
            data = self._read(artifact_file)
            return Artifact(name, package, data["abi"], _hex_to_bytes(data["bytecode"], where=str(artifact_file)))
        abi = self._read(folder / "abi" / f"{contract}.json")
        code = self._read(folder / "bytecode" / f"{contract}.json")
        return Artifact(name, package, abi, _hex_to_bytes(code["creationCode"], where=str(folder)))

    def abi(self, name: str) -> list[dict]:
        return self.get(name).abi

    @staticmethod
    def _read(path: Path):
        if not path.is_file():
            raise ArtifactError(f"{path} not found; run `make install` to fetch the npm packages")
        return json.loads(path.read_text())
