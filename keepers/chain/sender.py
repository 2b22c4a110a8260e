"""The one transaction path: `TxSender`, one per signing account; `SenderPool` for many accounts.

Every transaction a keeper, the relayer or the API sends goes through here:

1. ``send(purpose, call)``: a purpose (an idempotency key such as
   ``rewards:post:<child>:<campaign>:<epoch>:first``) that already has a live or landed
   transaction returns it, so a purpose never lands twice; otherwise gas is estimated on the
   pending state (a revert raises :class:`WouldRevert` with the decoded custom error), the fee
   policy bids (:class:`FeeCapReached` past its caps), a nonce is reserved locally, in order,
   the transaction is signed and **journaled before it is broadcast** (write-ahead);
2. ``poll(head)``, every block: receipts settle transactions (mined, then confirmed or reverted
   ``confirmations`` deep; a receipt whose block left the chain puts the transaction back to
   pending), a transaction the node forgot is broadcast again at its nonce, one stuck for
   ``stuck_after_blocks`` is re-priced (+``bump_bps``, within the caps), a bundle transaction
   past its last block expires and frees its nonce, and a freed nonce below a live one is burnt
   with a zero-value transfer to self so nothing waits behind a gap;
3. ``start()``: after a restart, nonces resume from the node's pending count and the journal,
   and every journaled, unsettled transaction is settled from its receipt or broadcast again.

Bundle transactions (``sign_bundle``) take their nonces from the same reservation, so a
bundle and an own-wallet transaction of one account never collide.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from eth_account.signers.local import LocalAccount
from sqlalchemy.exc import IntegrityError
from web3 import Web3
from web3.exceptions import ContractLogicError, TransactionNotFound, Web3RPCError

from keepers.chain.contracts import describe_revert
from keepers.chain.errors import FeeCapReached, InsufficientFunds, PurposeFailed, SendError, WouldRevert
from keepers.chain.faults import NO_FAULTS, Faults
from keepers.chain.fees import FeePolicy, Fees, next_base_fee
from keepers.chain.journal import Attempt, NewTx, SentTx, TxJournal
from keepers.chain.signing import Eip1559Signer
from keepers.config import LapidarySettings
from keepers.store.db import Store

log = logging.getLogger(__name__)

TRANSFER_GAS = 21_000


def gas_limit(estimate: int) -> int:
    """The gas limit for an estimate: +20% and 10k, as state can move between estimate and block."""
    return estimate * 6 // 5 + 10_000


@dataclass(frozen=True)
class Call:
    """What to send: ``to``, calldata, value; ``gas`` None means estimated (see :func:`gas_limit`)."""

    to: str
    data: bytes = b""
    value: int = 0
    gas: int | None = None


@dataclass
class PollReport:
    head: int
    mined: list[SentTx] = field(default_factory=list)
    confirmed: list[SentTx] = field(default_factory=list)
    reverted: list[SentTx] = field(default_factory=list)
    failed: list[SentTx] = field(default_factory=list)  # expired | dropped | refused
    reorged: list[SentTx] = field(default_factory=list)
    rebroadcast: list[SentTx] = field(default_factory=list)
    repriced: list[SentTx] = field(default_factory=list)
    burnt: list[int] = field(default_factory=list)  # nonces


class _Refusal:
    """How a node words its refusals of eth_sendRawTransaction (geth, anvil, reth, erigon)."""

    KNOWN = ("already known", "known transaction", "already imported", "already exists")
    NONCE_LOW = ("nonce too low", "noncetoolow", "nonce has already been used")
    UNDERPRICED = ("replacement transaction underpriced", "underpriced")
    FUNDS = ("insufficient funds", "insufficientfunds")
    BASE_FEE = ("less than block base fee", "max fee per gas less than", "feecaptoolow", "fee cap too low")

    @staticmethod
    def kind(message: str) -> str:
        text = message.lower()
        for name in ("KNOWN", "NONCE_LOW", "FUNDS", "BASE_FEE", "UNDERPRICED"):
            if any(word in text for word in getattr(_Refusal, name)):
                return name.lower()
        return "other"


class NonceBook:
    """An account's nonces: the next fresh one, and freed ones below it, reused lowest first."""

    def __init__(self, next_nonce: int, free: Sequence[int] = ()):
        self.next = next_nonce
        self.free: list[int] = sorted(set(free))

    def reserve(self) -> int:
        if self.free:
            return heapq.heappop(self.free)
        nonce, self.next = self.next, self.next + 1
        return nonce

    def reserve_run(self, count: int) -> list[int]:
        """``count`` consecutive nonces (a bundle's), always fresh."""
        first, self.next = self.next, self.next + count
        return list(range(first, first + count))

    def release(self, nonce: int) -> None:
        """``nonce`` will not be used by what reserved it."""
        if nonce >= self.next or nonce in self.free:
            return
        heapq.heappush(self.free, nonce)
        while self.free and max(self.free) == self.next - 1:
            self.free.remove(self.next - 1)
            heapq.heapify(self.free)
            self.next -= 1

    def advance(self, at_least: int) -> None:
        """The node counted ``at_least`` transactions: nothing below is free or fresh any more."""
        self.free = [n for n in self.free if n >= at_least]
        heapq.heapify(self.free)
        self.next = max(self.next, at_least)


