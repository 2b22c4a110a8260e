"""Time-weighted average prices of a pool, from the pool's own oracle.

- **Uniswap V3**: ``observe([window, 0])`` gives the tick accumulator now and ``window`` seconds
  ago; their difference over the window, rounded towards negative infinity as the periphery's
  ``OracleLibrary.consult`` rounds it, is the arithmetic mean tick, and the price is that tick's
  ``TickMath`` sqrt ratio squared (:func:`keepers.markets.spot.v3_spot`), exact. The pool must
  remember the window: raise its ``observationCardinalityNext`` to at least window / block time.
- **Uniswap V2**: the pair accumulates ``reserve_quote / reserve_base`` as a UQ112x112 times the
  seconds it held (``price0CumulativeLast`` / ``price1CumulativeLast``). The source keeps the
  accumulator of each read (brought up to the head block as ``UniswapV2OracleLibrary``'s
  ``currentCumulativePrices`` does) and prices the difference between now and the latest read at
  least ``window`` seconds old: no price until it has read for a window, as Uniswap's own
  ``ExampleOracleSimple``.
"""

from __future__ import annotations

import functools
from collections import deque
from dataclasses import dataclass
from fractions import Fraction

from web3 import Web3

from keepers.markets.spot import v3_spot
from keepers.markets.uniswap_v3.tick_math import get_sqrt_ratio_at_tick
from keepers.prices.onchain import PoolPriceSource, PoolReverted
from keepers.prices.quote import Quote
from keepers.prices.settings import PoolKind

Q112 = 1 << 112
UINT32 = 1 << 32
UINT256 = 1 << 256


def mean_tick(tick_cumulative_delta: int, seconds: int) -> int:
    """``OracleLibrary.consult``'s arithmetic mean tick: the delta over the seconds, rounded down (to -inf)."""
    if seconds <= 0:
        raise ValueError("the window must be at least one second")
    return tick_cumulative_delta // seconds  # Python's // floors, as consult's truncate-then-decrement


def tick_price(tick: int, base_is_token0: bool) -> Fraction:
    """The price at ``tick`` in base units, from the tick's exact ``TickMath`` sqrt ratio."""
    return v3_spot(get_sqrt_ratio_at_tick(tick), base_is_token0)


class _TwapSource(PoolPriceSource):
    """A pool's average price over ``window`` seconds."""

    kind: PoolKind

    def __init__(
        self,
        name: str,
        w3: Web3,
        pool: str,
        base_token: str,
        *,
        window: int,
        max_age: int = 60,
        chain_id: int | None = None,
    ):
        super().__init__(name, w3, pool, self.kind, base_token, max_age=max_age, chain_id=chain_id)
        if window <= 0:
            raise ValueError("the window must be at least one second")
        self.window = window


class V3TwapSource(_TwapSource):
    """The price at the arithmetic mean tick of a V3 pool over the last ``window`` seconds."""

    kind = "uniswap_v3"

    def observe(self) -> Quote:
        head = self.pool.head()
        base_is_token0 = self.pool.base_is_token0(head)
        try:
            tick_cumulatives, _ = self.pool.call("observe", [self.window, 0], block=head.number)
        except PoolReverted as err:
            if err.revert == "OLD":
                raise self.unavailable(
                    f"the pool's oracle does not reach back {self.window} s: "
                    "raise its observation cardinality (increaseObservationCardinalityNext)"
                ) from None
            raise
        tick = mean_tick(tick_cumulatives[1] - tick_cumulatives[0], self.window)
        price = tick_price(tick, base_is_token0)
        return Quote(self.name, price, observed_at=head.timestamp, max_age=self.max_age, block=head.number)


@dataclass(frozen=True)
class Cumulative:
    """A V2 pair's price accumulator of the base token at one block: UQ112x112 price-seconds, mod 2**256."""

    block: int
    timestamp: int
    value: int


def current_cumulative(cumulative_last: int, reserve_base: int, reserve_quote: int, updated: int, now: int) -> int:
    """The accumulator at time ``now``: the stored one plus the current price for the seconds since the
    pair's last update (``UniswapV2OracleLibrary.currentCumulativePrices``; timestamps are uint32)."""
    elapsed = (now - updated) % UINT32
    if elapsed == 0:
        return cumulative_last
    if reserve_base == 0:
        raise ValueError("the pair holds no reserves")
    return (cumulative_last + (reserve_quote * Q112 // reserve_base) * elapsed) % UINT256


def cumulative_average(earlier: Cumulative, later: Cumulative) -> Fraction:
    """The time-weighted price between two accumulators, exactly (the accumulator wraps at 2**256)."""
    seconds = later.timestamp - earlier.timestamp
    if seconds <= 0:
        raise ValueError("the later accumulator must be later")
    return Fraction((later.value - earlier.value) % UINT256, seconds * Q112)


class V2TwapSource(_TwapSource):
    """The time-weighted price of a V2 pair over at least ``window`` seconds of this source's own reads.

    Reads further apart than twice the window (a keeper that slept) do not make a price: the
    average would cover far more than the window. The source then warms up again.
    """

    kind = "uniswap_v2"

    @functools.cached_property
    def _history(self) -> deque[Cumulative]:
        """This source's reads, oldest first: the latest one at least a window old, and those after it."""
        return deque()

    def read(self) -> Cumulative:
        """The pair's accumulator of the base token at the head block."""
        head = self.pool.head()
        base_is_token0 = self.pool.base_is_token0(head)
        reserve0, reserve1, updated = self.pool.call("getReserves", block=head.number)
        stored = self.pool.call("price0CumulativeLast" if base_is_token0 else "price1CumulativeLast", block=head.number)
        base, quote = (reserve0, reserve1) if base_is_token0 else (reserve1, reserve0)
        try:
            value = current_cumulative(stored, base, quote, updated, head.timestamp)
        except ValueError:
            raise self.unavailable(f"pair {self.pool.contract.address} holds no reserves") from None
        return Cumulative(head.number, head.timestamp, value)

    def observe(self) -> Quote:
        now = self.read()
        if not self._history or now.timestamp > self._history[-1].timestamp:
            self._history.append(now)
        earlier = None
        while self._history and now.timestamp - self._history[0].timestamp >= self.window:
            earlier = self._history.popleft()  # the latest read at least a window old wins
        if earlier is None:
            since = now.timestamp - self._history[0].timestamp
            raise self.unavailable(f"warming up: reads span {since} s of the {self.window} s window")
        self._history.appendleft(earlier)  # kept: the next average may start there too
        if now.timestamp - earlier.timestamp > 2 * self.window:
            self._history.popleft()
            raise self.unavailable(
                f"warming up: the last read a window old is {now.timestamp - earlier.timestamp} s old, "
                f"more than twice the {self.window} s window"
            )
        price = cumulative_average(earlier, now)
        return Quote(self.name, price, observed_at=now.timestamp, max_age=self.max_age, block=now.block)
