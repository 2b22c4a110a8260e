"""What a venue call ends in when it does not succeed: a few error types, each a one-line message.

ccxt raises dozens of exception classes, and their messages carry URLs, signatures and raw bodies.
A caller of :class:`~keepers.venues.cex.CexVenue` needs to know only which of these happened, to
decide whether to retry, wait, fix the order or stop. Messages name the venue and the call and,
where the exchange said why (``Filter failure: LOT_SIZE``), its reason; never a key or a secret.
"""

from __future__ import annotations


class VenueError(Exception):
    """A venue call failed; ``str()`` is one line fit for a log."""


class RateLimited(VenueError):
    """The exchange refused the request for its rate (HTTP 429/418); ``retry_after`` seconds when it said."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class InsufficientBalance(VenueError):
    """The account lacks the funds the order needs; nothing was placed."""


class OrderNotFound(VenueError):
    """No such order (or, for a cancel, no such open order)."""


class OrderRejected(VenueError):
    """The exchange refused the order as asked: a filter (tick, lot, notional), a symbol, a parameter."""


class AuthenticationFailed(VenueError):
    """The exchange refused the credentials: unknown or malformed key, bad signature, no permission."""


class TimestampRejected(AuthenticationFailed):
    """The request's timestamp fell outside the exchange's receive window: a clock off by seconds."""


class VenueUnavailable(VenueError):
    """No usable answer: the exchange is down (HTTP 5xx), unreachable, or in maintenance."""


class VenueTimeout(VenueUnavailable):
    """No answer within the timeout."""


class MalformedAnswer(VenueError):
    """An answer that is not what the API promises (not JSON, missing fields, not a number)."""
