"""Turning accepted requests into mined transactions from one relayer account.

One worker thread (`Submitter.tick`, on every new block and whenever a request arrives):

1. settles submitted requests from their receipts (mined, or failed with the reason);
2. re-sends a transaction stuck for `resubmit_after_blocks` blocks at the same relayer nonce with
   both fees raised by 12.5% (nodes require at least 10%), up to the fee caps;
3. fails queued requests that expired or whose signer nonce was used meanwhile;
4. dispatches each signer's queued requests in nonce order: simulate `execute` with `eth_call`
   (a revert fails the request with its reason and nothing is sent), take the next relayer nonce,
   sign, journal the raw transaction, send.

The relayer nonce is a local counter under a lock, seeded from the node's pending transaction
count, so concurrent requests never share a nonce; a node that refuses a transaction re-seeds it.
Everything sent is journaled first, so a restart rebroadcasts what the node does not know and
tracks the rest as before.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from dataclasses import dataclass, field

from eth_abi import decode
from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from web3 import Web3
from web3.exceptions import ContractLogicError, TransactionNotFound, Web3RPCError

from keepers.gasless.contract import ChainCache, RelayContract, describe_error, execute_calldata
from keepers.gasless.journal import Attempt, Relayed, RelayJournal
from keepers.gasless.request import SignedRequest

log = logging.getLogger(__name__)

BUMP_NUMERATOR, BUMP_DENOMINATOR = 9, 8  # +12.5% per resubmission; nodes want at least +10%
ERROR_STRING = bytes.fromhex("08c379a0")  # Error(string)
PANIC = bytes.fromhex("4e487b71")  # Panic(uint256)


@dataclass(frozen=True)
class Fees:
    max_fee: int
    tip: int


@dataclass(frozen=True)
class GasPolicy:
    """EIP-1559 bids: max fee = `multiplier` x base fee + tip, each capped."""

    multiplier: int = 2
    tip: int = 10**9
    max_fee_cap: int = 500 * 10**9
    tip_cap: int = 50 * 10**9

    def fees(self, base_fee: int) -> Fees | None:
        """The bid for a block with `base_fee`; None when even the cap cannot pay the base fee."""
        tip = min(self.tip, self.tip_cap)
        max_fee = min(self.multiplier * base_fee + tip, self.max_fee_cap)
        if max_fee < base_fee:
            return None
        return Fees(max_fee, min(tip, max_fee))

    def bump(self, previous: Fees, base_fee: int) -> Fees | None:
        """A replacement bid: both fees at least +12.5% over `previous` and at least today's bid;
        None when that would pass a cap."""
        tip = max(_raise(previous.tip), min(self.tip, self.tip_cap))
        max_fee = max(_raise(previous.max_fee), self.multiplier * base_fee + tip)
        if tip > self.tip_cap or max_fee > self.max_fee_cap:
            return None
        return Fees(max_fee, tip)


def _raise(value: int) -> int:
    return max(-(-value * BUMP_NUMERATOR // BUMP_DENOMINATOR), value + 1)


class NonceCounter:
    """The relayer's next transaction nonce, handed out under a lock."""

    def __init__(self, w3: Web3, address: str):
        self.w3 = w3
        self.address = address
        self._lock = threading.Lock()
        self._next: int | None = None

    def seed(self, at_least: int = 0) -> int:
        """Re-read from the node's pending count (never below `at_least`)."""
        with self._lock:
            self._next = max(self.w3.eth.get_transaction_count(self.address, "pending"), at_least)
            return self._next

    def take(self) -> int:
        with self._lock:
            if self._next is None:
                self._next = self.w3.eth.get_transaction_count(self.address, "pending")
            nonce, self._next = self._next, self._next + 1
            return nonce


class SimulationFailed(Exception):
    """`execute` reverts for this request; the message is the decoded reason."""


