"""The rewards keeper's journal: each epoch's allocation, tree and root, and proofs from it.

An epoch moves computed -> posting (tx hash written before sending) -> posted ->
claimable, or revoked (then it is computed and posted again). Everything needed to
serve a proof is in the store: the leaf's tree index and the tree's nodes.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select

from keepers.rewards.tree import RewardTree
from keepers.store.db import Store
from keepers.store.heartbeats import beat
from keepers.store.models import RewardEpoch, RewardLeaf, RewardTreeNode

KEEPER = "rewards"


@dataclass(frozen=True)
class StoredClaim:
    """What `claim` needs, from the store: the account's latest cumulative amount and its proof."""

    campaign_id: int
    epoch: int
    account: str
    cumulative_amount: int
    proof: list[str]
    root: str
    status: str


def sibling(index: int) -> int:
    """The node paired with `index` in OpenZeppelin's flat tree layout."""
    return index + 1 if index % 2 else index - 1


def parent(index: int) -> int:
    return (index - 1) // 2


class RewardsJournal:
    def __init__(self, store: Store, chain_id: int, child: str):
        self.store = store
        self.chain_id = chain_id
        self.child = child

    def _key(self, campaign_id: int, epoch: int) -> dict:
        return {"chain_id": self.chain_id, "child": self.child, "campaign_id": campaign_id, "epoch": epoch}

    def epoch(self, campaign_id: int, epoch: int) -> RewardEpoch | None:
        with self.store.transaction() as session:
            row = session.get(RewardEpoch, tuple(self._key(campaign_id, epoch).values()))
            if row is not None:
                session.expunge(row)
            return row

    def cumulative(self, campaign_id: int, epoch: int) -> dict[str, int]:
        """Every account's cumulative amount after `epoch` (empty for epoch 0)."""
        with self.store.transaction() as session:
            rows = session.scalars(select(RewardLeaf).filter_by(**self._key(campaign_id, epoch))).all()
            return {row.account: row.cumulative for row in rows}

    def computed(self, row: RewardEpoch, tree: RewardTree | None, epoch_amounts: dict[str, int]) -> None:
        """Replace anything recorded for this epoch with a fresh computation, in one transaction
        (`tree` is None for an epoch in which nobody has earned anything yet)."""
        key = self._key(row.campaign_id, row.epoch)
        with self.store.transaction() as session:
            for table in (RewardTreeNode, RewardLeaf, RewardEpoch):
                session.execute(delete(table).filter_by(**key))
            session.add(row)
            if tree is None:
                return
            layout = tree.layout
            session.bulk_insert_mappings(
                RewardLeaf,
                [
                    key
                    | {
                        "account": account,
                        "epoch_amount": epoch_amounts.get(account, 0),
                        "cumulative": amount,
                        "tree_index": layout.tree_index(position),
                    }
                    for position, (account, amount) in enumerate(tree.amounts.items())
                ],
            )
            session.bulk_insert_mappings(
                RewardTreeNode, [key | {"index": i, "hash": layout.node(i)} for i in range(layout.node_count)]
            )

    def update(self, campaign_id: int, epoch: int, **fields) -> None:
        with self.store.transaction() as session:
            row = session.get(RewardEpoch, tuple(self._key(campaign_id, epoch).values()))
            for name, value in fields.items():
                setattr(row, name, value)

    def open_epochs(self) -> list[RewardEpoch]:
        """Epochs whose root is being posted or waits for its timelock."""
        with self.store.transaction() as session:
            rows = session.scalars(
                select(RewardEpoch).where(
                    RewardEpoch.chain_id == self.chain_id,
                    RewardEpoch.child == self.child,
                    RewardEpoch.status.in_(("computed", "posting", "posted")),
                )
            ).all()
            session.expunge_all()
            return list(rows)

    def claim(self, campaign_id: int, account: str, epoch: int | None = None) -> StoredClaim | None:
        """The account's claim against the latest posted epoch (or `epoch`), proof read node by node."""
        with self.store.transaction() as session:
            query = select(RewardEpoch).filter_by(chain_id=self.chain_id, child=self.child, campaign_id=campaign_id)
            query = query.where(RewardEpoch.status.in_(("posted", "claimable")))
            if epoch is not None:
                query = query.filter_by(epoch=epoch)
            row = session.scalars(query.order_by(RewardEpoch.epoch.desc())).first()
            if row is None:
                return None
            leaf = session.get(RewardLeaf, (*self._key(campaign_id, row.epoch).values(), account))
            if leaf is None:
                return None
            path, index = [], leaf.tree_index
            while index > 0:
                path.append(sibling(index))
                index = parent(index)
            nodes = {
                node.index: node.hash
                for node in session.scalars(
                    select(RewardTreeNode)
                    .filter_by(**self._key(campaign_id, row.epoch))
                    .where(RewardTreeNode.index.in_(path))
                )
            }
            return StoredClaim(
                campaign_id,
                row.epoch,
                account,
                leaf.cumulative,
                ["0x" + nodes[i].hex() for i in path],
                row.root,
                row.status,
            )

    def heartbeat(self, block: int, error: str | None = None) -> None:
        beat(self.store, KEEPER, block, error)
