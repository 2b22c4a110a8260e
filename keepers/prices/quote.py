"""What a reference price source answers: a :class:`Quote`, or :class:`PriceUnavailable` saying why not.

A price is an exact ``Fraction`` of *quote-token base units per base-token base unit*, the
convention of :mod:`keepers.markets.spot` (1 WETH = 10**18, 1 USDC = 10**6: 2000 USDC per WETH is
``Fraction(2000 * 10**6, 10**18)``). Every quote carries when it was observed, in seconds of the
source's own clock (a block's timestamp, an exchange's ticker time), and the staleness limit of
its source, so a quote judged later is judged by the same rule.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from fractions import Fraction


class PriceUnavailable(Exception):
    """A source has no usable price now; ``reason`` says why in words an operator can act on."""

    def __init__(self, source: str, reason: str, *, stale: bool = False):
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason
        self.stale = stale

    @property
    def refusal(self) -> Refusal:
        return Refusal(self.source, self.reason, self.stale)


@dataclass(frozen=True)
class Refusal:
    """A source that gave no price this time, and why (``stale: ...``, ``HTTP 500 ...``)."""

    source: str
    reason: str
    stale: bool = False  # the source answered, but too long ago

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


@dataclass(frozen=True)
class Quote:
    """One observation of a price by one source."""

    source: str
    price: Fraction  # quote-token base units per base-token base unit
    observed_at: int  # seconds since the epoch, by the source's clock
    max_age: int  # seconds: the source's staleness limit
    block: int | None = None  # the block read, for on-chain sources

    def age(self, now: int) -> int:
        """Seconds since the observation; a source clock ahead of ours counts as fresh, not negative."""
        return max(now - self.observed_at, 0)


def fresh(quote: Quote, now: int) -> Quote:
    """``quote`` if it is at most its ``max_age`` old at ``now``; else :class:`PriceUnavailable` (stale)."""
    age = quote.age(now)
    if age > quote.max_age:
        raise PriceUnavailable(quote.source, f"stale: observed {age} s ago, the limit is {quote.max_age} s", stale=True)
    return quote


class PriceSource(ABC):
    """A reference price source: a name, a staleness limit, and how to observe the price.

    Subclasses implement :meth:`observe`; callers use :meth:`quote`, which never returns a stale
    price. Every failure (a node or exchange that does not answer, an answer that makes no sense)
    comes out as :class:`PriceUnavailable`, never as another exception.
    """

    def __init__(self, name: str, max_age: int):
        if max_age < 0:
            raise ValueError("max_age must be >= 0 seconds")
        self.name = name
        self.max_age = max_age

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, max_age={self.max_age})"

    @abstractmethod
    def observe(self) -> Quote:
        """The source's price as last observed, however old; :class:`PriceUnavailable` if there is none."""

    def quote(self, now: int) -> Quote:
        """A price observed at most ``max_age`` seconds before ``now``, or :class:`PriceUnavailable`."""
        return fresh(self.observe(), now)

    def unavailable(self, reason: str) -> PriceUnavailable:
        """The refusal of this source, to raise."""
        return PriceUnavailable(self.name, reason)
