"""Signed transactions and bundles as a relay sees them: bytes, plus what can be read from them.

A relay never trusts a client's description of a transaction; it decodes the
signed bytes itself (sender from the signature, nonce, gas, fees) and names the
transaction by ``keccak256(raw)``. A bundle is named the way Flashbots names it:
``keccak256`` of its transactions' hashes, concatenated in bundle order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from eth_account import Account
from eth_account._utils.legacy_transactions import Transaction as LegacyTransaction
from eth_account.typed_transactions import TypedTransaction
from eth_typing import ChecksumAddress
from eth_utils import keccak, to_checksum_address
from hexbytes import HexBytes


class TransactionDecodeError(ValueError):
    """Bytes that are not a signed transaction this relay can handle."""


def to_hex(data: bytes) -> str:
    """``0x``-prefixed lowercase hex (never ``bytes.hex()`` alone: it has no prefix)."""
    return "0x" + bytes(data).hex()


def from_hex(text: str) -> bytes:
    """Bytes from ``0x``-prefixed hex; raises ``ValueError`` on anything else."""
    if not isinstance(text, str) or not text.startswith(("0x", "0X")) or len(text) % 2:
        raise ValueError("expected 0x-prefixed hex with an even number of digits")
    return bytes.fromhex(text[2:])


def tx_hash(raw: bytes) -> str:
    """A signed transaction's hash: keccak256 of its network encoding."""
    return to_hex(keccak(raw))


def bundle_hash(raw_txs: list[bytes] | tuple[bytes, ...]) -> str:
    """Flashbots' bundle hash: keccak256 of the concatenated transaction hashes."""
    return to_hex(keccak(b"".join(keccak(raw) for raw in raw_txs)))


@dataclass(frozen=True)
class RawTransaction:
    """A signed transaction with the fields a block builder needs."""

    raw: bytes = field(repr=False)
    hash: str
    sender: ChecksumAddress
    nonce: int
    gas: int
    max_fee_per_gas: int
    value: int
    chain_id: int | None

    @property
    def max_cost(self) -> int:
        """The most this transaction can take from its sender: gas at the fee cap, plus value."""
        return self.gas * self.max_fee_per_gas + self.value

    @classmethod
    def decode(cls, raw: bytes) -> RawTransaction:
        raw = bytes(raw)
        if not raw:
            raise TransactionDecodeError("empty transaction")
        try:
            if raw[0] >= 0xC0:  # legacy: an RLP list
                legacy = LegacyTransaction.from_bytes(HexBytes(raw))
                fields = {"nonce": legacy.nonce, "gas": legacy.gas, "fee": legacy.gasPrice, "value": legacy.value}
                chain_id = (legacy.v - 35) // 2 if legacy.v >= 35 else None
            else:
                typed = TypedTransaction.from_bytes(HexBytes(raw)).as_dict()
                fee = typed.get("maxFeePerGas", typed.get("gasPrice", 0))
                fields = {"nonce": typed["nonce"], "gas": typed["gas"], "fee": fee, "value": typed.get("value", 0)}
                chain_id = typed.get("chainId")
            sender = Account.recover_transaction(raw)
        except Exception as err:  # rlp, eth_keys and eth_account each raise their own types
            raise TransactionDecodeError(f"not a signed transaction: {err}") from None
        return cls(
            raw=raw,
            hash=tx_hash(raw),
            sender=to_checksum_address(sender),
            nonce=fields["nonce"],
            gas=fields["gas"],
            max_fee_per_gas=fields["fee"],
            value=fields["value"],
            chain_id=chain_id,
        )


@dataclass(frozen=True)
class Bundle:
    """A bundle as the devrelay holds it until its target block is built."""

    bundle_hash: str
    txs: tuple[RawTransaction, ...]
    block_number: int
    signer: ChecksumAddress
    sequence: int  # arrival order: the earlier of two equally paying bundles wins
    min_timestamp: int | None = None
    max_timestamp: int | None = None
    reverting_tx_hashes: frozenset[str] = frozenset()
    replacement_uuid: str | None = None

    def eligible_at(self, number: int, timestamp: int) -> bool:
        """Whether this bundle may go into block ``number`` stamped ``timestamp``."""
        if number != self.block_number:
            return False
        if self.min_timestamp and timestamp < self.min_timestamp:
            return False
        return not (self.max_timestamp and timestamp > self.max_timestamp)
