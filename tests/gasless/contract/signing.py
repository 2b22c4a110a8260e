"""Builds and signs `ForwardRequest`s for the relay facet's tests: EIP-712 typed data signed with
eth-account, written here from the spec so the contract is checked against an independent encoder
(the relayer service has its own in keepers/gasless)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from eth_account import Account
from eth_account.messages import encode_typed_data

NAME, VERSION = "Lapidary", "1"
FORWARD_REQUEST_FIELDS = [
    {"name": "from", "type": "address"},
    {"name": "to", "type": "address"},
    {"name": "value", "type": "uint256"},
    {"name": "gas", "type": "uint256"},
    {"name": "nonce", "type": "uint256"},
    {"name": "deadline", "type": "uint48"},
    {"name": "data", "type": "bytes"},
]


@dataclass(frozen=True)
class ForwardRequest:
    """`IGaslessRelay.ForwardRequest`; `sender` is the field `from`."""

    sender: str
    to: str
    value: int
    gas: int
    nonce: int
    deadline: int
    data: bytes

    def as_tuple(self) -> tuple:
        """The struct as the contract call takes it."""
        return (self.sender, self.to, self.value, self.gas, self.nonce, self.deadline, self.data)

    def but(self, **changes) -> ForwardRequest:
        return replace(self, **changes)


def domain(chain_id: int, verifying_contract: str) -> dict:
    return {"name": NAME, "version": VERSION, "chainId": chain_id, "verifyingContract": verifying_contract}


def sign(request: ForwardRequest, key: bytes, chain_id: int, verifying_contract: str) -> bytes:
    """The 65-byte signature (r, s, v) of `request` under the diamond's domain on `chain_id`."""
    message = {
        "from": request.sender,
        "to": request.to,
        "value": request.value,
        "gas": request.gas,
        "nonce": request.nonce,
        "deadline": request.deadline,
        "data": request.data,
    }
    signable = encode_typed_data(
        domain_data=domain(chain_id, verifying_contract),
        message_types={"ForwardRequest": FORWARD_REQUEST_FIELDS},
        message_data=message,
    )
    return bytes(Account.sign_message(signable, key).signature)
