"""The rewards keeper's per-block work: for every campaign, each ended epoch becomes a posted root.

For an epoch whose end is covered by a block `confirmations` deep (reorg safety):
1. read the pool's logs up to that block and measure the epoch's contributions;
2. split the epoch's budget pro rata (never more than the budget), add to the
   cumulative amounts, build the standard-v1 tree, write its JSON to
   `<tree_dir>/<campaign>/<epoch>.json`, journal allocation, leaves and tree nodes;
3. post the root through the bot's TxSender, under a purpose derived from what it replaces on
   chain (``rewards:post:<child>:<campaign>:<epoch>:first``, or ``...:revoked@<claimableAt>`` after
   a revocation): the sender journals the signed transaction before it is broadcast, and the epoch
   says `posting` only once that is done;
4. once posted, wait for its timelock and check that it is the claimable root.
After a crash every step resumes from the journal and the chain: a post that was journaled is
found again by its purpose and never sent twice, one that failed (the child paused, the node
down) leaves the epoch `computed` and is sent again, and a revoked root is computed and posted
again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3 import Web3

from keepers.chain.contracts import Contract, abi
from keepers.chain.faults import NO_FAULTS, Faults
from keepers.chain.sender import Call, TxSender
from keepers.files import write_atomic
from keepers.rewards.activity import PoolActivity
from keepers.rewards.campaigns import Campaign, EpochRoot, RewardsContract
from keepers.rewards.journal import RewardsJournal
from keepers.rewards.metrics import PoolToken, allocate, cumulative, epoch_budget, epoch_window, measure_epoch
from keepers.rewards.tree import RewardTree
from keepers.store.models import RewardEpoch

log = logging.getLogger(__name__)

# An epoch in which nobody has earned anything yet still needs a root (the facet takes epochs in
# order): a fixed non-zero root that no proof can match, over an empty tree file.
EMPTY_TREE_JSON = "{}"
EMPTY_ROOT = "0x" + keccak(text="lapidary.rewards.empty-epoch").hex()


@dataclass(frozen=True)
class RewardsPlan:
    tree_dir: Path
    confirmations: int = 2
    volume_token: PoolToken = PoolToken.TOKEN1
    position_manager: str | None = None  # Uniswap V3 NonfungiblePositionManager, for position owners
    v3_factory: str | None = None
    start_block: int = 0  # where pool histories are read from


@dataclass
class RewardsReport:
    block: int
    computed: list[tuple[int, int]] = field(default_factory=list)  # (campaign, epoch)
    posted: list[tuple[int, int]] = field(default_factory=list)
    claimable: list[tuple[int, int]] = field(default_factory=list)
    revoked: list[tuple[int, int]] = field(default_factory=list)


def post_purpose(child: str, campaign_id: int, epoch: int, on_chain: EpochRoot) -> str:
    """The TxSender purpose of posting an epoch's root over what the chain holds now: the same post
    asked again (after a crash) finds its transaction, a post after a revocation is a new one."""
    replaces = "first" if int(on_chain.root, 16) == 0 else f"revoked@{on_chain.claimable_at}"
    return f"{post_prefix(child, campaign_id, epoch)}{replaces}"


def post_prefix(child: str, campaign_id: int, epoch: int) -> str:
    return f"rewards:post:{child}:{campaign_id}:{epoch}:"


class RewardsKeeper:
    def __init__(
        self,
        w3: Web3,
        contract: RewardsContract,
        sender: TxSender,
        journal: RewardsJournal,
        plan: RewardsPlan,
        faults: Faults = NO_FAULTS,
    ):
        self.w3 = w3
        self.contract = contract
        self.sender = sender
        self.journal = journal
        self.plan = plan
        self.faults = faults
        self._activity: dict[str, PoolActivity] = {}

    @property
    def bot(self) -> LocalAccount:
        return self.sender.account

    def on_block(self, head: int) -> RewardsReport:
        report = RewardsReport(head)
        safe = head - self.plan.confirmations
        if safe < 0:
            return report
        self.sender.poll(head)
        self._settle(head, report)
        safe_time = int(self.w3.eth.get_block(safe)["timestamp"])
        for campaign_id in range(1, self.contract.campaign_count() + 1):
            campaign = self.contract.campaign(campaign_id)
            if not campaign.closed:
                self._advance(campaign, safe, safe_time, report)
        self.journal.heartbeat(head)
        return report

    # -- epochs ----------------------------------------------------------------------------

    def _advance(self, campaign: Campaign, safe: int, safe_time: int, report: RewardsReport) -> None:
        """Compute and post the first ended epoch of `campaign` without a live root (one per block: the
        facet takes epochs in order, so the next waits for this one's root on chain)."""
        for epoch in range(1, self.contract.epoch_count(campaign.id) + 1):
            _, window_end = epoch_window(campaign.start, campaign.end, campaign.epoch_length, epoch)
            if window_end > safe_time:
                return  # not ended in a confirmed block yet
            row = self.journal.epoch(campaign.id, epoch)
            on_chain = self.contract.epoch_root(campaign.id, epoch)
            live = int(on_chain.root, 16) != 0 and not on_chain.revoked
            if row is not None and row.status == "posting":
                return  # settled from the sender's journal first
            if row is not None and row.status in ("posted", "claimable"):
                if live:
                    continue
                self.journal.update(campaign.id, epoch, status="revoked")
                report.revoked.append((campaign.id, epoch))
            elif live:
                # On chain but not journaled as posted (the journal was lost mid-way): adopt it if it is
                # exactly what we compute, never post over it.
                computed = self._recompute(campaign, epoch, safe, report)
                if computed.root != on_chain.root:
                    log.error(
                        "campaign %s epoch %s: chain root %s is not ours (%s); not posting",
                        campaign.id,
                        epoch,
                        on_chain.root,
                        computed.root,
                    )
                    return
                self.journal.update(campaign.id, epoch, status="posted", claimable_at=on_chain.claimable_at)
                continue
            if row is None or row.status in ("revoked", "posted", "claimable"):
                self._recompute(campaign, epoch, safe, report)
                self.faults.point("rewards.computed")
            self._post(campaign, epoch, on_chain, report)
            return

    def _recompute(self, campaign: Campaign, epoch: int, safe: int, report: RewardsReport) -> RewardEpoch:
        start, end = epoch_window(campaign.start, campaign.end, campaign.epoch_length, epoch)
        history = self._history(campaign, safe)
        metrics = measure_epoch(
            history.swaps,
            history.liquidity,
            initial_tick=history.initial_tick,
            start=start,
            end=end,
            token=self.plan.volume_token,
            exclude=(campaign.sponsor,),
        )
        contributions = metrics.volume if campaign.metric == "swap_volume" else metrics.liquidity_seconds
        previous = self.journal.cumulative(campaign.id, epoch - 1)
        allocated_so_far = sum(previous.values())
        budget = epoch_budget(campaign.funded, epoch, self.contract.epoch_count(campaign.id), allocated_so_far)
        allocation = allocate(budget, contributions)
        totals = cumulative(previous, allocation)
        tree = RewardTree.from_allocations(campaign.id, totals) if any(totals.values()) else None
        tree_file = self.plan.tree_dir / str(campaign.id) / f"{epoch}.json"
        text = tree.dump_json() if tree is not None else EMPTY_TREE_JSON
        write_atomic(tree_file, text)
        row = RewardEpoch(
            chain_id=self.journal.chain_id,
            child=self.journal.child,
            campaign_id=campaign.id,
            epoch=epoch,
            window_start=start,
            window_end=end,
            to_block=safe,
            budget=budget,
            allocated=sum(allocation.values()),
            total_cumulative=sum(totals.values()),
            participants=len([a for a in totals.values() if a]),
            root=tree.root if tree is not None else EMPTY_ROOT,
            content_hash="0x" + keccak(text.encode()).hex(),
            tree_file=str(tree_file),
            status="computed",
        )
        self.journal.computed(row, tree, allocation)
        report.computed.append((campaign.id, epoch))
        return row

    def _post(self, campaign: Campaign, epoch: int, on_chain: EpochRoot, report: RewardsReport) -> None:
        """Send the root (a SendError leaves the epoch `computed`, to be sent again next block)."""
        row = self.journal.epoch(campaign.id, epoch)
        data = self.contract.post_root_calldata(campaign.id, epoch, row.root, row.total_cumulative, row.content_hash)
        purpose = post_purpose(self.contract.address, campaign.id, epoch, on_chain)
        sent = self.sender.send(purpose, Call(self.contract.address, data))
        self.faults.point("rewards.sent")
        self.journal.update(campaign.id, epoch, status="posting", post_tx=sent.tx_hash)
        report.posted.append((campaign.id, epoch))

    def _settle(self, head: int, report: RewardsReport) -> None:
        """Posting -> posted from the sender's journal; posted -> claimable once the chain says so."""
        for row in self.journal.open_epochs():
            if row.status == "posting":
                tx = self.sender.journal.latest_with_prefix(
                    post_prefix(self.contract.address, row.campaign_id, row.epoch)
                )
                if tx is None or tx.failed:
                    # Nothing journaled (an old `posting` row) or it failed for good: post again.
                    self.journal.update(row.campaign_id, row.epoch, status="computed", post_tx=None)
                    continue
                if not tx.succeeded:
                    if tx.tx_hash != row.post_tx:  # re-priced: show the latest attempt
                        self.journal.update(row.campaign_id, row.epoch, post_tx=tx.tx_hash)
                    continue
                on_chain = self.contract.epoch_root(row.campaign_id, row.epoch)
                self.journal.update(
                    row.campaign_id,
                    row.epoch,
                    status="posted",
                    post_tx=tx.tx_hash,
                    posted_block=tx.mined_block,
                    claimable_at=on_chain.claimable_at,
                )
            elif row.status == "posted":
                epoch, root = self.contract.claimable_root(row.campaign_id)
                if epoch > row.epoch or (epoch == row.epoch and root.root == row.root):
                    self.journal.update(row.campaign_id, row.epoch, status="claimable")
                    report.claimable.append((row.campaign_id, row.epoch))

    def _history(self, campaign: Campaign, to_block: int):
        activity = self._activity.get(campaign.pool)
        if activity is None:
            kind = "uniswap_v3" if self._is_v3(campaign.pool) else "uniswap_v2"
            activity = PoolActivity(
                self.w3, campaign.pool, kind, self.plan.position_manager, self.plan.v3_factory, self.plan.start_block
            )
            self._activity[campaign.pool] = activity
        return activity.extend(to_block)

    def _is_v3(self, pool: str) -> bool:
        try:
            Contract(self.w3, pool, abi("UniswapV3Pool")).call("slot0")
        except Exception:  # a V2 pair has no slot0: the call reverts
            return False
        return True
