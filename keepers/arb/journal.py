"""Every step of the arb keeper, written to the store before the next one starts.

found -> simulated | dropped(reason) -> submitting -> submitted -> landed | expired.
Bundle rows are written before the bundle is sent (write-ahead), so a crash at
any point leaves rows that a restart settles from receipts: nothing that landed
is ever sent again, and nothing sent is forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from keepers.arb.execution import ArbOrder
from keepers.store.db import Store
from keepers.store.models import Bundle, Heartbeat, Opportunity

KEEPER = "arb"
OPEN = ("submitting", "submitted")


@dataclass(frozen=True)
class OpenBundle:
    """A bundle transaction whose fate is not known yet."""

    id: int
    opportunity_id: int
    tx_hash: str
    nonce: int
    last_block: int


class ArbJournal:
    def __init__(self, store: Store, chain_id: int):
        self.store = store
        self.chain_id = chain_id

    def found(self, block: int, order: ArbOrder, gas_cost_estimate: int | None) -> int:
        """A sized opportunity, before anything is done with it; returns its id."""
        with self.store.transaction() as session:
            row = Opportunity(
                keeper=KEEPER,
                chain_id=self.chain_id,
                block=block,
                route=order.route(),
                token=order.token,
                lender=order.lender,
                amount_in=order.amount_in,
                gross_profit=order.gross_profit,
                loan_fee=order.loan_fee,
                coinbase_payment=order.coinbase_payment,
                predicted_profit=order.net_profit,
                gas_cost=gas_cost_estimate,
                status="found",
            )
            session.add(row)
            session.flush()
            return row.id

    def mark(self, opportunity_id: int, status: str, reason: str | None = None, **fields) -> None:
        with self.store.transaction() as session:
            row = session.get(Opportunity, opportunity_id)
            row.status = status
            row.reason = reason
            for name, value in fields.items():
                setattr(row, name, value)

    def submitting(
        self,
        opportunity_id: int,
        sender: str,
        nonce: int,
        tx_hash: str,
        raw_tx: str,
        first_block: int,
        last_block: int,
        bundle_uuid: str,
    ) -> int:
        """Record a signed transaction about to be sent; returns the bundle row id."""
        with self.store.transaction() as session:
            bundle = Bundle(
                opportunity_id=opportunity_id,
                sender=sender,
                nonce=nonce,
                tx_hash=tx_hash,
                raw_tx=raw_tx,
                first_block=first_block,
                last_block=last_block,
                replacement_uuid=bundle_uuid,
                relay_results={},
                status="submitting",
            )
            session.add(bundle)
            session.flush()
            return bundle.id

    def sent(self, bundle_id: int, relay_results: dict, accepted: bool) -> None:
        """What the relays answered; a bundle no relay accepted cannot land and is closed at once."""
        with self.store.transaction() as session:
            bundle = session.get(Bundle, bundle_id)
            bundle.relay_results = relay_results
            bundle.status = "submitted" if accepted else "failed"
            bundle.opportunity.status = "submitted" if accepted else "dropped"
            if not accepted:
                bundle.opportunity.reason = "no relay accepted the bundle"

    def open_bundles(self) -> list[OpenBundle]:
        with self.store.transaction() as session:
            rows = session.scalars(
                select(Bundle).join(Opportunity).where(Bundle.status.in_(OPEN), Opportunity.chain_id == self.chain_id)
            ).all()
            return [OpenBundle(r.id, r.opportunity_id, r.tx_hash, r.nonce, r.last_block) for r in rows]

    def landed(
        self,
        bundle_id: int,
        block: int,
        gas_used: int,
        effective_gas_price: int,
        realized_profit: int,
        reverted: bool = False,
    ) -> None:
        """The transaction is in block `block`; `realized_profit` is read from its ArbExecuted log."""
        with self.store.transaction() as session:
            bundle = session.get(Bundle, bundle_id)
            bundle.status = "reverted" if reverted else "landed"
            bundle.landed_block, bundle.gas_used = block, gas_used
            bundle.effective_gas_price, bundle.realized_profit = effective_gas_price, realized_profit
            bundle.opportunity.status = bundle.status

    def expired(self, bundle_id: int, reason: str) -> None:
        with self.store.transaction() as session:
            bundle = session.get(Bundle, bundle_id)
            bundle.status = "expired"
            bundle.opportunity.status = "expired"
            bundle.opportunity.reason = reason

    def heartbeat(self, block: int, error: str | None = None) -> None:
        with self.store.transaction() as session:
            session.merge(Heartbeat(keeper=KEEPER, block=block, error=error))
