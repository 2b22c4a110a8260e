"""``StandardMerkleTree`` against the npm library in node: root, proofs, multiproofs, render and dump, byte for byte."""

from __future__ import annotations

import json
import random

import pytest
from eth_abi import encode
from eth_utils import keccak
from hypothesis import given
from hypothesis import strategies as st

from keepers.rewards.tree import (
    LeafEncoding,
    MultiProof,
    StandardMerkleTree,
    process_proof,
    standard_leaf_hash,
    verify,
    verify_multi_proof,
    verify_proof,
)
from tests.rewards.tree.conftest import NODE_SETTINGS, PURE_SETTINGS, REWARD, oz_trees, reward_values

SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 100, 127, 257, 1000]


def _multiproof_sets(size: int, rng: random.Random) -> list[list[int]]:
    sets = [[], [0], list(range(size))]
    for _ in range(3):
        sets.append(rng.sample(range(size), rng.randint(1, size)))
    return sets


def assert_same_as_library(tree: StandardMerkleTree, answer: dict, multiproofs: list[list[int]] = ()) -> None:
    assert "error" not in answer, answer
    assert tree.root == answer["root"]
    assert tree.dump_json() == answer["dump"]
    assert [tree.get_proof(i) for i in range(len(tree))] == answer["proofs"]
    assert [tree.get_proof(value) for _, value in tree.entries()] == answer["proofsByValue"]
    assert [tree.get_multi_proof(indices).to_json() for indices in multiproofs] == answer["multiproofs"]
    if answer["render"] is not None:
        assert tree.render() == answer["render"]


def test_reward_trees_of_many_sizes_are_the_librarys():
    rng = random.Random(2024)
    cases = []
    for size in SIZES:
        values = reward_values(size, seed=size)
        cases.append({"leafEncoding": REWARD, "values": values, "multiproofs": _multiproof_sets(size, rng)})
    for case, answer in zip(cases, oz_trees(cases), strict=True):
        tree = StandardMerkleTree.of(case["values"], case["leafEncoding"])
        assert_same_as_library(tree, answer, case["multiproofs"])


@NODE_SETTINGS
@given(
    accounts=st.lists(st.integers(0, 2**160 - 1), min_size=1, max_size=40),
    amounts=st.lists(st.integers(0, 2**256 - 1), min_size=1, max_size=40),
    campaign=st.integers(0, 2**256 - 1),
    repeat=st.integers(0, 3),
)
def test_random_reward_leaves_with_repeats_are_the_librarys(accounts, amounts, campaign, repeat):
    values = [[str(campaign), f"0x{a:040x}", str(amounts[i % len(amounts)])] for i, a in enumerate(accounts)]
    values += values[:repeat]  # the library keeps duplicate leaves; so must we
    [answer] = oz_trees([{"leafEncoding": REWARD, "values": values, "multiproofs": [list(range(len(values)))]}])
    assert_same_as_library(StandardMerkleTree.of(values, REWARD), answer, [list(range(len(values)))])


def test_unsorted_leaves_are_the_librarys():
    cases = [
        {"leafEncoding": REWARD, "values": reward_values(size, seed=100 + size), "sortLeaves": False}
        for size in (1, 2, 3, 6, 11, 64)
    ]
    for case, answer in zip(cases, oz_trees(cases), strict=True):
        tree = StandardMerkleTree.of(case["values"], REWARD, sort_leaves=False)
        assert_same_as_library(tree, answer)
        assert not tree.layout.leaves_sorted() or len(tree) < 3


MIXED = [
    (
        ["string", "bytes", "bool", "int8", "bytes4", "uint256[]", "(address,uint16)", "(string,bytes32)[2]", "uint"],
        [
            [
                'héllo \u2028 "quoted" \\ \n',
                "0x",
                True,
                "-128",
                "0x01",
                ["1", "0x10", 3],
                ["0x" + "ab" * 20, 65535],
                [["a", "0x" + "11" * 32], ["", "0x"]],
                "123",
            ],
            [
                "",
                "0x" + "deadbeef" * 9,
                "false",
                127,
                "0x01020304",
                [],
                ["0x" + "00" * 20, "0"],
                [["\x01", "0x22"], ["b", "0x" + "ff" * 32]],
                "0x" + "f" * 64,
            ],
            ["x" * 100, "0x00", False, "-1", "0x", ["0"], ["0x" + "CD" * 20, 1], [["c", "0x"], ["d", "0x"]], 0],
        ],
    ),
    (["bool"], [[True], [False], ["true"]]),
    (
        ["int256", "int16[3]"],
        [
            ["-57896044618658097711785492504343953926634992332820282019728792003956564819968", [-1, "0", "32767"]],
            ["57", ["-32768", 1, 2]],
        ],
    ),
    (["bytes32", "address[]"], [["0x" + "12" * 32, []], ["0x" + "00" * 32, ["0x" + "11" * 20, "0x" + "22" * 20]]]),
    (["(uint256,(bool,string))[]"], [[[["1", [True, "a"]], ["2", [False, ""]]]], [[]]]),
]


