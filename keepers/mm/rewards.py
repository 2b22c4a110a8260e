"""The market maker's reward campaigns: the `mm` child's ladder is liquidity like any other, so the
rewards keeper measures it and its leaves grant the child rewards; this claims them for the child
once a root is claimable and settled, and books what arrived in the market maker's journal.

A claim pays the account it names, whoever sends it, so the child's claims need no key of the
child's: ``direct`` sends them from the bot's sender (the bot pays the gas); ``gasless`` has the bot
sign a relay request that the relayer (`keepers run gasless`) submits and pays for, followed on later
steps until it is mined or failed.

Rewards count in PnL at the price they had when claimed: a reward in the market's base or quote
token is a flow of that token like any other; another reward token is marked with the price its
sources in ``mm.reward_prices`` gave at the claim (quote base units per reward base unit, kept in
the claim's journal entry). A reward token without sources, or without a price at the claim, is
booked and shown but not valued.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from eth_account.signers.local import LocalAccount
from web3 import Web3

from keepers.chain.contracts import token_balance
from keepers.chain.sender import Call, TxSender
from keepers.gasless.client import GaslessClient
from keepers.gasless.signer import prepare
from keepers.mm.journal import MmJournal
from keepers.prices.reference import NoReference, ReferencePrices
from keepers.rewards.campaigns import RewardsContract
from keepers.rewards.journal import RewardsJournal

CLAIM_GAS = 300_000  # a claim verifies a proof of a few dozen hashes: well under this


@dataclass(frozen=True)
class RewardClaim:
    campaign: int
    epoch: int
    amount: int  # what this claim paid the child, in the campaign's reward token
    tx_hash: str
    via: str = "direct"  # direct | gasless


@dataclass(frozen=True)
class _Pending:
    request_id: str
    epoch: int
    cumulative: int
    claimed_before: int


class RewardClaims:
    """Claims the child's rewards in every open campaign of the rewards child (module docstring)."""

    def __init__(
        self,
        w3: Web3,
        contract: RewardsContract,
        journal: RewardsJournal,
        bot: TxSender,
        books: MmJournal,
        market: str,
        child: str,
        *,
        relay: GaslessClient | None = None,
        signer: LocalAccount | None = None,
        prices: Mapping[str, ReferencePrices] | None = None,
    ):
        if (relay is None) != (signer is None):
            raise ValueError("gasless claims need both the relayer and the key that signs the requests")
        self.w3, self.contract, self.journal, self.bot, self.books = w3, contract, journal, bot, books
        self.market, self.child = market, Web3.to_checksum_address(child)
        self.relay, self.signer = relay, signer
        self.prices = {Web3.to_checksum_address(t): p for t, p in (prices or {}).items()}
        self._pending: dict[int, _Pending] = {}  # campaign -> its gasless claim on the way

    @property
    def via(self) -> str:
        return "direct" if self.relay is None else "gasless"

    def step(self, cycle_id: int | None = None) -> list[RewardClaim]:
        """Claim what every settled root grants the child beyond what it has claimed; with gasless
        claims, also book those the relayer has mined since the last step. RuntimeError names a
        claim that failed (it is tried again next step)."""
        claims = self._follow(cycle_id) if self.relay is not None else []
        for campaign_id in range(1, self.contract.campaign_count() + 1):
            if campaign_id in self._pending or self.contract.campaign(campaign_id).closed:
                continue
            epoch = self.contract.settled_epoch(campaign_id)
            claim = self.journal.claim(campaign_id, self.child, epoch) if epoch else None
            if claim is None:
                continue
            claimed = self.contract.claimed(campaign_id, self.child)
            if claim.cumulative_amount <= claimed:
                continue
            data = self.contract.claim_calldata(campaign_id, self.child, claim.cumulative_amount, claim.proof)
            if self.relay is not None:
                signed = prepare(self.w3, self.signer, self.contract.address, data, gas=CLAIM_GAS)
                request_id = self.relay.submit(signed)  # GaslessUnavailable: tried again next step
                self._pending[campaign_id] = _Pending(request_id, epoch, claim.cumulative_amount, claimed)
                continue
            purpose = f"mm:claim:{self.contract.address}:{campaign_id}:{self.child}:{claim.cumulative_amount}"
            tx = self.bot.wait(self.bot.send(purpose, Call(self.contract.address, data)), timeout=60)
            if not tx.succeeded:
                raise RuntimeError(f"claiming campaign {campaign_id}'s epoch {epoch} for the child: {tx.status}")
            amount = claim.cumulative_amount - claimed
            claims.append(self._book(campaign_id, epoch, claim.cumulative_amount, amount, tx.tx_hash, cycle_id))
        return claims

    def _follow(self, cycle_id: int | None) -> list[RewardClaim]:
        claims = []
        for campaign_id, pending in list(self._pending.items()):
            status = self.relay.status(pending.request_id)
            if status is None or not status.ended:
                continue
            del self._pending[campaign_id]
            if status.status == "failed":
                raise RuntimeError(
                    f"the relayer failed campaign {campaign_id}'s gasless claim {pending.request_id}: {status.reason}"
                )
            amount = pending.cumulative - pending.claimed_before
            booked = self._book(campaign_id, pending.epoch, pending.cumulative, amount, status.tx_hash, cycle_id)
            claims.append(booked)
        return claims

    def _book(
        self, campaign_id: int, epoch: int, cumulative: int, amount: int, tx_hash: str, cycle_id: int | None
    ) -> RewardClaim:
        receipt = self.w3.eth.get_transaction_receipt(tx_hash)
        token = self.contract.campaign(campaign_id).reward_token
        # The child's books of the reward token open where the chain had it just before its first claim.
        before = receipt["blockNumber"] - 1
        opening = token_balance(self.w3, token, self.child, before)
        self.books.open_balances(self.child, {token: opening}, before)
        detail = {"campaign": campaign_id, "epoch": epoch, "cumulative": str(cumulative), "via": self.via}
        detail.update(self._mark(token))
        self.books.record(self.market, "claim", self.child, receipt, cycle_id=cycle_id, gas_paid=False, detail=detail)
        return RewardClaim(campaign_id, epoch, amount, tx_hash, self.via)

    def _mark(self, token: str) -> dict[str, str]:
        """The reward token's price now, for the journal (`mark`), or why there is none (`unpriced`)."""
        prices = self.prices.get(Web3.to_checksum_address(token))
        if prices is None:
            return {}
        reference = prices.read()
        if isinstance(reference, NoReference):
            return {"unpriced": reference.reason}
        return {"mark": f"{reference.price.numerator}/{reference.price.denominator}"}
