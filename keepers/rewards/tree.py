"""OpenZeppelin's ``StandardMerkleTree`` (npm ``@openzeppelin/merkle-tree`` 1.0.8, ``standard-v1``), exactly.

Given the same values and leaf encoding, ``StandardMerkleTree.of`` here and in the npm library
have the same root, the same ``getProof``/``getMultiProof`` answers, the same ``render()``, and
``dump_json()`` is byte for byte ``JSON.stringify(tree.dump())``. The library's algorithm
(``standard.js``, ``merkletree.js``, ``core.js``, ``hashes.js``):

- a leaf is ``keccak256(keccak256(abi.encode(leafEncoding, value)))``; the double hash keeps a
  64-byte internal node from ever passing as a leaf (``MerkleProof`` verifies both alike);
- leaf hashes are sorted ascending (``sortLeaves``, default true; a stable sort, so equal leaves
  keep their order) and laid out as one array of ``2n - 1`` nodes: the i-th sorted leaf at
  ``tree[2n - 2 - i]``, internal node ``tree[i] = keccak256(min(l, r) ++ max(l, r))`` of its
  children ``l = tree[2i + 1]``, ``r = tree[2i + 2]``, the root at ``tree[0]``;
- a value's ``treeIndex`` is where its leaf sits; a proof lists the siblings from there up;
- duplicate values are allowed: each keeps its own leaf, and a lookup by value (``getProof(value)``)
  finds the last value index with that leaf hash, as the library's ``hashLookup`` does.

Values are kept exactly as given and dumped as given: pass ``uint256`` as decimal strings (as
the library's README does; a JSON number above 2**53 cannot cross into JavaScript unchanged) and
addresses as the strings you want in the dump. Python ints are accepted too.

Inside, every hash is ``bytes`` and the tree is one buffer (``TreeLayout``): a million leaves
are 64 MB of nodes, built in seconds, written to one file and served proof by proof through
``mmap`` without loading it (``TreeLayout.open``). Leaves sorted by hash need no index to be
found: a binary search over the leaf half of the buffer finds any value's leaf.

Where this module is stricter than the library (it refuses what the library would accept):

- integers: Python ints, decimal strings (``"-12"``) and ``0x`` hex strings only (the library's
  ``BigInt`` also takes whitespace, ``0o``/``0b`` prefixes and the empty string as zero);
- addresses: exactly 20 bytes of ``0x`` hex, and a mixed-case address must carry a valid EIP-55
  checksum (the library pads short hex and never checks the checksum);
- ``bytes``/``bytesN``: an even number of hex digits (the library left-pads odd-length hex);
  ``fixed``/``ufixed`` are refused, as by the library; ``function`` is encoded as ``bytes24``;
- ``string``: valid Unicode only (a lone surrogate is refused; the library encodes it as U+FFFD);
- ``load``: every node must be ``0x`` and 64 lowercase hex digits (what ``dump`` writes) and the
  values must sit one per leaf; a dump of the library always satisfies both.
"""

from __future__ import annotations

import bisect
import json
import mmap
import os
import re
import struct
import sys
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from eth_abi import encode as abi_encode
from eth_abi.exceptions import ABITypeError, EncodingError, ParseError
from eth_abi.grammar import ABIType, BasicType, TupleType, normalize, parse

try:  # safe-pysha3 (pinned in requirements.lock): ~0.6 µs for a 64-byte hash, 7x faster than the fallback
    from sha3 import keccak_256 as _keccak
except ImportError:  # pragma: no cover - the pycryptodome backend eth-hash uses by default
    from Crypto.Hash import keccak as _cryptodome

    def _keccak(data: bytes = b""):
        return _cryptodome.new(data=data, digest_bits=256)


FORMAT = "standard-v1"
HASH_SIZE = 32
MAX_UINT256 = (1 << 256) - 1
ZERO_ADDRESS = "0x" + "00" * 20
REWARD_LEAF_ENCODING = ("uint256", "address", "uint256")

_DECIMAL = re.compile(r"-?[0-9]+")
_HEX_NUMBER = re.compile(r"0[xX][0-9a-fA-F]+")
_HEX_BYTES = re.compile(r"0[xX](?:[0-9a-fA-F]{2})*")
_ADDRESS = re.compile(r"0[xX][0-9a-fA-F]{40}")
_NODE_HEX = re.compile(r"0x[0-9a-f]{64}")
_WORD_TRUE = (1).to_bytes(32, "big")
_WORD_FALSE = bytes(32)
_ADDRESS_PAD = bytes(12)

assert array("I").itemsize == 4, "tree indices are stored as 32-bit unsigned ints"


def keccak256(data: bytes) -> bytes:
    return _keccak(data).digest()


def to_hex(node: bytes) -> str:
    """The library's hex form of a node: ``0x`` and lowercase digits."""
    return "0x" + node.hex()


def _to_node(node: bytes | str) -> bytes:
    """A 32-byte node from bytes or hex (with or without ``0x``), as the library's ``toBytes``."""
    if isinstance(node, str):
        node = bytes.fromhex(node[2:] if node[:2] in ("0x", "0X") else node)
    elif not isinstance(node, bytes):
        node = bytes(node)
    if len(node) != HASH_SIZE:
        raise ValueError("Merkle tree nodes must be Uint8Array of length 32")
    return node


