"""The transaction journal: what `TxSender` signed, written before anything is broadcast.

Rows live in the store's ``transactions`` table (:class:`keepers.store.models.SentTransaction`);
callers see them as frozen :class:`SentTx` records. Writes are Core statements, not ORM
round trips: the journal is on every transaction's path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, update

from keepers.store.db import Store
from keepers.store.models import SentTransaction

UNSETTLED = ("pending", "bundled", "mined")
FAILED = ("reverted", "expired", "dropped", "refused")
LANDED = ("mined", "confirmed")


@dataclass(frozen=True)
class Attempt:
    """One signed version of a transaction; a re-priced one adds another at the same nonce."""

    tx_hash: str
    raw_tx: str
    max_fee: int
    tip: int
    block: int | None  # the head when it was signed

    def to_json(self) -> dict[str, Any]:
        return {
            "tx_hash": self.tx_hash,
            "raw_tx": self.raw_tx,
            "max_fee": str(self.max_fee),
            "tip": str(self.tip),
            "block": self.block,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Attempt:
        return cls(data["tx_hash"], data["raw_tx"], int(data["max_fee"]), int(data["tip"]), data.get("block"))


@dataclass(frozen=True)
class SentTx:
    """A journaled transaction as the sender's users see it."""

    id: int
    chain_id: int
    sender: str
    nonce: int
    purpose: str
    generation: int
    kind: str  # public | bundle
    status: str
    to: str | None
    value: int
    data: str
    gas: int
    attempts: tuple[Attempt, ...]
    valid_until: int | None = None
    sent_block: int | None = None
    mined_block: int | None = None
    mined_block_hash: str | None = None
    receipt_status: int | None = None
    gas_used: int | None = None
    effective_gas_price: int | None = None
    error: str | None = None
    tx_hash: str = field(default="")

    @property
    def latest(self) -> Attempt:
        return self.attempts[-1]

    @property
    def raw(self) -> bytes:
        return bytes.fromhex(self.latest.raw_tx[2:])

    @property
    def settled(self) -> bool:
        return self.status not in UNSETTLED

    @property
    def failed(self) -> bool:
        """Failed for good: the purpose did not happen and may be tried again."""
        return self.status in FAILED

    @property
    def succeeded(self) -> bool:
        """Mined (at any depth) and did not revert."""
        return self.status in LANDED and self.receipt_status == 1

    @classmethod
    def of(cls, row: Any) -> SentTx:
        return cls(
            id=row.id,
            chain_id=row.chain_id,
            sender=row.sender,
            nonce=row.nonce,
            purpose=row.purpose,
            generation=row.generation,
            kind=row.kind,
            status=row.status,
            to=row.to,
            value=int(row.value),
            data=row.data,
            gas=row.gas,
            attempts=tuple(Attempt.from_json(a) for a in row.attempts or ()),
            valid_until=row.valid_until,
            sent_block=row.sent_block,
            mined_block=row.mined_block,
            mined_block_hash=row.mined_block_hash,
            receipt_status=row.receipt_status,
            gas_used=row.gas_used,
            effective_gas_price=None if row.effective_gas_price is None else int(row.effective_gas_price),
            error=row.error,
            tx_hash=row.tx_hash,
        )


@dataclass(frozen=True)
class NewTx:
    """A signed transaction about to be journaled."""

    purpose: str
    generation: int
    nonce: int
    kind: str
    to: str | None
    value: int
    data: bytes
    gas: int
    attempt: Attempt
    valid_until: int | None = None


