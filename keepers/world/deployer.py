"""Deploy published artifacts and send setup transactions through web3.

The world is set up with plain web3 so the same code serves an Ape test session
(through the provider's Web3), `ape run world`, and the demo's own anvil. The
sender must be unlocked on the node (anvil's dev accounts): deploying the
local world is a development task, never done with a real key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eth_typing import ChecksumAddress
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.types import TxReceipt

from keepers.world.artifacts import ArtifactStore


class DeployError(Exception):
    """A world deployment transaction failed; the message names the step."""


@dataclass(frozen=True)
class DeployedContract:
    """One contract the deployer created, with where and how."""

    label: str
    artifact: str
    address: ChecksumAddress
    tx_hash: str
    block: int


@dataclass
class Deployer:
    """Sends creation and setup transactions from one unlocked account, in order."""

    w3: Web3
    sender: ChecksumAddress
    artifacts: ArtifactStore
    deployed: dict[str, DeployedContract] = field(default_factory=dict)
    transactions: int = 0

    def deploy(
        self,
        label: str,
        artifact_name: str,
        *args: Any,
        libraries: dict[str, str] | None = None,
        value: int = 0,
    ) -> Contract:
        """Create ``artifact_name`` with constructor ``args``; record it under ``label``."""
        if label in self.deployed:
            raise DeployError(f"{label} is already deployed at {self.deployed[label].address}")
        artifact = self.artifacts.get(artifact_name)
        bytecode = artifact.linked(libraries or {}) if artifact.links else artifact.bytecode
        factory = self.w3.eth.contract(abi=artifact.abi, bytecode=bytecode)
        receipt = self._send(f"deploy {label}", factory.constructor(*args), value)
        address = receipt["contractAddress"]
        if address is None:
            raise DeployError(f"deploy {label}: receipt has no contract address")
        self.deployed[label] = DeployedContract(
            label,
            artifact_name,
            Web3.to_checksum_address(address),
            receipt["transactionHash"].to_0x_hex(),
            receipt["blockNumber"],
        )
        return self.w3.eth.contract(address=address, abi=artifact.abi)

    def at(self, artifact_name: str, address: str) -> Contract:
        """A handle on an existing contract with a published ABI."""
        return self.w3.eth.contract(address=Web3.to_checksum_address(address), abi=self.artifacts.abi(artifact_name))

    def record(self, label: str, artifact_name: str, address: str, receipt: TxReceipt) -> None:
        """Record a contract created by another contract (a factory) in ``receipt``."""
        self.deployed[label] = DeployedContract(
            label,
            artifact_name,
            Web3.to_checksum_address(address),
            receipt["transactionHash"].to_0x_hex(),
            receipt["blockNumber"],
        )

    def call(self, step: str, fn: ContractFunction, value: int = 0) -> TxReceipt:
        """Send a state-changing call and require success."""
        return self._send(step, fn, value)

    def _send(self, step: str, fn: Any, value: int) -> TxReceipt:
        tx: dict[str, Any] = {"from": self.sender, "value": value}
        try:
            # Headroom over the estimate: anvil estimates with the last block's timestamp
            # but may mine at a later one, and time-dependent paths
            # (a Uniswap V3 oracle write in a new block) then cost more than estimated.
            tx["gas"] = fn.estimate_gas(tx) * 5 // 4 + 50_000
            tx_hash = fn.transact(tx)
        except Exception as err:  # web3 raises on estimate failure, with the revert reason
            raise DeployError(f"{step}: {err}") from err
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.01)
        self.transactions += 1
        if receipt["status"] != 1:
            raise DeployError(f"{step}: transaction {tx_hash.to_0x_hex()} reverted")
        return receipt