class TxSender:
    """Transactions of one signing account on one chain (see the module docstring)."""

    def __init__(
        self,
        w3: Web3,
        account: LocalAccount,
        journal: TxJournal,
        policy: FeePolicy,
        *,
        confirmations: int = 2,
        faults: Faults = NO_FAULTS,
    ):
        self.w3 = w3
        self.account = account
        self.address = account.address
        self.journal = journal
        self.policy = policy
        self.confirmations = confirmations
        self.faults = faults
        self.chain_id = journal.chain_id
        self._signer = Eip1559Signer(account)
        self._lock = threading.RLock()
        self._nonces: NonceBook | None = None
        self._last_head: int | None = None
        # Transaction id -> the head at which its nonce was first seen used with no receipt of ours.
        self._nonce_taken_at: dict[int, int] = {}

    def __repr__(self) -> str:
        return f"TxSender({self.address})"

    @classmethod
    def from_settings(cls, w3: Web3, store: Store, account: LocalAccount, settings: LapidarySettings) -> TxSender:
        """The sender of ``account``, journaling into ``store``, with the configured fees and depth."""
        return cls(
            w3,
            account,
            TxJournal(store, w3.eth.chain_id),
            FeePolicy.from_settings(settings.chain.fees),
            confirmations=settings.chain.confirmations,
            faults=Faults.from_settings(settings.faults),
        )

    # -- start ------------------------------------------------------------------------------------

    def start(self) -> PollReport:
        """Resume: nonces from the node and the journal, then settle or re-broadcast what is open."""
        with self._lock:
            self._sync_nonces()
            return self.poll()

    def _sync_nonces(self) -> NonceBook:
        mined = self.w3.eth.get_transaction_count(self.address, "latest")
        pending = self.w3.eth.get_transaction_count(self.address, "pending")
        held = {tx.nonce for tx in self.journal.unsettled(self.address)}
        top = max([pending, mined, *(n + 1 for n in held)])
        # Nonces the node has no transaction for, below one we hold: free (reused, or burnt by poll).
        free = [n for n in range(max(mined, pending), top) if n not in held]
        self._nonces = NonceBook(top, free)
        return self._nonces

    @property
    def nonces(self) -> NonceBook:
        if self._nonces is None:
            with self._lock:
                if self._nonces is None:
                    self._sync_nonces()
        assert self._nonces is not None
        return self._nonces

    # -- sending ----------------------------------------------------------------------------------

    def send(self, purpose: str, call: Call, *, tip: int | None = None, retry: bool = True) -> SentTx:
        """Estimate, bid, reserve, sign, journal, broadcast; see the module docstring.

        Returns the journaled transaction (pending: not waited for). A purpose already live or landed
        returns its transaction and sends nothing; one that failed for good is tried as a new
        generation unless ``retry`` is False (:class:`PurposeFailed`)."""
        previous = self.journal.latest(purpose)
        if self._reusable(previous, purpose, retry):
            return previous
        return self._commit([self._prepare(purpose, call, previous, tip=tip)])[0]

    def send_many(self, items: Sequence[tuple[str, Call]], *, fees: Fees | None = None) -> list[SentTx]:
        """Several transactions of this account, journaled in one database transaction and broadcast
        in one JSON-RPC batch (calls with explicit gas skip estimation)."""
        known = self.journal.latest_of([purpose for purpose, _ in items])
        fees = fees or self.bid()
        results: list[SentTx | None] = []
        fresh: list[_Prepared] = []
        for purpose, call in items:
            previous = known.get(purpose)
            if self._reusable(previous, purpose, True):
                results.append(previous)
            else:
                fresh.append(self._prepare(purpose, call, previous, fees=fees))
                results.append(None)
        committed = iter(self._commit(fresh))
        return [result if result is not None else next(committed) for result in results]

    def bid(self, tip: int | None = None) -> Fees:
        """What the policy bids for the next block now."""
        latest = self.w3.eth.get_block("latest")
        return self.policy.fees(_next_base_fee(latest), tip)

    @staticmethod
    def _reusable(previous: SentTx | None, purpose: str, retry: bool) -> bool:
        """Whether ``previous`` (the purpose's newest transaction) stands: live or landed."""
        if previous is None:
            return False
        if not previous.failed:
            return True
        if not retry:
            raise PurposeFailed(f"{purpose}: its transaction {previous.tx_hash} {previous.status} ({previous.error})")
        return False

    def estimate(self, purpose: str, call: Call) -> int:
        """Gas for ``call`` on the pending state; raises WouldRevert / InsufficientFunds."""
        tx = {"from": self.address, "to": call.to, "data": call.data, "value": call.value}
        try:
            return self.w3.eth.estimate_gas(tx, "pending")
        except ContractLogicError as err:
            reason = describe_revert(err.data if isinstance(err.data, str) else None) or str(err)
            raise WouldRevert(purpose, reason) from None
        except Web3RPCError as err:
            message = str(err)
            if _Refusal.kind(message) == "funds":
                balance = self.w3.eth.get_balance(self.address)
                raise InsufficientFunds(self.address, call.value, balance) from None
            raise WouldRevert(purpose, message[:500]) from None

    def _prepare(
        self, purpose: str, call: Call, previous: SentTx | None, *, tip: int | None = None, fees: Fees | None = None
    ) -> _Prepared:
        gas = call.gas if call.gas is not None else gas_limit(self.estimate(purpose, call))
        fees = fees or self.bid(tip)
        return _Prepared(purpose, _next_generation(previous), Web3.to_checksum_address(call.to), call, gas, fees)

    def _commit(self, prepared: Sequence[_Prepared]) -> list[SentTx]:
        """Reserve, sign and journal everything under the lock, then broadcast."""
        if not prepared:
            return []
        with self._lock:
            head = self._last_head
            new = [self._new_tx(item, self.nonces.reserve(), "public", head) for item in prepared]
            try:
                journaled = self.journal.record(self.address, new)
            except IntegrityError:
                # Another thread journaled one of these purposes first: give the nonces back, use theirs.
                for tx in reversed(new):
                    self.nonces.release(tx.nonce)
                journaled = None
        if journaled is None:
            return [self.send(item.purpose, item.call) for item in prepared]
        self.faults.point("sender.journaled")
        results = self._broadcast(journaled, head)
        self.faults.point("sender.broadcast")
        return results

    def _new_tx(self, item: _Prepared, nonce: int, kind: str, head: int | None, valid_until: int | None = None):
        attempt = self._sign(item.to, item.call, nonce, item.gas, item.fees, head)
        return NewTx(
            item.purpose,
            item.generation,
            nonce,
            kind,
            item.to,
            item.call.value,
            item.call.data,
            item.gas,
            attempt,
            valid_until,
        )

    def _sign(self, to: str, call: Call, nonce: int, gas: int, fees: Fees, head: int | None) -> Attempt:
        signed = self._signer.sign(
            chain_id=self.chain_id,
            nonce=nonce,
            to=to,
            value=call.value,
            data=call.data,
            gas=gas,
            max_fee=fees.max_fee,
            tip=fees.tip,
        )
        return Attempt("0x" + signed.hash.hex(), "0x" + signed.raw.hex(), fees.max_fee, fees.tip, head)

    # -- broadcasting -----------------------------------------------------------------------------

    def _broadcast(self, txs: Sequence[SentTx], head: int | None) -> list[SentTx]:
        """Send each journaled transaction's latest attempt; map the node's refusals."""
        if not txs:
            return []
        requests = [("eth_sendRawTransaction", [tx.latest.raw_tx]) for tx in txs]
        try:
            if len(requests) == 1:
                answers = [self.w3.provider.make_request(*requests[0])]
            else:
                answers = self.w3.provider.make_batch_request(requests)
        except (OSError, ValueError) as err:  # requests' connection errors are OSErrors
            log.warning("sender %s: node unreachable while broadcasting (%s); will re-broadcast", self.address, err)
            error = f"not broadcast yet: {type(err).__name__}"
            for tx in txs:
                self.journal.update(tx.id, error=error)
            return [replace(tx, error=error) for tx in txs]
        results = []
        refusal: SendError | None = None
        for tx, answer in zip(txs, answers, strict=True):
            message = _refusal(answer)
            if message is None:
                results.append(tx)
                continue
            outcome = self._refused(tx, message, head)
            if isinstance(outcome, SendError):
                refusal = refusal or outcome
            else:
                results.append(outcome)
        if refusal is not None and len(txs) == 1:
            raise refusal
        return results

    def _refused(self, tx: SentTx, message: str, head: int | None) -> SentTx | SendError:
        kind = _Refusal.kind(message)
        if kind == "known":
            return tx
        if kind in ("nonce_low", "underpriced"):
            # Another transaction took or holds our nonce: nobody accepted this one, so it may move.
            with self._lock:
                self._sync_nonces()
                nonce = self.nonces.reserve()
                fees = Fees(tx.latest.max_fee, tx.latest.tip)
                attempt = self._sign(tx.to or "", _call_of(tx), nonce, tx.gas, fees, head)
                self.journal.update(
                    tx.id,
                    nonce=nonce,
                    attempts=[attempt.to_json()],
                    tx_hash=attempt.tx_hash,
                    raw_tx=attempt.raw_tx,
                    error=f"moved from nonce {tx.nonce}: {message[:200]}",
                )
            moved = self.journal.by_id(tx.id)
            log.info("sender %s: %s moved from nonce %d to %d (%s)", self.address, tx.purpose, tx.nonce, nonce, kind)
            refused = _refusal(self.w3.provider.make_request("eth_sendRawTransaction", [moved.latest.raw_tx]))
            if refused is not None:
                return self._fail(moved, "refused", f"node refused: {refused[:300]}")
            return moved
        if kind == "base_fee":
            self.journal.update(tx.id, error=f"waiting: {message[:200]}")
            return self.journal.by_id(tx.id)  # re-priced by poll once it counts as stuck
        self._fail(tx, "refused", f"node refused: {message[:300]}")
        if kind == "funds":
            balance = self.w3.eth.get_balance(self.address)
            return InsufficientFunds(self.address, tx.gas * tx.latest.max_fee + tx.value, balance)
        return SendError(f"{tx.purpose}: the node refused the transaction: {message[:300]}")

    def _fail(self, tx: SentTx, status: str, reason: str) -> SendError:
        with self._lock:
            self.journal.update(tx.id, status=status, error=reason)
            self.nonces.release(tx.nonce)
        log.warning("sender %s: %s %s (nonce %d): %s", self.address, tx.purpose, status, tx.nonce, reason)
        return SendError(f"{tx.purpose}: {reason}")

    # -- bundles ----------------------------------------------------------------------------------

    def sign_bundle(self, items: Sequence[tuple[str, Call]], fees: Fees, valid_until: int) -> list[SentTx]:
        """Sign transactions for a relay bundle with consecutive nonces; journaled as ``bundled`` (not
        broadcast: the caller hands them to relays). Unless mined by block ``valid_until`` they expire
        and their nonces are freed. Every call needs its gas."""
        with self._lock:
            nonces = self.nonces.reserve_run(len(items))
            head = self._last_head
            new = []
            for (purpose, call), nonce in zip(items, nonces, strict=True):
                if call.gas is None:
                    raise ValueError("bundle transactions need their simulated gas")
                previous = self.journal.latest(purpose)
                if previous is not None and not previous.failed:
                    raise SendError(f"{purpose} already has transaction {previous.tx_hash} ({previous.status})")
                to = Web3.to_checksum_address(call.to)
                item = _Prepared(purpose, _next_generation(previous), to, call, call.gas, fees)
                new.append(self._new_tx(item, nonce, "bundle", head, valid_until))
            return self.journal.record(self.address, new)

    def abandon(self, txs: Sequence[SentTx], reason: str) -> None:
        """Bundle transactions that will never be sent: expired now, their nonces freed."""
        for tx in sorted(txs, key=lambda t: -t.nonce):
            self._fail(tx, "expired", reason)

    # -- every block ------------------------------------------------------------------------------

    def poll(self, head: int | None = None) -> PollReport:
        """Settle, re-broadcast, re-price, expire and fill gaps (see the module docstring)."""
        with self._lock:
            head = self.w3.eth.block_number if head is None else head
            self._last_head = head
            report = PollReport(head)
            mined_count = self.w3.eth.get_transaction_count(self.address, "latest")
            self.nonces.advance(mined_count)
            base_fee: int | None = None
            for tx in self.journal.unsettled(self.address):
                if tx.status == "mined":
                    self._deepen(tx, head, report)
                    continue
                if self._settle_from_receipt(tx, head, report):
                    continue
                if tx.nonce < mined_count:
                    # A node may count the nonce before it serves the receipt of the block being mined
                    # (anvil does): only a later head without our receipt proves another transaction.
                    seen = self._nonce_taken_at.setdefault(tx.id, head)
                    if head > seen:
                        del self._nonce_taken_at[tx.id]
                        self._fail(tx, "dropped", f"nonce {tx.nonce} was used by another transaction")
                        report.failed.append(self.journal.by_id(tx.id))
                    continue
                if tx.kind == "bundle":
                    if tx.valid_until is not None and head >= tx.valid_until:
                        self._fail(tx, "expired", f"not included by block {tx.valid_until}")
                        report.failed.append(self.journal.by_id(tx.id))
                    continue
                if base_fee is None:
                    base_fee = _next_base_fee(self.w3.eth.get_block("latest"))
                self._keep_alive(tx, head, base_fee, report)
            self._fill_gaps(head, report)
            return report

    def _receipt(self, tx_hash: str):
        try:
            return self.w3.eth.get_transaction_receipt(tx_hash)
        except TransactionNotFound:
            return None

    def _settle_from_receipt(self, tx: SentTx, head: int, report: PollReport) -> bool:
        for attempt in reversed(tx.attempts):
            receipt = self._receipt(attempt.tx_hash)
            if receipt is None or receipt["blockNumber"] is None:
                continue
            self.faults.point("sender.mined")
            self._nonce_taken_at.pop(tx.id, None)
            self.journal.update(
                tx.id,
                status="mined",
                tx_hash=attempt.tx_hash,
                raw_tx=attempt.raw_tx,
                mined_block=receipt["blockNumber"],
                mined_block_hash=receipt["blockHash"].to_0x_hex(),
                receipt_status=receipt["status"],
                gas_used=receipt["gasUsed"],
                effective_gas_price=int(receipt.get("effectiveGasPrice", 0)),
                error=None,
            )
            mined = self.journal.by_id(tx.id)
            report.mined.append(mined)
            self._deepen(mined, head, report)
            return True
        return False

    def _deepen(self, tx: SentTx, head: int, report: PollReport) -> None:
        """A mined transaction: back to pending if its block left the chain, final once deep enough."""
        assert tx.mined_block is not None
        try:
            block = self.w3.eth.get_block(tx.mined_block)
            canonical = block["hash"].to_0x_hex() == tx.mined_block_hash
        except Exception:  # the block number is past the head after a reorg: not canonical either
            canonical = False
        if not canonical:
            status = "bundled" if tx.kind == "bundle" else "pending"
            self.journal.update(
                tx.id,
                status=status,
                mined_block=None,
                mined_block_hash=None,
                receipt_status=None,
                gas_used=None,
                effective_gas_price=None,
                sent_block=head,
                error=f"block {tx.mined_block} {tx.mined_block_hash} left the chain",
            )
            report.reorged.append(self.journal.by_id(tx.id))
            log.warning("sender %s: %s reorged out of block %d", self.address, tx.purpose, tx.mined_block)
            if tx.kind == "public":
                self._rebroadcast(self.journal.by_id(tx.id), report)
            return
        if head - tx.mined_block + 1 >= self.confirmations:
            final = "confirmed" if tx.receipt_status == 1 else "reverted"
            self.journal.update(tx.id, status=final)
            (report.confirmed if final == "confirmed" else report.reverted).append(self.journal.by_id(tx.id))

    def _keep_alive(self, tx: SentTx, head: int, base_fee: int, report: PollReport) -> None:
        """A public transaction without a receipt: re-broadcast if the node forgot it, re-price if stuck."""
        if tx.sent_block is None:  # signed before this sender saw a head: count from now
            self.journal.update(tx.id, sent_block=head)
        elif head - tx.sent_block >= self.policy.stuck_after_blocks:
            try:
                fees = self.policy.bump(Fees(tx.latest.max_fee, tx.latest.tip), base_fee)
            except FeeCapReached as err:
                if tx.error != f"stuck: {err}":
                    self.journal.update(tx.id, error=f"stuck: {err}")
                self._rebroadcast(tx, report, quiet=True)
                return
            attempt = self._sign(tx.to or "", _call_of(tx), tx.nonce, tx.gas, fees, head)
            self.journal.add_attempt(tx, attempt)  # write-ahead, as for the first attempt
            repriced = self.journal.by_id(tx.id)
            report.repriced.append(repriced)
            log.info("sender %s: %s re-priced to %d/%d wei", self.address, tx.purpose, fees.max_fee, fees.tip)
            self._rebroadcast(repriced, report, quiet=True)
            return
        if not self._known(tx.latest.tx_hash):
            self._rebroadcast(tx, report)

    def _known(self, tx_hash: str) -> bool:
        try:
            self.w3.eth.get_transaction(tx_hash)
            return True
        except TransactionNotFound:
            return False

    def _rebroadcast(self, tx: SentTx, report: PollReport, quiet: bool = False) -> None:
        message = _refusal(self.w3.provider.make_request("eth_sendRawTransaction", [tx.latest.raw_tx]))
        if message is not None:
            kind = _Refusal.kind(message)
            if kind != "known":
                # nonce_low: settled next poll from a receipt or as dropped; others: noted, retried.
                self.journal.update(tx.id, error=f"re-broadcast refused: {message[:200]}")
            return
        if tx.sent_block is None or not quiet:
            self.journal.update(tx.id, sent_block=report.head)
        if not quiet:
            report.rebroadcast.append(tx)
            log.info("sender %s: re-broadcast %s (nonce %d)", self.address, tx.purpose, tx.nonce)

    def _fill_gaps(self, head: int, report: PollReport) -> None:
        """Burn freed nonces that a live transaction waits behind (a zero-value transfer to self)."""
        held = [tx.nonce for tx in self.journal.unsettled(self.address) if tx.status != "mined"]
        if not held or not self.nonces.free:
            return
        while self.nonces.free and self.nonces.free[0] < max(held):
            nonce = heapq.heappop(self.nonces.free)
            purpose = f"nonce:burn:{self.address}:{nonce}"
            generation = _next_generation(self.journal.latest(purpose))
            transfer = Call(self.address, gas=TRANSFER_GAS)
            item = _Prepared(purpose, generation, self.address, transfer, TRANSFER_GAS, self.bid())
            (burnt,) = self.journal.record(self.address, [self._new_tx(item, nonce, "public", head)])
            self._rebroadcast(burnt, report, quiet=True)
            report.burnt.append(nonce)
            log.warning("sender %s: burnt nonce %d (a zero-value transfer to self)", self.address, nonce)

    # -- waiting ----------------------------------------------------------------------------------

    def wait(self, tx: SentTx, timeout: float = 60.0, interval: float = 0.2, depth: bool = False) -> SentTx:
        """Poll until ``tx`` is mined (or, with ``depth``, confirmed) or failed; TimeoutError after
        ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            self.poll()
            current = self.journal.by_id(tx.id)
            done = current.settled if depth else (current.status != "pending" and current.status != "bundled")
            if done:
                return current
            if time.monotonic() > deadline:
                raise TimeoutError(f"{tx.purpose}: {current.tx_hash} still {current.status} after {timeout:.0f}s")
            time.sleep(interval)


@dataclass(frozen=True)
class _Prepared:
    purpose: str
    generation: int
    to: str
    call: Call
    gas: int
    fees: Fees


def _call_of(tx: SentTx) -> Call:
    """The call a journaled transaction makes (to sign it again: re-priced, or at another nonce)."""
    return Call(tx.to or "", bytes.fromhex(tx.data[2:]), tx.value, tx.gas)


def _next_generation(previous: SentTx | None) -> int:
    """The generation a purpose's next transaction gets after ``previous`` (its newest, if any)."""
    return previous.generation + 1 if previous is not None else 0


