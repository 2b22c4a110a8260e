"""The local exchange's ledger: each account's balance per asset, free and locked, exactly.

An order locks what it may spend when it is placed (a limit buy its quote at the limit price, a
limit sell its base), a fill moves locked funds to the other side and credits what was received,
net of the commission, and a cancel or an expiry unlocks what was not spent. No money appears or
vanishes: the only way in is :meth:`Ledger.deposit`. Not thread-safe on its own: the matching
engine (:mod:`keepers.devexchange.book`) holds its lock around every change.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


class InsufficientBalance(Exception):
    """An account cannot spend or lock that much of an asset."""

    def __init__(self, account: str, asset: str, needed: Decimal, free: Decimal):
        super().__init__(f"{account} needs {needed} {asset}, has {free} free")
        self.account, self.asset, self.needed, self.free = account, asset, needed, free


@dataclass(frozen=True)
class Balance:
    """One asset of one account: ``free`` to trade or withdraw, ``locked`` by open orders."""

    free: Decimal = Decimal(0)
    locked: Decimal = Decimal(0)

    @property
    def total(self) -> Decimal:
        return self.free + self.locked


class Ledger:
    """Balances by account name, then by asset."""

    def __init__(self) -> None:
        self._balances: dict[str, dict[str, Balance]] = {}

    def open(self, account: str) -> None:
        """Make ``account`` known (with nothing in it yet)."""
        self._balances.setdefault(account, {})

    def knows(self, account: str) -> bool:
        return account in self._balances

    def balances(self, account: str) -> dict[str, Balance]:
        """Every asset the account ever held, by asset."""
        return dict(self._balances.get(account, {}))

    def balance(self, account: str, asset: str) -> Balance:
        return self._balances.get(account, {}).get(asset, Balance())

    def deposit(self, account: str, asset: str, amount: Decimal) -> Balance:
        """Credit ``amount`` (may be negative: a withdrawal, refused past the free balance)."""
        return self._change(account, asset, free=amount)

    def lock(self, account: str, asset: str, amount: Decimal) -> None:
        """Move ``amount`` from free to locked, or refuse with :class:`InsufficientBalance`."""
        self._change(account, asset, free=-amount, locked=amount)

    def unlock(self, account: str, asset: str, amount: Decimal) -> None:
        """Move ``amount`` from locked back to free."""
        self._change(account, asset, free=amount, locked=-amount)

    def spend_locked(self, account: str, asset: str, amount: Decimal) -> None:
        """Take ``amount`` out of what is locked (a fill of a resting or locking order)."""
        self._change(account, asset, locked=-amount)

    def spend_free(self, account: str, asset: str, amount: Decimal) -> None:
        """Take ``amount`` out of what is free (a market order's fill), or refuse."""
        self._change(account, asset, free=-amount)

    def _change(self, account: str, asset: str, *, free: Decimal = Decimal(0), locked: Decimal = Decimal(0)) -> Balance:
        held = self._balances.setdefault(account, {})
        before = held.get(asset, Balance())
        after = Balance(before.free + free, before.locked + locked)
        if after.free < 0:
            raise InsufficientBalance(account, asset, -free, before.free)
        if after.locked < 0:  # a bug in the engine, never a client's doing
            raise AssertionError(f"{account} would lock {after.locked} {asset}")
        held[asset] = after
        return after
