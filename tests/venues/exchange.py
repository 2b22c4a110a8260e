"""The local exchange as the venue tests find it: a clock a test can skew, and one ETH/USDC
market with a market maker's ladder of five 0.5 ETH levels a side around 2000, a dollar apart."""

from __future__ import annotations

import time
from decimal import Decimal as D

from keepers.devexchange.markets import Listing, Markets
from keepers.devexchange.server import DevExchange

SYMBOL = "ETH/USDC"


class Clock:
    """The exchange's clock: the real time, moved by ``skew`` seconds when a test asks."""

    skew = 0.0

    def __call__(self) -> float:
        return time.time() + self.skew


def laid_book(clock: Clock) -> DevExchange:
    """The exchange (not started: use it as a context manager) with its market and ladder."""
    exchange = DevExchange(Markets(clock))
    exchange.markets.list_market(Listing("ETH", "USDC", min_notional=D(10)))
    exchange.engine.lay_ladder(SYMBOL, D(2000), levels=5, step=D(1), size=D("0.5"))
    return exchange