def standard_node_hash(a: bytes, b: bytes) -> bytes:
    """``keccak256`` of the two children in ascending order (``hashes.standardNodeHash``)."""
    return _keccak(a + b if a <= b else b + a).digest()


# ---------------------------------------------------------------------------------------------
# Leaf encoding: abi.encode(types, value), from JSON-like values


_NIBBLE_HIGH = bytes(0x20 if chr(i) in "89abcdef" else 0 for i in range(256))
_HEX_LETTER = bytes(0x20 if chr(i) in "abcdef" else 0 for i in range(256))


def _checksum(lower_hex: str) -> str:
    """EIP-55 checksum of 40 lowercase hex digits (no prefix): a letter is upper case where the
    matching nibble of ``keccak256(lower_hex)`` is 8 or more (upper = lower - 0x20, all 40 at once)."""
    text = lower_hex.encode()
    high = _keccak(text).hexdigest()[:40].encode().translate(_NIBBLE_HIGH)
    upper = int.from_bytes(high, "big") & int.from_bytes(text.translate(_HEX_LETTER), "big")
    return (int.from_bytes(text, "big") - upper).to_bytes(40, "big").decode()


def _address(value: Any) -> bytes:
    if not isinstance(value, str) or not _ADDRESS.fullmatch(value):
        raise ValueError(f"Invalid address value {value!r}: expected 0x and 40 hex digits")
    body = value[2:]
    lower = body.lower()
    if body != lower and body != body.upper() and body != _checksum(lower):
        raise ValueError(f"Invalid address value {value!r}: mixed case without a valid EIP-55 checksum")
    return bytes.fromhex(lower)


def _integer(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        if _DECIMAL.fullmatch(value):
            return int(value)
        if _HEX_NUMBER.fullmatch(value):
            return int(value, 16)
    raise ValueError(f"Invalid number {value!r}: expected an int, a decimal string or a 0x hex string")


def _hex_bytes(value: Any) -> bytes:
    if not isinstance(value, str) or not _HEX_BYTES.fullmatch(value):
        raise ValueError(f"Invalid bytes value {value!r}: expected 0x and an even number of hex digits")
    return bytes.fromhex(value[2:])


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ValueError(f"Invalid boolean value {value!r}: expected a bool or the string 'true' or 'false'")


def _integer_in_range(signed: bool, bits: int) -> Callable[[Any], int]:
    low, high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    kind = f"{'' if signed else 'u'}int{bits}"

    def convert(value: Any) -> int:
        number = _integer(value)
        if not low <= number <= high:
            raise ValueError(f'Number "{number}" is out of range for type "{kind}".')
        return number

    return convert


def _fixed_bytes(size: int) -> Callable[[Any], bytes]:
    def convert(value: Any) -> bytes:
        data = _hex_bytes(value)
        if len(data) > size:
            raise ValueError(f"Expected a value of length {size}, but received a value of length {len(data)}.")
        return data

    return convert


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"Invalid string value {value!r}")
    return value


def _sequence(value: Any, what: str) -> Sequence[Any]:
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"Expected an array for {what}, got {value!r}")
    return value


def _converter(abi_type: ABIType) -> Callable[[Any], Any]:
    """JSON-like value -> the Python value ``eth_abi`` encodes, refusing what the library refuses."""
    if abi_type.arrlist:
        item = _converter(abi_type.item_type)
        dims = abi_type.arrlist[-1]
        length = dims[0] if dims else None

        def array_value(value: Any) -> list[Any]:
            items = _sequence(value, abi_type.to_type_str())
            if length is not None and len(items) != length:
                raise ValueError(f"Array length does not match type length. Expected {length}, got {len(items)}.")
            return [item(v) for v in items]

        return array_value
    if isinstance(abi_type, TupleType):
        components = [_converter(c) for c in abi_type.components]

        def tuple_value(value: Any) -> tuple[Any, ...]:
            items = _sequence(value, abi_type.to_type_str())
            if len(items) != len(components):
                raise ValueError(f"Expected {len(components)} values for {abi_type.to_type_str()}, got {len(items)}")
            return tuple(f(v) for f, v in zip(components, items, strict=True))

        return tuple_value
    assert isinstance(abi_type, BasicType)
    base, sub = abi_type.base, abi_type.sub
    if base in ("uint", "int"):
        return _integer_in_range(base == "int", sub)
    if base == "address":
        return _address
    if base == "bool":
        return _boolean
    if base == "bytes":
        return _hex_bytes if sub is None else _fixed_bytes(sub)
    if base == "string":
        return _string
    raise ValueError(f"Unsupported ABI type {abi_type.to_type_str()!r}")


def _word(abi_type: ABIType) -> Callable[[Any], bytes] | None:
    """The 32-byte ``abi.encode`` word of a static elementary type (the fast path), else None."""
    if abi_type.arrlist or not isinstance(abi_type, BasicType):
        return None
    base, sub = abi_type.base, abi_type.sub
    if base == "uint":
        number = _integer_in_range(False, sub)
        return lambda value: number(value).to_bytes(32, "big")
    if base == "int":
        number = _integer_in_range(True, sub)
        return lambda value: (number(value) & MAX_UINT256).to_bytes(32, "big")
    if base == "address":
        return lambda value: _ADDRESS_PAD + _address(value)
    if base == "bool":
        return lambda value: _WORD_TRUE if _boolean(value) else _WORD_FALSE
    if base == "bytes" and sub is not None:
        fixed = _fixed_bytes(sub)
        return lambda value: fixed(value).ljust(32, b"\0")
    return None


