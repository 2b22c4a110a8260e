"""Request weights and the per-minute weight limit, as Binance meters its REST API.

Every request costs a weight (Binance's published ones below); the weight spent in the current
clock minute is returned on each answer as ``X-MBX-USED-WEIGHT-1M``. A request that takes the
minute past the limit is refused with HTTP 429, code ``-1003`` and ``Retry-After`` (seconds to
the next minute), and its weight still counts, as on Binance. The limit is configurable so a
test can reach it in a few requests.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

DEFAULT_LIMIT = 6000
# (method, path) -> weight; a callable for the ones that depend on the parameters.
WEIGHTS: dict[tuple[str, str], int | Callable[[Mapping[str, str]], int]] = {
    ("GET", "/api/v3/ping"): 1,
    ("GET", "/api/v3/time"): 1,
    ("GET", "/api/v3/exchangeInfo"): 20,
    ("GET", "/api/v3/ticker/24hr"): lambda query: 2 if "symbol" in query else 80,
    ("GET", "/api/v3/depth"): lambda query: depth_weight(query.get("limit", "100")),
    ("GET", "/api/v3/account"): 20,
    ("GET", "/sapi/v1/asset/tradeFee"): 1,
    ("POST", "/api/v3/order"): 1,
    ("DELETE", "/api/v3/order"): 1,
    ("GET", "/api/v3/order"): 4,
    ("GET", "/api/v3/openOrders"): lambda query: 6 if "symbol" in query else 80,
    ("GET", "/api/v3/myTrades"): 20,
}


def depth_weight(limit: str) -> int:
    size = int(limit) if limit.isdigit() else 100
    return 5 if size <= 100 else 25 if size <= 500 else 50 if size <= 1000 else 250


def weight(method: str, path: str, query: Mapping[str, str]) -> int:
    """A request's weight (1 for anything not listed)."""
    cost = WEIGHTS.get((method, path), 1)
    return cost(query) if callable(cost) else cost


@dataclass(frozen=True)
class Metered:
    """Where a request left the minute: the weight used so far, and whether it went past the limit."""

    used: int
    limit: int
    retry_after: int  # seconds to the next minute

    @property
    def refused(self) -> bool:
        return self.used > self.limit


class WeightMeter:
    """The weight spent per clock minute (``clock`` in seconds), against ``limit``."""

    def __init__(self, clock: Callable[[], float], limit: int = DEFAULT_LIMIT):
        self.clock = clock
        self.limit = limit
        self._lock = threading.Lock()
        self._minute = -1
        self._used = 0

    def spend(self, cost: int) -> Metered:
        now = self.clock()
        minute = math.floor(now / 60)
        with self._lock:
            if minute != self._minute:
                self._minute, self._used = minute, 0
            self._used += cost
            used = self._used
        return Metered(used, self.limit, max(1, math.ceil((minute + 1) * 60 - now)))
