"""The ``mm`` child diamond's MarketMakingFacet with plain web3 (no Ape at run time): typed views,
the calldata of the bot's and the correcting wallets' calls (sent through the keeper's TxSender),
and the events a receipt carries.

Amounts are ints in the tokens' base units; ``token0``/``token1`` are the pool's. Every position
change names its minimums and deadline: the facet reverts (``AmountsBelowMinimum``,
``DeadlineExpired``) rather than move at a price the keeper did not accept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from web3 import Web3

from keepers.chain.contracts import Contract, abi

# The facet, and what the keeper reads of the child's risk limits and pause beside it.
MM_CHILD = abi("MarketMakingFacet", "RiskFacet", "GuardianFacet")


def _address(value: str) -> str:
    return Web3.to_checksum_address(value)


@dataclass(frozen=True)
class MarketPool:
    """A pool the owner registered for positions."""

    address: str
    token0: str
    token1: str
    fee: int  # hundredths of a basis point (3000 = 0.3%)
    enabled: bool


@dataclass(frozen=True)
class Position:
    """A position of the child: where it sits and what it holds (from the position manager), and
    what the child booked for it (deposits at cost; principal removed and not yet collected)."""

    token_id: int
    pool: str
    tick_lower: int
    tick_upper: int
    liquidity: int
    tokens_owed0: int  # as of the position's last update in the manager
    tokens_owed1: int
    deposited0: int
    deposited1: int
    principal_owed0: int
    principal_owed1: int


@dataclass(frozen=True)
class Inventory:
    """What of a token the child has in positions (at cost) and the most it may."""

    token: str
    deployed: int
    limit: int

    @property
    def room(self) -> int:
        """What a mint or increase may still deposit."""
        return max(self.limit - self.deployed, 0)


@dataclass(frozen=True)
class WalletFunding:
    """What of a token is outstanding at a correcting wallet and the most that may be."""

    wallet: str
    token: str
    outstanding: int
    cap: int

    @property
    def room(self) -> int:
        """What ``fundWallet`` may still send."""
        return max(self.cap - self.outstanding, 0)


@dataclass(frozen=True)
class Minted:
    """A ``PositionMinted`` event."""

    token_id: int
    pool: str
    bot: str
    tick_lower: int
    tick_upper: int
    liquidity: int
    amount0: int
    amount1: int


@dataclass(frozen=True)
class LiquidityChange:
    """A ``PositionIncreased`` (paid in) or ``PositionDecreased`` (owed out) event."""

    token_id: int
    pool: str
    by: str
    increased: bool
    liquidity: int
    amount0: int
    amount1: int


@dataclass(frozen=True)
class Collection:
    """A ``PositionCollected`` event: ``amount0/1`` into the child, of which ``fees0/1`` are fees."""

    token_id: int
    pool: str
    by: str
    amount0: int
    amount1: int
    fees0: int
    fees1: int


@dataclass(frozen=True)
class FundingChange:
    """A ``WalletFunded`` (sent out) or ``FundsReturned`` (came back) event; ``outstanding`` after it."""

    wallet: str
    token: str
    funded: bool
    amount: int
    outstanding: int


class MarketMakingContract:
    """The mm child diamond as the keeper sees it."""

    def __init__(self, w3: Web3, child: str):
        self.w3 = w3
        self.contract = Contract(w3, child, MM_CHILD)
        self.address = self.contract.address

    # -- views ------------------------------------------------------------------------------------

    def position_manager(self, block: int | str = "latest") -> str:
        return self.contract.call("positionManager", block=block)

    def market_pool(self, pool: str, block: int | str = "latest") -> MarketPool:
        token0, token1, fee, enabled = self.contract.call("marketPool", _address(pool), block=block)
        return MarketPool(_address(pool), token0, token1, fee, enabled)

    def market_pools(self, block: int | str = "latest") -> list[str]:
        return list(self.contract.call("marketPools", block=block))

    def position_ids(self, pool: str, block: int | str = "latest") -> list[int]:
        return list(self.contract.call("positionIds", _address(pool), block=block))

    def position_count(self, block: int | str = "latest") -> int:
        return self.contract.call("positionCount", block=block)

    def position(self, token_id: int, block: int | str = "latest") -> Position:
        return Position(token_id, *self.contract.call("position", token_id, block=block))

    def positions(self, pool: str, block: int | str = "latest") -> list[Position]:
        """Every position of the child on ``pool``, read at one block."""
        if block == "latest":
            block = self.w3.eth.block_number
        return [self.position(token_id, block) for token_id in self.position_ids(pool, block)]

    def inventory(self, token: str, block: int | str = "latest") -> Inventory:
        return Inventory(_address(token), *self.contract.call("inventory", _address(token), block=block))

    def is_funding_wallet(self, wallet: str, block: int | str = "latest") -> bool:
        return self.contract.call("isFundingWallet", _address(wallet), block=block)

    def wallet_funding(self, wallet: str, token: str, block: int | str = "latest") -> WalletFunding:
        outstanding, cap = self.contract.call("walletFunding", _address(wallet), _address(token), block=block)
        return WalletFunding(_address(wallet), _address(token), outstanding, cap)

    def paused(self, block: int | str = "latest") -> bool:
        """True while the child's own pause or its mirror of the master's is set."""
        return self.contract.call("paused", block=block)

    def is_bot(self, account: str, block: int | str = "latest") -> bool:
        return self.contract.call("isBot", _address(account), block=block)

    def is_pool_allowed(self, pool: str, block: int | str = "latest") -> bool:
        """The risk allow-list (RiskFacet), which new liquidity needs besides ``MarketPool.enabled``."""
        return self.contract.call("isPoolAllowed", _address(pool), block=block)

    # -- calldata: keeper bots ----------------------------------------------------------------------

    @staticmethod
    def mint_calldata(
        *,
        pool: str,
        tick_lower: int,
        tick_upper: int,
        amount0_desired: int,
        amount1_desired: int,
        amount0_min: int,
        amount1_min: int,
        deadline: int,
    ) -> bytes:
        params = (
            _address(pool),
            tick_lower,
            tick_upper,
            amount0_desired,
            amount1_desired,
            amount0_min,
            amount1_min,
            deadline,
        )
        return MM_CHILD.function("mintPosition").encode(params)

    @staticmethod
    def increase_calldata(
        *, token_id: int, amount0_desired: int, amount1_desired: int, amount0_min: int, amount1_min: int, deadline: int
    ) -> bytes:
        params = (token_id, amount0_desired, amount1_desired, amount0_min, amount1_min, deadline)
        return MM_CHILD.function("increasePosition").encode(params)

    @staticmethod
    def decrease_calldata(*, token_id: int, liquidity: int, amount0_min: int, amount1_min: int, deadline: int) -> bytes:
        return MM_CHILD.function("decreasePosition").encode((token_id, liquidity, amount0_min, amount1_min, deadline))

    @staticmethod
    def collect_calldata(token_id: int) -> bytes:
        return MM_CHILD.function("collectPosition").encode(token_id)

    @staticmethod
    def burn_calldata(token_id: int) -> bytes:
        return MM_CHILD.function("burnPosition").encode(token_id)

    @staticmethod
    def fund_wallet_calldata(wallet: str, token: str, amount: int) -> bytes:
        return MM_CHILD.function("fundWallet").encode(_address(wallet), _address(token), amount)

    # -- calldata: correcting wallets (sent by the wallet, after approving the child) ---------------

    @staticmethod
    def return_funds_calldata(token: str, amount: int) -> bytes:
        return MM_CHILD.function("returnFunds").encode(_address(token), amount)

    # -- events -------------------------------------------------------------------------------------

    def minted(self, receipt: Mapping[str, Any]) -> list[Minted]:
        return [
            Minted(
                e["tokenId"],
                e["pool"],
                e["bot"],
                e["tickLower"],
                e["tickUpper"],
                e["liquidity"],
                e["amount0"],
                e["amount1"],
            )
            for e in self.contract.logs(receipt, "PositionMinted")
        ]

    def liquidity_changes(self, receipt: Mapping[str, Any]) -> list[LiquidityChange]:
        """Increases and decreases, increases first."""
        changes = []
        for event, increased, by in (("PositionIncreased", True, "bot"), ("PositionDecreased", False, "by")):
            changes += [
                LiquidityChange(e["tokenId"], e["pool"], e[by], increased, e["liquidity"], e["amount0"], e["amount1"])
                for e in self.contract.logs(receipt, event)
            ]
        return changes

    def collections(self, receipt: Mapping[str, Any]) -> list[Collection]:
        return [
            Collection(e["tokenId"], e["pool"], e["by"], e["amount0"], e["amount1"], e["fees0"], e["fees1"])
            for e in self.contract.logs(receipt, "PositionCollected")
        ]

    def burned(self, receipt: Mapping[str, Any]) -> list[int]:
        """The token ids of the positions burned."""
        return [e["tokenId"] for e in self.contract.logs(receipt, "PositionBurned")]

    def funding_changes(self, receipt: Mapping[str, Any]) -> list[FundingChange]:
        """Fundings and returns, fundings first."""
        changes = []
        for event, funded in (("WalletFunded", True), ("FundsReturned", False)):
            changes += [
                FundingChange(e["wallet"], e["token"], funded, e["amount"], e["outstanding"])
                for e in self.contract.logs(receipt, event)
            ]
        return changes