@pytest.mark.parametrize(("types", "values"), MIXED, ids=lambda x: ",".join(x) if isinstance(x[0], str) else None)
def test_any_abi_leaf_encoding_is_the_librarys(types, values):
    [answer] = oz_trees([{"leafEncoding": types, "values": values, "multiproofs": [[0, len(values) - 1]]}])
    assert_same_as_library(StandardMerkleTree.of(values, types), answer, [[0, len(values) - 1]])


def test_loading_each_others_dumps_gives_the_same_tree():
    ours = StandardMerkleTree.of(reward_values(13, seed=5), REWARD)
    node_values = reward_values(9, seed=6)
    [theirs] = oz_trees([{"leafEncoding": REWARD, "values": node_values}])
    [reloaded] = oz_trees([{"dump": ours.dump_json()}])
    assert_same_as_library(ours, reloaded)
    loaded = StandardMerkleTree.load_json(theirs["dump"])
    assert_same_as_library(loaded, theirs)
    assert loaded.values == node_values


def test_duplicates_lookup_by_value_finds_the_last_as_the_library():
    value = ["1", "0x1111111111111111111111111111111111111111", "5"]
    values = [value, ["2", "0x2222222222222222222222222222222222222222", "7"], list(value), ["0x1", value[1], "0x5"]]
    [answer] = oz_trees([{"leafEncoding": REWARD, "values": values, "multiproofs": [[0, 2], [0, 3], [3, 1]]}])
    tree = StandardMerkleTree.of(values, REWARD)
    assert_same_as_library(tree, answer, [[0, 2], [0, 3], [3, 1]])
    # "0x1"/"0x5" encode as 1/5: one leaf hash, four values, the lookup lands on the last
    assert tree.layout.find(LeafEncoding(REWARD).leaf_hash(value)) == 3
    assert tree.get_multi_proof([0, 2]).leaves == (values[3], values[3])


def test_library_errors_are_errors_here_too():
    cases = [
        {"leafEncoding": REWARD, "values": []},
        {"leafEncoding": ["uint256"], "values": [5]},
        {"leafEncoding": ["uint8"], "values": [["256"]]},
        {"leafEncoding": REWARD, "values": [["1", "0x11", "1", "4"]]},
        {"leafEncoding": ["fixed128x18"], "values": [["1"]]},
    ]
    for case, answer in zip(cases, oz_trees(cases), strict=True):
        assert "error" in answer
        with pytest.raises(ValueError):
            StandardMerkleTree.of(case["values"], case["leafEncoding"])


@pytest.mark.parametrize(
    ("types", "value", "message"),
    [
        (["uint256"], [" 5"], "Invalid number"),
        (["uint256"], ["-1"], "out of range"),
        (["uint256"], [True], "Invalid number"),
        (["uint256"], [1.5], "Invalid number"),
        (["address"], ["0x" + "1" * 39], "Invalid address"),
        (["address"], ["0xAbcdefabcdefabcdefabcdefabcdefabcdefabcd"], "checksum"),
        (["bytes"], ["0x123"], "Invalid bytes"),
        (["bytes2"], ["0x010203"], "length 2"),
        (["bool"], [1], "Invalid boolean"),
        (["string"], [5], "Invalid string"),
        (["uint8[2]"], [["1"]], "Array length"),
        (["uint257"], ["1"], "Invalid ABI type"),
    ],
)
def test_stricter_than_the_library_where_it_would_guess(types, value, message):
    with pytest.raises(ValueError, match=message):
        LeafEncoding(types).encode(value)


def _python_value(abi_type: str, value):
    if abi_type == "address":
        return value
    if abi_type.startswith("bytes"):
        return bytes.fromhex(value[2:])
    if abi_type == "bool":
        return value
    return int(value, 0) if isinstance(value, str) else value


STATIC = st.one_of(
    st.tuples(st.just("uint256"), st.integers(0, 2**256 - 1).map(str)),
    st.tuples(st.just("uint64"), st.integers(0, 2**64 - 1).map(hex)),
    st.tuples(st.just("int24"), st.integers(-(2**23), 2**23 - 1)),
    st.tuples(st.just("int256"), st.integers(-(2**255), 2**255 - 1).map(str)),
    st.tuples(st.just("address"), st.integers(0, 2**160 - 1).map(lambda a: f"0x{a:040x}")),
    st.tuples(st.just("bool"), st.booleans()),
    st.tuples(st.just("bytes32"), st.binary(min_size=32, max_size=32).map(lambda b: "0x" + b.hex())),
    st.tuples(st.just("bytes3"), st.binary(min_size=0, max_size=3).map(lambda b: "0x" + b.hex())),
)


