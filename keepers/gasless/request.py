"""The signed request a user posts to the relayer, and its EIP-712 hash, signature and signer.

A `ForwardRequest` is the struct `GaslessRelayFacet.execute` takes:
`ForwardRequest(address from,address to,uint256 value,uint256 gas,uint256 nonce,uint48 deadline,bytes data)`,
signed under the domain `("Lapidary", "1", chainId, verifyingContract = the diamond)`. On the wire
(JSON) addresses are hex strings (checksummed when mixed-case), integers are JSON integers or decimal
strings (never floats: amounts are exact), bytes are 0x-hex. Out of here they come back checksummed
and with uint256 fields as decimal strings, so any JSON reader keeps them exact.

The digest is computed here field by field (`eip712_digest`); `typed_data` gives the same message
as EIP-712 JSON for wallets and for eth-account, and the tests hold the two equal. Recovery uses
libsecp256k1 (coincurve) directly and, like OpenZeppelin's ECDSA, refuses malleable high-s
signatures.
"""

from __future__ import annotations

from typing import Annotated, Any

from coincurve import PublicKey
from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema

DOMAIN_NAME = "Lapidary"
DOMAIN_VERSION = "1"
REQUEST_TYPE = (
    "ForwardRequest(address from,address to,uint256 value,uint256 gas,uint256 nonce,uint48 deadline,bytes data)"
)
DOMAIN_TYPE = "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
REQUEST_TYPEHASH = keccak(text=REQUEST_TYPE)
DOMAIN_TYPEHASH = keccak(text=DOMAIN_TYPE)
# secp256k1 group order; OpenZeppelin's ECDSA rejects s above half of it (malleable twins).
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
MAX_DATA_BYTES = 1 << 16  # a hard ceiling of the wire format; the relay policy sets a lower one


class SignatureInvalid(ValueError):
    """The signature bytes do not recover to any key (or are a malleable high-s twin)."""


def _exact_uint(bits: int):
    limit = (1 << bits) - 1

    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ValueError("an integer or a decimal string (never a float)")
        if isinstance(value, str):
            if not value.isascii() or not value.isdigit() or len(value) > 80:
                raise ValueError("a decimal string of digits only")
            value = int(value)
        if not 0 <= value <= limit:
            raise ValueError(f"out of range for uint{bits}")
        return value

    return parse


def _address(value: Any) -> str:
    if not isinstance(value, str) or len(value) != 42 or value[:2] not in ("0x", "0X"):
        raise ValueError("a 0x-prefixed 20-byte hex address")
    body = value[2:]
    try:
        bytes.fromhex(body)
    except ValueError:
        raise ValueError("a 0x-prefixed 20-byte hex address") from None
    checksummed = to_checksum_address("0x" + body.lower())
    if body != body.lower() and body != body.upper() and "0x" + body != checksummed:
        raise ValueError("mixed-case address with a wrong EIP-55 checksum")
    return checksummed


def _hex_bytes(max_bytes: int, exact: int | None = None):
    def parse(value: Any) -> bytes:
        if isinstance(value, (bytes, bytearray)):  # from Python callers only: JSON has no bytes
            value = "0x" + bytes(value).hex()
        if not isinstance(value, str) or value[:2] not in ("0x", "0X"):
            raise ValueError("0x-prefixed hex")
        body = value[2:]
        if len(body) % 2 or len(body) > 2 * max_bytes:
            raise ValueError(f"an even number of hex digits, at most {max_bytes} bytes")
        try:
            raw = bytes.fromhex(body)
        except ValueError:
            raise ValueError("0x-prefixed hex") from None
        if exact is not None and len(raw) != exact:
            raise ValueError(f"exactly {exact} bytes")
        return raw

    return parse


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