def _parse_type(type_str: str) -> ABIType:
    if not isinstance(type_str, str):
        raise ValueError(f"Invalid ABI type {type_str!r}")
    try:
        abi_type = parse(normalize(re.sub(r"\s*([(),])\s*", r"\1", type_str)))
        abi_type.validate()
    except (ParseError, ABITypeError) as error:
        raise ValueError(f"Invalid ABI type {type_str!r}: {error}") from None
    return abi_type


class LeafEncoding:
    """A leaf's ABI types, compiled once: ``encode(value)`` is ``abi.encode(types, value)``.

    Static elementary types (``uintN``, ``intN``, ``address``, ``bool``, ``bytesN``) are encoded
    word by word here; anything else (``string``, ``bytes``, arrays, tuples) goes through
    ``eth_abi``. Both paths refuse the same malformed values.
    """

    def __init__(self, types: Sequence[str]):
        if isinstance(types, str) or not isinstance(types, Sequence):
            raise ValueError(f"Expected leaf encoding as a list of ABI types, got {types!r}")
        self.types = tuple(types)
        parsed = [_parse_type(t) for t in self.types]
        self._abi_types = [t.to_type_str() for t in parsed]
        self._converters = [_converter(t) for t in parsed]
        words = [_word(t) for t in parsed]
        self._words = words if all(w is not None for w in words) else None

    def __repr__(self) -> str:
        return f"LeafEncoding({list(self.types)!r})"

    def _check(self, value: Any) -> Sequence[Any]:
        if not isinstance(value, (list, tuple)):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                raise ValueError("Leaf values cannot be numbers")
            raise ValueError(f"Expected a leaf value as a list of {len(self.types)} values, got {value!r}")
        if len(value) != len(self.types):
            raise ValueError(
                f"The number of types ({len(self.types)}) does not match the number of values ({len(value)})."
            )
        return value

    def encode(self, value: Sequence[Any]) -> bytes:
        value = self._check(value)
        if self._words is not None:
            return b"".join([word(v) for word, v in zip(self._words, value, strict=True)])
        try:
            return abi_encode(self._abi_types, [convert(v) for convert, v in zip(self._converters, value, strict=True)])
        except EncodingError as error:  # pragma: no cover - the converters refuse first
            raise ValueError(str(error)) from None

    def leaf_hash(self, value: Sequence[Any]) -> bytes:
        """``standardLeafHash``: ``keccak256(keccak256(abi.encode(types, value)))``."""
        return _keccak(_keccak(self.encode(value)).digest()).digest()


def standard_leaf_hash(leaf_encoding: Sequence[str], value: Sequence[Any]) -> bytes:
    return LeafEncoding(leaf_encoding).leaf_hash(value)


# ---------------------------------------------------------------------------------------------
# The core: proofs over the flat array, as core.js


def _sibling(index: int) -> int:
    return index + 1 if index % 2 else index - 1


def _hash_internal_nodes(tree: bytearray, leaf_count: int) -> None:
    """Fill nodes ``n - 2`` down to 0 of a tree whose leaves are in place (the loop of ``makeMerkleTree``)."""
    keccak = _keccak
    for i in range(leaf_count - 2, -1, -1):
        left = (2 * i + 1) * HASH_SIZE
        a = tree[left : left + HASH_SIZE]
        b = tree[left + HASH_SIZE : left + 2 * HASH_SIZE]
        tree[i * HASH_SIZE : (i + 1) * HASH_SIZE] = keccak(a + b if a <= b else b + a).digest()


def make_merkle_tree(leaves: Sequence[bytes]) -> bytearray:
    """``core.makeMerkleTree``: the ``2n - 1`` nodes, 32 bytes each, leaf i at node ``2n - 2 - i``."""
    if not leaves:
        raise ValueError("Expected non-zero number of leaves")
    if any(len(leaf) != HASH_SIZE for leaf in leaves):
        raise ValueError("Merkle tree nodes must be Uint8Array of length 32")
    n = len(leaves)
    tree = bytearray(HASH_SIZE * (n - 1))
    tree += b"".join(reversed(leaves))
    _hash_internal_nodes(tree, n)
    return tree


def process_proof(leaf: bytes | str, proof: Iterable[bytes | str]) -> bytes:
    """``core.processProof``: the root a leaf and its proof lead to."""
    node = _to_node(leaf)
    for sibling in [_to_node(p) for p in proof]:
        node = standard_node_hash(node, sibling)
    return node


def process_multi_proof(
    leaves: Sequence[bytes | str], proof: Sequence[bytes | str], proof_flags: Sequence[bool]
) -> bytes:
    """``core.processMultiProof``: the root several leaves, their proof and flags lead to."""
    stack = deque(_to_node(leaf) for leaf in leaves)
    siblings = deque(_to_node(p) for p in proof)
    if len(siblings) < sum(1 for flag in proof_flags if not flag):
        raise ValueError("Invalid multiproof format")
    if len(stack) + len(siblings) != len(proof_flags) + 1:
        raise ValueError("Provided leaves and multiproof are not compatible")
    for flag in proof_flags:
        if not stack or not (stack if flag else siblings) or (flag and len(stack) < 2):
            raise ValueError("Invalid multiproof: it runs out of nodes")
        a = stack.popleft()
        b = stack.popleft() if flag else siblings.popleft()
        stack.append(standard_node_hash(a, b))
    return stack.pop() if stack else siblings.popleft()