@PURE_SETTINGS
@given(fields=st.lists(STATIC, min_size=1, max_size=6))
def test_word_by_word_encoding_is_abi_encode(fields):
    types = [t for t, _ in fields]
    value = [v for _, v in fields]
    expected = encode(types, [_python_value(t, v) for t, v in fields])
    assert LeafEncoding(types).encode(value) == expected
    assert standard_leaf_hash(types, value) == keccak(keccak(expected))


def test_the_leaf_is_the_facets_leaf():
    """``LibMerkleRewards.leaf``: keccak256(bytes.concat(keccak256(abi.encode(campaignId, account, amount))))."""
    account = "0x1111111111111111111111111111111111111111"
    expected = keccak(keccak(encode(REWARD, [3, account, 10**18])))
    assert standard_leaf_hash(REWARD, ["3", account, str(10**18)]) == expected


def test_proofs_verify_and_tampering_fails():
    values = reward_values(37, seed=9)
    tree = StandardMerkleTree.of(values, REWARD)
    for i, value in enumerate(values):
        proof = tree.get_proof(i)
        assert tree.verify(i, proof) and tree.verify(value, proof)
        assert verify(tree.root, REWARD, value, proof)
        assert verify_proof(tree.root, tree.leaf_hash(value), proof)
        assert verify_proof(bytes.fromhex(tree.root[2:]), bytes.fromhex(tree.leaf_hash(value)[2:]), proof)
        other = [value[0], value[1], str(int(value[2]) + 1)]
        assert not verify(tree.root, REWARD, other, proof)
        bad = list(proof)
        bad[i % len(bad)] = "0x" + (int(bad[i % len(bad)], 16) ^ 1).to_bytes(32, "big").hex()
        assert not verify(tree.root, REWARD, value, bad)
        assert not verify(tree.root, REWARD, value, proof[:-1])
    with pytest.raises(ValueError, match="Leaf is not in tree"):
        tree.get_proof(["7", "0x" + "ab" * 20, "1"])
    with pytest.raises(ValueError, match="Index out of bounds"):
        tree.get_proof(len(values))
    with pytest.raises(ValueError, match="length 32"):
        process_proof(tree.leaf_hash(values[0]), ["0x1234"])


def test_multiproofs_verify_and_tampering_fails():
    values = reward_values(21, seed=10)
    tree = StandardMerkleTree.of(values, REWARD)
    multiproof = tree.get_multi_proof([3, 0, 17, 8])
    assert tree.verify_multi_proof(multiproof)
    assert verify_multi_proof(tree.root, REWARD, multiproof)
    swapped = MultiProof((values[1], *multiproof.leaves[1:]), multiproof.proof, multiproof.proof_flags)
    assert not verify_multi_proof(tree.root, REWARD, swapped)
    short = MultiProof(multiproof.leaves, multiproof.proof[:-1], multiproof.proof_flags)
    with pytest.raises(ValueError):
        verify_multi_proof(tree.root, REWARD, short)
    with pytest.raises(ValueError, match="duplicated"):
        tree.get_multi_proof([1, 1])


def test_at_entries_and_leaf_hash_read_like_the_library():
    values = reward_values(4, seed=11)
    tree = StandardMerkleTree.of(values, REWARD)
    assert tree.at(0) == values[0] and tree.at(-1) == values[3] and tree.at(4) is None
    assert list(tree.entries()) == list(enumerate(values))
    assert tree.leaf_hash(values[2]) == "0x" + keccak(keccak(LeafEncoding(REWARD).encode(values[2]))).hex()


def _tampered(dump: dict, change) -> dict:
    data = json.loads(json.dumps(dump))
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format="simple-v1"), "Unknown format"),
        (lambda d: d.pop("leafEncoding"), "Expected leaf encoding"),
        (lambda d: d["values"][0]["value"].__setitem__(1, "0x" + "12" * 20), "does not contain the expected value"),
        (lambda d: d["tree"].__setitem__(0, "0x" + "00" * 32), "Merkle tree is invalid"),
        (lambda d: d["tree"].__setitem__(1, d["tree"][1].upper().replace("0X", "0x")), "lowercase hex"),
        (lambda d: d["values"][1].__setitem__("treeIndex", d["values"][0]["treeIndex"]), "not a leaf of its own"),
        (lambda d: d["values"][1].__setitem__("treeIndex", 0), "not a leaf of its own"),
        (lambda d: d["values"].pop(), "do not hold a tree"),
    ],
)
def test_load_refuses_a_corrupted_dump(change, message):
    dump = StandardMerkleTree.of(reward_values(6, seed=12), REWARD).dump()
    StandardMerkleTree.load(dump).validate()
    with pytest.raises(ValueError, match=message):
        StandardMerkleTree.load(_tampered(dump, change))
