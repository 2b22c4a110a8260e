"""Small helpers shared by the system tests."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ape
from ape.exceptions import ContractLogicError, CustomError
from eth_abi import decode
from eth_utils import keccak, to_checksum_address
from hexbytes import HexBytes
from web3 import Web3

DAY = 86_400
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
KEEPERS = str(Path(sys.executable).with_name("keepers"))


def assert_refused(result: subprocess.CompletedProcess, hint: str, code: int = 2) -> str:
    """A `keepers` refusal as a user meets it: exit `code` (2: a configuration mistake), exactly one
    line on stderr, 'error: ...' containing `hint`, and no traceback anywhere; returns the line."""
    lines = result.stderr.splitlines()
    shown = f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert result.returncode == code, shown
    assert len(lines) == 1 and lines[0].startswith("error: "), shown
    assert hint in lines[0], shown
    assert "Traceback" not in result.stdout + result.stderr, shown
    return lines[0]


@contextmanager
def reverts_with(error: type[CustomError], **inputs: Any) -> Iterator[None]:
    """Expects a revert with exactly the custom error `error` carrying exactly `inputs`.

    Stricter than `ape.reverts(error, **inputs)`, which passes on a revert it could not decode and
    skips argument names the error does not have. Errors the receiving contract's ABI does not know
    (a revert in a constructor's initializer) are decoded here from the raw revert data.
    """
    with ape.reverts() as info:
        yield
    assert _error_inputs(info.value, error) == inputs


def _error_inputs(exception: ContractLogicError, error: type[CustomError]) -> dict[str, Any]:
    signature = error.abi.selector
    if isinstance(exception, CustomError):
        assert exception.abi.selector == signature, f"expected {signature}, reverted with {exception!r}"
        return dict(exception.inputs)
    data = HexBytes(exception.revert_message)
    assert data[:4] == keccak(text=signature)[:4], f"expected {signature}, reverted with {exception!r}"
    values = decode([arg.canonical_type for arg in error.abi.inputs], data[4:])
    return {
        arg.name: to_checksum_address(value) if arg.type == "address" else value
        for arg, value in zip(error.abi.inputs, values, strict=True)
    }


def event_args(receipt, event) -> list[dict[str, Any]]:
    """The arguments of every `event` (a contract handle's event) that `receipt` logged."""
    return [dict(log.event_arguments) for log in event.from_receipt(receipt)]


def stats(value) -> tuple[int, int, int]:
    """An `IMaster.Stats` return value as (trades, volume, realizedProfit)."""
    return value.trades, value.volume, value.realizedProfit


# -- raw storage: what the packed layouts put in each word -----------------------------------------


def erc7201_slot(namespace: str) -> int:
    """keccak256(abi.encode(uint256(keccak256(namespace)) - 1)) & ~bytes32(uint256(0xff))"""
    inner = int.from_bytes(keccak(text=namespace), "big") - 1
    return int.from_bytes(keccak(inner.to_bytes(32, "big")), "big") & ~0xFF


def mapping_slot(key: str, base: int) -> int:
    """The slot of `mapping(address => ...)[key]` whose mapping sits at `base`."""
    return int.from_bytes(keccak(bytes.fromhex(key[2:].rjust(64, "0")) + base.to_bytes(32, "big")), "big")


def storage_word(chain, address: str, slot: int) -> int:
    return int.from_bytes(chain.provider.get_storage(address, slot), "big")


def set_storage_word(chain, address: str, slot: int, value: int) -> None:
    chain.provider.make_request("anvil_setStorageAt", [address, hex(slot), "0x" + value.to_bytes(32, "big").hex()])


def field(word: int, offset: int, bits: int, *, signed: bool = False) -> int:
    """Bits `offset` to `offset + bits` of a storage word (Solidity packs from the low end)."""
    value = (word >> offset) & ((1 << bits) - 1)
    return value - (1 << bits) if signed and value >> (bits - 1) else value


@contextmanager
def manual_mining(w3: Web3) -> Iterator[None]:
    """Automine off for the block: blocks come only from `mine(w3)`. The next block's base fee is put
    back on exit (Ape's snapshot revert does not restore anvil's fee state)."""
    base_fee = w3.eth.get_block("pending")["baseFeePerGas"]
    w3.provider.make_request("evm_setAutomine", [False])
    try:
        yield
    finally:
        w3.provider.make_request("evm_setAutomine", [True])
        w3.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(base_fee)])
