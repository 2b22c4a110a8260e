"""A ticker that wanders: the development exchange's price for one market, moved every few seconds
by a seeded, mean-reverting random walk around where it opened (log-price Ornstein-Uhlenbeck
steps), so a market maker following it has something to correct on a local chain."""

from __future__ import annotations

import math
import random
import threading
from dataclasses import dataclass
from decimal import Decimal

from keepers.devexchange.markets import Markets


@dataclass(frozen=True)
class Walk:
    """How the price moves: each step's log-price change has this deviation (in basis points),
    and pulls back toward the opening price by `reversion` of the gap."""

    step_bps: float = 60.0
    reversion: float = 0.2
    every: float = 5.0  # seconds between steps
    seed: int = 1


class WalkingTicker:
    """Moves `symbol`'s ticker on `markets` every `walk.every` seconds until stopped."""

    def __init__(self, markets: Markets, symbol: str, opening: Decimal, walk: Walk):
        self.markets, self.symbol, self.opening, self.walk = markets, symbol, opening, walk
        self.rng = random.Random(walk.seed)
        self._log_gap = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"walk {symbol}", daemon=True)
        markets.set_ticker(symbol, opening)

    def step(self) -> Decimal:
        """One move; the new last price (quoted to the cent, as the listing trades)."""
        self._log_gap += -self.walk.reversion * self._log_gap + self.rng.gauss(0, self.walk.step_bps / 10_000)
        price = (self.opening * Decimal(str(math.exp(self._log_gap)))).quantize(Decimal("0.01"))
        self.markets.set_ticker(self.symbol, price)
        return price

    def start(self) -> WalkingTicker:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.walk.every):
            self.step()
