"""The market maker's cycle: read the reference, and when the market is off it by more than the
threshold, move the pool to it with randomized pieces sent in parallel from the correcting wallets.

One cycle: read the pool at the head, read the reference (no price: refuse, say why), compare;
when off, compute the exact correction (`keepers.markets.price_target`), check the limits (each
token's entry in ``mm.tokens``, the wallets' room, the inventory limit of the token bought, the
daily loss limit), split it into pieces (`keepers.markets.pieces`), send them (`Wallets`), book
every mined piece's flows in the journal, read the pool again. A limit that stops the market maker
raises `MarketMakerStopped` with the limit and the figures; a cycle that cannot act for now (no
reference, sources apart, a wallet cooling down) is journaled as refused with its reason.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction

from web3 import Web3

from keepers.chain.contracts import Contract, abi, token_balance
from keepers.chain.pools import V2_PAIR, V3_POOL, read_v2_reserves, read_v3_state
from keepers.config import MmSettings
from keepers.markets.pieces import PieceSizes, split
from keepers.markets.price_target import Correction, Unreachable, correct
from keepers.markets.spot import v2_spot, v3_spot
from keepers.markets.uniswap_v2 import V2Pool
from keepers.markets.uniswap_v3.pool import V3Pool
from keepers.mm.journal import MmJournal
from keepers.mm.wallets import Venue, WalletReport, Wallets
from keepers.prices.reference import NoReference, ReferencePrices

ERC20 = abi("ERC20")
BPS = 10_000


class MarketMakerStopped(Exception):
    """A limit the market maker must not pass: it stops acting until the operator looks."""


@dataclass(frozen=True)
class Market:
    """The pool kept on the reference: its tokens, which one is priced, the router the wallets use."""

    pool: str
    kind: str  # uniswap_v2 | uniswap_v3
    router: str
    token0: str
    token1: str
    base: str
    fee: int  # V2: basis points; V3: pips
    spacing: int = 0  # V3 only
    decimals: tuple[int, int] = (18, 18)  # token0's, token1's

    def readable(self, price: Fraction) -> Fraction:
        """A price in quote per base as people quote it (whole tokens), for display only."""
        base, quote = self.decimals if self.base == self.token0 else self.decimals[::-1]
        return price * Fraction(10**base, 10**quote)

    @property
    def quote(self) -> str:
        return self.token1 if self.base == self.token0 else self.token0

    @classmethod
    def read(cls, w3: Web3, pool: str, kind: str, router: str, base: str, v2_fee_bps: int = 30) -> Market:
        """The market's fixed facts from chain; `base` must be one of the pool's tokens."""
        pool = Web3.to_checksum_address(pool)
        contract = Contract(w3, pool, V3_POOL if kind == "uniswap_v3" else V2_PAIR)
        token0, token1 = contract.call("token0"), contract.call("token1")
        base = Web3.to_checksum_address(base)
        if base not in (token0, token1):
            raise ValueError(f"the base token {base} is neither of the pool's tokens ({token0}, {token1})")
        decimals = (Contract(w3, token0, ERC20).call("decimals"), Contract(w3, token1, ERC20).call("decimals"))
        router = Web3.to_checksum_address(router)
        if kind == "uniswap_v3":
            fee, spacing = contract.call("fee"), contract.call("tickSpacing")
            return cls(pool, kind, router, token0, token1, base, fee, spacing, decimals)
        return cls(pool, kind, router, token0, token1, base, v2_fee_bps, decimals=decimals)

    def state(self, w3: Web3, block: int | str = "latest") -> V2Pool | V3Pool:
        """The pool's state for the exact models."""
        if self.kind == "uniswap_v3":
            s = read_v3_state(w3, self.pool, self.spacing, block)
            return V3Pool(
                self.pool,
                self.token0,
                self.token1,
                self.fee,
                self.spacing,
                s.sqrt_price_x96,
                s.tick,
                s.liquidity,
                s.net,
            )
        reserve0, reserve1 = read_v2_reserves(w3, self.pool, block)
        return V2Pool(self.pool, self.token0, self.token1, reserve0, reserve1, self.fee)

    def price(self, state: V2Pool | V3Pool) -> Fraction:
        """Quote per base, base units (the reference's convention)."""
        base_is_token0 = self.base == self.token0
        if isinstance(state, V3Pool):
            return v3_spot(state.sqrt_price_x96, base_is_token0)
        reserves = (state.reserve0, state.reserve1) if base_is_token0 else (state.reserve1, state.reserve0)
        return v2_spot(*reserves)

    def target(self, reference: Fraction) -> Fraction:
        """The reference as token1 per token0, the convention of `price_target`."""
        return reference if self.base == self.token0 else 1 / reference