def revert_reason(err: Exception) -> str:
    """A readable reason from a web3 revert: Error(string), Panic(code) or a custom error's data."""
    data = getattr(err, "data", None)
    if isinstance(data, str) and data.startswith("0x"):
        raw = bytes.fromhex(data[2:]) if len(data) % 2 == 0 else b""
        if raw[:4] == ERROR_STRING:
            try:
                return decode(["string"], raw[4:])[0]
            except Exception:  # undecodable payload: fall through to the raw data
                pass
        if raw[:4] == PANIC and len(raw) == 36:
            return f"panic 0x{int.from_bytes(raw[4:], 'big'):02x}"
        if raw:
            return describe_error(raw) or f"custom error 0x{raw[:4].hex()} (data {data})"
    message = str(err.args[0]) if err.args else str(err)
    return message[:500]


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
        relayer: LocalAccount,
        journal: RelayJournal,
        policy: GasPolicy,
        *,
        chain_id: int,
        resubmit_after_blocks: int = 3,
        simulate_block: str = "pending",
    ):
        self.w3 = w3
        self.contract = contract
        self.cache = cache
        self.relayer = relayer
        self.journal = journal
        self.policy = policy
        self.chain_id = chain_id
        self.resubmit_after_blocks = resubmit_after_blocks
        self.simulate_block = simulate_block
        self.nonces = NonceCounter(w3, relayer.address)
        self._tick_lock = threading.Lock()
        self._refused: dict[str, str] = {}  # request id -> the node's last refusal (logged once)

    # -- start ------------------------------------------------------------------------------------

    def start(self) -> None:
        """Rebroadcast journaled transactions the node does not know, then seed the nonce counter."""
        highest = -1
        submitted = sorted(
            (r for r in self.journal.active() if r.status == "submitted"), key=lambda r: r.relayer_nonce or 0
        )
        for relayed in submitted:
            highest = max(highest, relayed.relayer_nonce or 0)
            latest = relayed.attempts[-1]
            if self._known(latest.tx_hash):
                continue
            try:
                self.w3.eth.send_raw_transaction(HexBytes(latest.raw_tx))
                log.info("gasless.rebroadcast id=%s tx=%s", relayed.id, latest.tx_hash)
            except (Web3RPCError, ValueError) as err:  # already mined or replaced: settle() finds out
                log.info("gasless.rebroadcast_refused id=%s: %s", relayed.id, err)
        self.nonces.seed(highest + 1)

    def _known(self, tx_hash: str) -> bool:
        try:
            self.w3.eth.get_transaction(tx_hash)
            return True
        except TransactionNotFound:
            return False

    # -- one pass ---------------------------------------------------------------------------------

    def tick(self) -> TickReport:
        with self._tick_lock:
            head = self.cache.refresh()
            report = TickReport(head)
            block = self.w3.eth.get_block("latest")
            base_fee = self._next_base_fee(block)
            active = self.journal.active()
            relayer_mined = self.w3.eth.get_transaction_count(self.relayer.address, "latest")
            flying: dict[str, set[int]] = defaultdict(set)
            for relayed in active:
                if relayed.status == "submitted" and not self._track(relayed, head, base_fee, relayer_mined, report):
                    flying[relayed.signer].add(relayed.nonce)
            self._dispatch([r for r in active if r.status == "queued"], flying, block, base_fee, report)
            return report

    def _next_base_fee(self, latest) -> int:
        """The base fee the next block will charge: the pending block's where the node tells, else the
        most the latest block's can grow to (+12.5%)."""
        try:
            pending = self.w3.eth.get_block("pending")
            if pending.get("baseFeePerGas") is not None:
                return int(pending["baseFeePerGas"])
        except (Web3RPCError, ValueError):  # nodes without a pending block
            pass
        return -(-int(latest.get("baseFeePerGas", 0)) * 9 // 8)

    def _track(self, relayed: Relayed, head: int, base_fee: int, relayer_mined: int, report: TickReport) -> bool:
        """Settle `relayed` from its receipts (True), or leave it in flight, re-sent if stuck (False)."""
        for attempt in reversed(relayed.attempts):
            receipt = self._receipt(attempt.tx_hash)
            if receipt is None:
                continue
            facts = {
                "tx_hash": attempt.tx_hash,
                "block": receipt["blockNumber"],
                "gas_used": receipt["gasUsed"],
                "effective_gas_price": int(receipt.get("effectiveGasPrice", 0)),
            }
            if receipt["status"] == 1:
                self.journal.settle(relayed.id, "mined", **facts)
                report.mined.append(relayed.id)
            else:
                reason = f"execute reverted on chain in block {receipt['blockNumber']}"
                self.journal.settle(relayed.id, "failed", reason, **facts)
                report.failed.append((relayed.id, reason))
            self.cache.forget_nonce(relayed.signer)
            return True
        if relayed.relayer_nonce is not None and relayed.relayer_nonce < relayer_mined:
            # None of our attempts was mined but the nonce was: a transaction we did not journal took it.
            reason = f"relayer nonce {relayed.relayer_nonce} was used by another transaction"
            self.journal.settle(relayed.id, "failed", reason)
            report.failed.append((relayed.id, reason))
            return True
        latest = relayed.attempts[-1]
        if head - latest.block < self.resubmit_after_blocks:
            return False
        fees = self.policy.bump(Fees(latest.max_fee, latest.tip), base_fee)
        if fees is None:
            self.journal.note(relayed.id, "stuck: a higher bid would pass the fee cap")
            return False
        attempt = self._sign(relayed.signed, relayed.relayer_nonce, fees, latest.gas, head)
        self.journal.submitted(relayed.id, self.relayer.address, relayed.relayer_nonce, attempt)
        try:
            self.w3.eth.send_raw_transaction(HexBytes(attempt.raw_tx))
        except (Web3RPCError, ValueError) as err:  # e.g. mined meanwhile; the next tick settles it
            log.info("gasless.resubmit_refused id=%s: %s", relayed.id, err)
            return False
        report.resubmitted.append(relayed.id)
        return False

    def _receipt(self, tx_hash: str):
        try:
            return self.w3.eth.get_transaction_receipt(tx_hash)
        except TransactionNotFound:
            return None

    def _dispatch(
        self, queued: list[Relayed], flying: dict[str, set[int]], block, base_fee: int, report: TickReport
    ) -> None:
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
                if not self._send(relayed, block, base_fee, report):
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
            raise SimulationFailed(revert_reason(err)) from None

    def _send(self, relayed: Relayed, block, base_fee: int, report: TickReport) -> bool:
        """Simulate, sign, journal and send one request; False if the signer's line must wait."""
        try:
            estimate = self.simulate(relayed.signed)
        except SimulationFailed as err:
            self._fail(relayed, f"simulation_reverted: {err}", report)
            return False
        fees = self.policy.fees(base_fee)
        if fees is None:
            self.journal.note(relayed.id, f"waiting: base fee {base_fee} is above the fee cap")
            return False
        gas = estimate * 6 // 5 + 10_000
        relayer_nonce = self.nonces.take()
        attempt = self._sign(relayed.signed, relayer_nonce, fees, gas, block["number"])
        self.journal.submitted(relayed.id, self.relayer.address, relayer_nonce, attempt)
        try:
            self.w3.eth.send_raw_transaction(HexBytes(attempt.raw_tx))
        except (Web3RPCError, ValueError) as err:
            reason = f"node refused the transaction: {err}"
            self.journal.requeue(relayed.id, reason)
            self.nonces.seed()
            (log.info if self._refused.get(relayed.id) == reason else log.warning)(
                "gasless.send_refused id=%s: %s", relayed.id, err
            )
            self._refused[relayed.id] = reason
            return False
        self._refused.pop(relayed.id, None)
        report.submitted.append(relayed.id)
        return True

    def _sign(self, signed: SignedRequest, nonce: int, fees: Fees, gas: int, block: int) -> Attempt:
        tx = {
            "type": 2,
            "chainId": self.chain_id,
            "to": self.contract.address,
            "value": 0,
            "data": execute_calldata(signed),
            "nonce": nonce,
            "gas": gas,
            "maxFeePerGas": fees.max_fee,
            "maxPriorityFeePerGas": fees.tip,
        }
        raw = self.relayer.sign_transaction(tx)
        return Attempt(raw.hash.to_0x_hex(), raw.raw_transaction.to_0x_hex(), fees.max_fee, fees.tip, gas, block)
