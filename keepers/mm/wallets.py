"""Correcting wallets: keeper-held accounts sending a correction's pieces all at once, each through its own sender.

A cycle, in the order the code takes it:

1. ``plan``: each wallet's room for the cycle: none while it cools down, else its per-cycle limits
   (pieces, input of the token sold) and its balance of that token; the pieces are dealt by
   :func:`keepers.markets.pieces.assign`. Each piece becomes a router call, Uniswap V2 Router02
   ``swapExactTokensForTokens`` or V3 ``SwapRouter.exactInputSingle`` (no price limit), whose minimum
   output is the pool model's exact output for that piece with every other piece of the cycle swapped
   first (the worst order for it), less the slippage tolerance.
2. ``send``: one thread per wallet estimates each call's gas on the pending state (a piece that would
   revert is refused alone) plus, on V3, gas for the ticks the whole correction crosses that this piece
   may cross once other pieces landed first; then hands them to its :class:`~keepers.chain.sender.TxSender`
   in one ``send_many`` (nonces reserved by the sender, journaled before broadcast, one JSON-RPC batch)
   under purposes ``mm:swap:<pool>:<cycle>:<piece>``, so a cycle run again after a restart sends no
   piece twice.
3. Each wallet's thread waits through its sender until every piece is mined or failed (or the timeout).
4. One :class:`WalletReport` per wallet: each piece sent, mined, reverted, refused or failed, and why. A
   wallet whose transaction met a nonce conflict (moved to another nonce after ``nonce too low`` or
   ``replacement underpriced``, dropped because another transaction took its nonce, or a
   :class:`~keepers.chain.errors.NonceConflict`) cools down for ``limits.cooldown`` seconds.

Nonces are the sender's alone: nothing here counts them.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Literal, TypeVar

from web3 import Web3

from keepers.chain.contracts import Contract, abi, token_balance
from keepers.chain.errors import NonceConflict, SendError
from keepers.chain.journal import SentTx
from keepers.chain.sender import Call, TxSender, gas_limit
from keepers.markets.pieces import Room, assign
from keepers.markets.price_target import Correction
from keepers.markets.uniswap_v2 import BPS, V2Pool
from keepers.markets.uniswap_v3.pool import V3Pool

ERC20 = abi("ERC20")
V2_ROUTER = abi("UniswapV2Router02")
V3_ROUTER = abi("SwapRouter")
MAX_UINT256 = (1 << 256) - 1
NONCE_CONFLICT = "nonce conflict"
# Gas for each initialized tick a V3 swap may cross beyond those it crosses when estimated: a crossing
# measured ~65,000 on the world's pool (it updates the tick's outside values from the oracle's cumulatives).
TICK_CROSSING_GAS = 80_000

T = TypeVar("T")
R = TypeVar("R")

Status = Literal["sent", "mined", "reverted", "refused", "failed"]


@dataclass(frozen=True)
class Venue:
    """Where corrections trade: the pool's state as the model reads it, and the router swapping through it."""

    pool: V2Pool | V3Pool
    router: str


@dataclass(frozen=True)
class WalletLimits:
    """What each wallet may do per cycle. A token missing from ``max_input`` is never sold (fail closed)."""

    max_pieces: int = 4
    max_input: Mapping[str, int] = field(default_factory=dict)  # token address -> base units per cycle
    cooldown: float = 30.0  # seconds without pieces after a nonce conflict


@dataclass(frozen=True)
class PlannedSwap:
    """One piece as a router call from one wallet."""

    wallet: str
    piece: int  # its index among the cycle's pieces
    purpose: str
    token_in: str
    token_out: str
    amount_in: int
    min_amount_out: int
    call: Call
    extra_gas: int = 0  # V3: ticks the correction crosses that this piece may cross when the others land first


