"""An order book followed by polling, at an interval that adapts to how often the book moves.

Each poll that finds the book changed halves the wait before the next (down to ``fastest``);
each poll that finds it unchanged doubles it (up to ``slowest``). A busy market is read often, a
quiet one costs few requests (and little of the exchange's request weight).

Why polling and not ccxt's WebSocket (``ccxt.pro``, ``watch_order_book``): ccxt.pro speaks the
exchange's stream protocol (Binance's ``wss://stream.binance.com``), which the local development
exchange does not serve, so it could not run or be tested on this machine; REST polling goes
through the same adapter, errors and exact levels as every other call.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

from keepers.venues.cex import CexVenue
from keepers.venues.models import OrderBook


@dataclass(frozen=True)
class PollPace:
    """Bounds of the wait between polls, in seconds, and where it starts."""

    fastest: float = 0.25
    slowest: float = 8.0
    start: float = 1.0

    def after(self, wait: float, changed: bool) -> float:
        return max(self.fastest, wait / 2) if changed else min(self.slowest, wait * 2)


class BookPoller:
    """``symbol``'s book on ``venue``, ``depth`` levels a side, read at an adaptive pace."""

    def __init__(self, venue: CexVenue, symbol: str, *, depth: int | None = 20, pace: PollPace = PollPace()):
        self.venue, self.symbol, self.depth, self.pace = venue, symbol, depth, pace
        self.wait = pace.start
        self.last: OrderBook | None = None

    def poll(self) -> OrderBook:
        """Read the book once and set the next wait; venue errors propagate (the caller decides)."""
        book = self.venue.order_book(self.symbol, self.depth)
        changed = self.last is None or (book.bids, book.asks) != (self.last.bids, self.last.asks)
        self.wait = self.pace.after(self.wait, changed)
        self.last = book
        return book

    def books(self, stop: threading.Event) -> Iterator[OrderBook]:
        """Every book that differs from the one before, until ``stop`` is set."""
        while not stop.is_set():
            before = self.last
            book = self.poll()
            if before is None or (book.bids, book.asks) != (before.bids, before.asks):
                yield book
            stop.wait(self.wait)
