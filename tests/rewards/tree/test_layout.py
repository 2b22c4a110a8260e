"""``TreeLayout``: streaming builds, the one-file layout, and proofs served from the file alone."""

from __future__ import annotations

import random
import struct

import pytest

from keepers.rewards.tree import HASH_SIZE, LeafEncoding, StandardMerkleTree, TreeLayout, to_hex, verify_proof
from tests.rewards.tree.conftest import REWARD, oz_trees, reward_values

STREAMED = 20_000


def _values(count: int, seed: int):
    """A generator: the layout must not need the values kept."""
    yield from reward_values(count, seed)


def test_a_streamed_build_is_the_tree_of_the_same_list():
    streamed = TreeLayout.build(_values(STREAMED, seed=1), REWARD)
    tree = StandardMerkleTree.of(reward_values(STREAMED, seed=1), REWARD)
    assert streamed.nodes.tobytes() == tree.layout.nodes.tobytes()
    assert list(streamed.tree_indices) == list(tree.layout.tree_indices)
    assert streamed.leaf_count == STREAMED and streamed.node_count == 2 * STREAMED - 1
    assert streamed.leaves_sorted() and streamed.is_valid()


def test_proofs_from_the_file_are_the_trees(tmp_path):
    values = reward_values(STREAMED, seed=2)
    tree = StandardMerkleTree.of(values, REWARD)
    path = tree.layout.write(tmp_path / "tree.bin")
    encoding_size = len(b'["uint256","address","uint256"]')
    header = struct.calcsize("<8sQI") + encoding_size
    assert path.stat().st_size == header + (2 * STREAMED - 1) * HASH_SIZE + 4 * STREAMED

    served = TreeLayout.open(path)
    assert served.leaf_encoding == tuple(REWARD)
    assert to_hex(served.root) == tree.root
    leaf_hash = LeafEncoding(served.leaf_encoding).leaf_hash
    for i in random.Random(3).sample(range(STREAMED), 200):
        proof = served.leaf_proof(leaf_hash(values[i]))  # the value alone finds its leaf: no index needed
        assert [to_hex(node) for node in proof] == tree.get_proof(i)
        assert served.value_proof(i) == proof
        assert verify_proof(served.root, leaf_hash(values[i]), proof)
    with pytest.raises(ValueError, match="Leaf is not in tree"):
        served.leaf_proof(leaf_hash(["7", "0x" + "ab" * 20, "1"]))


def test_a_streamed_file_serves_the_librarys_proofs(tmp_path):
    values = reward_values(1000, seed=4)
    [answer] = oz_trees([{"leafEncoding": REWARD, "values": values}])
    served = TreeLayout.open(TreeLayout.build(_values(1000, seed=4), REWARD).write(tmp_path / "t.bin"))
    assert to_hex(served.root) == answer["root"]
    assert [[to_hex(node) for node in served.value_proof(i)] for i in range(1000)] == answer["proofs"]
    assert StandardMerkleTree(served, values).dump_json() == answer["dump"]


def test_unsorted_layouts_find_leaves_too(tmp_path):
    values = reward_values(300, seed=5)
    layout = TreeLayout.build(values, REWARD, sort_leaves=False)
    served = TreeLayout.open(layout.write(tmp_path / "u.bin"))
    assert not served.leaves_sorted()
    leaf_hash = LeafEncoding(REWARD).leaf_hash
    assert [served.find(leaf_hash(v)) for v in values] == list(range(300))
    assert list(served.tree_indices) == [598 - i for i in range(300)]


def test_open_refuses_what_write_did_not_make(tmp_path):
    path = TreeLayout.build(reward_values(5, seed=6), REWARD).write(tmp_path / "t.bin")
    data = path.read_bytes()
    (tmp_path / "magic.bin").write_bytes(b"X" + data[1:])
    (tmp_path / "short.bin").write_bytes(data[:-1])
    with pytest.raises(ValueError, match="not a tree layout"):
        TreeLayout.open(tmp_path / "magic.bin")
    with pytest.raises(ValueError, match="do not hold a tree"):
        TreeLayout.open(tmp_path / "short.bin")


def test_a_layout_must_hold_a_whole_tree():
    with pytest.raises(ValueError, match="do not hold a tree"):
        TreeLayout(REWARD, bytes(3 * HASH_SIZE), [2, 1, 0])
    with pytest.raises(ValueError, match="non-zero number of leaves"):
        TreeLayout.build(iter(()), REWARD)
    layout = TreeLayout.build(reward_values(3, seed=7), REWARD)
    with pytest.raises(ValueError, match="not a leaf"):
        layout.proof(0)
    with pytest.raises(IndexError):
        layout.node(5)