def verify_proof(root: bytes | str, leaf_hash: bytes | str, proof: Iterable[bytes | str]) -> bool:
    """Whether ``proof`` leads from ``leaf_hash`` to ``root`` (what ``MerkleProof.verify`` checks on chain)."""
    return process_proof(leaf_hash, proof) == _to_node(root)


@dataclass(frozen=True)
class MultiProof:
    """``getMultiProof``'s answer: leaves (values, or hashes at the core level), proof, flags."""

    leaves: tuple[Any, ...]
    proof: tuple[str, ...]
    proof_flags: tuple[bool, ...]

    def to_json(self) -> dict[str, Any]:
        return {"leaves": list(self.leaves), "proof": list(self.proof), "proofFlags": list(self.proof_flags)}


class _AscendingLeaves(Sequence[bytes]):
    """The leaf half of a sorted tree in ascending order, for ``bisect``: position p is node ``2n - 2 - p``."""

    def __init__(self, layout: TreeLayout):
        self._layout = layout
        self._last = layout.node_count - 1

    def __len__(self) -> int:
        return self._layout.leaf_count

    def __getitem__(self, position):  # type: ignore[override]
        return self._layout.node(self._last - position)


_FILE_MAGIC = b"OZSMTv1\n"
_FILE_HEADER = struct.Struct("<8sQI")


