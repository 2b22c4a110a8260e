"""Flashbots request authentication: the ``X-Flashbots-Signature`` header.

A relay identifies a searcher by an Ethereum key that signs every request body
(the key only builds reputation; it holds no funds and is not the key that signs
the transactions). The header is ``<address>:<signature>`` where the signature
is an EIP-191 ``personal_sign`` over the *text* of ``keccak256(body)`` written as
a ``0x``-prefixed lowercase hex string — what ethers'
``wallet.signMessage(id(body))`` produces in Flashbots' own client.

The one trap: web3 7 / hexbytes 1 made ``HexBytes.hex()`` drop the ``0x``;
signing that text gives a valid-looking signature that relays refuse with
``invalid flashbots signature``. We always build the text with ``to_0x_hex()``.
"""

from __future__ import annotations

import re

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress
from eth_utils import keccak, to_checksum_address

HEADER = "X-Flashbots-Signature"

_HEADER_VALUE = re.compile(r"^(?P<address>0x[0-9a-fA-F]{40}):(?P<signature>0x[0-9a-fA-F]{130})$")


class SignatureError(Exception):
    """A signature header is missing, malformed, or does not match the body."""


def body_digest(body: bytes) -> str:
    """The text that gets signed: ``0x`` + keccak256(body) in lowercase hex."""
    return "0x" + keccak(body).hex()


def sign_body(body: bytes, searcher: LocalAccount) -> str:
    """The ``X-Flashbots-Signature`` header value for ``body``, signed by ``searcher``."""
    signed = searcher.sign_message(encode_defunct(text=body_digest(body)))
    return f"{searcher.address}:{signed.signature.to_0x_hex()}"


def verify(body: bytes, header: str | None) -> ChecksumAddress:
    """The address that signed ``body``; raises :class:`SignatureError` unless ``header`` proves it."""
    if not header:
        raise SignatureError(f"missing {HEADER} header")
    match = _HEADER_VALUE.match(header.strip())
    if match is None:
        raise SignatureError(f"malformed {HEADER} header: expected 0x<address>:0x<65-byte signature>")
    claimed = to_checksum_address(match["address"])
    try:
        recovered = Account.recover_message(encode_defunct(text=body_digest(body)), signature=match["signature"])
    except Exception as err:  # eth_keys raises several types for out-of-range r, s or v
        raise SignatureError(f"unrecoverable signature: {err}") from None
    if recovered != claimed:
        raise SignatureError("signature does not match the address or the body")
    return claimed
