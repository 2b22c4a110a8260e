"""Alerts, computed on request from the store and the chain; each rule is a plain function over what
was read, so it can be checked alone.

- keeper silent: a keeper's last heartbeat is older than `silent_after` seconds (a keeper the
  operator stopped is not silent, it is stopped);
- epoch stuck: a campaign's ended epoch is not computed `epoch_blocks` blocks after the block it
  ended in, or a computed root is not posted that many blocks after the last block it counted, or
  a root is `posting` that many blocks after its transaction was signed;
- node stalled: the head has not moved for `stall_after` seconds as this API saw it, or the node
  does not answer;
- not reconciled: /api/profit finds a block whose journal profit differs from the chain's balances.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from requests.exceptions import RequestException
from sqlalchemy import select

from keepers.api.context import ApiContext
from keepers.api.models import Alert, Alerts, AlertThresholds, Profit
from keepers.api.profit import read_profit
from keepers.api.watch import ChainWatch
from keepers.chain.journal import TxJournal
from keepers.rewards.campaigns import RewardsContract
from keepers.rewards.keeper import post_prefix
from keepers.rewards.metrics import count_epochs, epoch_window
from keepers.store.models import Heartbeat, RewardEpoch, SupervisedProcess

MOST_CAMPAIGNS = 50
NODE_ERRORS = (ConnectionError, RequestException)  # NodeUnavailable is a ConnectionError


@dataclass(frozen=True)
class Beat:
    keeper: str
    at: datetime
    stopped: bool  # the operator asked the supervisor to stop it


@dataclass(frozen=True)
class EpochWait:
    """An epoch waiting on the rewards keeper, and the block the wait began in."""

    campaign: int
    epoch: int
    state: str  # ended (not computed) | computed | posting
    since: int
    behind: int = 1  # ended epochs not computed yet, this one included


def heartbeat_ages(beats: list[Beat], now: datetime) -> dict[str, float]:
    return {b.keeper: (now - (b.at if b.at.tzinfo else b.at.replace(tzinfo=UTC))).total_seconds() for b in beats}


def silent_keepers(beats: list[Beat], ages: dict[str, float], silent_after: float) -> list[Alert]:
    return [
        Alert(
            kind="keeper_silent",
            subject=b.keeper,
            message=f"{b.keeper}: no heartbeat for {ages[b.keeper]:.0f} s (more than {silent_after:g} s)",
            measured=round(ages[b.keeper], 1),
            unit="seconds",
        )
        for b in beats
        if not b.stopped and ages[b.keeper] > silent_after
    ]


def stuck_epochs(waits: list[EpochWait], head: int, epoch_blocks: int) -> list[Alert]:
    alerts = []
    for wait in waits:
        blocks = head - wait.since
        if blocks <= epoch_blocks:
            continue
        what = {
            "ended": f"ended in block {wait.since} and is not computed"
            + (f" ({wait.behind} ended epochs are not)" if wait.behind > 1 else ""),
            "computed": f"is computed from blocks up to {wait.since} and its root is not posted",
            "posting": f"has been posting its root since block {wait.since}",
        }[wait.state]
        alerts.append(
            Alert(
                kind="epoch_stuck",
                subject=f"campaign {wait.campaign} epoch {wait.epoch}",
                message=f"campaign {wait.campaign} epoch {wait.epoch} {what}: {blocks} blocks "
                f"(more than {epoch_blocks})",
                measured=blocks,
                unit="blocks",
            )
        )
    return alerts


def stalled_node(head: int | None, unchanged: float, stall_after: float, error: str | None = None) -> list[Alert]:
    if head is None or error is not None:
        message = f"the node does not answer: {error}"
        return [Alert(kind="node_stalled", subject="node", message=message, measured=None, unit=None)]
    if unchanged <= stall_after:
        return []
    message = f"the head has stayed at block {head} for {unchanged:.0f} s (more than {stall_after:g} s)"
    return [Alert(kind="node_stalled", subject="node", message=message, measured=round(unchanged, 1), unit="seconds")]


def unreconciled(profit: Profit) -> list[Alert]:
    alerts = []
    for token in profit.tokens:
        if token.reconciled:
            continue
        blocks = [p.block for p in token.points if not p.reconciled]
        alerts.append(
            Alert(
                kind="not_reconciled",
                subject=token.symbol,
                message=f"{token.symbol}: the journal's realized profit {token.journal_total} differs from the chain's "
                f"balance changes {token.chain_total} in {len(blocks)} blocks (first: {blocks[0]})",
                measured=len(blocks),
                unit="blocks",
            )
        )
    return alerts


def ended_epochs(start: int, end: int, epoch_length: int, now: int) -> int:
    """How many of a campaign's epochs have ended by `now` (epochs end in order)."""
    if now >= end:
        return count_epochs(start, end, epoch_length)
    return max(now - start, 0) // epoch_length


