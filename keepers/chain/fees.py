"""The one EIP-1559 fee policy: what a transaction bids, and how a stuck one is re-priced.

A bid is ``max fee = multiplier x base fee + tip`` with the tip at the configured priority
fee; both are capped (``max_fee_cap``, ``priority_fee_cap``). A replacement at the same nonce
raises both fees by ``bump_bps`` (nodes refuse less than +10%) and never bids below what a
fresh transaction would. Past a cap the policy refuses with :class:`FeeCapReached` instead of
overpaying: the operator raised the cap or the transaction waits.
"""

from __future__ import annotations

from dataclasses import dataclass

from keepers.chain.errors import FeeCapReached
from keepers.config import FeeSettings

BPS = 10_000


@dataclass(frozen=True)
class Fees:
    """An EIP-1559 bid per gas, in wei."""

    max_fee: int
    tip: int


@dataclass(frozen=True)
class FeePolicy:
    base_fee_multiplier: int = 2
    priority_fee: int = 10**9
    max_fee_cap: int = 500 * 10**9
    priority_fee_cap: int = 50 * 10**9
    bump_bps: int = 1_250
    stuck_after_blocks: int = 3

    def __post_init__(self) -> None:
        if self.bump_bps < 1_000:
            raise ValueError(f"bump_bps {self.bump_bps}: nodes refuse replacements below +10% (1000 bps)")

    @classmethod
    def from_settings(cls, settings: FeeSettings) -> FeePolicy:
        return cls(
            base_fee_multiplier=settings.base_fee_multiplier,
            priority_fee=settings.priority_fee_wei,
            max_fee_cap=settings.max_fee_cap_wei,
            priority_fee_cap=settings.priority_fee_cap_wei,
            bump_bps=settings.bump_bps,
            stuck_after_blocks=settings.stuck_after_blocks,
        )

    def fees(self, base_fee: int, tip: int | None = None) -> Fees:
        """The bid for a block charging ``base_fee`` (``tip`` overrides the priority fee, still capped)."""
        tip = min(self.priority_fee if tip is None else tip, self.priority_fee_cap)
        if base_fee > self.max_fee_cap:
            raise FeeCapReached(f"the base fee {base_fee} wei is above the max fee cap {self.max_fee_cap}")
        max_fee = min(self.base_fee_multiplier * base_fee + tip, self.max_fee_cap)
        return Fees(max_fee, min(tip, max_fee))

    def bump(self, previous: Fees, base_fee: int) -> Fees:
        """A replacement bid: each fee up by ``bump_bps`` at least, and at least a fresh bid."""
        tip = max(self.raised(previous.tip), min(self.priority_fee, self.priority_fee_cap))
        max_fee = max(self.raised(previous.max_fee), self.base_fee_multiplier * base_fee + tip)
        if tip > self.priority_fee_cap or max_fee > self.max_fee_cap:
            raise FeeCapReached(
                f"a replacement needs max fee {max_fee} / tip {tip} wei, above the caps "
                f"{self.max_fee_cap} / {self.priority_fee_cap}"
            )
        return Fees(max_fee, tip)

    def raised(self, value: int) -> int:
        """``value`` raised by ``bump_bps``, rounded up, and by at least one wei."""
        return max(-(-value * (BPS + self.bump_bps) // BPS), value + 1)


def next_base_fee(parent_base_fee: int, parent_gas_used: int, parent_gas_limit: int) -> int:
    """EIP-1559: the base fee of the block after a parent with these figures."""
    target = parent_gas_limit // 2
    if target == 0 or parent_gas_used == target:
        return parent_base_fee
    if parent_gas_used > target:
        delta = max(parent_base_fee * (parent_gas_used - target) // target // 8, 1)
        return parent_base_fee + delta
    delta = parent_base_fee * (target - parent_gas_used) // target // 8
    return parent_base_fee - delta
