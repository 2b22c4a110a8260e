"""Signing EIP-1559 transactions on the hot path, byte for byte what eth-account signs.

eth-account's ``sign_transaction`` validates and re-formats a dict through several layers and
re-derives the key object on every call: about 0.5 ms a transaction, more than everything else
the sender does together. A type-2 transaction is a fixed RLP list of integers and byte strings,
so it is encoded here directly and signed with libsecp256k1 through coincurve (what eth-keys
itself uses): RFC 6979 nonces and low-s signatures, so the bytes are eth-account's exactly.
``tests/chain/test_signing.py`` checks that against eth-account for random transactions; any
other transaction type goes through eth-account.
"""

from __future__ import annotations

from dataclasses import dataclass

from coincurve import PrivateKey
from eth_account.signers.local import LocalAccount
from eth_utils import keccak

TYPE_2 = b"\x02"


def _rlp(item: int | bytes | list) -> bytes:
    """RLP (Ethereum yellow paper, appendix B) of non-negative integers, byte strings and lists."""
    if isinstance(item, list):
        payload = b"".join(_rlp(element) for element in item)
        return _length(len(payload), 0xC0) + payload
    if isinstance(item, int):
        item = item.to_bytes((item.bit_length() + 7) // 8, "big") if item else b""
    if len(item) == 1 and item[0] < 0x80:
        return item
    return _length(len(item), 0x80) + item


def _length(length: int, offset: int) -> bytes:
    if length < 56:
        return bytes([offset + length])
    encoded = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([offset + 55 + len(encoded)]) + encoded


@dataclass(frozen=True)
class SignedTx:
    hash: bytes
    raw: bytes


class Eip1559Signer:
    """Signs type-2 transactions (empty access list) for one account."""

    def __init__(self, account: LocalAccount):
        self.address = account.address
        self._key = PrivateKey(bytes(account.key))

    def sign(
        self,
        *,
        chain_id: int,
        nonce: int,
        to: str | None,
        value: int,
        data: bytes,
        gas: int,
        max_fee: int,
        tip: int,
    ) -> SignedTx:
        fields = [chain_id, nonce, tip, max_fee, gas, bytes.fromhex(to[2:]) if to else b"", value, data, []]
        signature = self._key.sign_recoverable(keccak(TYPE_2 + _rlp(fields)), hasher=None)
        r, s, y_parity = signature[:32], signature[32:64], signature[64]
        raw = TYPE_2 + _rlp([*fields, y_parity, int.from_bytes(r, "big"), int.from_bytes(s, "big")])
        return SignedTx(keccak(raw), raw)