def read_alerts(ctx: ApiContext, watch: ChainWatch, thresholds: AlertThresholds) -> Alerts:
    now = datetime.now(UTC)
    beats = _beats(ctx)
    ages = heartbeat_ages(beats, now)
    alerts = silent_keepers(beats, ages, thresholds.silent_after)
    head = None
    try:
        head = ctx.w3.eth.block_number
        alerts += stalled_node(head, watch.unchanged_for(head, time.monotonic()), thresholds.stall_after)
        alerts += stuck_epochs(epoch_waits(ctx, watch, head), head, thresholds.epoch_blocks)
        alerts += unreconciled(read_profit(ctx))
    except NODE_ERRORS as err:
        alerts += stalled_node(None, 0, thresholds.stall_after, type(err).__name__)
    return Alerts(checked_at=now, head_block=head, thresholds=thresholds, heartbeat_ages=ages, alerts=alerts)


def _beats(ctx: ApiContext) -> list[Beat]:
    with ctx.store.transaction() as session:
        stopped = set(session.scalars(select(SupervisedProcess.name).where(SupervisedProcess.desired == "stopped")))
        return [Beat(b.keeper, b.at, b.keeper in stopped) for b in session.scalars(select(Heartbeat))]


def epoch_waits(ctx: ApiContext, watch: ChainWatch, head: int) -> list[EpochWait]:
    """Per open campaign of the rewards child: its first ended epoch not computed, and every epoch
    computed but not posted or still posting."""
    child = ctx.children.get(ctx.settings.rewards.strategy)
    if child is None:
        return []
    contract = RewardsContract(ctx.w3, child)
    journal = TxJournal(ctx.store, ctx.chain_id)
    with ctx.store.transaction() as session:
        rows = session.execute(
            select(RewardEpoch.campaign_id, RewardEpoch.epoch, RewardEpoch.status, RewardEpoch.to_block).where(
                RewardEpoch.chain_id == ctx.chain_id, RewardEpoch.child == child
            )
        ).all()
    known: dict[int, set[int]] = {}
    waits = []
    for campaign_id, epoch, status, to_block in rows:
        known.setdefault(campaign_id, set()).add(epoch)
        if status == "computed":
            waits.append(EpochWait(campaign_id, epoch, "computed", to_block))
        elif status == "posting":
            sent = journal.latest_with_prefix(post_prefix(child, campaign_id, epoch))
            signed = sent.attempts[0].block if sent is not None and sent.attempts else None
            waits.append(EpochWait(campaign_id, epoch, "posting", signed if signed is not None else to_block))
    head_time = watch.timestamp(ctx.w3, head, head)
    count = contract.campaign_count()
    for campaign_id in range(max(count - MOST_CAMPAIGNS, 0) + 1, count + 1):
        campaign = contract.campaign(campaign_id)
        if campaign.closed:
            continue
        done = known.get(campaign_id, set())
        ended = ended_epochs(campaign.start, campaign.end, campaign.epoch_length, head_time)
        first = next((e for e in range(1, ended + 1) if e not in done), None)
        if first is None:
            continue
        _, end = epoch_window(campaign.start, campaign.end, campaign.epoch_length, first)
        block = watch.first_block_at(ctx.w3, end, head)
        if block is not None:
            behind = ended - first + 1 - len({e for e in done if first < e <= ended})
            waits.append(EpochWait(campaign_id, first, "ended", block, behind))
    return waits
