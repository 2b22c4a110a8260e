"""The relayer's journal: every accepted request and every transaction sent for it.

A row is written when a request is accepted (queued); the relayer's TxSender journals the signed
transaction before it is broadcast and the row then says submitted; its receipt settles it (mined
or failed). The in-memory index of nonces in
flight per signer is rebuilt from the rows on start, so a restarted relayer refuses the same
duplicates and carries on with the same transactions.
"""

from __future__ import annotations

import threading
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select

from keepers.chain.journal import SentTx
from keepers.gasless.request import SignedRequest
from keepers.gasless.validation import ValidRequest
from keepers.store.db import Store
from keepers.store.models import RelayRequest

ACTIVE = ("queued", "submitted")


@dataclass(frozen=True)
class Relayed:
    """A journaled request as the submitter works on it."""

    id: str
    signer: str
    nonce: int
    deadline: int
    signed: SignedRequest
    status: str
    relayer_nonce: int | None
    tx_hash: str | None
    attempts: int  # signed transactions so far (a re-priced one adds one)

    @classmethod
    def of(cls, row: RelayRequest) -> Relayed:
        return cls(
            row.id,
            row.signer,
            row.nonce,
            row.deadline,
            SignedRequest.model_validate(row.request),
            row.status,
            row.relayer_nonce,
            row.tx_hash,
            len(row.attempts or []),
        )


class RelayJournal:
    def __init__(self, store: Store, chain_id: int, diamond: str):
        self.store = store
        self.chain_id = chain_id
        self.diamond = diamond
        self._lock = threading.Lock()
        self._in_flight: dict[str, set[int]] = defaultdict(set)
        with self.store.transaction() as session:
            for row in session.scalars(self._query().where(RelayRequest.status.in_(ACTIVE))):
                self._in_flight[row.signer].add(row.nonce)

    def _query(self):
        return select(RelayRequest).filter_by(chain_id=self.chain_id, diamond=self.diamond)

    def in_flight(self, signer: str) -> frozenset[int]:
        with self._lock:
            return frozenset(self._in_flight.get(signer, ()))

    def admit(self, valid: ValidRequest, client: str | None, recheck: Callable[[set[int]], None]) -> str:
        """Journal an accepted request as queued; returns its id. `recheck(in_flight)` runs under the
        lock first, so two concurrent posts of the same nonce cannot both get in."""
        with self._lock:
            nonces = self._in_flight[valid.signer]
            recheck(nonces)
            request_id = str(uuid.uuid4())
            with self.store.transaction() as session:
                session.add(
                    RelayRequest(
                        id=request_id,
                        chain_id=self.chain_id,
                        diamond=self.diamond,
                        signer=valid.signer,
                        nonce=valid.request.nonce,
                        deadline=valid.request.deadline,
                        selector="0x" + valid.request.selector.hex(),
                        request=valid.signed.to_json(),
                        client=client,
                        status="queued",
                        attempts=[],
                    )
                )
            nonces.add(valid.request.nonce)
        return request_id

    def get(self, request_id: str) -> RelayRequest | None:
        with self.store.transaction() as session:
            row = session.get(RelayRequest, request_id)
            if row is not None and (row.chain_id, row.diamond) == (self.chain_id, self.diamond):
                session.expunge(row)
                return row
            return None

    def active(self) -> list[Relayed]:
        """Queued and submitted requests, oldest first."""
        with self.store.transaction() as session:
            query = self._query().where(RelayRequest.status.in_(ACTIVE)).order_by(RelayRequest.created_at)
            return [Relayed.of(row) for row in session.scalars(query)]

    def counts(self) -> dict[str, int]:
        """How many requests are in each status."""
        with self.store.transaction() as session:
            query = (
                select(RelayRequest.status, func.count())
                .filter_by(chain_id=self.chain_id, diamond=self.diamond)
                .group_by(RelayRequest.status)
            )
            return {status: count for status, count in session.execute(query)}

    def submitted(self, request_id: str, tx: SentTx) -> None:
        """The relayer's TxSender journaled (and broadcast) the transaction carrying the request."""
        with self.store.transaction() as session:
            row = session.get(RelayRequest, request_id)
            row.status = "submitted"
            row.reason = None
        self.attempted(request_id, tx)

    def attempted(self, request_id: str, tx: SentTx) -> None:
        """The transaction as the sender has it now (a re-priced attempt replaces the hash shown)."""
        with self.store.transaction() as session:
            row = session.get(RelayRequest, request_id)
            row.relayer = tx.sender
            row.relayer_nonce = tx.nonce
            row.tx_hash = tx.tx_hash
            row.attempts = [{"tx_hash": a.tx_hash, "max_fee": str(a.max_fee), "tip": str(a.tip)} for a in tx.attempts]

    def requeue(self, request_id: str, reason: str) -> None:
        """A transaction the node refused to take: back to queued, its attempt forgotten."""
        with self.store.transaction() as session:
            row = session.get(RelayRequest, request_id)
            row.status, row.reason, row.relayer_nonce, row.tx_hash, row.attempts = "queued", reason, None, None, []

    def note(self, request_id: str, reason: str) -> None:
        """Why a request is still waiting (fees above the cap, a node error)."""
        with self.store.transaction() as session:
            session.get(RelayRequest, request_id).reason = reason

    def settle(
        self,
        request_id: str,
        status: str,
        reason: str | None = None,
        *,
        tx_hash: str | None = None,
        block: int | None = None,
        gas_used: int | None = None,
        effective_gas_price: int | None = None,
    ) -> None:
        """Final state: mined or failed."""
        with self._lock:
            with self.store.transaction() as session:
                row = session.get(RelayRequest, request_id)
                row.status, row.reason = status, reason
                if tx_hash is not None:
                    row.tx_hash = tx_hash
                row.block, row.gas_used, row.effective_gas_price = block, gas_used, effective_gas_price
                signer, nonce = row.signer, row.nonce
            self._in_flight[signer].discard(nonce)
