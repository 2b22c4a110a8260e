"""The market maker's journal: cycles, actions with their token flows read from receipts, and the
balances each actor opened with; PnL and reconciliation from them.

Flows are the ERC-20 `Transfer` logs of an action's receipt that touch its actor, so what the
journal books is what moved on chain, to the wei. An actor's opening balance plus its booked flows
must equal its balance on chain (`reconcile`); PnL marks the flows that are not internal
transfers (funding a wallet from the child and returning it) to a reference price.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from web3 import Web3

from keepers.chain.contracts import abi
from keepers.store.db import Store
from keepers.store.models import MmAction, MmCycle, MmFlow, MmOpening

TRANSFER = abi("ERC20").event("Transfer").topic  # 0x-hex
INTERNAL = frozenset({"fund", "return"})  # moves between the child and its wallets: no PnL


def _address(topic: bytes) -> str:
    return "0x" + bytes(topic)[-20:].hex()


def transfer_flows(logs: Iterable, actor: str, tokens: Iterable[str] | None = None) -> dict[str, int]:
    """Net ERC-20 flows into (+) and out of (-) `actor` in a receipt's `logs`, per token address
    (checksummed as the log gives it); only `tokens` when given."""
    actor = actor.lower()
    wanted = None if tokens is None else {t.lower() for t in tokens}
    flows: dict[str, int] = defaultdict(int)
    for log in logs:
        topics = log["topics"]
        if len(topics) != 3 or Web3.to_hex(topics[0]) != TRANSFER:
            continue
        token = log["address"]
        if wanted is not None and token.lower() not in wanted:
            continue
        amount = int.from_bytes(bytes(log["data"]), "big")
        if _address(topics[1]) == actor:
            flows[token] -= amount
        if _address(topics[2]) == actor:
            flows[token] += amount
    return {token: delta for token, delta in flows.items() if delta}


@dataclass(frozen=True)
class Reconciliation:
    actor: str
    token: str
    journal: int  # opening balance plus booked flows
    chain: int

    @property
    def reconciled(self) -> bool:
        return self.journal == self.chain


@dataclass(frozen=True)
class Reward:
    token: str
    amount: int  # base units of the reward token
    value: Fraction | None  # quote base units at the claims' marks; None: not all were priced


class MmJournal:
    """Cycles and actions of the market maker on one chain."""

    def __init__(self, store: Store, chain_id: int):
        self.store, self.chain_id = store, chain_id

    def open_cycle(self, market: str, block: int, before: Fraction) -> int:
        with self.store.transaction() as session:
            cycle = MmCycle(chain_id=self.chain_id, market=market, block=block, before=_str(before), status="running")
            session.add(cycle)
            session.flush()
            return cycle.id

    def close_cycle(
        self,
        cycle_id: int,
        status: str,
        *,
        reference: Fraction | None = None,
        after: Fraction | None = None,
        reason: str | None = None,
        transactions: int = 0,
    ) -> None:
        with self.store.transaction() as session:
            cycle = session.get(MmCycle, cycle_id)
            cycle.status, cycle.reason, cycle.transactions = status, reason, transactions
            cycle.reference = None if reference is None else _str(reference)
            cycle.after = None if after is None else _str(after)

    def record(
        self,
        market: str,
        kind: str,
        actor: str,
        receipt: Mapping,
        *,
        cycle_id: int | None = None,
        gas_paid: bool = True,
        tokens: Iterable[str] | None = None,
        detail: dict | None = None,
    ) -> dict[str, int]:
        """Book a mined transaction's flows for `actor` (once: a second call for the same
        transaction and actor changes nothing); the flows."""
        tx_hash = bytes(receipt["transactionHash"]).hex()
        tx_hash = tx_hash if tx_hash.startswith("0x") else "0x" + tx_hash
        flows = transfer_flows(receipt["logs"], actor, tokens)
        gas = receipt["gasUsed"] * receipt["effectiveGasPrice"] if gas_paid else 0
        with self.store.transaction() as session:
            known = session.scalars(
                select(MmAction).filter_by(chain_id=self.chain_id, tx_hash=tx_hash, actor=actor)
            ).first()
            if known is not None:
                return flows
            action = MmAction(
                chain_id=self.chain_id,
                market=market,
                cycle_id=cycle_id,
                kind=kind,
                actor=actor,
                tx_hash=tx_hash,
                block=receipt["blockNumber"],
                gas_wei=gas,
                detail=detail or {},
                flows=[MmFlow(token=token, delta=delta) for token, delta in flows.items()],
            )
            session.add(action)
        return flows

    def open_balances(self, actor: str, balances: Mapping[str, int], block: int) -> None:
        """Remember `actor`'s balances the first time it is seen (later calls change nothing)."""
        with self.store.transaction() as session:
            for token, balance in balances.items():
                if session.get(MmOpening, (self.chain_id, actor, token)) is None:
                    opening = MmOpening(chain_id=self.chain_id, actor=actor, token=token, balance=balance, block=block)
                    session.add(opening)

    def booked(self, actor: str, through_block: int | None = None) -> dict[str, int]:
        """Opening balances plus every booked flow, per token; only what was mined by `through_block`
        when given (the chain's balances at that block leave later actions out)."""
        totals: dict[str, int] = defaultdict(int)
        actions = select(MmAction).filter_by(chain_id=self.chain_id, actor=actor).options(selectinload(MmAction.flows))
        if through_block is not None:
            actions = actions.where(MmAction.block <= through_block)
        with self.store.transaction() as session:
            for opening in session.scalars(select(MmOpening).filter_by(chain_id=self.chain_id, actor=actor)):
                totals[opening.token] += opening.balance
            for action in session.scalars(actions):
                for flow in action.flows:
                    totals[flow.token] += flow.delta
        return dict(totals)

    def reconcile(self, actor: str, chain_balance, through_block: int | None = None) -> list[Reconciliation]:
        """Booked balances (through `through_block`, when given) against `chain_balance(token)` for every
        token the actor opened with or moved."""
        booked = self.booked(actor, through_block)
        return [Reconciliation(actor, token, amount, chain_balance(token)) for token, amount in booked.items()]

    def pnl(
        self, actors: Iterable[str], base: str, quote: str, price: Fraction, since: datetime | None = None
    ) -> Fraction:
        """The actors' flows in quote base units: their non-internal flows of `base` marked at `price`
        (quote per base, base units) plus those of `quote`, plus rewards of another token claimed with
        a mark (their price at the claim, `keepers.mm.rewards`); booked `since` when given. Gas is
        separate.

        What the ladder put into positions left the child as flows: the child's result adds the
        positions' value at the same price (`keepers.mm.tender.LadderTender.holdings_value`)."""
        actors = list(actors)
        total = Fraction(0)
        query = (
            select(MmFlow.token, MmFlow.delta, MmAction.detail)
            .join(MmFlow.action)
            .where(MmAction.chain_id == self.chain_id, MmAction.actor.in_(actors), MmAction.kind.not_in(INTERNAL))
        )
        if since is not None:
            query = query.where(MmAction.created_at >= since)
        with self.store.transaction() as session:
            rows = session.execute(query).all()
        for token, delta, detail in rows:
            if token.lower() == base.lower():
                total += delta * price
            elif token.lower() == quote.lower():
                total += delta
            elif (detail or {}).get("mark"):
                total += delta * Fraction(detail["mark"])
        return total

    def rewards(self, actors: Iterable[str]) -> list[Reward]:
        """What the actors' claims brought in, per reward token: the amount, and its value in quote
        base units at the claims' marks (None when a claim of it had no mark)."""
        query = (
            select(MmFlow.token, MmFlow.delta, MmAction.detail)
            .join(MmFlow.action)
            .where(MmAction.chain_id == self.chain_id, MmAction.actor.in_(list(actors)), MmAction.kind == "claim")
        )
        amounts: dict[str, int] = defaultdict(int)
        values: dict[str, Fraction | None] = {}
        with self.store.transaction() as session:
            rows = session.execute(query).all()
        for token, delta, detail in rows:
            amounts[token] += delta
            mark = (detail or {}).get("mark")
            value = values.get(token, Fraction(0))
            values[token] = None if mark is None or value is None else value + delta * Fraction(mark)
        return [Reward(token, amount, values[token]) for token, amount in amounts.items()]

    def minted_since(self, actor: str, since: datetime) -> set[int]:
        """The position ids `actor` minted since `since` (from the mint actions' details)."""
        with self.store.transaction() as session:
            details = session.scalars(
                select(MmAction.detail).where(
                    MmAction.chain_id == self.chain_id,
                    MmAction.actor == actor,
                    MmAction.kind == "mint",
                    MmAction.created_at >= since,
                )
            ).all()
        return {token_id for detail in details for token_id in (detail or {}).get("token_ids", [])}

    def lay_unfinished(self, actor: str, market: str) -> bool:
        """Whether the latest ladder `actor` laid on `market` has fewer mints booked than it drew
        rungs (from the mint actions' details: the lay they belong to and its rung count)."""
        with self.store.transaction() as session:
            details = session.scalars(
                select(MmAction.detail)
                .where(
                    MmAction.chain_id == self.chain_id,
                    MmAction.actor == actor,
                    MmAction.market == market,
                    MmAction.kind == "mint",
                )
                .order_by(MmAction.id.desc())
                .limit(64)
            ).all()
        latest = next(iter(details), None) or {}
        if "lay" not in latest:
            return False
        booked = sum(1 for detail in details if (detail or {}).get("lay") == latest["lay"])
        return booked < latest["rungs"]

    def cycles(self, market: str, limit: int = 100) -> list[MmCycle]:
        with self.store.transaction() as session:
            rows = list(
                session.scalars(
                    select(MmCycle)
                    .filter_by(chain_id=self.chain_id, market=market)
                    .order_by(MmCycle.id.desc())
                    .limit(limit)
                )
            )
            session.expunge_all()
            return rows


def _str(price: Fraction) -> str:
    return f"{price.numerator}/{price.denominator}"