def _refusal(answer: Any) -> str | None:
    """The node's words when it refused an ``eth_sendRawTransaction`` answered with ``answer``."""
    error = answer.get("error") if isinstance(answer, dict) else None
    if not error:
        return None
    return error.get("message", str(error)) if isinstance(error, dict) else str(error)


def _next_base_fee(block: Any) -> int:
    base = int(block.get("baseFeePerGas") or 0)
    return next_base_fee(base, int(block["gasUsed"]), int(block["gasLimit"]))


class SenderPool:
    """Senders for many accounts on one chain, sharing a journal, a fee policy and the node."""

    def __init__(
        self,
        w3: Web3,
        journal: TxJournal,
        policy: FeePolicy,
        *,
        confirmations: int = 2,
        faults: Faults = NO_FAULTS,
    ):
        self.w3 = w3
        self.journal = journal
        self.policy = policy
        self.confirmations = confirmations
        self.faults = faults
        self._senders: dict[str, TxSender] = {}
        self._lock = threading.Lock()

    def add(self, account: LocalAccount) -> TxSender:
        """The sender of ``account`` (one per account: two would hand out the same nonces)."""
        with self._lock:
            sender = self._senders.get(account.address)
            if sender is None:
                sender = TxSender(
                    self.w3,
                    account,
                    self.journal,
                    self.policy,
                    confirmations=self.confirmations,
                    faults=self.faults,
                )
                self._senders[account.address] = sender
            return sender

    def __getitem__(self, address: str) -> TxSender:
        return self._senders[Web3.to_checksum_address(address)]

    @property
    def senders(self) -> list[TxSender]:
        return list(self._senders.values())

    def start(self) -> None:
        for sender in self.senders:
            sender.start()

    def poll(self, head: int | None = None) -> list[PollReport]:
        head = self.w3.eth.block_number if head is None else head
        return [sender.poll(head) for sender in self.senders]
