"""The market maker's reward campaigns: the `mm` child's ladder is liquidity like any other, so the
rewards keeper measures it and its leaves grant the child rewards; this claims them for the child
(directly, through the bot's sender: a claim pays the account it names, whoever sends it) once a
root is claimable and settled, and books what arrived in the market maker's journal."""

from __future__ import annotations

from dataclasses import dataclass

from web3 import Web3

from keepers.chain.sender import Call, TxSender
from keepers.mm.journal import MmJournal
from keepers.rewards.campaigns import RewardsContract
from keepers.rewards.journal import RewardsJournal


@dataclass(frozen=True)
class RewardClaim:
    campaign: int
    epoch: int
    amount: int  # what this claim paid the child, in the campaign's reward token
    tx_hash: str


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
    ):
        self.w3, self.contract, self.journal, self.bot, self.books = w3, contract, journal, bot, books
        self.market, self.child = market, Web3.to_checksum_address(child)

    def step(self, cycle_id: int | None = None) -> list[RewardClaim]:
        """Claim what every settled root grants the child beyond what it has claimed."""
        claims = []
        for campaign_id in range(1, self.contract.campaign_count() + 1):
            if self.contract.campaign(campaign_id).closed:
                continue
            epoch = self.contract.settled_epoch(campaign_id)
            claim = self.journal.claim(campaign_id, self.child, epoch) if epoch else None
            if claim is None:
                continue
            claimed = self.contract.claimed(campaign_id, self.child)
            if claim.cumulative_amount <= claimed:
                continue
            data = self.contract.claim_calldata(campaign_id, self.child, claim.cumulative_amount, claim.proof)
            purpose = f"mm:claim:{self.contract.address}:{campaign_id}:{self.child}:{claim.cumulative_amount}"
            tx = self.bot.wait(self.bot.send(purpose, Call(self.contract.address, data)), timeout=60)
            if not tx.succeeded:
                raise RuntimeError(f"claiming campaign {campaign_id}'s epoch {epoch} for the child: {tx.status}")
            receipt = self.w3.eth.get_transaction_receipt(tx.tx_hash)
            detail = {"campaign": campaign_id, "epoch": epoch, "cumulative": str(claim.cumulative_amount)}
            self.books.record(
                self.market, "claim", self.child, receipt, cycle_id=cycle_id, gas_paid=False, detail=detail
            )
            claims.append(RewardClaim(campaign_id, epoch, claim.cumulative_amount - claimed, tx.tx_hash))
        return claims
