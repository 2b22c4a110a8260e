"""The local exchange's state: the spot markets it lists and each one's ticker.

No HTTP here: the server (:mod:`keepers.devexchange.server`) reads this state and the wire format
(:mod:`keepers.devexchange.binance`) renders it; the order books and the matching engine
(:mod:`keepers.devexchange.book`) read the listings' filters from here. Prices are ``Decimal``, as exchanges quote
them; times are milliseconds, as exchanges stamp them. Thread-safe: tests set tickers while the
server's threads read them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal


class UnknownMarket(KeyError):
    """No market of that symbol is listed."""


@dataclass(frozen=True)
class Listing:
    """A spot market: ``base``/``quote`` currencies, the price and size steps it trades in, and the
    bounds its orders must keep (Binance's ``PRICE_FILTER``, ``LOT_SIZE`` and ``MIN_NOTIONAL``)."""

    base: str
    quote: str
    tick_size: Decimal = Decimal("0.01")
    step_size: Decimal = Decimal("0.0001")
    max_price: Decimal = Decimal(1_000_000)
    max_quantity: Decimal = Decimal(9_000_000)
    min_notional: Decimal = Decimal(1)  # quote: a limit order's price times quantity, a quote-sized buy's budget

    @property
    def symbol(self) -> str:
        """The unified symbol, ``BASE/QUOTE`` (what ccxt calls it)."""
        return f"{self.base}/{self.quote}"

    @property
    def market_id(self) -> str:
        """The exchange's own id, ``BASEQUOTE`` (what Binance calls it)."""
        return f"{self.base}{self.quote}"


@dataclass(frozen=True)
class Ticker:
    """A market's latest trade and best prices, and when they were true."""

    last: Decimal
    bid: Decimal
    ask: Decimal
    time_ms: int
    volume: Decimal = Decimal(0)  # base traded over the day


class Markets:
    """Listed markets and their tickers. ``clock`` (seconds) dates a ticker set without a time."""

    def __init__(self, clock: Callable[[], float] = time.time):
        self._clock = clock
        self._lock = threading.Lock()
        self._listings: dict[str, Listing] = {}
        self._tickers: dict[str, Ticker] = {}

    def list_market(self, listing: Listing) -> Listing:
        """List a market (again: its steps change, its ticker stays)."""
        with self._lock:
            self._listings[listing.symbol] = listing
        return listing

    def listings(self) -> list[Listing]:
        with self._lock:
            return list(self._listings.values())

    def by_id(self, market_id: str) -> Listing:
        """The listing with the exchange's id ``market_id``."""
        with self._lock:
            for listing in self._listings.values():
                if listing.market_id == market_id:
                    return listing
        raise UnknownMarket(market_id)

    def by_symbol(self, symbol: str) -> Listing:
        """The listing of the unified ``symbol`` (``BASE/QUOTE``)."""
        with self._lock:
            if symbol not in self._listings:
                raise UnknownMarket(symbol)
            return self._listings[symbol]

    def set_ticker(
        self,
        symbol: str,
        last: Decimal | str,
        *,
        bid: Decimal | str | None = None,
        ask: Decimal | str | None = None,
        at: float | None = None,
        volume: Decimal | str = Decimal(0),
    ) -> Ticker:
        """Quote ``symbol`` (listed, ``BASE/QUOTE``) at ``last``; bid and ask default to it; ``at`` (seconds,
        default now) dates it, so a stale ticker is one set with an old ``at``."""
        price = Decimal(last)
        seconds = self._clock() if at is None else at
        ticker = Ticker(
            last=price,
            bid=Decimal(bid) if bid is not None else price,
            ask=Decimal(ask) if ask is not None else price,
            time_ms=int(Decimal(str(seconds)) * 1000),
            volume=Decimal(volume),
        )
        with self._lock:
            if symbol not in self._listings:
                raise UnknownMarket(symbol)
            self._tickers[symbol] = ticker
        return ticker

    def touch(self, symbol: str, at: float | None = None) -> Ticker:
        """The same prices, dated again (``at``, default now): a market that keeps trading at its price."""
        with self._lock:
            ticker = self._tickers[symbol]
        return self.set_ticker(symbol, ticker.last, bid=ticker.bid, ask=ticker.ask, at=at, volume=ticker.volume)

    def ticker(self, symbol: str) -> Ticker | None:
        """The ticker of a listed market, or None before one is set."""
        with self._lock:
            if symbol not in self._listings:
                raise UnknownMarket(symbol)
            return self._tickers.get(symbol)

    def now_ms(self) -> int:
        """The exchange's clock, in milliseconds."""
        return int(self._clock() * 1000)
