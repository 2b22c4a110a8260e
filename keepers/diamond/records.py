"""The deployments file: what is deployed on one network, as `deployments/<ecosystem>-<network>.json`."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, Field

from keepers.config import ConfigError
from keepers.files import write_atomic


class ContractRecord(BaseModel):
    """A deployed facet or initializer, matched on later runs by its creation-bytecode hash."""

    address: str
    bytecode_hash: str
    selectors: dict[str, str] = Field(default_factory=dict, description="selector -> function signature")
    tx_hash: str
    block: int


class DiamondRecord(BaseModel):
    address: str
    facets: list[str]
    init: str
    tx_hash: str
    block: int
    strategy_id: str | None = None


class Deployments(BaseModel):
    """Everything `ape run deploy` put on one network."""

    network: str
    chain_id: int
    deployer: str
    compiler: str
    git_revision: str
    contracts: dict[str, ContractRecord] = Field(default_factory=dict)
    diamonds: dict[str, DiamondRecord] = Field(default_factory=dict)

    @property
    def master(self) -> DiamondRecord | None:
        return self.diamonds.get("master")

    @property
    def children(self) -> dict[str, DiamondRecord]:
        return {name.split(":", 1)[1]: d for name, d in self.diamonds.items() if name.startswith("child:")}

    def facet_name_at(self, address: str) -> str | None:
        """Which recorded contract lives at `address` (case-insensitive)."""
        for name, record in self.contracts.items():
            if record.address.lower() == address.lower():
                return name
        return None

    def write(self, path: Path) -> Path:
        return write_atomic(path, self.model_dump_json(indent=2) + "\n")

    @classmethod
    def read(cls, path: Path) -> Deployments | None:
        if not path.is_file():
            return None
        return cls.model_validate(json.loads(path.read_text()))


def deployments_path(root: Path, ecosystem: str, network: str) -> Path:
    return root / "deployments" / f"{ecosystem}-{network}.json"


def deployed_child(deployments_file: Path | None, strategy: str, chain_id: int) -> DiamondRecord:
    """The `strategy` child from the deployments file, checked to be for this chain; ConfigError
    says what to set or run otherwise."""
    if deployments_file is None:
        raise ConfigError("set LAPIDARY_DEPLOYMENTS_FILE to the deployments file `ape run deploy` wrote")
    deployments = Deployments.read(Path(deployments_file))
    if deployments is None or strategy not in deployments.children:
        raise ConfigError(f"no {strategy!r} child in {deployments_file}; run `ape run deploy`")
    if deployments.chain_id != chain_id:
        raise ConfigError(f"{deployments_file} is for chain {deployments.chain_id}, the node is {chain_id}")
    return deployments.children[strategy]
