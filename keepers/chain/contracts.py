"""Typed contract access from compiled ABIs: calls encoded, results, logs and reverts decoded by name.

The ABIs ship with the package (``keepers/chain/abi/``, written by ``python -m
keepers.world.abis`` from Ape's build and the protocols' npm artifacts), so an
installed keeper needs neither. Nothing in ``keepers/`` writes a selector, an event
topic or an ABI type list by hand; everything comes from here:

    pair = Contract(w3, address, abi("UniswapV2Pair"))
    reserve0, reserve1, _ = pair.call("getReserves", block=head)
    SYNC = abi("UniswapV2Pair").event("Sync")      # .topic, .decode(log)
    reserves = StaticEventDecoder(SYNC)             # raw eth_getLogs dicts, no eth_abi: the hot path
    child = Contract(w3, child_address, abi("FlashArbFacet", "RiskFacet"))   # a diamond: its facets
    data = child.calldata("executeArb", params)

Decoded addresses are checksummed; ``bytesN`` values are ``bytes``; a function with one
output returns that value, with several a tuple.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_utils import (
    abi_to_signature,
    event_abi_to_log_topic,
    function_abi_to_4byte_selector,
    get_abi_input_types,
    get_abi_output_types,
    to_checksum_address,
)
from web3 import Web3

ABI_DIR = Path(__file__).with_name("abi")
BUILTINS = "SolidityBuiltins"


class AbiError(LookupError):
    """A contract, function, event or error that the shipped ABIs do not have."""


def _checksummed(value: Any, abi_type: str) -> Any:
    """Addresses checksummed, recursively through tuples and arrays."""
    if abi_type == "address":
        return to_checksum_address(value)
    if abi_type.endswith("]"):
        inner = abi_type[: abi_type.rindex("[")]
        return [_checksummed(v, inner) for v in value]
    if abi_type.startswith("(") and "address" in abi_type:
        return tuple(_checksummed(v, t) for v, t in zip(value, _split_tuple(abi_type), strict=True))
    return value


def _split_tuple(abi_type: str) -> list[str]:
    """The component types of a tuple type string such as ``(address,(uint8,bool)[],bytes)``."""
    parts, depth, start = [], 0, 1
    for i, char in enumerate(abi_type[1:-1], start=1):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(abi_type[start:i])
            start = i + 1
    parts.append(abi_type[start:-1])
    return [p for p in parts if p]


def _decode(types: Sequence[str], data: bytes) -> tuple:
    values = abi_decode(list(types), data)
    if any("address" in t for t in types):
        return tuple(_checksummed(v, t) for v, t in zip(values, types, strict=True))
    return values


@dataclass(frozen=True)
class Function:
    """One function of an ABI: its selector, and how its arguments and results are laid out."""

    name: str
    signature: str
    selector: bytes
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]

    def encode(self, *args: Any) -> bytes:
        """Calldata: selector and ABI-encoded arguments."""
        if len(args) != len(self.inputs):
            raise TypeError(f"{self.signature} takes {len(self.inputs)} arguments, got {len(args)}")
        return self.selector + abi_encode(list(self.inputs), list(args))

    def decode(self, data: bytes) -> Any:
        """The return data: the value itself for one output, else a tuple."""
        values = _decode(self.outputs, bytes(data))
        return values[0] if len(values) == 1 else values

    def decode_input(self, calldata: bytes) -> tuple:
        """The arguments of ``calldata`` (which must start with this selector)."""
        if bytes(calldata[:4]) != self.selector:
            raise ValueError(f"calldata is not a call to {self.signature}")
        return _decode(self.inputs, bytes(calldata[4:]))


@dataclass(frozen=True)
class Event:
    """One event of an ABI: its topic, and how a log's topics and data decode."""

    name: str
    signature: str
    topic: str  # 0x-hex
    indexed: tuple[tuple[str, str], ...]  # (name, type) in topic order
    data: tuple[tuple[str, str], ...]  # (name, type) in data order
    data_types: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_types", tuple(t for _, t in self.data))

    def matches(self, log: Mapping[str, Any]) -> bool:
        topics = log["topics"]
        return bool(topics) and _hex(topics[0]) == self.topic

    def decode(self, log: Mapping[str, Any]) -> dict[str, Any]:
        """Every argument of ``log`` by name. Indexed dynamic values (hashed) come back as bytes."""
        args: dict[str, Any] = {}
        for (name, abi_type), topic in zip(self.indexed, log["topics"][1:], strict=True):
            word = bytes(topic) if not isinstance(topic, str) else bytes.fromhex(topic[2:])
            static = abi_type not in ("string", "bytes") and not abi_type.endswith("]") and "(" not in abi_type
            args[name] = _decode((abi_type,), word)[0] if static else word
        data = log["data"]
        raw = bytes.fromhex(data[2:]) if isinstance(data, str) else bytes(data)
        args.update(zip((n for n, _ in self.data), _decode(self.data_types, raw), strict=True))
        return args

    def decode_data(self, data: bytes) -> tuple:
        """The non-indexed arguments only, in order (the hot path of log followers)."""
        return _decode(self.data_types, bytes(data))