class TreeLayout:
    """A built tree as one buffer: the library's ``tree`` array, plus each value's ``treeIndex``.

    ``nodes`` holds ``2n - 1`` hashes of 32 bytes in the library's order (the root first);
    ``tree_indices[i]`` is where value i's leaf sits. Nothing else is kept: no value, no hex
    string, no per-leaf object. ``write`` stores it in one file (``open`` maps it back without
    reading it) so that a proof can be served from the file alone.
    """

    __slots__ = ("leaf_encoding", "_nodes", "_tree_indices", "_sorted", "_by_position", "_by_hash", "_mapped")

    def __init__(
        self, leaf_encoding: Sequence[str], nodes: bytes | bytearray | memoryview, tree_indices: Sequence[int]
    ):
        self.leaf_encoding = tuple(leaf_encoding)
        view = memoryview(nodes).toreadonly().cast("B")
        n = len(tree_indices)
        if n == 0 or len(view) != (2 * n - 1) * HASH_SIZE:
            raise ValueError(f"{len(view)} bytes of nodes do not hold a tree of {n} leaves")
        self._nodes = view
        self._tree_indices = tree_indices
        self._sorted: bool | None = None
        self._by_position: array | None = None
        self._by_hash: dict[bytes, int] | None = None
        self._mapped: mmap.mmap | None = None

    # -- building

    @classmethod
    def from_leaf_hashes(
        cls, leaf_hashes: Iterable[bytes], leaf_encoding: Sequence[str], *, sort_leaves: bool = True
    ) -> TreeLayout:
        """``MerkleTreeImpl.prepare`` from the leaf hashes of values 0, 1, 2... (any iterable, consumed once).

        Each hash is kept once, as ``hash ++ value index`` (4 bytes, big-endian): sorting those
        keys sorts by hash and keeps equal hashes in value order, which is the library's stable
        sort, with no key function and no per-leaf int. Peak memory is that list (~80 bytes a
        leaf) plus the tree (64 bytes a leaf).
        """
        keys = []
        add = keys.append
        for value_index, leaf_hash in enumerate(leaf_hashes):
            if len(leaf_hash) != HASH_SIZE:
                raise ValueError("Merkle tree nodes must be Uint8Array of length 32")
            add(leaf_hash + value_index.to_bytes(4, "big"))
        n = len(keys)
        if n == 0:
            raise ValueError("Expected non-zero number of leaves")
        if n >= 1 << 31:
            raise ValueError(f"{n} leaves: tree indices would not fit 32 bits")
        if sort_leaves:
            keys.sort()
        last = 2 * n - 2
        tree = bytearray(HASH_SIZE * (2 * n - 1))
        tree_indices = array("I", bytes(4 * n))
        for position, key in enumerate(keys):
            tree_index = last - position
            tree[tree_index * HASH_SIZE : (tree_index + 1) * HASH_SIZE] = memoryview(key)[:HASH_SIZE]
            tree_indices[int.from_bytes(key[HASH_SIZE:], "big")] = tree_index
        del keys
        _hash_internal_nodes(tree, n)
        layout = cls(leaf_encoding, tree, tree_indices)
        layout._sorted = True if sort_leaves else None
        return layout

    @classmethod
    def build(
        cls, values: Iterable[Sequence[Any]], leaf_encoding: Sequence[str], *, sort_leaves: bool = True
    ) -> TreeLayout:
        """The tree of ``values`` (any iterable: a generator is consumed once and not kept)."""
        leaf_hash = LeafEncoding(leaf_encoding).leaf_hash
        return cls.from_leaf_hashes(map(leaf_hash, values), leaf_encoding, sort_leaves=sort_leaves)

    # -- reading

    @property
    def leaf_count(self) -> int:
        return len(self._tree_indices)

    @property
    def node_count(self) -> int:
        return 2 * len(self._tree_indices) - 1

    @property
    def nodes(self) -> memoryview:
        """All nodes, read-only, 32 bytes each, root first."""
        return self._nodes

    @property
    def tree_indices(self) -> Sequence[int]:
        return self._tree_indices

    def node(self, index: int) -> bytes:
        if not 0 <= index < self.node_count:
            raise IndexError(f"node {index} of {self.node_count}")
        return self._nodes[index * HASH_SIZE : (index + 1) * HASH_SIZE].tobytes()

    @property
    def root(self) -> bytes:
        return self.node(0)

    def tree_index(self, value_index: int) -> int:
        if not 0 <= value_index < self.leaf_count:
            raise ValueError("Index out of bounds")
        return self._tree_indices[value_index]

    def leaves_sorted(self) -> bool:
        """Whether the leaves ascend by hash (always, when built with ``sort_leaves``)."""
        if self._sorted is None:
            leaves = _AscendingLeaves(self)
            self._sorted = all(leaves[p] <= leaves[p + 1] for p in range(len(leaves) - 1))
        return self._sorted

    def find(self, leaf_hash: bytes) -> int | None:
        """The value index whose leaf is ``leaf_hash`` (the last such, as the library's ``hashLookup``)."""
        if len(leaf_hash) != HASH_SIZE:
            return None
        if self.leaves_sorted():
            leaves = _AscendingLeaves(self)
            low = bisect.bisect_left(leaves, leaf_hash)
            high = bisect.bisect_right(leaves, leaf_hash, lo=low)
            if low == high:
                return None
            by_position = self._positions()
            return max(by_position[p] for p in range(low, high))
        if self._by_hash is None:
            self._by_hash = {self.node(t): v for v, t in enumerate(self._tree_indices)}
        return self._by_hash.get(bytes(leaf_hash))

    def _positions(self) -> array:
        """Value index by leaf position (position p is node ``2n - 2 - p``), built on first use."""
        if self._by_position is None:
            last = self.node_count - 1
            by_position = array("I", bytes(4 * self.leaf_count))
            for value_index, tree_index in enumerate(self._tree_indices):
                by_position[last - tree_index] = value_index
            self._by_position = by_position
        return self._by_position

    # -- proofs (core.js)

    def _check_leaf(self, index: int) -> None:
        if not (self.leaf_count - 1 <= index < self.node_count):
            raise ValueError("Index is not a leaf")

    def proof(self, tree_index: int) -> list[bytes]:
        """``core.getProof``: the siblings from a leaf's node up to the root."""
        self._check_leaf(tree_index)
        proof = []
        index = tree_index
        while index > 0:
            proof.append(self.node(_sibling(index)))
            index = (index - 1) // 2
        return proof

    def value_proof(self, value_index: int) -> list[bytes]:
        return self.proof(self.tree_index(value_index))

    def leaf_proof(self, leaf_hash: bytes) -> list[bytes]:
        """The proof of a leaf given by its hash (from a file: only ~log2(n) pages are read)."""
        value_index = self.find(leaf_hash)
        if value_index is None:
            raise ValueError("Leaf is not in tree")
        return self.value_proof(value_index)

    def multi_proof(self, tree_indices: Iterable[int]) -> tuple[list[bytes], list[bytes], list[bool]]:
        """``core.getMultiProof``: (leaf hashes in descending node order, proof, flags)."""
        indices = list(tree_indices)
        for index in indices:
            self._check_leaf(index)
        indices.sort(reverse=True)
        if any(a == b for a, b in pairwise(indices)):
            raise ValueError("Cannot prove duplicated index")
        stack = deque(indices)
        proof: list[bytes] = []
        flags: list[bool] = []
        while stack and stack[0] > 0:
            j = stack.popleft()
            s = _sibling(j)
            if stack and stack[0] == s:
                flags.append(True)
                stack.popleft()
            else:
                flags.append(False)
                proof.append(self.node(s))
            stack.append((j - 1) // 2)
        if not indices:
            proof.append(self.root)
        return [self.node(i) for i in indices], proof, flags

    def is_valid(self) -> bool:
        """``core.isValidMerkleTree``: every internal node is the hash of its children."""
        for i in range(self.leaf_count - 1):
            left = self._nodes[(2 * i + 1) * HASH_SIZE : (2 * i + 2) * HASH_SIZE].tobytes()
            right = self._nodes[(2 * i + 2) * HASH_SIZE : (2 * i + 3) * HASH_SIZE].tobytes()
            if self.node(i) != standard_node_hash(left, right):
                return False
        return True

    def render(self) -> str:
        """``core.renderMerkleTree``: one line per node, depth first."""
        stack: list[tuple[int, tuple[int, ...]]] = [(0, ())]
        lines = []
        count = self.node_count
        while stack:
            i, path = stack.pop()
            indent = "".join(("   ", "│  ")[p] for p in path[:-1])
            branch = "".join(("└─ ", "├─ ")[p] for p in path[-1:])
            lines.append(f"{indent}{branch}{i}) {to_hex(self.node(i))}")
            if 2 * i + 2 < count:
                stack.append((2 * i + 2, (*path, 0)))
                stack.append((2 * i + 1, (*path, 1)))
        return "\n".join(lines)

    # -- the file

    def write(self, path: Path) -> Path:
        """Store the layout in one file (header, nodes, 32-bit little-endian tree indices), atomically."""
        path = Path(path)
        encoding = json.dumps(list(self.leaf_encoding), separators=(",", ":")).encode()
        indices = self._tree_indices if isinstance(self._tree_indices, array) else array("I", self._tree_indices)
        if sys.byteorder != "little":  # pragma: no cover
            indices = array("I", indices)
            indices.byteswap()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as out:
            out.write(_FILE_HEADER.pack(_FILE_MAGIC, self.leaf_count, len(encoding)))
            out.write(encoding)
            out.write(self._nodes)
            out.write(memoryview(indices).cast("B"))
        tmp.replace(path)
        return path

    @classmethod
    def open(cls, path: Path) -> TreeLayout:
        """The layout in a file written by ``write``, mapped read-only (pages are read as proofs touch them)."""
        with open(path, "rb") as file:
            mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        magic, leaf_count, encoding_size = _FILE_HEADER.unpack_from(mapped, 0)
        if magic != _FILE_MAGIC:
            raise ValueError(f"{path} is not a tree layout file")
        start = _FILE_HEADER.size + encoding_size
        nodes_end = start + (2 * leaf_count - 1) * HASH_SIZE
        if len(mapped) != nodes_end + 4 * leaf_count:
            raise ValueError(f"{path}: {len(mapped)} bytes do not hold a tree of {leaf_count} leaves")
        leaf_encoding = json.loads(bytes(mapped[_FILE_HEADER.size : start]))
        view = memoryview(mapped)
        if sys.byteorder == "little":
            tree_indices: Sequence[int] = view[nodes_end:].cast("I")
        else:  # pragma: no cover
            tree_indices = array("I", view[nodes_end:].tobytes())
            tree_indices.byteswap()
        layout = cls(leaf_encoding, view[start:nodes_end], tree_indices)
        layout._mapped = mapped
        return layout


# ---------------------------------------------------------------------------------------------
# StandardMerkleTree (standard.js + merkletree.js)


def _is_index(leaf: Any) -> bool:
    return isinstance(leaf, int) and not isinstance(leaf, bool)


class StandardMerkleTree:
    """The npm ``StandardMerkleTree``: values as given, the tree as a ``TreeLayout``."""

    def __init__(self, layout: TreeLayout, values: Sequence[Sequence[Any]]):
        if len(values) != layout.leaf_count:
            raise ValueError(f"{len(values)} values for a tree of {layout.leaf_count} leaves")
        self.layout = layout
        self.values = values
        self._encoding = LeafEncoding(layout.leaf_encoding)

    @classmethod
    def of(
        cls, values: Iterable[Sequence[Any]], leaf_encoding: Sequence[str], *, sort_leaves: bool = True
    ) -> StandardMerkleTree:
        """``StandardMerkleTree.of(values, leafEncoding, {sortLeaves})``."""
        values = list(values)
        return cls(TreeLayout.build(values, leaf_encoding, sort_leaves=sort_leaves), values)

    @classmethod
    def load(cls, data: Mapping[str, Any]) -> StandardMerkleTree:
        """``StandardMerkleTree.load(dump)``, validated as the library does (and see the module notes)."""
        if data.get("format") != FORMAT:
            raise ValueError(f"Unknown format '{data.get('format')}'")
        if data.get("leafEncoding") is None:
            raise ValueError("Expected leaf encoding")
        tree, entries = data.get("tree"), data.get("values")
        if not isinstance(tree, list) or not isinstance(entries, list):
            raise ValueError("Expected 'tree' and 'values' lists")
        if not all(isinstance(node, str) and _NODE_HEX.fullmatch(node) for node in tree):
            raise ValueError("Merkle tree nodes must be 0x and 64 lowercase hex digits")
        n = len(entries)
        if n == 0 or len(tree) != 2 * n - 1:
            raise ValueError(f"{len(tree)} nodes do not hold a tree of {n} values")
        tree_indices = array("I", bytes(4 * n))
        seen = bytearray(n)
        for value_index, entry in enumerate(entries):
            tree_index = entry.get("treeIndex") if isinstance(entry, Mapping) else None
            if not _is_index(tree_index) or not n - 1 <= tree_index < 2 * n - 1 or seen[tree_index - n + 1]:
                raise ValueError(f"value {value_index}: treeIndex {tree_index!r} is not a leaf of its own")
            seen[tree_index - n + 1] = 1
            tree_indices[value_index] = tree_index
        if any("value" not in entry for entry in entries):
            raise ValueError("every entry of 'values' needs a value")
        nodes = bytes.fromhex("".join(node[2:] for node in tree))
        result = cls(TreeLayout(data["leafEncoding"], nodes, tree_indices), [entry["value"] for entry in entries])
        result.validate()
        return result

    @classmethod
    def load_json(cls, text: str | bytes) -> StandardMerkleTree:
        return cls.load(json.loads(text))

    # -- reading

    @property
    def root(self) -> str:
        return to_hex(self.layout.root)

    @property
    def leaf_encoding(self) -> tuple[str, ...]:
        return self.layout.leaf_encoding

    def __len__(self) -> int:
        return len(self.values)

    def at(self, index: int) -> Sequence[Any] | None:
        """``at(index)``: the value, negative indices from the end, None when out of range."""
        return self.values[index] if -len(self.values) <= index < len(self.values) else None

    def entries(self) -> Iterator[tuple[int, Sequence[Any]]]:
        return enumerate(self.values)

    def leaf_hash(self, leaf: Sequence[Any]) -> str:
        return to_hex(self._encoding.leaf_hash(leaf))

    def validate(self) -> None:
        """Every value's leaf is where it says, every internal node hashes its children."""
        for value_index in range(len(self.values)):
            self._validate_value_at(value_index)
        if not self.layout.is_valid():
            raise ValueError("Merkle tree is invalid")

    def _validate_value_at(self, value_index: int) -> int:
        if not 0 <= value_index < len(self.values):
            raise ValueError("Index out of bounds")
        tree_index = self.layout.tree_index(value_index)
        if self.layout.node(tree_index) != self._encoding.leaf_hash(self.values[value_index]):
            raise ValueError("Merkle tree does not contain the expected value")
        return tree_index

    def _value_index(self, leaf: int | Sequence[Any]) -> int:
        if _is_index(leaf):
            return leaf
        value_index = self.layout.find(self._encoding.leaf_hash(leaf))
        if value_index is None:
            raise ValueError("Leaf is not in tree")
        return value_index

    def _leaf_node(self, leaf: int | Sequence[Any]) -> bytes:
        if _is_index(leaf):
            if not 0 <= leaf < len(self.values):
                raise ValueError("Index out of bounds")
            leaf = self.values[leaf]
        return self._encoding.leaf_hash(leaf)

    # -- proofs

    def get_proof(self, leaf: int | Sequence[Any]) -> list[str]:
        """``getProof(leaf)``: by value index or by value (the last equal value, as the library)."""
        tree_index = self._validate_value_at(self._value_index(leaf))
        proof = self.layout.proof(tree_index)
        if process_proof(self.layout.node(tree_index), proof) != self.layout.root:
            raise AssertionError("Unable to prove value")
        return [to_hex(node) for node in proof]

    def get_multi_proof(self, leaves: Iterable[int | Sequence[Any]]) -> MultiProof:
        """``getMultiProof(leaves)``: leaves come back as values, in descending node order."""
        tree_indices = [self._validate_value_at(self._value_index(leaf)) for leaf in leaves]
        hashes, proof, flags = self.layout.multi_proof(tree_indices)
        if process_multi_proof(hashes, proof, flags) != self.layout.root:
            raise AssertionError("Unable to prove values")
        return MultiProof(
            tuple(self.values[self.layout.find(h)] for h in hashes),
            tuple(to_hex(node) for node in proof),
            tuple(flags),
        )

    def verify(self, leaf: int | Sequence[Any], proof: Iterable[bytes | str]) -> bool:
        return process_proof(self._leaf_node(leaf), proof) == self.layout.root

    def verify_multi_proof(self, multiproof: MultiProof) -> bool:
        leaves = [self._leaf_node(leaf) for leaf in multiproof.leaves]
        return process_multi_proof(leaves, multiproof.proof, multiproof.proof_flags) == self.layout.root

    def render(self) -> str:
        return self.layout.render()

    # -- the dump

    def dump(self) -> dict[str, Any]:
        """``dump()``: format, leafEncoding, tree (hex), values with their treeIndex, in the library's key order."""
        nodes = self.layout.nodes.hex()
        return {
            "format": FORMAT,
            "leafEncoding": list(self.leaf_encoding),
            "tree": ["0x" + nodes[i : i + 2 * HASH_SIZE] for i in range(0, len(nodes), 2 * HASH_SIZE)],
            "values": [{"value": value, "treeIndex": self.layout.tree_index(i)} for i, value in enumerate(self.values)],
        }

    def dump_json(self) -> str:
        """``JSON.stringify(tree.dump())``, byte for byte."""
        return json.dumps(self.dump(), separators=(",", ":"), ensure_ascii=False)


def verify(root: bytes | str, leaf_encoding: Sequence[str], leaf: Sequence[Any], proof: Iterable[bytes | str]) -> bool:
    """``StandardMerkleTree.verify(root, leafEncoding, leaf, proof)``."""
    return verify_proof(root, LeafEncoding(leaf_encoding).leaf_hash(leaf), proof)


def verify_multi_proof(root: bytes | str, leaf_encoding: Sequence[str], multiproof: MultiProof) -> bool:
    """``StandardMerkleTree.verifyMultiProof(root, leafEncoding, multiproof)``."""
    leaf_hash = LeafEncoding(leaf_encoding).leaf_hash
    leaves = [leaf_hash(leaf) for leaf in multiproof.leaves]
    return process_multi_proof(leaves, multiproof.proof, multiproof.proof_flags) == _to_node(root)


# ---------------------------------------------------------------------------------------------
# Reward claims: (campaignId, account, cumulativeAmount)


def checksum_address(address: str) -> str:
    """The EIP-55 form of an address given in any case; a mixed-case address must already be valid."""
    return "0x" + _checksum(_address(address).hex())


@dataclass(frozen=True)
class RewardClaim:
    """What an account submits to ``MerkleRewardsFacet.claim``: its cumulative amount and proof."""

    campaign_id: int
    account: str
    cumulative_amount: int
    proof: tuple[str, ...]


class _RewardValues(Sequence[list[str]]):
    """The tree's values, made on demand: ``[campaignId, account, cumulativeAmount]`` as decimal strings."""

    def __init__(self, campaign_id: int, accounts: Sequence[str], amounts: Mapping[str, int]):
        self._campaign = str(campaign_id)
        self._accounts = accounts
        self._amounts = amounts

    def __len__(self) -> int:
        return len(self._accounts)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        account = self._accounts[index]
        return [self._campaign, account, str(self._amounts[account])]


def _reward_leaf(campaign_word: bytes, account: str, amount: int) -> bytes:
    encoded = campaign_word + _ADDRESS_PAD + bytes.fromhex(account[2:]) + amount.to_bytes(32, "big")
    return _keccak(_keccak(encoded).digest()).digest()


def _uint256(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_UINT256:
        raise ValueError(f"{what} must be an int in [0, 2**256), got {value!r}")
    return value


class RewardTree:
    """The tree of one campaign's cumulative amounts, leaves ``(uint256 campaignId, address account,
    uint256 cumulativeAmount)`` as ``MerkleRewardsFacet`` checks them.

    Built by ``from_allocations`` from ``{account: cumulative amount}``: accounts are checksummed
    and listed in ascending address order, values are decimal strings, so the dump is the one the
    npm library makes from the same list. ``tree`` is the full ``StandardMerkleTree``.
    """

    def __init__(self, campaign_id: int, amounts: Mapping[str, int], layout: TreeLayout):
        self.campaign_id = campaign_id
        self._amounts = dict(amounts)
        self._accounts = list(self._amounts)
        self.layout = layout
        self.tree = StandardMerkleTree(layout, _RewardValues(campaign_id, self._accounts, self._amounts))

    @classmethod
    def from_allocations(cls, campaign_id: int, cumulative: Mapping[str, int]) -> RewardTree:
        """The tree of ``{account: cumulative amount}``, refusing what must never reach a root.

        Refused (``ValueError``): the zero address, an address twice (in any letter case), a
        negative amount, anything that is not a uint256. Accounts at zero are skipped: a zero
        leaf would let nobody claim anything, and the facet pays only increases anyway. At least
        one account must remain (the library cannot build an empty tree).
        """
        campaign_id = _uint256(campaign_id, "campaign_id")
        amounts: dict[str, int] = {}
        for account, amount in cumulative.items():
            checksummed = checksum_address(account)
            if checksummed == ZERO_ADDRESS:
                raise ValueError("the zero address cannot hold a reward leaf")
            if checksummed in amounts:
                raise ValueError(f"account {checksummed} appears twice")
            amounts[checksummed] = _uint256(amount, f"amount of {checksummed}")
        positive = {a: amounts[a] for a in sorted(amounts, key=str.lower) if amounts[a] > 0}
        if not positive:
            raise ValueError("no account has a positive cumulative amount: there is no tree to build")
        word = campaign_id.to_bytes(32, "big")
        hashes = (_reward_leaf(word, account, amount) for account, amount in positive.items())
        return cls(campaign_id, positive, TreeLayout.from_leaf_hashes(hashes, REWARD_LEAF_ENCODING))

    @classmethod
    def load(cls, data: Mapping[str, Any]) -> RewardTree:
        """A reward tree back from its dump (validated, then re-derived: it must be one ``from_allocations`` makes)."""
        tree = StandardMerkleTree.load(data)
        if tree.leaf_encoding != REWARD_LEAF_ENCODING:
            raise ValueError(f"leaf encoding {list(tree.leaf_encoding)} is not {list(REWARD_LEAF_ENCODING)}")
        campaigns = {str(value[0]) for value in tree.values}
        if len(campaigns) != 1:
            raise ValueError(f"a reward tree holds one campaign, found {sorted(campaigns)}")
        rebuilt = cls.from_allocations(
            _integer(campaigns.pop()), {value[1]: _integer(value[2]) for value in tree.values}
        )
        if rebuilt.tree.dump() != tree.dump() or len(rebuilt) != len(tree):
            raise ValueError("the dump is not the canonical reward tree of its own values")
        return rebuilt

    @property
    def root(self) -> str:
        return self.tree.root

    def __len__(self) -> int:
        return len(self._accounts)

    @property
    def amounts(self) -> Mapping[str, int]:
        """Cumulative amount by checksummed account, in value order."""
        return self._amounts

    def amount(self, account: str) -> int:
        """The account's cumulative amount (0 when it has no leaf)."""
        return self._amounts.get(checksum_address(account), 0)

    def claim(self, account: str) -> RewardClaim:
        """The account's leaf and proof; ``KeyError`` if it has none."""
        checksummed = checksum_address(account)
        amount = self._amounts[checksummed]
        leaf = _reward_leaf(self.campaign_id.to_bytes(32, "big"), checksummed, amount)
        proof = tuple(to_hex(node) for node in self.layout.leaf_proof(leaf))
        return RewardClaim(self.campaign_id, checksummed, amount, proof)

    def claims(self) -> Iterator[RewardClaim]:
        for account in self._accounts:
            yield self.claim(account)

    def dump(self) -> dict[str, Any]:
        return self.tree.dump()

    def dump_json(self) -> str:
        return self.tree.dump_json()
