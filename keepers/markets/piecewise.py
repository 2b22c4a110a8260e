"""Concave, nondecreasing maps made of Möbius pieces: the real-valued picture of a path of trades.

Every leg a path can take is, on real numbers, such a map of the amount it receives:

* an order-book leg walking price levels is linear between level boundaries, each level's
  rate no better than the last (asks rise, bids fall);
* a constant-product hop is ``K x / (M + N x)``, and a V3 hop is that curve on each range
  between initialized ticks (``sizing.v3_range_map``), continued from where the last ended;
* past what a leg can spend (book depth, the venue's balance, the pool's price limit) the
  leg keeps the rest and its output stays flat.

Each piece is a Möbius map ``(a x + b) / (c x + d)`` (linear maps have ``c = 0``; a flat part
``a = c = 0``), so a composition of legs is again piecewise Möbius: matrix products on the
pieces, split where an inner piece's output crosses an outer piece's boundary. Concave and
nondecreasing maps compose into a concave and nondecreasing map, so ``f(x) - rate * x``
has one peak, where the derivative ``(a d - b c) / (c x + d)^2`` crosses ``rate``.

Coefficients are integers (a map is defined up to a common factor); breakpoints and values
are exact ``Fraction``s.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import floor, isqrt, lcm

from keepers.markets.sizing import LinearFractional

Number = int | Fraction


@dataclass(frozen=True, slots=True)
class Mobius:
    """``x -> (a x + b) / (c x + d)`` with integer coefficients."""

    a: int
    b: int
    c: int
    d: int

    @classmethod
    def of(cls, a: Number, b: Number, c: Number, d: Number) -> Mobius:
        """The map of rational coefficients, scaled to integers."""
        values = [Fraction(v) for v in (a, b, c, d)]
        scale = lcm(*(v.denominator for v in values))
        return cls(*(int(v * scale) for v in values))

    @classmethod
    def shifted(cls, curve: LinearFractional, x0: Number, y0: Number) -> Mobius:
        """``y0 + curve(x - x0)``: a constant-product curve started at (x0, y0)."""
        k, m, n = curve.k, curve.m, curve.n
        # y0 + k t / (m + n t) = ((y0 n + k) t + y0 m) / (n t + m), t = x - x0
        return cls.of(y0 * n + k, y0 * m - (y0 * n + k) * x0, n, m - n * x0)

    @classmethod
    def constant(cls, y: Number) -> Mobius:
        return cls.of(0, y, 0, 1)

    def __call__(self, x: Number) -> Fraction:
        return Fraction(self.a * x + self.b) / (self.c * x + self.d)

    def after(self, inner: Mobius) -> Mobius:
        """``self(inner(x))`` as one map (the matrix product self · inner)."""
        return Mobius(
            self.a * inner.a + self.b * inner.c,
            self.a * inner.b + self.b * inner.d,
            self.c * inner.a + self.d * inner.c,
            self.c * inner.b + self.d * inner.d,
        )

    def preimage(self, y: Number) -> Fraction:
        """The x with ``self(x) == y`` (the map must not be constant)."""
        return Fraction(self.d * y - self.b) / (self.a - self.c * y)

    @property
    def determinant(self) -> int:
        return self.a * self.d - self.b * self.c

    def slope(self, x: Number) -> Fraction:
        """The derivative at x: ``(a d - b c) / (c x + d)^2``."""
        return Fraction(self.determinant) / (self.c * x + self.d) ** 2

    def limit(self) -> Fraction | None:
        """The value as x grows without bound; None if it grows without bound too."""
        if self.c:
            return Fraction(self.a, self.c)
        return None if self.a else Fraction(self.b, self.d)


@dataclass(frozen=True, slots=True)
class Piecewise:
    """A concave nondecreasing map on x >= 0: ``maps[j]`` applies on ``[starts[j], starts[j + 1])``,
    the last one from its start on; ``starts[0] == 0``."""

    starts: tuple[Fraction, ...]
    maps: tuple[Mobius, ...]

    @classmethod
    def single(cls, piece: Mobius) -> Piecewise:
        return cls((Fraction(0),), (piece,))

    def piece(self, x: Number) -> int:
        return bisect_right(self.starts, x) - 1

    def __call__(self, x: Number) -> Fraction:
        return self.maps[self.piece(x)](x)

    def capped(self, cap: Number | None) -> Piecewise:
        """The map up to input ``cap``, flat after it (what is received beyond is kept, not traded)."""
        if cap is None:
            return self
        cap = Fraction(cap)
        j = self.piece(cap)
        top = self.maps[j](cap)
        starts, maps = list(self.starts[: j + 1]), list(self.maps[: j + 1])
        if starts[-1] == cap:
            maps[-1] = Mobius.constant(top)
        else:
            starts.append(cap)
            maps.append(Mobius.constant(top))
        return Piecewise(tuple(starts), tuple(maps))

    def then(self, outer: Piecewise) -> Piecewise:
        """``outer(self(x))``: each piece of self split where its output crosses a boundary of ``outer``."""
        starts: list[Fraction] = []
        maps: list[Mobius] = []
        for j, inner in enumerate(self.maps):
            start = self.starts[j]
            low = inner(start)
            if j + 1 < len(self.starts):
                high: Fraction | None = inner(self.starts[j + 1])
            else:
                high = inner.limit() if inner.determinant else low
            k = outer.piece(low)
            starts.append(start)
            maps.append(outer.maps[k].after(inner))
            k += 1
            while k < len(outer.starts) and (high is None or outer.starts[k] < high):
                starts.append(inner.preimage(outer.starts[k]))
                maps.append(outer.maps[k].after(inner))
                k += 1
        return Piecewise(tuple(starts), tuple(maps))

    def slope_left_of(self, j: int) -> Fraction:
        """The derivative at the end of piece j, from the left (as x grows without bound for the last)."""
        piece = self.maps[j]
        if j + 1 < len(self.starts):
            return piece.slope(self.starts[j + 1])
        return Fraction(0) if piece.c else Fraction(piece.a, piece.d)

    def peak(self, rate: Fraction) -> tuple[int, int]:
        """Integers (lo, lo + 1) bracketing the real x >= 0 that maximizes ``self(x) - rate * x``.

        The map is concave, so its slope falls from piece to piece: a bisection finds the first
        piece whose slope at its right end is at most ``rate``. The peak is that piece's start if
        its slope there is already at most ``rate``, else where ``(c x + d)^2 = det / rate``:
        ``x* = (sqrt(det / rate) - d) / c`` (with the sign of ``c x + d`` on the piece), floored
        through ``isqrt`` and corrected against the exact slope.
        """
        low, high = 0, len(self.maps) - 1
        while low < high:
            mid = (low + high) // 2
            if self.slope_left_of(mid) <= rate:
                high = mid
            else:
                low = mid + 1
        j = low
        piece, start = self.maps[j], self.starts[j]
        if piece.slope(start) <= rate or piece.c == 0:
            x = start if piece.slope(start) <= rate else self._end(j)
            return floor(x), floor(x) + 1
        # (c x + d)^2 = det / rate; det / rate = p / q
        ratio = Fraction(piece.determinant) / rate
        root = Fraction(isqrt(ratio.numerator * ratio.denominator * (1 << 128)), ratio.denominator << 64)
        sign = 1 if piece.c * start + piece.d > 0 else -1
        x_lo = max(floor(start), floor((sign * root - piece.d) / piece.c))
        end = self._end(j)
        # the last integer of the piece with slope > rate, found by stepping from the estimate
        while x_lo + 1 <= end and piece.slope(x_lo + 1) > rate:
            x_lo += 1
        while x_lo > start and piece.slope(x_lo) <= rate:
            x_lo -= 1
        return x_lo, x_lo + 1

    def _end(self, j: int) -> Fraction:
        return self.starts[j + 1] if j + 1 < len(self.starts) else Fraction(1 << 256)


def compose(maps: Sequence[Piecewise]) -> Piecewise:
    """The maps applied one after another, first to last."""
    composed = maps[0]
    for outer in maps[1:]:
        composed = composed.then(outer)
    return composed
