"""The Flashbots bundle JSON-RPC on the wire, as pydantic models.

Shared by the client (which serializes requests and parses responses) and the
devrelay (which parses requests and serializes responses), so both ends agree on
every field name and encoding: transactions and hashes are ``0x`` hex strings,
block numbers are hex quantities, timestamps are plain JSON numbers, and wei
amounts in ``eth_callBundle`` results are decimal strings (they overflow
JavaScript numbers).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer
from pydantic.alias_generators import to_camel

from keepers.bundles.transactions import from_hex, to_hex


def _hex_bytes(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    return from_hex(value)


def _hash32(value: Any) -> str:
    data = _hex_bytes(value)
    if len(data) != 32:
        raise ValueError("expected a 32-byte hash")
    return to_hex(data)


def _quantity(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("expected a hex quantity")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.startswith(("0x", "0X")) and len(value) > 2:
        number = int(value, 16)
    else:
        raise ValueError("expected a 0x-prefixed hex quantity")
    if number < 0:
        raise ValueError("must not be negative")
    return number


def _wei(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("expected a decimal string")
    if isinstance(value, str) and value.startswith(("0x", "0X")):
        return int(value, 16)
    return int(value)


HexData = Annotated[bytes, BeforeValidator(_hex_bytes), PlainSerializer(to_hex, return_type=str)]
Hash32 = Annotated[str, BeforeValidator(_hash32)]
Quantity = Annotated[int, BeforeValidator(_quantity), PlainSerializer(hex, return_type=str)]
Wei = Annotated[int, BeforeValidator(_wei), PlainSerializer(str, return_type=str)]
Timestamp = Annotated[int, Field(ge=0)]


class _Wire(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)

    def wire(self) -> dict[str, Any]:
        """The JSON object for this model: camelCase names, unset optional fields left out."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class SendBundleParams(_Wire):
    """``eth_sendBundle`` params[0]."""

    txs: list[HexData]
    block_number: Quantity
    min_timestamp: Timestamp | None = None
    max_timestamp: Timestamp | None = None
    reverting_tx_hashes: list[Hash32] | None = None
    replacement_uuid: str | None = Field(default=None, min_length=1, max_length=128)
    builders: list[str] | None = None


class CallBundleParams(_Wire):
    """``eth_callBundle`` params[0]."""

    txs: list[HexData]
    block_number: Quantity
    state_block_number: Quantity | str = "latest"
    timestamp: Timestamp | None = None


class CancelBundleParams(_Wire):
    """``eth_cancelBundle`` params[0]."""

    replacement_uuid: str = Field(min_length=1, max_length=128)


class SendBundleResult(_Wire):
    bundle_hash: Hash32


class TxSimulation(_Wire):
    """One transaction of an ``eth_callBundle`` result.

    ``coinbase_diff`` is what the block's fee recipient gained from this
    transaction: ``gas_fees`` (gas used times the effective priority fee) plus
    ``eth_sent_to_coinbase`` (direct transfers). ``gas_price`` is
    ``coinbase_diff // gas_used``, the transaction's contribution to the bundle's
    score. ``value`` is the return data of a successful call; a failed one has
    ``error`` and, when it reverted, ``revert`` (the decoded reason, or the raw
    revert data in hex).
    """

    tx_hash: Hash32
    from_address: str
    to_address: str | None = None
    gas_used: int
    gas_price: Wei
    gas_fees: Wei
    coinbase_diff: Wei
    eth_sent_to_coinbase: Wei
    value: str | None = None
    error: str | None = None
    revert: str | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None


class CallBundleResult(_Wire):
    """``eth_callBundle`` result: the bundle simulated on top of ``state_block_number``."""

    bundle_hash: Hash32
    bundle_gas_price: Wei
    coinbase_diff: Wei
    eth_sent_to_coinbase: Wei
    gas_fees: Wei
    results: list[TxSimulation]
    state_block_number: int
    total_gas_used: int

    @property
    def failed(self) -> list[TxSimulation]:
        """The transactions that reverted or failed."""
        return [tx for tx in self.results if tx.failed]
