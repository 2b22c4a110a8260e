"""A taker's trade against a centralized exchange's order book, exactly, in base units.

A ``BookLeg`` is one side of one market as a taker meets it: the levels it walks (best first),
the exchange's taker fee, its lot size and minimum quantity, and the balance the venue holds of
what the leg spends. Amounts are integers in the tokens' base units, prices ``Fraction``s of
quote base units per base base unit, so 1 ETH at 3000 USDC is the price 3000 * 10^6 / 10^18.

Conventions (what ``fill`` computes, and what an exchange's matching engine does):

* **sell** (input base, output quote, walks the bids): the quantity is what is received, capped
  by the balance, rounded down to a whole number of lots, capped by the book's depth in lots;
  the proceeds are ``sum(price * size)`` over the levels walked.
* **buy** (input quote, output base, walks the asks): the quantity is the most lots whose cost
  ``sum(price * size)`` fits in what is received (capped by the balance) and in the book; the
  quote spent is that cost rounded up.
* An order under ``min_qty`` is refused: nothing trades.
* **The fee is deducted from what is received**, ``floor((1 - fee) * gross)`` (Binance's default
  for takers: base on a buy, quote on a sell); every other rounding favours the exchange too.
* What the leg receives but cannot spend (lot dust, past the depth or the balance) stays on the
  venue: it is not passed on and the optimizer counts it as nothing.

``relaxation`` is the same trade on real numbers without lots: linear between level boundaries,
flat past the depth or the balance, at or above ``fill``'s output at every input.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from enum import Enum
from fractions import Fraction
from itertools import accumulate
from math import lcm

from keepers.markets.piecewise import Mobius, Piecewise


class Side(Enum):
    """What the taker does with the market's base token."""

    BUY = "buy"  # pay quote, receive base: walks the asks
    SELL = "sell"  # pay base, receive quote: walks the bids


@dataclass(frozen=True, slots=True)
class Level:
    """One price level: ``size`` base units offered at ``price`` quote base units per base base unit."""

    price: Fraction
    size: int


@dataclass(frozen=True, slots=True)
class Fill:
    """What one leg did: ``spent`` of its input (the rest stays on the venue), ``received`` its output."""

    spent: int
    received: int


