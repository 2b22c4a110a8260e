"""The relayer's journal: every accepted request and every transaction sent for it.

A row is written when a request is accepted (queued), its signed transaction is written before it
is sent (submitted), and its receipt settles it (mined or failed). The in-memory index of nonces in
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

from keepers.gasless.request import SignedRequest
from keepers.gasless.validation import ValidRequest
from keepers.store.db import Store
from keepers.store.models import RelayRequest

ACTIVE = ("queued", "submitted")


@dataclass(frozen=True)
class Attempt:
    """One signed transaction carrying a request; a resubmission adds one at the same relayer nonce."""

    tx_hash: str
    raw_tx: str
    max_fee: int
    tip: int
    gas: int
    block: int

    def to_json(self) -> dict:
        return {
            "tx_hash": self.tx_hash,
            "raw_tx": self.raw_tx,
            "max_fee": str(self.max_fee),
            "tip": str(self.tip),
            "gas": self.gas,
            "block": self.block,
        }

    @classmethod
    def from_json(cls, data: dict) -> Attempt:
        return cls(data["tx_hash"], data["raw_tx"], int(data["max_fee"]), int(data["tip"]), data["gas"], data["block"])


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
    attempts: tuple[Attempt, ...]

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
            tuple(Attempt.from_json(a) for a in row.attempts or []),
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

    def submitted(self, request_id: str, relayer: str, relayer_nonce: int, attempt: Attempt) -> None:
        """Record a signed transaction before it is sent."""
        with self.store.transaction() as session:
            row = session.get(RelayRequest, request_id)
            row.status = "submitted"
            row.relayer = relayer
            row.relayer_nonce = relayer_nonce
            row.tx_hash = attempt.tx_hash
            row.attempts = [*(row.attempts or []), attempt.to_json()]
            row.reason = None

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
