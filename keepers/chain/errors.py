"""Why the transaction path refused to send: one typed error per refusal, each saying what to do."""

from __future__ import annotations


class NodeUnavailable(ConnectionError):
    """The configured RPC endpoint does not answer."""


class SendError(Exception):
    """A transaction was not sent; nothing was journaled for it and no nonce is held."""


class WouldRevert(SendError):
    """The call reverts when estimated; ``reason`` is the decoded revert (custom error with its values)."""

    def __init__(self, purpose: str, reason: str | None):
        super().__init__(f"{purpose}: would revert: {reason or 'no reason given'}")
        self.purpose = purpose
        self.reason = reason


class InsufficientFunds(SendError):
    """The account cannot pay gas at the bid plus the value."""

    def __init__(self, account: str, needed: int, balance: int):
        super().__init__(f"{account} holds {balance} wei, the transaction may cost up to {needed} wei")
        self.account = account
        self.needed = needed
        self.balance = balance


class FeeCapReached(SendError):
    """The fee the network asks is above the configured cap (``chain.fees``)."""


class NonceConflict(SendError):
    """The node holds another transaction at the nonce we reserved and will not replace it."""


class PurposeFailed(SendError):
    """A purpose whose transaction failed for good (reverted, expired, refused) was asked again
    without allowing a retry."""