@dataclass(frozen=True, slots=True)
class StaticField:
    """Where one static argument of an event sits in a raw log, and how its 32-byte word reads."""

    name: str
    type: str
    indexed: bool
    position: int  # the topic's index (1..3) when indexed, else the data word's
    bits: int  # address: 160, bool: 1
    signed: bool
    kind: str  # int | bool | address

    @property
    def span(self) -> tuple[int, int]:
        """The word's characters in a ``0x``-prefixed hex string (topic or data)."""
        start = 2 + (0 if self.indexed else 64 * self.position)
        return start, start + 64


class StaticEventDecoder:
    """Decodes raw logs (hex strings, as ``eth_getLogs`` returns them) of an event whose arguments
    are all static words, without eth_abi: the hot path of log followers.

    Offsets, widths and signedness come from the event's ABI. Each value is checked to fit its
    type, as eth_abi checks padding, so a malformed log raises ``ValueError`` instead of decoding
    to a wrong number. Addresses come back checksummed (which costs: use ``names`` to leave them out).
    """

    def __init__(self, event: Event, names: Sequence[str] | None = None):
        fields = {f.name: f for f in _static_fields(event)}
        missing = [n for n in names or () if n not in fields]
        if missing:
            raise AbiError(f"{event.signature} has no argument named {missing}")
        self.event = event
        self.fields = tuple(fields[n] for n in names) if names is not None else tuple(fields.values())
        self.topics = 1 + len(event.indexed)
        self.data_chars = 2 + 64 * len(event.data)
        # Per field: where its word is (-1: the data, else a topic), its characters, the range it must
        # fit after a signed word is made negative, and a conversion for addresses and bools.
        self._plan = tuple(
            (
                f.position if f.indexed else -1,
                *f.span,
                -(1 << (f.bits - 1)) if f.signed else 0,
                1 << (f.bits - 1) if f.signed else 1 << f.bits,
                f.signed,
                _CONVERT.get(f.kind),
                f,
            )
            for f in self.fields
        )

    def __call__(self, log: Mapping[str, Any]) -> tuple:
        """The named arguments of ``log``, in order."""
        topics, data = log["topics"], log["data"]
        if len(topics) != self.topics or len(data) != self.data_chars:
            raise ValueError(f"not a {self.event.signature} log: {len(topics)} topics, {len(data)} data characters")
        values = []
        for source, start, end, low, high, signed, convert, field_ in self._plan:
            word = int((data if source < 0 else topics[source])[start:end], 16)
            if signed and word >> 255:
                word -= 1 << 256
            if not low <= word < high:
                raise ValueError(f"{self.event.name}.{field_.name}: {word} is out of {field_.type} range")
            values.append(word if convert is None else convert(word))
        return tuple(values)


_CONVERT = {"address": lambda word: to_checksum_address(f"0x{word:040x}"), "bool": bool}