@dataclass(frozen=True)
class Plan:
    """A cycle's swaps; ``idle`` says why wallets took nothing, ``left_over`` the pieces nobody had room for."""

    cycle: str
    venue: Venue
    swaps: tuple[PlannedSwap, ...]
    idle: Mapping[str, str]
    left_over: tuple[int, ...]

    @property
    def amount_in(self) -> int:
        return sum(swap.amount_in for swap in self.swaps)


@dataclass(frozen=True)
class SwapOutcome:
    """What became of one planned swap: ``tx`` is its journaled transaction (None when refused before)."""

    swap: PlannedSwap
    status: Status
    tx: SentTx | None = None
    reason: str | None = None


@dataclass(frozen=True)
class WalletReport:
    """One wallet's cycle: its swaps' outcomes, why it was idle (if it was), until when it cools down."""

    wallet: str
    outcomes: tuple[SwapOutcome, ...] = ()
    idle: str | None = None
    cooling_until: float | None = None

    def count(self, status: Status) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)


class Wallets:
    """The correcting wallets of one chain, each with its own sender (see the module docstring)."""

    def __init__(
        self,
        w3: Web3,
        senders: Sequence[TxSender],
        limits: WalletLimits,
        *,
        clock: Callable[[], float] = time.monotonic,
    ):
        if len({sender.address for sender in senders}) != len(senders):
            raise ValueError("one sender per wallet: two would hand out the same nonces")
        self.w3 = w3
        self.senders = list(senders)
        self.limits = limits
        self.clock = clock
        self._cooling: dict[str, tuple[float, str]] = {}  # wallet -> (until, why)
        self._lock = threading.Lock()

    @property
    def addresses(self) -> list[str]:
        return [sender.address for sender in self.senders]

    def cooling(self, wallet: str) -> tuple[float, str] | None:
        """(until, why) while ``wallet`` cools down, else None."""
        with self._lock:
            entry = self._cooling.get(wallet)
            if entry is not None and entry[0] <= self.clock():
                del self._cooling[wallet]
                entry = None
            return entry

    def cool(self, wallet: str, why: str) -> float:
        """Take ``wallet`` off the next cycles for ``limits.cooldown`` seconds; returns until when."""
        until = self.clock() + self.limits.cooldown
        with self._lock:
            self._cooling[wallet] = (until, why)
        return until

    # -- set-up -----------------------------------------------------------------------------------

    def approve(self, tokens: Iterable[str], routers: Iterable[str], *, timeout: float = 60.0) -> list[SentTx]:
        """Let each router spend each token of each wallet (unlimited), where it may not already; waits
        until mined. Purposes ``mm:approve:<wallet>:<token>:<router>`` make this safe to run again."""
        pairs = [(token, router) for token in tokens for router in routers]

        def one(sender: TxSender) -> list[SentTx]:
            sent = []
            for token, router in pairs:
                if Contract(self.w3, token, ERC20).call("allowance", sender.address, router) >= MAX_UINT256 // 2:
                    continue
                call = Call(token, ERC20.function("approve").encode(router, MAX_UINT256))
                sent.append(sender.send(f"mm:approve:{sender.address}:{token}:{router}", call))
            return [sender.wait(tx, timeout=timeout, interval=0.05) for tx in sent]

        return [tx for txs in self.each(one, self.senders) for tx in txs]

    # -- a cycle ----------------------------------------------------------------------------------

    def plan(
        self,
        venue: Venue,
        correction: Correction,
        pieces: Sequence[int],
        *,
        cycle: str,
        rng: random.Random,
        assignment: Literal["round_robin", "random"] = "round_robin",
        slippage_bps: int = 50,
        deadline_seconds: int = 120,
    ) -> Plan:
        """Deal ``pieces`` (of ``correction.token_in``) to the wallets with room and make each a router call."""
        if correction.pool != venue.pool.address:
            raise ValueError(f"the correction is for pool {correction.pool}, the venue is {venue.pool.address}")
        if not 0 <= slippage_bps < BPS:
            raise ValueError(f"slippage_bps must be in [0, {BPS}), got {slippage_bps}")
        token = correction.token_in
        idle: dict[str, str] = {}
        rooms = [self._room(sender.address, token, idle) for sender in self.senders]
        dealt, left_over = assign(pieces, rooms, rng, assignment)
        deadline = self.w3.eth.get_block("latest")["timestamp"] + deadline_seconds
        total = sum(pieces)
        crossings = _crossings(venue.pool, token, total)
        swaps = []
        for sender, indices in zip(self.senders, dealt, strict=True):
            for index in indices:
                amount = pieces[index]
                worst = worst_case_out(venue.pool, token, amount, total - amount)
                minimum = worst * (BPS - slippage_bps) // BPS
                call = swap_call(venue, sender.address, correction, amount, minimum, deadline)
                purpose = f"mm:swap:{venue.pool.address}:{cycle}:{index}"
                extra = max(0, crossings - _crossings(venue.pool, token, amount)) * TICK_CROSSING_GAS
                swaps.append(
                    PlannedSwap(
                        sender.address, index, purpose, token, correction.token_out, amount, minimum, call, extra
                    )
                )
        for sender, indices in zip(self.senders, dealt, strict=True):
            if not indices and sender.address not in idle:
                idle[sender.address] = "no piece fitted its room this cycle"
        return Plan(cycle, venue, tuple(swaps), idle, tuple(left_over))

    def _room(self, wallet: str, token: str, idle: dict[str, str]) -> Room:
        cooling = self.cooling(wallet)
        if cooling is not None:
            idle[wallet] = f"cooling down for {cooling[0] - self.clock():.1f} s after {cooling[1]}"
            return Room(0, 0)
        limit = self.limits.max_input.get(token, 0)
        if limit <= 0 or self.limits.max_pieces <= 0:
            idle[wallet] = f"no per-cycle limit allows selling {token}"
            return Room(0, 0)
        balance = token_balance(self.w3, token, wallet)
        return Room(self.limits.max_pieces, min(limit, balance))

    def send(
        self, plan: Plan, *, wait: bool = True, timeout: float = 60.0, interval: float = 0.05
    ) -> list[WalletReport]:
        """Send every wallet's swaps at once, each wallet through its own sender; one report per wallet."""
        by_wallet: dict[str, list[PlannedSwap]] = {}
        for swap in plan.swaps:
            by_wallet.setdefault(swap.wallet, []).append(swap)

        def one(sender: TxSender) -> WalletReport:
            swaps = by_wallet.get(sender.address, [])
            if not swaps:
                cooling = self.cooling(sender.address)
                why = plan.idle.get(sender.address, "no pieces")
                return WalletReport(sender.address, idle=why, cooling_until=cooling[0] if cooling else None)
            outcomes = self._send_wallet(sender, swaps, wait, timeout, interval)
            trouble = next((why for outcome in outcomes if (why := _nonce_trouble(outcome))), None)
            until = self.cool(sender.address, trouble) if trouble else None
            return WalletReport(sender.address, tuple(outcomes), cooling_until=until)

        return self.each(one, self.senders)

    def _send_wallet(
        self, sender: TxSender, swaps: list[PlannedSwap], wait: bool, timeout: float, interval: float
    ) -> list[SwapOutcome]:
        known = sender.journal.latest_of([swap.purpose for swap in swaps])
        items: list[tuple[PlannedSwap, Call]] = []
        refused: list[SwapOutcome] = []
        for swap in swaps:
            previous = known.get(swap.purpose)
            if previous is not None and not previous.failed:
                items.append((swap, swap.call))  # live or landed: the sender hands it back as it is
                continue
            # Estimated here, not by send_many: other pieces landing first can make this one cross ticks.
            try:
                gas = gas_limit(sender.estimate(swap.purpose, swap.call)) + swap.extra_gas
            except SendError as err:
                refused.append(SwapOutcome(swap, "refused", None, str(err)))
                continue
            items.append((swap, replace(swap.call, gas=gas)))
        sent: list[tuple[PlannedSwap, SentTx]] = []
        if items:
            try:
                txs = sender.send_many([(swap.purpose, call) for swap, call in items])
                sent = list(zip([swap for swap, _ in items], txs, strict=True))
            except SendError as err:  # nothing was journaled (the fee cap, say): every piece refused
                why = f"{NONCE_CONFLICT}: {err}" if isinstance(err, NonceConflict) else str(err)
                refused += [SwapOutcome(swap, "refused", None, why) for swap, _ in items]
        deadline = time.monotonic() + timeout
        outcomes = []
        for swap, tx in sent:
            note = tx.error  # what broadcasting met (a moved nonce): a receipt clears it in the journal
            if wait and not tx.failed:
                try:
                    tx = sender.wait(tx, timeout=max(0.0, deadline - time.monotonic()), interval=interval)
                except TimeoutError:
                    tx = sender.journal.by_id(tx.id)
            outcomes.append(_outcome(swap, tx, note))
        return sorted([*outcomes, *refused], key=lambda outcome: outcome.swap.piece)

    def each(self, work: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """`work` on every item at once, one thread each (the wallets' senders work in parallel)."""
        if not items:
            return []
        with ThreadPoolExecutor(max_workers=len(items), thread_name_prefix="mm-wallet") as pool:
            return list(pool.map(work, items))


def worst_case_out(pool: V2Pool | V3Pool, token_in: str, amount: int, others: int) -> int:
    """What ``amount`` of ``token_in`` pays with ``others`` of the same token swapped before it in one
    swap. On V2 no order of same-direction pieces pays it less (split pieces leave the pair a little
    deeper); on V3 orders differ only by each piece's rounding, a few base units."""
    state = pool.with_swap(token_in, others) if others else pool
    return state.amount_out(token_in, amount)


def _crossings(pool: V2Pool | V3Pool, token_in: str, amount: int) -> int:
    """How many initialized ticks swapping ``amount`` crosses (none on V2)."""
    return len(pool.swap(pool.zero_for_one(token_in), amount).crossed_ticks) if isinstance(pool, V3Pool) else 0


def swap_call(venue: Venue, wallet: str, correction: Correction, amount: int, minimum: int, deadline: int) -> Call:
    """The router call selling ``amount`` of the correction's input for at least ``minimum`` out, to ``wallet``."""
    token_in, token_out = correction.token_in, correction.token_out
    if isinstance(venue.pool, V2Pool):
        data = V2_ROUTER.function("swapExactTokensForTokens").encode(
            amount, minimum, [token_in, token_out], wallet, deadline
        )
    else:
        params = (token_in, token_out, venue.pool.fee, wallet, deadline, amount, minimum, 0)
        data = V3_ROUTER.function("exactInputSingle").encode(params)
    return Call(venue.router, data)


def _outcome(swap: PlannedSwap, tx: SentTx, note: str | None) -> SwapOutcome:
    reason = tx.error or note
    if tx.failed:
        return SwapOutcome(swap, "reverted" if tx.status == "reverted" else "failed", tx, reason or tx.status)
    if tx.receipt_status is not None:
        return SwapOutcome(swap, "mined" if tx.receipt_status == 1 else "reverted", tx, reason)
    return SwapOutcome(swap, "sent", tx, reason)


def _nonce_trouble(outcome: SwapOutcome) -> str | None:
    """Why a wallet should cool down after ``outcome``: a nonce conflict the sender met, else None."""
    tx, reason = outcome.tx, outcome.reason or ""
    if tx is None:
        return reason if reason.startswith(NONCE_CONFLICT) else None
    if tx.status == "dropped" or reason.startswith("moved from nonce"):
        return f"{NONCE_CONFLICT} at nonce {tx.nonce}: {reason}"
    if tx.status == "refused":
        return f"the node refused {tx.tx_hash}: {reason}"
    return None
