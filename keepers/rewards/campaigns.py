"""Reading the rewards child's MerkleRewardsFacet with plain web3 (no Ape at run time); its
transactions go through the keeper's TxSender."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from web3 import Web3

from keepers.chain.contracts import Contract, abi

REWARDS_CHILD = abi("MerkleRewardsFacet")
METRICS = ("swap_volume", "in_range_liquidity")


@dataclass(frozen=True)
class Campaign:
    id: int
    sponsor: str
    pool: str
    reward_token: str
    start: int
    end: int
    epoch_length: int
    metric: str
    closed: bool
    funded: int
    claimed: int
    last_epoch: int


@dataclass(frozen=True)
class EpochRoot:
    root: str
    content_hash: str
    total_allocated: int
    claimable_at: int
    revoked: bool

    @classmethod
    def of(cls, raw: tuple) -> EpochRoot:
        root, content, total, claimable_at, revoked = raw
        return cls("0x" + root.hex(), "0x" + content.hex(), total, claimable_at, revoked)


def settled_epoch(claimable: int, later: Iterable[EpochRoot], now: int, margin: int) -> int:
    """`claimable`, the epoch a claim proves against, or 0 (wait) when a later root, not revoked,
    turns claimable within `margin` seconds of `now`: a claim mined after it would revert."""
    if claimable == 0 or any(not root.revoked and root.claimable_at <= now + margin for root in later):
        return 0
    return claimable


class RewardsContract:
    """The rewards child diamond as the keeper sees it."""

    def __init__(self, w3: Web3, child: str):
        self.w3 = w3
        self.contract = Contract(w3, child, REWARDS_CHILD)
        self.address = self.contract.address

    def campaign_count(self, block: int | str = "latest") -> int:
        return self.contract.call("campaignCount", block=block)

    def campaign(self, campaign_id: int, block: int | str = "latest") -> Campaign:
        raw = self.contract.call("campaign", campaign_id, block=block)
        sponsor, pool, token, start, end, length, metric, closed, funded, claimed, last = raw
        return Campaign(
            campaign_id, sponsor, pool, token, start, end, length, METRICS[metric], closed, funded, claimed, last
        )

    def epoch_count(self, campaign_id: int) -> int:
        return self.contract.call("epochCount", campaign_id)

    def epoch_root(self, campaign_id: int, epoch: int, block: int | str = "latest") -> EpochRoot:
        return EpochRoot.of(self.contract.call("epochRoot", campaign_id, epoch, block=block))

    def claimable_root(self, campaign_id: int) -> tuple[int, EpochRoot]:
        epoch, raw = self.contract.call("claimableRoot", campaign_id)
        return epoch, EpochRoot.of(raw)

    def settled_epoch(self, campaign_id: int, blocks: int = 4) -> int:
        """The claimable epoch to claim against now, or 0 (none, or a later root turns claimable
        within `blocks` blocks of the chain's own pace: a claim proves against the latest claimable
        root, so one mined after the next root turned claimable would revert)."""
        epoch, _root = self.claimable_root(campaign_id)
        if epoch == 0:
            return 0
        last = self.campaign(campaign_id).last_epoch
        later = [self.epoch_root(campaign_id, e) for e in range(epoch + 1, last + 1)]
        head = self.w3.eth.get_block("latest")
        earlier = self.w3.eth.get_block(max(0, head["number"] - blocks))
        # The chain's pace, not 12 s: `keepers up` runs its clock fast until it caught up with wall time.
        pace = max(1, (head["timestamp"] - earlier["timestamp"]) // max(1, head["number"] - earlier["number"]))
        return settled_epoch(epoch, later, head["timestamp"], blocks * pace)

    def claimed(self, campaign_id: int, account: str) -> int:
        return self.contract.call("claimed", campaign_id, Web3.to_checksum_address(account))

    @staticmethod
    def post_root_calldata(campaign_id: int, epoch: int, root: str, total: int, content_hash: str) -> bytes:
        return REWARDS_CHILD.function("postRoot").encode(
            campaign_id, epoch, bytes.fromhex(root[2:]), total, bytes.fromhex(content_hash[2:])
        )

    @staticmethod
    def claim_calldata(campaign_id: int, account: str, cumulative: int, proof: list[str]) -> bytes:
        return REWARDS_CHILD.function("claim").encode(
            campaign_id, Web3.to_checksum_address(account), cumulative, [bytes.fromhex(p[2:]) for p in proof]
        )
