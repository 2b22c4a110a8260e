"""The request's wire format and its EIP-712 signature, checked against eth-account's own typed-data
encoder and recovery (no chain needed)."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak
from pydantic import ValidationError

from keepers.gasless.request import (
    SECP256K1_N,
    ForwardRequest,
    SignatureInvalid,
    SignedRequest,
    domain_separator,
    eip712_digest,
    recover,
    recover_signer,
    sign_request,
    typed_data,
)

DIAMOND = "0x0D4ff719551E23185Aeb16FFbF2ABEbB90635942"
KEYS = [keccak(text=f"request test key {i}") for i in range(5)]


def request_of(account, **fields) -> ForwardRequest:
    base = {
        "from": account.address,
        "to": DIAMOND,
        "value": 0,
        "gas": 300_000,
        "nonce": 7,
        "deadline": 2**48 - 1,
        "data": "0x" + keccak(text="claim(uint256,address,uint256,bytes32[])")[:4].hex() + "ab" * 100,
    }
    return ForwardRequest.model_validate(base | fields)


@pytest.mark.parametrize("chain_id", [1, 31337, 2**64])
@pytest.mark.parametrize("key", KEYS[:3])
def test_signatures_match_eth_accounts_typed_data(key, chain_id):
    account = Account.from_key(key)
    request = request_of(account, value=str(2**256 - 1), nonce=2**200)
    signed = sign_request(account, request, chain_id, DIAMOND)
    message = encode_typed_data(full_message=typed_data(request, chain_id, DIAMOND))
    assert eip712_digest(request, domain_separator(chain_id, DIAMOND)) == keccak(
        b"\x19" + message.version + message.header + message.body
    )
    assert Account.recover_message(message, signature=signed.signature) == account.address
    assert recover_signer(signed, chain_id, DIAMOND) == account.address
    assert recover_signer(signed, chain_id + 1, DIAMOND) != account.address


def test_a_malleable_twin_or_a_bad_v_does_not_recover():
    account = Account.from_key(KEYS[0])
    signed = sign_request(account, request_of(account), 1, DIAMOND)
    digest = eip712_digest(signed.request, domain_separator(1, DIAMOND))
    r, s, v = signed.signature[:32], int.from_bytes(signed.signature[32:64], "big"), signed.signature[64]
    twin = r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v])
    assert Account._recover_hash(digest, signature=twin) == account.address  # valid math, refused by policy
    for bad in (twin, signed.signature[:64] + b"\x00", signed.signature[:64] + b"\x1d", bytes(65)):
        with pytest.raises(SignatureInvalid):
            recover(digest, bad)


def test_the_wire_format_is_exact_and_round_trips():
    account = Account.from_key(KEYS[1])
    signed = sign_request(account, request_of(account, gas="300000", value=2**255), 5, DIAMOND.lower())
    wire = signed.to_json()
    assert wire["request"]["value"] == str(2**255) and wire["request"]["gas"] == "300000"
    assert wire["request"]["to"] == DIAMOND  # checksummed on the way in
    assert wire["signature"] == "0x" + signed.signature.hex()
    assert SignedRequest.model_validate(wire) == signed


@pytest.mark.parametrize(
    "field,value",
    [
        ("gas", 300000.0),
        ("gas", "3e5"),
        ("gas", "-1"),
        ("gas", True),
        ("value", 2**256),
        ("deadline", 2**48),
        ("nonce", "０"),  # a non-ASCII digit
        ("to", "0x" + "0" * 39),
        ("to", DIAMOND[:-1] + ("a" if DIAMOND[-1] != "a" else "b")),  # mixed case, wrong checksum
        ("data", "0xabc"),
        ("data", "abcd"),
    ],
)
def test_inexact_or_malformed_fields_are_refused(field, value):
    account = Account.from_key(KEYS[2])
    with pytest.raises(ValidationError):
        request_of(account, **{field: value})
