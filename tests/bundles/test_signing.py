"""The X-Flashbots-Signature header: known answer, the hex-prefix trap, verification."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import keccak
from hexbytes import HexBytes

from keepers.bundles.signing import SignatureError, body_digest, sign_body, verify
from tests.bundles.support import DEV

BODY = b'{"jsonrpc":"2.0","id":1,"method":"eth_sendBundle","params":[{"txs":["0x02"],"blockNumber":"0x10"}]}'
# Computed with ethers v5 (@ethersproject, as in Flashbots' own ethers-provider-flashbots-bundle):
#   new SigningKey(key).signDigest(hashMessage(id(BODY))), address from computeAddress(key)
KNOWN_DIGEST = "0x4b97ddbff1a5a009a9928abdb4daf7aef599a3338238887ed7b7fb9fa50c8cf8"
KNOWN_HEADER = (
    "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266:"
    "0xa93dabaa998ad2534208626e8d124c322b9bb201220889f5998042c330578c49"
    "196edad1d875a20762765439514d10cd85625777b094b10e4dd72f92d899e73c1c"
)


def test_header_matches_the_reference_implementation():
    assert body_digest(BODY) == KNOWN_DIGEST
    assert sign_body(BODY, DEV[0]) == KNOWN_HEADER
    assert verify(BODY, KNOWN_HEADER) == DEV[0].address


def test_the_signed_text_keeps_its_0x_prefix():
    # web3 7 / hexbytes 1: .hex() has no prefix. Signing that text is the classic
    # "invalid flashbots signature": it must differ from, and not verify as, the real header.
    assert HexBytes(keccak(BODY)).hex() == KNOWN_DIGEST[2:]
    assert HexBytes(keccak(BODY)).to_0x_hex() == KNOWN_DIGEST
    unprefixed = DEV[0].sign_message(encode_defunct(text=KNOWN_DIGEST[2:])).signature.to_0x_hex()
    wrong = f"{DEV[0].address}:{unprefixed}"
    assert wrong != KNOWN_HEADER
    with pytest.raises(SignatureError, match="does not match"):
        verify(BODY, wrong)


def test_signature_has_65_bytes_and_a_checksummed_address():
    address, signature = sign_body(b"{}", DEV[1]).split(":")
    assert address == DEV[1].address
    assert signature.startswith("0x") and len(signature) == 2 + 130


def test_lowercase_address_is_accepted():
    address, signature = KNOWN_HEADER.split(":")
    assert verify(BODY, f"{address.lower()}:{signature}") == DEV[0].address


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "garbage",
        KNOWN_HEADER.replace(":", ";"),
        KNOWN_HEADER[:-2],  # 64.5-byte signature
        KNOWN_HEADER.split(":")[1],  # no address
        KNOWN_HEADER.replace("0xa93d", "a93d"),  # signature without 0x
        KNOWN_HEADER[:-4] + "zz1c",  # not hex
    ],
)
def test_malformed_headers_are_refused(header):
    with pytest.raises(SignatureError):
        verify(BODY, header)


def test_signature_over_another_body_is_refused():
    with pytest.raises(SignatureError, match="does not match"):
        verify(BODY + b" ", KNOWN_HEADER)


def test_signature_claimed_for_another_address_is_refused():
    signature = KNOWN_HEADER.split(":")[1]
    with pytest.raises(SignatureError, match="does not match"):
        verify(BODY, f"{DEV[1].address}:{signature}")


def test_unrecoverable_signature_is_refused():
    zero = "0x" + "00" * 65
    with pytest.raises(SignatureError):
        verify(BODY, f"{DEV[0].address}:{zero}")


def test_any_key_signs_and_verifies():
    account = Account.create()
    assert verify(b'{"a":1}', sign_body(b'{"a":1}', account)) == account.address
