"""Turning accepted requests into mined transactions, through the relayer account's TxSender.

One worker thread (`Submitter.tick`, on every new block and whenever a request arrives):

1. the relayer's TxSender polls: receipts, re-broadcasts, re-pricing of stuck transactions at
   the same nonce, freed nonces (all of that lives in `keepers.chain.sender`, not here);
2. submitted requests settle from the sender's journal (mined, or failed with the reason);
3. queued requests that expired or whose signer nonce was used meanwhile fail;
4. each signer's queued requests are dispatched in nonce order: the sender estimates `execute` on
   the pending state (a revert fails the request with the decoded reason and nothing is sent),
   bids, reserves the next relayer nonce, signs, journals and broadcasts, under the purpose
   ``gasless:<request id>``, so a request is relayed at most once whatever crashes when.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from dataclasses import dataclass, field

from web3 import Web3
from web3.exceptions import ContractLogicError

from keepers.chain.contracts import describe_revert
from keepers.chain.errors import FeeCapReached, InsufficientFunds, SendError, WouldRevert
from keepers.chain.faults import NO_FAULTS, Faults
from keepers.chain.sender import Call, TxSender
from keepers.gasless.contract import ChainCache, RelayContract, execute_calldata
from keepers.gasless.journal import Relayed, RelayJournal
from keepers.gasless.request import SignedRequest

log = logging.getLogger(__name__)


def relay_purpose(request_id: str) -> str:
    return f"gasless:{request_id}"


class SimulationFailed(Exception):
    """`execute` reverts for this request; the message is the decoded reason."""


@dataclass
class TickReport:
    block: int
    mined: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    submitted: list[str] = field(default_factory=list)
    resubmitted: list[str] = field(default_factory=list)


class Submitter:
    def __init__(
        self,
        w3: Web3,
        contract: RelayContract,
        cache: ChainCache,
        sender: TxSender,
        journal: RelayJournal,
        *,
        simulate_block: str = "pending",
        faults: Faults = NO_FAULTS,
    ):
        self.w3 = w3
        self.contract = contract
        self.cache = cache
        self.sender = sender
        self.journal = journal
        self.simulate_block = simulate_block
        self.faults = faults
        self._tick_lock = threading.Lock()
        self._refused: dict[str, str] = {}  # request id -> the last refusal (logged once)

    @property
    def relayer(self):
        return self.sender.account

    def start(self) -> None:
        """Resume the sender: journaled transactions are settled from receipts or broadcast again."""
        self.sender.start()

    # -- one pass ---------------------------------------------------------------------------------

    def tick(self) -> TickReport:
        with self._tick_lock:
            head = self.cache.refresh()
            report = TickReport(head)
            polled = self.sender.poll(head)
            report.resubmitted += [tx.purpose.removeprefix("gasless:") for tx in polled.repriced]
            block = self.w3.eth.get_block("latest")
            active = self._adopt(self.journal.active())
            flying: dict[str, set[int]] = defaultdict(set)
            for relayed in active:
                if relayed.status == "submitted" and not self._track(relayed, report):
                    flying[relayed.signer].add(relayed.nonce)
            self._dispatch([r for r in active if r.status == "queued"], flying, block, report)
            return report

    def _adopt(self, active: list[Relayed]) -> list[Relayed]:
        """Queued requests the sender already holds a transaction for (the process died between the
        two journals) are submitted: tracked from that transaction, never relayed again."""
        queued = {relay_purpose(r.id): r for r in active if r.status == "queued"}
        held = {purpose: tx for purpose, tx in self.sender.journal.latest_of(list(queued)).items() if not tx.failed}
        for purpose, tx in held.items():
            self.journal.submitted(queued[purpose].id, tx)
        return self.journal.active() if held else active

    def _track(self, relayed: Relayed, report: TickReport) -> bool:
        """Settle `relayed` from the sender's journal (True), or leave it in flight (False)."""
        tx = self.sender.journal.latest(relay_purpose(relayed.id))
        if tx is None:  # journaled as submitted by an older build: back in line
            self.journal.requeue(relayed.id, "no transaction journaled for it")
            return True
        if tx.tx_hash != relayed.tx_hash or len(tx.attempts) != relayed.attempts:
            self.journal.attempted(relayed.id, tx)
        if tx.mined_block is not None:
            self.faults.point("gasless.settled")
            facts = {
                "tx_hash": tx.tx_hash,
                "block": tx.mined_block,
                "gas_used": tx.gas_used,
                "effective_gas_price": tx.effective_gas_price,
            }
            if tx.receipt_status == 1:
                self.journal.settle(relayed.id, "mined", **facts)
                report.mined.append(relayed.id)
            else:
                reason = f"execute reverted on chain in block {tx.mined_block}"
                self.journal.settle(relayed.id, "failed", reason, **facts)
                report.failed.append((relayed.id, reason))
            self.cache.forget_nonce(relayed.signer)
            return True
        if tx.failed:
            reason = f"relayer transaction {tx.status}: {tx.error}"
            self.journal.settle(relayed.id, "failed", reason)
            report.failed.append((relayed.id, reason))
            return True
        return False

    def _dispatch(self, queued: list[Relayed], flying: dict[str, set[int]], block, report: TickReport) -> None:
        by_signer: dict[str, list[Relayed]] = defaultdict(list)
        for relayed in queued:
            by_signer[relayed.signer].append(relayed)
        for signer, requests in by_signer.items():
            on_chain = self.cache.signer_nonce(signer)
            if flying[signer] and self.simulate_block == "latest":
                continue  # successors are simulated once their predecessor is mined
            expected = max(on_chain, max(flying[signer], default=-1) + 1)
            for relayed in sorted(requests, key=lambda r: r.nonce):
                if relayed.nonce < on_chain:
                    self._fail(relayed, f"nonce_used: signer nonce {relayed.nonce} was used on chain", report)
                    continue
                if relayed.deadline <= block["timestamp"]:
                    self._fail(relayed, f"expired: deadline {relayed.deadline} passed before relaying", report)
                    continue
                if relayed.nonce != expected:
                    break  # a gap: wait for the missing nonce (or for this one's deadline)
                if not self._send(relayed, report):
                    break
                expected += 1

    def _fail(self, relayed: Relayed, reason: str, report: TickReport) -> None:
        self.journal.settle(relayed.id, "failed", reason)
        report.failed.append((relayed.id, reason))

    def simulate(self, signed: SignedRequest, block: str | int | None = None) -> int:
        """Gas the relayer's `execute` transaction needs; raises SimulationFailed with the reason."""
        call = {"from": self.relayer.address, "to": self.contract.address, "data": execute_calldata(signed)}
        where = self.simulate_block if block is None else block
        try:
            self.w3.eth.call(call, where)
            return self.w3.eth.estimate_gas(call, where)
        except ContractLogicError as err:
            raise SimulationFailed(describe_revert(err.data) if isinstance(err.data, str) else str(err)) from None

    def _send(self, relayed: Relayed, report: TickReport) -> bool:
        """Relay one request through the sender; False if the signer's line must wait."""
        call = Call(self.contract.address, execute_calldata(relayed.signed))
        try:
            tx = self.sender.send(relay_purpose(relayed.id), call)
        except WouldRevert as err:
            self._fail(relayed, f"simulation_reverted: {err.reason}", report)
            return False
        except (FeeCapReached, InsufficientFunds) as err:
            self._note(relayed, f"waiting: {err}")
            return False
        except SendError as err:
            self._note(relayed, f"node refused the transaction: {err}")
            return False
        self.faults.point("gasless.sent")
        self.journal.submitted(relayed.id, tx)
        self._refused.pop(relayed.id, None)
        report.submitted.append(relayed.id)
        return True

    def _note(self, relayed: Relayed, reason: str) -> None:
        self.journal.note(relayed.id, reason)
        (log.info if self._refused.get(relayed.id) == reason else log.warning)(
            "gasless.waiting id=%s: %s", relayed.id, reason
        )
        self._refused[relayed.id] = reason
