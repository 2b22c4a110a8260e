"""Deploy the master and child diamonds idempotently, recording everything in the deployments file.

Facets and initializers are matched to what the deployments file records by the
hash of their creation bytecode: unchanged code is reused, changed code is
deployed anew (the diamonds then need `ape run upgrade` to point at it). A run
with nothing to do sends no transaction.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from ape.api import AccountAPI
from ape.contracts import ContractInstance
from ape.managers.project import ProjectManager
from eth_utils import keccak
from ethpm_types import ContractType
from pydantic import BaseModel, Field

from keepers.diamond.compile import compile_project
from keepers.diamond.layout import (
    CHILD_FACETS,
    DEFAULT_RESERVE_BPS,
    MASTER_FACETS,
    DiamondSpec,
    child_name,
    strategy_id,
)
from keepers.diamond.plan import CutAction
from keepers.diamond.records import ContractRecord, Deployments, DiamondRecord

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


class DeployConfig(BaseModel):
    """The `lapidary.deploy` section of ape-config.yaml."""

    reserve_ratio_bps: int = Field(default=DEFAULT_RESERVE_BPS, ge=0, le=10_000)
    guardian: str | None = Field(default=None, description="address allowed to pause; never the owner")
    master_facets: tuple[str, ...] = MASTER_FACETS
    child_facets: tuple[str, ...] = CHILD_FACETS
    strategies: dict[str, list[str]] = Field(
        default_factory=lambda: {"arb": ["FlashArbFacet"], "rewards": ["MerkleRewardsFacet", "GaslessRelayFacet"]},
        description="strategy -> facets beyond the child core",
    )

    def master_spec(self) -> DiamondSpec:
        return DiamondSpec("master", self.master_facets, "MasterInit", (self.reserve_ratio_bps, self.guardian_address))

    def child_spec(self, strategy: str, master: str) -> DiamondSpec:
        facets = (*self.child_facets, *self.strategies[strategy])
        return DiamondSpec(child_name(strategy), facets, "ChildInit", (master, self.guardian_address))

    @property
    def guardian_address(self) -> str:
        return self.guardian or ZERO_ADDRESS


class DeployError(Exception):
    """The deployment cannot proceed; the message says why and what to do."""


def bytecode_hash(contract_type: ContractType) -> str:
    code = contract_type.deployment_bytecode.bytecode if contract_type.deployment_bytecode else None
    if not code:
        raise DeployError(f"{contract_type.name} has no creation bytecode (an interface or abstract contract?)")
    return "0x" + keccak(hexstr=code).hex()


def selectors(contract_type: ContractType) -> dict[str, str]:
    """Selector -> signature of every external function."""
    return {selector: signature for signature, selector in contract_type.method_identifiers.items()}


def git_revision(root: Path) -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


@dataclass
class DiamondDeployer:
    """Deploys facets, initializers and diamonds from one account, reusing what is already there."""

    project: ProjectManager
    sender: AccountAPI
    records: Deployments
    transactions: int = 0
    log: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, project: ProjectManager, sender: AccountAPI, path: Path, network: str) -> DiamondDeployer:
        """Load `path` (or start a new record) for the connected chain."""
        compile_project(project)
        provider = project.chain_manager.provider
        chain_id = provider.chain_id
        existing = Deployments.read(path)
        if existing is not None and existing.chain_id != chain_id:
            raise DeployError(f"{path} records chain {existing.chain_id}, but {network} is chain {chain_id}")
        compiler = next((c.version for c in project.manifest.compilers or [] if c.name == "solidity"), "unknown")
        records = existing or Deployments(
            network=network,
            chain_id=chain_id,
            deployer=sender.address,
            compiler=compiler or "unknown",
            git_revision=git_revision(project.path),
        )
        records.compiler = compiler or records.compiler
        return cls(project, sender, records)

    def has_code(self, address: str) -> bool:
        return bool(self.project.chain_manager.provider.get_code(address))

    def contract(self, name: str) -> str:
        """Address of facet or initializer `name`, deploying it if its current code is not on chain."""
        contract_type = self.contract_type_of(name)
        code_hash = bytecode_hash(contract_type)
        record = self.records.contracts.get(name)
        if record and record.bytecode_hash == code_hash and self.has_code(record.address):
            return record.address
        instance = getattr(self.project, name).deploy(sender=self.sender)
        self.transactions += 1
        receipt = self.project.chain_manager.get_receipt(instance.txn_hash)
        self.records.contracts[name] = ContractRecord(
            address=instance.address,
            bytecode_hash=code_hash,
            selectors=selectors(contract_type),
            tx_hash=str(instance.txn_hash),
            block=receipt.block_number,
        )
        self.log.append(f"deployed {name} at {instance.address}")
        return instance.address

    def diamond(self, spec: DiamondSpec) -> DiamondRecord:
        """The diamond of `spec`, deployed with its facets and initializer unless it already exists."""
        record = self.records.diamonds.get(spec.name)
        if record and self.has_code(record.address):
            return record
        cut = []
        for facet in spec.facets:
            address = self.contract(facet)
            cut.append(
                (address, int(CutAction.ADD), [bytes.fromhex(s[2:]) for s in self.records.contracts[facet].selectors])
            )
        init_address = self.contract(spec.init)
        init_calldata = getattr(self.project, spec.init).at(init_address).init.encode_input(*spec.init_args)
        diamond = self.project.Diamond.deploy(self.sender.address, cut, init_address, init_calldata, sender=self.sender)
        self.transactions += 1
        receipt = self.project.chain_manager.get_receipt(diamond.txn_hash)
        record = DiamondRecord(
            address=diamond.address,
            facets=list(spec.facets),
            init=spec.init,
            tx_hash=str(diamond.txn_hash),
            block=receipt.block_number,
        )
        self.records.diamonds[spec.name] = record
        self.log.append(f"deployed {spec.name} diamond at {diamond.address}")
        return record

    def system(self, config: DeployConfig) -> Deployments:
        """The master, one child per configured strategy, each child registered with the master."""
        if config.guardian and config.guardian.lower() == self.sender.address.lower():
            raise DeployError("the guardian must not be the owner key")
        master = self.diamond(config.master_spec())
        registry = self.handle(master.address, "ChildRegistryFacet")
        for strategy in config.strategies:
            child = self.diamond(config.child_spec(strategy, master.address))
            sid = strategy_id(strategy)
            child.strategy_id = "0x" + sid.hex()
            registered = registry.childOf(sid)
            if registered.lower() == child.address.lower():
                continue
            if registered != ZERO_ADDRESS:
                raise DeployError(f"strategy {strategy!r} is registered to {registered}, not {child.address}")
            registry.addChild(sid, child.address, sender=self.sender)
            self.transactions += 1
            self.log.append(f"registered {strategy} child with the master")
        return self.records

    def handle(self, address: str, *facets: str) -> ContractInstance:
        """A contract at `address` speaking the union of `facets`' ABIs."""
        return diamond_handle(self.project, address, facets)

    def save(self, path: Path) -> Path:
        return self.records.write(path)

    def contract_type_of(self, name: str) -> ContractType:
        try:
            return getattr(self.project, name).contract_type
        except AttributeError:
            raise DeployError(f"no compiled contract named {name!r} in {self.project.path}/contracts") from None


def web3_abi(project: ProjectManager, *contracts: str) -> list[dict]:
    """The merged ABI of compiled `contracts` as plain JSON, for web3 (a diamond's facets)."""
    abi, seen = [], set()
    for name in contracts:
        for item in getattr(project, name).contract_type.abi:
            if item.type in ("function", "event", "error") and (item.type, item.selector) not in seen:
                seen.add((item.type, item.selector))
                abi.append(item.model_dump(mode="json", by_alias=True, exclude_none=True))
    return abi


def diamond_handle(project: ProjectManager, address: str, facets: tuple[str, ...] | list[str]) -> ContractInstance:
    """An Ape contract at a diamond's address with the merged ABI of its facets."""
    abi, seen = [], set()
    for facet in facets:
        for item in getattr(project, facet).contract_type.abi:
            if item.type not in ("function", "event", "error"):
                continue  # a facet's constructor or fallback is not the diamond's
            key = (item.type, item.selector)
            if key not in seen:
                seen.add(key)
                abi.append(item)
    contract_type = ContractType(contractName="Diamond", abi=abi)
    # replace=True: Ape caches one contract type per address, and a diamond is seen through many.
    return project.chain_manager.contracts.instance_at(address, contract_type=contract_type, replace=True)
