"""Funding the correcting wallets from the `mm` child, within the caps its owner set.

The child's capital stays in the diamond. Before a cycle's pieces are dealt, each wallet that may
sell is topped up from the child (`fundWallet`, sent by the keeper's bot) to its share of the
correction: the correction's input over the wallets, plus one piece cap of slack because pieces
are indivisible, never more than the wallet may sell in a cycle (`wallet_cycle_max`) nor past its
funding cap (`walletFunding`: what is outstanding against the cap). After the pieces are mined,
each wallet hands back what its pieces bought (`returnFunds`), so the proceeds are the child's
again. Both moves are journaled for the child and the wallet as internal (`fund`, `return`): PnL
leaves them out, reconciliation counts them.

The cap bounds what the child has handed a wallet of one token net of what came back in that
token. A trend that keeps selling one token raises that figure cycle after cycle; when a wallet's
cap is reached it gets no more, and once the wallets cannot carry a correction the keeper stops
with the per-wallet limits message (the operator raises the caps, or the wallets return the token).
"""

from __future__ import annotations

from dataclasses import dataclass

from web3 import Web3

from keepers.chain.contracts import token_balance
from keepers.chain.journal import SentTx
from keepers.chain.sender import Call, TxSender
from keepers.mm.contract import MarketMakingContract
from keepers.mm.journal import MmJournal
from keepers.mm.keeper import Market
from keepers.mm.wallets import Wallets

INTERNAL_TIMEOUT = 60.0


@dataclass(frozen=True)
class Moved:
    """One funding (`fund`: child to wallet) or return (`return`: wallet to child)."""

    kind: str  # fund | return
    wallet: str
    token: str
    amount: int
    tx_hash: str


class WalletFunding:
    """The child's side of the wallets' capital (module docstring)."""

    def __init__(
        self,
        w3: Web3,
        market: Market,
        child: MarketMakingContract,
        bot: TxSender,
        wallets: Wallets,
        journal: MmJournal,
        *,
        timeout: float = INTERNAL_TIMEOUT,
    ):
        self.w3, self.market, self.child, self.bot = w3, market, child, bot
        self.wallets, self.journal, self.timeout = wallets, journal, timeout

    def top_up(self, token: str, amount_in: int, piece_cap: int, cycle_id: int) -> list[Moved]:
        """Fund each wallet not cooling down towards its share of a correction selling `amount_in`
        of `token`; every funding mined (or RuntimeError) before return."""
        active = [w for w in self.wallets.addresses if self.wallets.cooling(w) is None]
        if not active or amount_in <= 0:
            return []
        per_cycle = self.wallets.limits.max_input.get(token, 0)
        share = min(per_cycle, -(-amount_in // len(active)) + piece_cap)
        sent: list[tuple[str, int, SentTx]] = []
        for wallet in active:
            want = share - token_balance(self.w3, token, wallet)
            if want <= 0 or not self.child.is_funding_wallet(wallet):
                continue  # an unregistered wallet sells its own balance
            amount = min(want, self.child.wallet_funding(wallet, token).room)
            if amount <= 0:
                continue
            data = MarketMakingContract.fund_wallet_calldata(wallet, token, amount)
            purpose = f"mm:fund:{self.market.pool}:{cycle_id}:{wallet}:{token}"
            sent.append((wallet, amount, self.bot.send(purpose, Call(self.child.address, data))))
        # Sent together (one sender: consecutive nonces, mined in one block when the node allows).
        return [self._settle("fund", wallet, token, amount, self.bot, tx, cycle_id) for wallet, amount, tx in sent]

    def hand_back(self, token: str, amounts: dict[str, int], cycle_id: int) -> list[Moved]:
        """Each wallet returns `amounts[wallet]` of `token` to the child, all wallets at once."""
        by_address = {sender.address: sender for sender in self.wallets.senders}
        todo = [
            (by_address[w], amount)
            for w, amount in amounts.items()
            if amount > 0 and self.child.is_funding_wallet(w)  # the child refuses others' returns
        ]

        def one(item: tuple[TxSender, int]) -> Moved:
            sender, amount = item
            purpose = f"mm:return:{self.market.pool}:{cycle_id}:{sender.address}:{token}"
            call = Call(self.child.address, MarketMakingContract.return_funds_calldata(token, amount))
            tx = sender.send(purpose, call)
            return self._settle("return", sender.address, token, amount, sender, tx, cycle_id)

        return self.wallets.each(one, todo)

    def _settle(self, kind: str, wallet: str, token: str, amount: int, sender: TxSender, tx: SentTx, cycle_id: int):
        tx = sender.wait(tx, timeout=self.timeout, interval=0.05)
        if not tx.succeeded:
            raise RuntimeError(f"{kind} of {amount} of {token} for wallet {wallet}: {tx.status} ({tx.error})")
        receipt = self.w3.eth.get_transaction_receipt(tx.tx_hash)
        detail = {"wallet": wallet, "token": token, "amount": str(amount)}
        tokens = (self.market.token0, self.market.token1)
        # The child's books and the wallet's: the same transfer, seen from each side. The sender pays the
        # gas: the bot for a funding (not a holder), the wallet for a return.
        self.journal.record(
            self.market.pool, kind, self.child.address, receipt, cycle_id=cycle_id, gas_paid=False, tokens=tokens,
            detail=detail,
        )  # fmt: skip
        self.journal.record(
            self.market.pool, kind, wallet, receipt, cycle_id=cycle_id, gas_paid=kind == "return", tokens=tokens,
            detail=detail,
        )  # fmt: skip
        return Moved(kind, wallet, token, amount, tx.tx_hash)