@dataclass(frozen=True, slots=True)
class BookLeg:
    """One side of a market as a taker meets it.

    ``levels`` best first (asks rising for a buy, bids falling for a sell); ``fee`` the taker fee
    as a fraction (``Fraction(1, 1000)`` is 10 bps); ``lot`` and ``min_qty`` in base units;
    ``max_in`` the venue's balance of the token the leg spends (None: no limit).
    """

    venue: str
    base: str
    quote: str
    side: Side
    levels: tuple[Level, ...]
    fee: Fraction = Fraction(0)
    lot: int = 1
    min_qty: int = 0
    max_in: int | None = None
    # Walking a book is done in integers: every price times ``_scale`` (the least common denominator
    # of the prices) is an integer, and so is every cumulative value.
    _scale: int = field(init=False, repr=False, compare=False)
    _prices: tuple[int, ...] = field(init=False, repr=False, compare=False)  # price * _scale
    _sizes: tuple[int, ...] = field(init=False, repr=False, compare=False)  # cumulative size after each level
    _values: tuple[int, ...] = field(init=False, repr=False, compare=False)  # cumulative quote value * _scale

    def __post_init__(self) -> None:
        if self.lot <= 0 or self.min_qty < 0 or not 0 <= self.fee < 1:
            raise ValueError(f"{self.venue}: lot {self.lot}, min_qty {self.min_qty}, fee {self.fee}")
        if any(level.size <= 0 or level.price <= 0 for level in self.levels):
            raise ValueError(f"{self.venue}: every level needs a positive price and size")
        prices = [Fraction(level.price) for level in self.levels]
        if prices != sorted(prices, reverse=self.side is Side.SELL):
            raise ValueError(f"{self.venue}: levels must be best first ({self.side.value})")
        scale = lcm(*(price.denominator for price in prices)) if prices else 1
        scaled = tuple(int(price * scale) for price in prices)
        object.__setattr__(self, "_scale", scale)
        object.__setattr__(self, "_prices", scaled)
        object.__setattr__(self, "_sizes", tuple(accumulate(level.size for level in self.levels)))
        values = accumulate(p * level.size for p, level in zip(scaled, self.levels, strict=True))
        object.__setattr__(self, "_values", tuple(values))

    @property
    def token_in(self) -> str:
        return self.quote if self.side is Side.BUY else self.base

    @property
    def token_out(self) -> str:
        return self.base if self.side is Side.BUY else self.quote

    @property
    def max_quantity(self) -> int:
        """The most base units one order can take: the depth in whole lots."""
        depth = self._sizes[-1] if self._sizes else 0
        return depth // self.lot * self.lot

    def _scaled_value(self, quantity: int) -> int:
        """``value(quantity) * _scale`` for an integer quantity within the depth."""
        j = bisect_right(self._sizes, quantity)
        if j >= len(self.levels):
            return self._values[-1] if self._values else 0
        before_size = self._sizes[j - 1] if j else 0
        before_value = self._values[j - 1] if j else 0
        return before_value + self._prices[j] * (quantity - before_size)

    def value(self, quantity: int | Fraction) -> Fraction:
        """``sum(price * size)`` over the levels that ``quantity`` base units walk (at most the depth)."""
        j = bisect_right(self._sizes, quantity)
        if j >= len(self.levels):
            return Fraction(self._values[-1] if self._values else 0, self._scale)
        before_size = self._sizes[j - 1] if j else 0
        before_value = self._values[j - 1] if j else 0
        return (before_value + self._prices[j] * (quantity - before_size)) / Fraction(self._scale)

    def _quantity_for(self, budget: int) -> int:
        """The largest integer quantity whose value is at most ``budget`` (the depth if the book is worth less)."""
        scaled = budget * self._scale
        j = bisect_right(self._values, scaled)
        if j >= len(self.levels):
            return self._sizes[-1] if self._sizes else 0
        before_size = self._sizes[j - 1] if j else 0
        before_value = self._values[j - 1] if j else 0
        return before_size + (scaled - before_value) // self._prices[j]

    def _budget(self, amount_in: int) -> int:
        return amount_in if self.max_in is None else min(amount_in, self.max_in)

    def quantity(self, amount_in: int) -> int:
        """The base units an order traded with ``amount_in`` of the input token (0 if refused)."""
        budget = self._budget(amount_in)
        if budget <= 0:
            return 0
        real = budget if self.side is Side.SELL else self._quantity_for(budget)
        quantity = min(real // self.lot * self.lot, self.max_quantity)
        return quantity if quantity >= max(self.min_qty, 1) else 0

    def fill(self, amount_in: int) -> Fill:
        """The exact trade for ``amount_in`` received (see the module's conventions)."""
        quantity = self.quantity(amount_in)
        if quantity == 0:
            return Fill(0, 0)
        keep = 1 - self.fee
        if self.side is Side.SELL:
            gross = self._scaled_value(quantity)
            return Fill(quantity, keep.numerator * gross // (keep.denominator * self._scale))
        return Fill(-(-self._scaled_value(quantity) // self._scale), keep.numerator * quantity // keep.denominator)

    def amount_out(self, amount_in: int) -> int:
        return self.fill(amount_in).received

    def least_input(self, quantity: int) -> int:
        """The smallest input that trades at least ``quantity`` base units (at least one lot, at least
        ``min_qty``; the quantity must be within the depth and the balance)."""
        lots = -(-max(quantity, self.min_qty, 1) // self.lot)
        quantity = lots * self.lot
        if self.side is Side.SELL:
            return quantity
        return -(-self._scaled_value(quantity) // self._scale)

    def relaxation(self) -> Piecewise:
        """The leg on real numbers without lots or the minimum: linear on each level (the fee taken
        off), flat past the depth in whole lots or the balance. At or above ``fill``'s output."""
        keep = 1 - self.fee
        starts: list[Fraction] = []
        maps: list[Mobius] = []
        for j, level in enumerate(self.levels):
            size_before = Fraction(self._sizes[j - 1] if j else 0)
            cost_before = Fraction(self._values[j - 1] if j else 0, self._scale)
            if self.side is Side.SELL:
                # out = keep * (cost_before + price * (x - size_before))
                starts.append(size_before)
                maps.append(Mobius.of(keep * level.price, keep * (cost_before - level.price * size_before), 0, 1))
            else:
                # out = keep * (size_before + (x - cost_before) / price)
                starts.append(cost_before)
                maps.append(Mobius.of(keep / level.price, keep * (size_before - cost_before / level.price), 0, 1))
        if not maps:
            return Piecewise.single(Mobius.constant(0))
        depth = self.max_quantity if self.side is Side.SELL else self.value(self.max_quantity)
        cap = depth if self.max_in is None else min(depth, self.max_in)
        return Piecewise(tuple(starts), tuple(maps)).capped(max(cap, 0))
