"""Laying and re-laying the ladder through the `mm` child: its positions are the child's, minted,
unwound and burned by the keeper's bot key through MarketMakingFacet, with minimum amounts from the
exact predictions less a slippage allowance; each transaction's flows are booked for the child.

The ladder is laid when the child has no position on the market, and laid again (every position
unwound, then new ones drawn) once the reference has moved more than `recentre_ticks` from the
centre of the positions it has.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction

from web3 import Web3

from keepers.chain.contracts import token_balance
from keepers.chain.sender import Call, TxSender
from keepers.markets.price_target import sqrt_price_of
from keepers.markets.uniswap_v3.liquidity_amounts import position_amounts
from keepers.markets.uniswap_v3.tick_math import get_tick_at_sqrt_ratio
from keepers.mm.contract import MarketMakingContract
from keepers.mm.journal import MmJournal
from keepers.mm.keeper import Market
from keepers.mm.ladder import Ladder, LadderParams, draw_ladder, ladder_centre, off_centre

BPS = 10_000
DEADLINE_SECONDS = 300


@dataclass(frozen=True)
class TendReport:
    """What tending did: nothing (`kept`), or the positions unwound and the ladder laid."""

    action: str  # kept | laid | relaid
    unwound: tuple[int, ...] = ()
    minted: tuple[int, ...] = ()
    centre: int | None = None


class LadderTender:
    """The ladder of one V3 market, held by the `mm` child (module docstring)."""

    def __init__(
        self,
        w3: Web3,
        market: Market,
        child: MarketMakingContract,
        bot: TxSender,
        journal: MmJournal,
        params: LadderParams,
        rng: random.Random,
        slippage_bps: int = 100,
    ):
        if market.kind != "uniswap_v3":
            raise ValueError("the ladder is made of V3 positions: the market must be a V3 pool")
        self.w3, self.market, self.child, self.bot, self.journal = w3, market, child, bot, journal
        self.params, self.rng, self.slippage_bps = params, rng, slippage_bps

    def reference_tick(self, reference: Fraction) -> int:
        """The tick of the reference price (token1 per token0)."""
        return get_tick_at_sqrt_ratio(sqrt_price_of(self.market.target(reference)))

    def tend(self, reference: Fraction, cycle_id: int | None = None) -> TendReport:
        """Lay the ladder if there is none, lay it again if the reference left its band."""
        positions = self.child.positions(self.market.pool)
        centre = ladder_centre([(p.tick_lower, p.tick_upper) for p in positions])
        tick = self.reference_tick(reference)
        whole = not self.journal.lay_unfinished(self.child.address, self.market.pool)
        if centre is not None and whole and not off_centre(Ladder(centre, ()), tick, self.params):
            return TendReport("kept", centre=centre)
        # Off centre, or a lay stopped part way (a mint refused while the master was paused, a crash):
        # what is there is unwound and the ladder laid whole.
        unwound = tuple(self._unwind(p, cycle_id) for p in positions if p.liquidity or p.token_id)
        minted = self._lay(tick, cycle_id)
        return TendReport("relaid" if positions else "laid", unwound, minted, tick)

    def holdings_value(self, price: Fraction, token_ids: set[int] | None = None) -> Fraction:
        """What the child's positions (those in `token_ids`, when given) hold at the pool's price,
        principal plus what the manager owes them as of their last update, marked at `price` (quote
        per base, base units): the part of the child's result its flows do not show."""
        state = self.market.state(self.w3)
        value = Fraction(0)
        for position in self.child.positions(self.market.pool):
            if token_ids is not None and position.token_id not in token_ids:
                continue
            amounts = position_amounts(
                state.sqrt_price_x96, state.tick, position.tick_lower, position.tick_upper, position.liquidity, False
            )
            held = {
                self.market.token0: amounts[0] + position.tokens_owed0,
                self.market.token1: amounts[1] + position.tokens_owed1,
            }
            value += held[self.market.base] * price + held[self.market.quote]
        return value

    def _unwind(self, position, cycle_id: int | None) -> int:
        """Take all liquidity out (minimums from the exact amounts) and burn the position."""
        state = self.market.state(self.w3)
        deadline = self.w3.eth.get_block("latest")["timestamp"] + DEADLINE_SECONDS
        if position.liquidity:
            out = position_amounts(
                state.sqrt_price_x96, state.tick, position.tick_lower, position.tick_upper, position.liquidity, False
            )
            data = self.child.decrease_calldata(
                token_id=position.token_id,
                liquidity=position.liquidity,
                amount0_min=self._less(out[0]),
                amount1_min=self._less(out[1]),
                deadline=deadline,
            )
            self._send(f"mm:ladder:decrease:{position.token_id}", data, "decrease", cycle_id, position.token_id)
        self._send(f"mm:ladder:burn:{position.token_id}", self.child.burn_calldata(position.token_id), "burn",
                   cycle_id, position.token_id)  # fmt: skip
        return position.token_id

    def _lay(self, tick: int, cycle_id: int | None) -> tuple[int, ...]:
        state = self.market.state(self.w3)
        budget = [self._budget(token) for token in (self.market.token0, self.market.token1)]
        ladder = draw_ladder(
            self.rng, self.params, tick, self.market.spacing, state.sqrt_price_x96, state.tick, *budget
        )
        deadline = self.w3.eth.get_block("latest")["timestamp"] + DEADLINE_SECONDS
        minted = []
        for n, rung in enumerate(ladder.rungs):
            data = self.child.mint_calldata(
                pool=self.market.pool,
                tick_lower=rung.lower,
                tick_upper=rung.upper,
                amount0_desired=rung.amount0,
                amount1_desired=rung.amount1,
                amount0_min=self._less(rung.amount0),
                amount1_min=self._less(rung.amount1),
                deadline=deadline,
            )
            lay = {"lay": f"{tick}:{cycle_id}", "rungs": len(ladder.rungs)}
            receipt = self._send(f"mm:ladder:mint:{tick}:{cycle_id}:{n}", data, "mint", cycle_id, None, lay)
            minted += [m.token_id for m in self.child.minted(receipt)]
        return tuple(minted)

    def _budget(self, token: str) -> int:
        """What the ladder may put in: the child's balance, within the facet's inventory room."""
        balance = token_balance(self.w3, token, self.child.address)
        return min(balance, self.child.inventory(token).room)

    def _less(self, amount: int) -> int:
        return amount * (BPS - self.slippage_bps) // BPS

    def _send(
        self,
        purpose: str,
        data: bytes,
        kind: str,
        cycle_id: int | None,
        token_id: int | None,
        extra: dict | None = None,
    ):
        tx = self.bot.wait(self.bot.send(purpose, Call(self.child.address, data)), timeout=60)
        if not tx.succeeded:
            raise RuntimeError(f"ladder {kind} {purpose}: {tx.status} ({tx.error})")
        receipt = self.w3.eth.get_transaction_receipt(tx.tx_hash)
        detail: dict = ({} if token_id is None else {"token_id": token_id}) | (extra or {})
        if kind == "mint":
            detail["token_ids"] = [m.token_id for m in self.child.minted(receipt)]
        paid = self.child.collections(receipt)
        if paid:  # a collection (a burn collects what is owed): the fees, split from principal on chain
            fees = {self.market.token0: sum(c.fees0 for c in paid), self.market.token1: sum(c.fees1 for c in paid)}
            detail["fees"] = {token: str(amount) for token, amount in fees.items() if amount}
        self.journal.record(
            self.market.pool,
            kind,
            self.child.address,
            receipt,
            cycle_id=cycle_id,
            gas_paid=False,  # the bot pays the gas, not the child
            tokens=(self.market.token0, self.market.token1),
            detail=detail,
        )
        return receipt
