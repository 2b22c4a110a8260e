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
from keepers.store.heartbeats import beat
from keepers.store.models import Bundle, Opportunity

KEEPER = "arb"
OPEN = ("submitting", "submitted")


@dataclass(frozen=True)
class OpenBundle:
    """A bundle transaction whose fate is not known yet."""

    id: int
    opportunity_id: int
    tx_hash: str
    nonce: int
    first_block: int
    last_block: int
    status: str  # submitting (journaled, not yet sent) | submitted
    replacement_uuid: str

    @classmethod
    def of(cls, row: Bundle) -> OpenBundle:
        return cls(
            row.id,
            row.opportunity_id,
            row.tx_hash,
            row.nonce,
            row.first_block,
            row.last_block,
            row.status,
            row.replacement_uuid,
        )


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
        """Record a signed transaction about to be sent; returns the bundle row id.

        A standing opportunity retried at the nonce its expired bundle freed, on unchanged state and
        fees, signs to the very same transaction: its row is taken over by the new attempt (the old
        opportunity keeps its own `expired` row), as a transaction has one hash and one row."""
        with self.store.transaction() as session:
            bundle = session.scalars(select(Bundle).where(Bundle.tx_hash == tx_hash)).first()
            if bundle is not None and bundle.status in OPEN + ("landed", "reverted"):
                raise ValueError(f"transaction {tx_hash} is already {bundle.status} in bundle {bundle.id}")
            if bundle is None:
                bundle = Bundle(tx_hash=tx_hash)
                session.add(bundle)
            bundle.opportunity_id = opportunity_id
            bundle.sender, bundle.nonce, bundle.raw_tx = sender, nonce, raw_tx
            bundle.first_block, bundle.last_block = first_block, last_block
            bundle.replacement_uuid, bundle.relay_results, bundle.status = bundle_uuid, {}, "submitting"
            bundle.landed_block = bundle.gas_used = bundle.effective_gas_price = bundle.realized_profit = None
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
            return [OpenBundle.of(r) for r in sorted(rows, key=lambda r: r.id)]

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

    def recently_landed(self, since_block: int) -> list[OpenBundle]:
        """Bundles recorded as landed in `since_block` or later (a reorg may still take them back)."""
        with self.store.transaction() as session:
            rows = session.scalars(
                select(Bundle)
                .join(Opportunity)
                .where(
                    Bundle.status.in_(("landed", "reverted")),
                    Bundle.landed_block >= since_block,
                    Opportunity.chain_id == self.chain_id,
                )
            ).all()
            return [OpenBundle.of(r) for r in rows]

    def reorged(self, bundle_id: int, block: int) -> None:
        """A landed bundle whose block left the chain: it did not happen."""
        with self.store.transaction() as session:
            bundle = session.get(Bundle, bundle_id)
            bundle.status = "expired"
            bundle.landed_block = bundle.gas_used = bundle.effective_gas_price = bundle.realized_profit = None
            bundle.opportunity.status = "expired"
            bundle.opportunity.reason = f"its block {block} left the chain (reorg)"

    def expired(self, bundle_id: int, reason: str) -> None:
        with self.store.transaction() as session:
            bundle = session.get(Bundle, bundle_id)
            bundle.status = "expired"
            bundle.opportunity.status = "expired"
            bundle.opportunity.reason = reason

    def heartbeat(self, block: int, error: str | None = None) -> None:
        beat(self.store, KEEPER, block, error)