def _static_fields(event: Event) -> tuple[StaticField, ...]:
    fields = []
    for indexed, arguments in ((True, event.indexed), (False, event.data)):
        for position, (name, abi_type) in enumerate(arguments, start=1 if indexed else 0):
            fields.append(StaticField(name, abi_type, indexed, position, *_word_type(event, abi_type)))
    return tuple(fields)


def _word_type(event: Event, abi_type: str) -> tuple[int, bool, str]:
    """(bits, signed, kind) of an elementary static type."""
    if abi_type == "address":
        return 160, False, "address"
    if abi_type == "bool":
        return 1, False, "bool"
    for prefix, signed in (("uint", False), ("int", True)):
        width = abi_type[len(prefix) :]
        if abi_type.startswith(prefix) and (width == "" or width.isdigit()):
            return int(width or 256), signed, "int"
    raise AbiError(f"{event.signature}: {abi_type} is not a static integer, bool or address word")


@dataclass(frozen=True)
class CustomError:
    """One custom error of an ABI."""

    name: str
    signature: str
    selector: bytes
    inputs: tuple[str, ...]

    def describe(self, data: bytes) -> str:
        """``Name(arg, ...)`` for revert data carrying this error."""
        try:
            values = _decode(self.inputs, bytes(data[4:]))
        except Exception:  # truncated or malformed data: name it without arguments
            return self.name
        shown = ["0x" + v.hex() if isinstance(v, bytes) else str(v) for v in values]
        return f"{self.name}({', '.join(shown)})"


def _hex(value: Any) -> str:
    if isinstance(value, str):
        return value.lower() if value.startswith("0x") else "0x" + value.lower()
    return "0x" + bytes(value).hex()


class ContractAbi:
    """Functions, events and errors of one or more ABIs (a diamond's facets merge into one)."""

    def __init__(self, name: str, entries: Iterable[Mapping[str, Any]]):
        self.name = name
        self.functions: dict[str, list[Function]] = {}
        self.by_signature: dict[str, Function] = {}
        self.events: dict[str, list[Event]] = {}
        self.errors: dict[bytes, CustomError] = {}
        for entry in entries:
            kind = entry.get("type")
            if kind == "function":
                self._add_function(entry)
            elif kind == "event" and not entry.get("anonymous"):
                self._add_event(entry)
            elif kind == "error":
                self._add_error(entry)

    def _add_function(self, entry: Mapping[str, Any]) -> None:
        signature = abi_to_signature(entry)
        if signature in self.by_signature:
            return
        fn = Function(
            entry["name"],
            signature,
            function_abi_to_4byte_selector(entry),
            tuple(get_abi_input_types(entry)),
            tuple(get_abi_output_types(entry)),
        )
        self.by_signature[signature] = fn
        self.functions.setdefault(fn.name, []).append(fn)

    def _add_event(self, entry: Mapping[str, Any]) -> None:
        types = get_abi_input_types(entry)
        names = [i.get("name") or f"arg{n}" for n, i in enumerate(entry["inputs"])]
        indexed = tuple((n, t) for n, t, i in zip(names, types, entry["inputs"], strict=True) if i.get("indexed"))
        data = tuple((n, t) for n, t, i in zip(names, types, entry["inputs"], strict=True) if not i.get("indexed"))
        event = Event(entry["name"], abi_to_signature(entry), "0x" + event_abi_to_log_topic(entry).hex(), indexed, data)
        known = self.events.setdefault(event.name, [])
        if all(e.topic != event.topic for e in known):
            known.append(event)

    def _add_error(self, entry: Mapping[str, Any]) -> None:
        types = tuple(get_abi_input_types(entry))
        selector = function_abi_to_4byte_selector(entry)
        self.errors.setdefault(selector, CustomError(entry["name"], abi_to_signature(entry), selector, types))

    def function(self, name: str) -> Function:
        """A function by name, or by full signature when the name is overloaded."""
        if "(" in name:
            try:
                return self.by_signature[name]
            except KeyError:
                raise AbiError(f"{self.name} has no function {name}") from None
        found = self.functions.get(name)
        if not found:
            raise AbiError(f"{self.name} has no function {name!r}")
        if len(found) > 1:
            raise AbiError(f"{self.name}.{name} is overloaded: name one of {[f.signature for f in found]}")
        return found[0]

    def event(self, name: str) -> Event:
        found = self.events.get(name)
        if not found:
            raise AbiError(f"{self.name} has no event {name!r}")
        if len(found) > 1:
            raise AbiError(f"{self.name} has several {name} events: {[e.signature for e in found]}")
        return found[0]

    def error(self, name: str) -> CustomError:
        for error in self.errors.values():
            if error.name == name:
                return error
        raise AbiError(f"{self.name} has no error {name!r}")

    def selector(self, name: str) -> bytes:
        return self.function(name).selector


