"""The simulator's own accounts: keys drawn from the seed, funded on a development chain, and
transactions signed with local nonces (each account belongs to one agent, so nothing else
spends its nonces)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3 import Web3

from keepers.config import ConfigError

E18 = 10**18
TIP = 10**9
DEV_CHAIN_IDS = frozenset({31337})


def require_dev_chain(w3: Web3) -> None:
    """Refuse anything but an anvil: the simulator mints ETH with ``anvil_setBalance``."""
    answer = w3.provider.make_request("anvil_nodeInfo", [])
    if "error" in answer or w3.eth.chain_id not in DEV_CHAIN_IDS:
        raise ConfigError(
            f"the market simulator runs only on a local anvil (chain id 31337), not on chain {w3.eth.chain_id}"
        )


def seeded_account(seed: int, role: str, index: int = 0) -> LocalAccount:
    """The key of agent `role` #`index` under `seed` (the same run draws the same keys)."""
    return Account.from_key(keccak(f"lapidary-sim:{seed}:{role}:{index}".encode()))


@dataclass
class Wallet:
    """One agent's account: signs and sends calls with its own nonce counter."""

    w3: Web3
    account: LocalAccount
    chain_id: int
    nonce: int = field(default=-1)

    @property
    def address(self) -> str:
        return self.account.address

    def fund(self, ether: int) -> Wallet:
        self.w3.provider.make_request("anvil_setBalance", [self.address, hex(ether * E18)])
        return self

    def send(self, fn: Any, *, gas: int, value: int = 0, max_fee: int, tip: int) -> str:
        """Sign `fn` (a web3 contract function) at the next nonce and broadcast it; the hash."""
        tx = fn.build_transaction(self._fields(gas, value, max_fee, tip))
        tx.pop("gasPrice", None)  # a Web3 with a gas price strategy adds one beside the EIP-1559 fees
        return self.send_raw(tx)

    def send_call(self, to: str, data: bytes, *, gas: int, max_fee: int, tip: int) -> str:
        return self.send_raw({"to": to, "data": data, **self._fields(gas, 0, max_fee, tip)})

    def send_raw(self, tx: dict) -> str:
        if self.nonce < 0:
            self.nonce = self.w3.eth.get_transaction_count(self.address, "pending")
        tx["nonce"] = self.nonce
        signed = self.account.sign_transaction(tx)
        tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
        self.nonce += 1
        return tx_hash.to_0x_hex()

    def _fields(self, gas: int, value: int, max_fee: int, tip: int) -> dict:
        return {
            "from": self.address,
            "value": value,
            "gas": gas,
            "maxFeePerGas": max_fee,
            "maxPriorityFeePerGas": tip,
            "chainId": self.chain_id,
            "nonce": 0,  # set when sent
        }


def current_fees(w3: Web3) -> dict[str, int]:
    """`Wallet.send` fee arguments that get into the next block: twice the base fee plus a tip."""
    base = w3.eth.get_block("latest")["baseFeePerGas"]
    return {"max_fee": 2 * base + TIP, "tip": TIP}


def settle(w3: Web3, hashes: list[str], what: str, timeout: float = 60) -> None:
    """Wait for every transaction in `hashes`; `RuntimeError` naming `what` and the first that reverted."""
    for tx_hash in hashes:
        receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=timeout, poll_latency=0.1)
        if receipt["status"] != 1:
            raise RuntimeError(f"{what}: transaction {tx_hash} reverted in block {receipt['blockNumber']}")
