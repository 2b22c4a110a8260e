"""The deployments file: what is deployed on one network, as `deployments/<ecosystem>-<network>.json`."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, ValidationError
from web3 import Web3

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
        """The file at `path`, None when there is none; ConfigError when it is not a deployments file."""
        if not path.is_file():
            return None
        try:
            return cls.model_validate_json(path.read_bytes())
        except OSError as err:
            raise ConfigError(f"cannot read {path}: {err.strerror}") from None
        except ValidationError as err:
            error = err.errors()[0]
            where = ".".join(str(part) for part in error["loc"])
            raise ConfigError(
                f"{path} is not a deployments file ({where + ': ' if where else ''}{error['msg']}); "
                "fix it, or point LAPIDARY_DEPLOYMENTS_FILE at the file `ape run deploy` wrote"
            ) from None


def deployments_path(root: Path, ecosystem: str, network: str) -> Path:
    return root / "deployments" / f"{ecosystem}-{network}.json"


def deployed_child(deployments_file: Path | None, strategy: str, w3: Web3) -> DiamondRecord:
    """The `strategy` child from the deployments file, checked to be on the node's chain and to have
    code there; ConfigError says what to set or run otherwise."""
    if deployments_file is None:
        raise ConfigError("set LAPIDARY_DEPLOYMENTS_FILE to the deployments file `ape run deploy` wrote")
    deployments = Deployments.read(Path(deployments_file))
    if deployments is None or strategy not in deployments.children:
        raise ConfigError(f"no {strategy!r} child in {deployments_file}; run `ape run deploy`")
    chain_id = w3.eth.chain_id
    if deployments.chain_id != chain_id:
        raise ConfigError(
            f"{deployments_file} is for chain {deployments.chain_id}, the node is chain {chain_id}; point "
            "LAPIDARY_DEPLOYMENTS_FILE at this chain's file or LAPIDARY_CHAIN__RPC_URL at that chain's node"
        )
    child = deployments.children[strategy]
    # Same chain id, no code: the file describes another chain with that id (an earlier anvil, a
    # fork of another block); without this check the first call decodes empty bytes and fails obscurely.
    if not w3.eth.get_code(Web3.to_checksum_address(child.address)):
        raise ConfigError(
            f"{deployments_file}: no contract at the {strategy!r} child {child.address} on this chain "
            f"(chain {chain_id}); the file is from another deployment: run `ape run deploy` or point "
            "LAPIDARY_DEPLOYMENTS_FILE at this chain's file"
        )
    return child