def off_by_bps(price: Fraction, reference: Fraction) -> Fraction:
    """How far `price` is from `reference`, in basis points of the reference (unsigned)."""
    return abs(price - reference) / reference * BPS


@dataclass
class CycleReport:
    cycle_id: int
    block: int
    status: str  # in_band | corrected | short | refused
    before: Fraction
    reference: Fraction | None = None
    after: Fraction | None = None
    reason: str | None = None
    correction: Correction | None = None
    wallets: list[WalletReport] = field(default_factory=list)
    ladder: object | None = None  # the tender's report when a ladder is kept
    moved: list = field(default_factory=list)  # the child's fundings of the wallets and their returns

    @property
    def transactions(self) -> int:
        return sum(1 for w in self.wallets for o in w.outcomes if o.tx is not None)


class MarketMaker:
    """One market kept on its reference (see the module docstring)."""

    def __init__(
        self,
        w3: Web3,
        market: Market,
        reference: ReferencePrices,
        wallets: Wallets,
        journal: MmJournal,
        settings: MmSettings,
        *,
        holders: list[str] | None = None,
        rng: random.Random | None = None,
        tender=None,
        funding=None,
    ):
        self.w3, self.market, self.reference, self.wallets = w3, market, reference, wallets
        self.journal, self.settings = journal, settings
        self.rng = rng or random.Random(settings.seed)
        # Whose balances make the market maker's inventory: its wallets, and the child when it has one.
        self.holders = list(holders or []) + [a for a in wallets.addresses if a not in (holders or [])]
        self.tokens = {Web3.to_checksum_address(t): limits for t, limits in settings.tokens.items()}
        self.tender = tender  # a `keepers.mm.tender.LadderTender` when the child holds a ladder
        self.funding = funding  # a `keepers.mm.funding.WalletFunding` when the child funds the wallets

    def open_books(self) -> None:
        """Remember every holder's balances of both tokens the first time it is seen (reconciliation
        starts there)."""
        head = self.w3.eth.block_number
        for holder in self.holders:
            balances = {t: self._balance(t, holder, head) for t in (self.market.token0, self.market.token1)}
            self.journal.open_balances(holder, balances, head)

    def cycle(self) -> CycleReport:
        """One cycle (module docstring); raises `MarketMakerStopped` at a limit."""
        market = self.market
        block = self.w3.eth.block_number
        state = market.state(self.w3, block)
        before = market.price(state)
        report = CycleReport(self.journal.open_cycle(market.pool, block, before), block, "refused", before)
        try:
            self._act(state, report)
            if self.tender is not None and report.status in ("in_band", "corrected"):
                report.ladder = self.tender.tend(report.reference, report.cycle_id)
        except MarketMakerStopped as stop:
            report.status, report.reason = "refused", f"stopped: {stop}"
            raise
        finally:
            self.journal.close_cycle(
                report.cycle_id,
                report.status,
                reference=report.reference,
                after=report.after,
                reason=report.reason,
                transactions=report.transactions,
            )
        return report

    def _act(self, state: V2Pool | V3Pool, report: CycleReport) -> None:
        reference = self.reference.read()
        if isinstance(reference, NoReference):
            report.reason = f"no reference price: {reference.reason}"
            return
        report.reference = reference.price
        self._check_daily_loss(reference.price)
        off = off_by_bps(report.before, reference.price)
        if off <= self.settings.threshold_bps:
            report.status, report.after = "in_band", report.before
            return
        result = correct(state, self.market.target(reference.price))
        if isinstance(result, Unreachable):
            report.reason = f"cannot reach the reference: {result.reason} ({result.detail})"
            return
        report.correction = result
        limits = self.tokens.get(result.token_in)
        if limits is None:
            raise MarketMakerStopped(
                f"the correction sells {result.token_in}, which has no entry in mm.tokens (never sold without limits)"
            )
        self._check_inventory(result)
        # As many pieces as the wallets may send at most: the floor rises until the pieces fit.
        capacity = len(self.wallets.addresses) * self.wallets.limits.max_pieces
        floor = max(limits.piece_floor, -(-result.amount_in // capacity))
        if floor > limits.piece_cap:
            raise MarketMakerStopped(
                f"per-wallet limits: the correction sells {result.amount_in} of {result.token_in}, more than "
                f"{capacity} pieces (max_pieces {self.wallets.limits.max_pieces} a wallet) of at most piece_cap "
                f"{limits.piece_cap}"
            )
        pieces = split(result.amount_in, PieceSizes(floor, limits.piece_cap, self.settings.distribution), self.rng)
        if self.funding is not None:
            report.moved += self.funding.top_up(result.token_in, result.amount_in, limits.piece_cap, report.cycle_id)
        plan = self.wallets.plan(
            Venue(state, self.market.router),
            result,
            pieces,
            cycle=str(report.cycle_id),
            rng=self.rng,
            slippage_bps=self.settings.slippage_bps,
        )
        cooling = any(why.startswith("cooling") for why in plan.idle.values())
        if plan.left_over and not cooling:  # a wallet resting after a nonce conflict is back next cycle
            unplaced = sum(pieces[i] for i in plan.left_over)
            raise MarketMakerStopped(
                f"per-wallet limits: {unplaced} of the {result.amount_in} of {result.token_in} the correction sells "
                f"fit no wallet (max_pieces {self.wallets.limits.max_pieces} a wallet, wallet_cycle_max "
                f"{limits.wallet_cycle_max}, and their balances"
                + (", topped up from the child within their funding caps)" if self.funding is not None else ")")
            )
        report.wallets = self.wallets.send(plan)
        bought = self._book(report, result.token_out)
        if self.funding is not None:  # what the pieces bought is the child's
            report.moved += self.funding.hand_back(result.token_out, bought, report.cycle_id)
        report.after = self.market.price(self.market.state(self.w3))
        left = off_by_bps(report.after, reference.price)
        if left <= self.settings.threshold_bps:
            report.status = "corrected"
            return
        report.status = "short"
        report.reason = "; ".join(self._shortfall(report, plan.left_over, left)) or f"{float(left):.1f} bp off after"

    def _book(self, report: CycleReport, bought_token: str) -> dict[str, int]:
        """Journal every mined piece; what each wallet's pieces bought of `bought_token`."""
        tokens = (self.market.token0, self.market.token1)
        bought: dict[str, int] = {}
        for wallet in report.wallets:
            for outcome in wallet.outcomes:
                if outcome.tx is None or outcome.status not in ("mined", "reverted"):
                    continue
                receipt = self.w3.eth.get_transaction_receipt(outcome.tx.tx_hash)
                flows = self.journal.record(
                    self.market.pool,
                    "correction",
                    wallet.wallet,
                    receipt,
                    cycle_id=report.cycle_id,
                    tokens=tokens,
                    detail={"piece": outcome.swap.piece, "amount_in": str(outcome.swap.amount_in)},
                )
                received = next((d for t, d in flows.items() if t.lower() == bought_token.lower()), 0)
                bought[wallet.wallet] = bought.get(wallet.wallet, 0) + max(received, 0)
        return bought

    @staticmethod
    def _shortfall(report: CycleReport, left_over: tuple[int, ...], left: Fraction) -> list[str]:
        reasons = [f"{float(left):.1f} bp off after the cycle"]
        if left_over:
            reasons.append(f"{len(left_over)} pieces found no wallet with room")
        for wallet in report.wallets:
            if wallet.idle and wallet.idle != "no pieces":
                reasons.append(f"{wallet.wallet}: {wallet.idle}")
            reasons += [f"{wallet.wallet}: {o.status} ({o.reason})" for o in wallet.outcomes if o.status != "mined"]
        return reasons

    def _check_inventory(self, correction: Correction) -> None:
        bought = correction.token_out
        limits = self.tokens.get(bought)
        if limits is None or limits.inventory_limit == 0:
            return
        held = sum(self._balance(bought, holder) for holder in self.holders)
        if held + correction.amount_out > limits.inventory_limit:
            raise MarketMakerStopped(
                f"inventory limit: the correction would take holdings of {bought} to "
                f"{held + correction.amount_out}, past its limit {limits.inventory_limit}"
            )

    def _check_daily_loss(self, price: Fraction) -> None:
        limit = self.settings.daily_loss_limit
        if limit is None:
            return
        since = datetime.now(UTC) - timedelta(days=1)
        pnl = self.journal.pnl(self.holders, self.market.base, self.market.quote, price, since=since)
        if self.tender is not None:  # what the day's mints put into positions is still the child's
            pnl += self.tender.holdings_value(price, self.journal.minted_since(self.tender.child.address, since))
        if pnl < -limit:
            raise MarketMakerStopped(
                f"daily loss limit: the last 24 h lost {-pnl.__floor__()} quote base units marked at the reference, "
                f"past the limit {limit}"
            )

    def _balance(self, token: str, holder: str, block: int | str = "latest") -> int:
        return token_balance(self.w3, token, holder, block)
