"""Signed transactions from anvil's dev keys, and a tiny contract for conflicts and coinbase payments."""

from __future__ import annotations

import json
from dataclasses import dataclass

import requests
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3 import Web3

from keepers.bundles.signing import HEADER, sign_body

CHAIN_ID = 31337  # anvil's default
GWEI = 10**9
MAX_FEE = 50 * GWEI

# The first dev accounts of anvil's default mnemonic ("test test ... junk").
DEV_KEYS = (
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
)
DEV = tuple(Account.from_key(key) for key in DEV_KEYS)
# The searcher key only signs relay requests; it never holds funds.
SEARCHER = Account.from_key(keccak(text="lapidary test searcher"))


def transfer(sender: LocalAccount, nonce: int, to: str, value: int, tip: int = GWEI, gas: int = 21_000) -> bytes:
    """A signed EIP-1559 transfer."""
    return call(sender, nonce, to, b"", value=value, tip=tip, gas=gas)


def call(
    sender: LocalAccount,
    nonce: int,
    to: str | None,
    data: bytes,
    *,
    value: int = 0,
    tip: int = GWEI,
    gas: int = 100_000,
) -> bytes:
    """A signed EIP-1559 transaction."""
    tx = {
        "chainId": CHAIN_ID,
        "nonce": nonce,
        "value": value,
        "gas": gas,
        "maxFeePerGas": MAX_FEE,
        "maxPriorityFeePerGas": tip,
        "data": data,
        "type": 2,
    }
    if to is not None:
        tx["to"] = to
    return bytes(sender.sign_transaction(tx).raw_transaction)


def tx_hash(raw: bytes) -> str:
    return "0x" + keccak(raw).hex()


# OneShot: the first call succeeds and forwards msg.value to block.coinbase; every later
# call reverts with Error("taken"). Hand-assembled so the tests need no compiler:
#   if sload(0) != 0 { revert Error("taken") }
#   sstore(0, 1); call(gas(), coinbase(), callvalue(), 0, 0, 0, 0); stop
ONE_SHOT_RUNTIME = bytes.fromhex(
    "600054"  # PUSH1 0 SLOAD
    "601957"  # PUSH1 taken JUMPI
    "6001600055"  # SSTORE(0, 1)
    "6000600060006000"  # retSize retOffset argsSize argsOffset
    "34415af15000"  # CALLVALUE COINBASE GAS CALL POP STOP
    "5b"  # taken: JUMPDEST (0x19)
    "6308c379a060e01b600052"  # mstore(0, Error selector << 224)
    "6020600452"  # mstore(4, 0x20)
    "6005602452"  # mstore(36, 5)
    "6474616b656e60d81b604452"  # mstore(68, "taken")
    "60646000fd"  # revert(0, 100)
)
assert ONE_SHOT_RUNTIME[0x19] == 0x5B and len(ONE_SHOT_RUNTIME) == 0x40
ONE_SHOT_INIT = bytes.fromhex("604080600b6000396000f3") + ONE_SHOT_RUNTIME


@dataclass
class Chain:
    """Reads from the anvil behind a devrelay, with nonce bookkeeping for the dev accounts."""

    w3: Web3

    def nonce(self, account: LocalAccount) -> int:
        return self.w3.eth.get_transaction_count(account.address)

    def balance(self, address: str, block: int | str = "latest") -> int:
        return self.w3.eth.get_balance(Web3.to_checksum_address(address), block)

    def head(self) -> int:
        return self.w3.eth.block_number

    def block_txs(self, number: int) -> list[str]:
        return [h.to_0x_hex() for h in self.w3.eth.get_block(number)["transactions"]]

    def receipt(self, raw: bytes):
        try:
            return self.w3.eth.get_transaction_receipt(tx_hash(raw))
        except Exception:
            return None


def deploy_one_shot(relay, chain: Chain, deployer: LocalAccount) -> str:
    """Deploy a OneShot through the public mempool and mine it; returns its address."""
    raw = call(deployer, chain.nonce(deployer), None, ONE_SHOT_INIT, gas=200_000)
    chain.w3.eth.send_raw_transaction(raw)
    relay.mine_now()
    receipt = chain.receipt(raw)
    assert receipt is not None and receipt["status"] == 1
    return receipt["contractAddress"]


def post(url: str, payload, *, signer: LocalAccount | None = SEARCHER, header: str | None = None, **kwargs):
    """POST a JSON-RPC payload (dict, list or raw bytes), signed unless told otherwise."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers[HEADER] = header
    elif signer is not None:
        headers[HEADER] = sign_body(body, signer)
    return requests.post(url, data=body, headers=headers, timeout=10, **kwargs)


def rpc(method: str, *params) -> dict:
    return {"jsonrpc": "2.0", "id": 7, "method": method, "params": list(params)}