@functools.cache
def _entries(name: str) -> tuple[dict, ...]:
    path = ABI_DIR / f"{name}.json"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in ABI_DIR.glob("*.json")))
        raise AbiError(f"no shipped ABI named {name!r} (known: {known})")
    return tuple(json.loads(path.read_text()))


@functools.cache
def abi(*names: str) -> ContractAbi:
    """The ABI of one shipped contract, or the merge of several (a diamond's facets)."""
    if not names:
        raise AbiError("name at least one contract")
    return ContractAbi("+".join(names), (entry for name in names for entry in _entries(name)))


@functools.cache
def all_errors() -> dict[bytes, CustomError]:
    """Every custom error of every shipped ABI, and Solidity's Error(string) and Panic(uint256)."""
    errors: dict[bytes, CustomError] = {}
    for path in sorted(ABI_DIR.glob("*.json")):
        errors.update(abi(path.stem).errors)
    return errors


def describe_revert(data: bytes | str | None) -> str | None:
    """Revert data in words: an Error(string)'s text, ``panic 0x..``, ``Name(args)`` for a known custom
    error, else the raw data in hex; None for no data."""
    if data is None:
        return None
    raw = bytes.fromhex(data[2:]) if isinstance(data, str) else bytes(data)
    if not raw:
        return None
    error = all_errors().get(raw[:4])
    if error is None:
        return "0x" + raw.hex()
    builtins = abi(BUILTINS).errors
    if raw[:4] in builtins:
        try:
            (value,) = _decode(error.inputs, raw[4:])
        except Exception:  # malformed payload: show the bytes
            return "0x" + raw.hex()
        return value if error.name == "Error" else f"panic 0x{value:02x}"
    return error.describe(raw)


class Contract:
    """A contract at an address on a node, seen through an ABI: calls by function name."""

    def __init__(self, w3: Web3, address: str, contract_abi: ContractAbi):
        self.w3 = w3
        self.address = Web3.to_checksum_address(address)
        self.abi = contract_abi

    def __repr__(self) -> str:
        return f"Contract({self.abi.name} at {self.address})"

    def calldata(self, function: str, *args: Any) -> bytes:
        return self.abi.function(function).encode(*args)

    def call(self, function: str, *args: Any, block: int | str = "latest", sender: str | None = None) -> Any:
        """``eth_call`` of ``function(*args)`` at ``block``; the decoded result."""
        fn = self.abi.function(function)
        tx: dict[str, Any] = {"to": self.address, "data": fn.encode(*args)}
        if sender is not None:
            tx["from"] = sender
        return fn.decode(self.w3.eth.call(tx, block))

    def event(self, name: str) -> Event:
        return self.abi.event(name)

    def logs(self, receipt: Mapping[str, Any], event: str) -> list[dict[str, Any]]:
        """The decoded ``event`` logs this contract emitted in ``receipt``."""
        wanted = self.abi.event(event)
        return [
            wanted.decode(log)
            for log in receipt["logs"]
            if Web3.to_checksum_address(log["address"]) == self.address and wanted.matches(log)
        ]


def token_balance(w3: Web3, token: str, holder: str, block: int | str = "latest") -> int:
    """`holder`'s balance of the ERC-20 `token` at `block`."""
    return Contract(w3, token, abi("ERC20")).call("balanceOf", Web3.to_checksum_address(holder), block=block)