_UINT_SCHEMA = {
    "anyOf": [
        {"type": "integer", "minimum": 0, "maximum": (1 << 256) - 1},
        {"type": "string", "pattern": "^[0-9]{1,78}$"},
    ]
}
Uint256 = Annotated[
    int, BeforeValidator(_exact_uint(256)), PlainSerializer(str, when_used="json"), WithJsonSchema(_UINT_SCHEMA)
]
Uint48 = Annotated[
    int, BeforeValidator(_exact_uint(48)), WithJsonSchema({"type": "integer", "minimum": 0, "maximum": (1 << 48) - 1})
]
Address = Annotated[
    str, BeforeValidator(_address), WithJsonSchema({"type": "string", "pattern": "^0x[0-9a-fA-F]{40}$"})
]
CallData = Annotated[
    bytes,
    BeforeValidator(_hex_bytes(MAX_DATA_BYTES)),
    PlainSerializer(_hex, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": "^0x([0-9a-fA-F]{2})*$"}),
]
Signature = Annotated[
    bytes,
    BeforeValidator(_hex_bytes(65, exact=65)),
    PlainSerializer(_hex, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": "^0x[0-9a-fA-F]{130}$"}),
]


class ForwardRequest(BaseModel):
    """What the signer asks the diamond to do for it (the facet's `ForwardRequest`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_: Address = Field(alias="from", description="the signer, on whose behalf the call runs")
    to: Address = Field(description="must be the diamond itself")
    value: Uint256 = Field(default=0, description="wei sent with the inner call (this relayer sends none)")
    gas: Uint256 = Field(description="gas the inner call gets at least (the facet checks the 63/64 rule)")
    nonce: Uint256 = Field(description="the signer's next unused nonce on the diamond (`nonces(from)`)")
    deadline: Uint48 = Field(description="unix seconds; the request is void from this block timestamp on")
    data: CallData = Field(description="calldata of the inner call: an allow-listed selector and its arguments")

    @property
    def selector(self) -> bytes:
        return self.data[:4]

    def as_tuple(self) -> tuple:
        """The ABI tuple `(from, to, value, gas, nonce, deadline, data)`."""
        return (self.from_, self.to, self.value, self.gas, self.nonce, self.deadline, self.data)


class SignedRequest(BaseModel):
    """The body of `POST /v1/requests`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    request: ForwardRequest
    signature: Signature = Field(description="65 bytes r ‖ s ‖ v over the EIP-712 digest")

    def to_json(self) -> dict:
        return self.model_dump(mode="json", by_alias=True)


def _word(value: int) -> bytes:
    return value.to_bytes(32, "big")


def _address_word(address: str) -> bytes:
    return bytes(12) + bytes.fromhex(address[2:])


def domain_separator(chain_id: int, diamond: str) -> bytes:
    """`relayDomainSeparator()` of the diamond on `chain_id`."""
    return keccak(
        DOMAIN_TYPEHASH
        + keccak(text=DOMAIN_NAME)
        + keccak(text=DOMAIN_VERSION)
        + _word(chain_id)
        + _address_word(to_checksum_address(diamond))
    )


def struct_hash(request: ForwardRequest) -> bytes:
    return keccak(
        REQUEST_TYPEHASH
        + _address_word(request.from_)
        + _address_word(request.to)
        + _word(request.value)
        + _word(request.gas)
        + _word(request.nonce)
        + _word(request.deadline)
        + keccak(request.data)
    )


def eip712_digest(request: ForwardRequest, separator: bytes) -> bytes:
    """`keccak256("\\x19\\x01" ‖ domainSeparator ‖ structHash)`: what the signer signs."""
    return keccak(b"\x19\x01" + separator + struct_hash(request))


def typed_data(request: ForwardRequest, chain_id: int, diamond: str) -> dict:
    """The EIP-712 message as `eth_signTypedData_v4` JSON (what a wallet shows the user)."""
    return {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "ForwardRequest": [
                {"name": "from", "type": "address"},
                {"name": "to", "type": "address"},
                {"name": "value", "type": "uint256"},
                {"name": "gas", "type": "uint256"},
                {"name": "nonce", "type": "uint256"},
                {"name": "deadline", "type": "uint48"},
                {"name": "data", "type": "bytes"},
            ],
        },
        "primaryType": "ForwardRequest",
        "domain": {
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": chain_id,
            "verifyingContract": to_checksum_address(diamond),
        },
        "message": {
            "from": request.from_,
            "to": request.to,
            "value": request.value,
            "gas": request.gas,
            "nonce": request.nonce,
            "deadline": request.deadline,
            "data": request.data,
        },
    }


def sign_request(account: LocalAccount, request: ForwardRequest, chain_id: int, diamond: str) -> SignedRequest:
    """`request` signed by `account` for the diamond on `chain_id` (eth-account does the signing)."""
    signed = account.unsafe_sign_hash(eip712_digest(request, domain_separator(chain_id, diamond)))
    return SignedRequest(request=request, signature=signed.signature)


def recover(digest: bytes, signature: bytes) -> str:
    """The address whose key produced `signature` (r ‖ s ‖ v, v in {27, 28}) over `digest`."""
    if len(signature) != 65:
        raise SignatureInvalid("a signature is 65 bytes")
    r, s, v = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:64], "big"), signature[64]
    if v not in (27, 28):
        raise SignatureInvalid(f"v must be 27 or 28, got {v}")
    if not (0 < r < SECP256K1_N and 0 < s <= SECP256K1_N // 2):
        raise SignatureInvalid("r or s out of range (high-s signatures are malleable and refused)")
    try:
        key = PublicKey.from_signature_and_message(signature[:64] + bytes([v - 27]), digest, hasher=None)
    except Exception:  # coincurve raises a bare Exception when no point recovers
        raise SignatureInvalid("no public key recovers from this signature") from None
    return to_checksum_address(keccak(key.format(compressed=False)[1:])[12:])


def recover_signer(signed: SignedRequest, chain_id: int, diamond: str) -> str:
    """Who signed `signed.request` for the diamond on `chain_id` (raises `SignatureInvalid`)."""
    return recover(eip712_digest(signed.request, domain_separator(chain_id, diamond)), signed.signature)
