"""A small OpenZeppelin `StandardMerkleTree` (`standard-v1`) for the contract tests.

Leaves are `keccak256(keccak256(abi.encode(uint256 campaignId, address account, uint256
cumulativeAmount)))`, sorted by hash; the tree is OpenZeppelin's array layout (leaves at the end
in reverse order, node i's children at 2i+1 and 2i+2) with every pair hashed sorted, so its proofs
are what `MerkleProof.processProof` folds back to the root. Written here, not imported from the
production tree builder, so the contract is checked against an independent implementation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from eth_abi import encode
from eth_utils import keccak, to_checksum_address

LEAF_TYPES = ["uint256", "address", "uint256"]


def leaf_hash(campaign_id: int, account: str, cumulative_amount: int) -> bytes:
    return keccak(keccak(encode(LEAF_TYPES, [campaign_id, account, cumulative_amount])))


def hash_pair(a: bytes, b: bytes) -> bytes:
    return keccak(min(a, b) + max(a, b))


def process_proof(proof: list[bytes], leaf: bytes) -> bytes:
    """OpenZeppelin's `MerkleProof.processProof`."""
    computed = leaf
    for sibling in proof:
        computed = hash_pair(computed, sibling)
    return computed


@dataclass
class Tree:
    """The tree of one campaign's cumulative entitlements: `account -> cumulativeAmount`."""

    campaign_id: int
    entitlements: dict[str, int]
    nodes: list[bytes] = field(init=False)
    index: dict[str, int] = field(init=False)  # account -> position of its leaf in `nodes`

    def __post_init__(self) -> None:
        if not self.entitlements:
            raise ValueError("a tree needs at least one leaf")
        self.entitlements = {to_checksum_address(a): amount for a, amount in self.entitlements.items()}
        hashed = sorted((leaf_hash(self.campaign_id, a, amount), a) for a, amount in self.entitlements.items())
        size = 2 * len(hashed) - 1
        self.nodes = [b""] * size
        self.index = {}
        for i, (leaf, account) in enumerate(hashed):
            self.nodes[size - 1 - i] = leaf
            self.index[account] = size - 1 - i
        for i in range(size - 1 - len(hashed), -1, -1):
            self.nodes[i] = hash_pair(self.nodes[2 * i + 1], self.nodes[2 * i + 2])

    @property
    def root(self) -> bytes:
        return self.nodes[0]

    @property
    def total(self) -> int:
        return sum(self.entitlements.values())

    def amount(self, account) -> int:
        return self.entitlements[to_checksum_address(str(account))]

    def proof(self, account) -> list[bytes]:
        i = self.index[to_checksum_address(str(account))]
        proof = []
        while i > 0:
            proof.append(self.nodes[i + 1 if i % 2 else i - 1])
            i = (i - 1) // 2
        return proof

    def claim_args(self, account) -> tuple[int, str, int, list[bytes]]:
        """(campaignId, account, cumulativeAmount, proof): the arguments of `claim`."""
        account = to_checksum_address(str(account))
        return self.campaign_id, account, self.amount(account), self.proof(account)