class TxJournal:
    """The journal of one chain, shared by every account's sender."""

    def __init__(self, store: Store, chain_id: int):
        self.store = store
        self.chain_id = chain_id
        self._table = SentTransaction.__table__

    def record(self, sender: str, txs: Sequence[NewTx]) -> list[SentTx]:
        """Journal signed transactions, all in one database transaction (before any is broadcast);
        returns them as journaled."""
        now = datetime.now(UTC)
        rows = [
            {
                "chain_id": self.chain_id,
                "sender": sender,
                "nonce": tx.nonce,
                "purpose": tx.purpose,
                "generation": tx.generation,
                "kind": tx.kind,
                "status": "bundled" if tx.kind == "bundle" else "pending",
                "to": tx.to,
                "value": tx.value,
                "data": "0x" + tx.data.hex(),
                "gas": tx.gas,
                "max_fee": tx.attempt.max_fee,
                "tip": tx.attempt.tip,
                "tx_hash": tx.attempt.tx_hash,
                "raw_tx": tx.attempt.raw_tx,
                "attempts": [tx.attempt.to_json()],
                "valid_until": tx.valid_until,
                "sent_block": tx.attempt.block,
                "created_at": now,
                "updated_at": now,
            }
            for tx in txs
        ]
        with self.store.transaction() as session:
            ids = session.scalars(
                insert(self._table).returning(self._table.c.id, sort_by_parameter_order=True), rows
            ).all()
        return [
            SentTx(
                id=tx_id,
                chain_id=self.chain_id,
                sender=sender,
                nonce=tx.nonce,
                purpose=tx.purpose,
                generation=tx.generation,
                kind=tx.kind,
                status=row["status"],
                to=tx.to,
                value=tx.value,
                data=row["data"],
                gas=tx.gas,
                attempts=(tx.attempt,),
                valid_until=tx.valid_until,
                sent_block=tx.attempt.block,
                tx_hash=tx.attempt.tx_hash,
            )
            for tx_id, tx, row in zip(ids, txs, rows, strict=True)
        ]

    def latest_of(self, purposes: Sequence[str]) -> dict[str, SentTx]:
        """The newest generation of each of ``purposes`` that has one (one query)."""
        if not purposes:
            return {}
        found: dict[str, SentTx] = {}
        with self.store.transaction() as session:
            rows = session.execute(
                select(self._table)
                .where(self._table.c.chain_id == self.chain_id, self._table.c.purpose.in_(list(purposes)))
                .order_by(self._table.c.generation)
            ).all()
            for row in rows:
                found[row.purpose] = SentTx.of(row)
        return found

    def latest(self, purpose: str) -> SentTx | None:
        """The newest generation of ``purpose``, or None."""
        with self.store.transaction() as session:
            row = session.execute(
                select(self._table)
                .where(self._table.c.chain_id == self.chain_id, self._table.c.purpose == purpose)
                .order_by(self._table.c.generation.desc())
                .limit(1)
            ).first()
            return SentTx.of(row) if row is not None else None

    def latest_with_prefix(self, prefix: str) -> SentTx | None:
        """The newest transaction whose purpose starts with ``prefix`` (several purposes, one intent)."""
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        with self.store.transaction() as session:
            row = session.execute(
                select(self._table)
                .where(self._table.c.chain_id == self.chain_id, self._table.c.purpose.like(escaped + "%", escape="\\"))
                .order_by(self._table.c.id.desc())
                .limit(1)
            ).first()
            return SentTx.of(row) if row is not None else None

    def by_id(self, tx_id: int) -> SentTx:
        with self.store.transaction() as session:
            return SentTx.of(session.execute(select(self._table).where(self._table.c.id == tx_id)).one())

    def unsettled(self, sender: str) -> list[SentTx]:
        """The account's transactions still pending, bundled or mined-but-shallow, by nonce."""
        with self.store.transaction() as session:
            rows = session.execute(
                select(self._table)
                .where(
                    self._table.c.chain_id == self.chain_id,
                    self._table.c.sender == sender,
                    self._table.c.status.in_(UNSETTLED),
                )
                .order_by(self._table.c.nonce, self._table.c.id)
            ).all()
            return [SentTx.of(row) for row in rows]

    def of_sender(self, sender: str) -> list[SentTx]:
        """Every transaction the account's sender journaled, oldest first."""
        with self.store.transaction() as session:
            rows = session.execute(
                select(self._table)
                .where(self._table.c.chain_id == self.chain_id, self._table.c.sender == sender)
                .order_by(self._table.c.id)
            ).all()
            return [SentTx.of(row) for row in rows]

    def highest_nonce(self, sender: str) -> int | None:
        """The highest nonce the account ever journaled on this chain (any status), or None."""
        with self.store.transaction() as session:
            return session.execute(
                select(func.max(self._table.c.nonce)).where(
                    self._table.c.chain_id == self.chain_id, self._table.c.sender == sender
                )
            ).scalar()

    def update(self, tx_id: int, **fields: Any) -> None:
        fields["updated_at"] = datetime.now(UTC)
        with self.store.transaction() as session:
            session.execute(update(self._table).where(self._table.c.id == tx_id).values(**fields))

    def add_attempt(self, tx: SentTx, attempt: Attempt) -> None:
        """A re-priced version at the same nonce becomes the latest (journaled before it is broadcast)."""
        self.update(
            tx.id,
            attempts=[a.to_json() for a in (*tx.attempts, attempt)],
            tx_hash=attempt.tx_hash,
            raw_tx=attempt.raw_tx,
            max_fee=attempt.max_fee,
            tip=attempt.tip,
            sent_block=attempt.block,
            error=None,
        )

    def statuses(self, ids: Iterable[int]) -> dict[int, str]:
        wanted = list(ids)
        if not wanted:
            return {}
        with self.store.transaction() as session:
            rows = session.execute(select(self._table.c.id, self._table.c.status).where(self._table.c.id.in_(wanted)))
            return dict(rows.all())
