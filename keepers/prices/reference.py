"""One reference price out of several sources: the median of the live ones, or a refusal saying why.

The rule, in the order it is applied:

1. A source that failed, or whose quote is older than its ``max_age`` at ``now``, is not live; it
   is kept as a :class:`~keepers.prices.quote.Refusal` with its reason.
2. With no live source: :class:`NoReference` — ``all sources stale`` when staleness is all that
   is wrong, else ``no live source``, followed by each source's reason.
3. With fewer live sources than ``min_sources``: :class:`NoReference`.
4. The spread of the live prices, ``(highest - lowest) / median`` in basis points, above
   ``band_bps``: :class:`NoReference` (``sources disagree by X bp > band Y bp``). Equal to the band
   still passes.
5. Otherwise :class:`Reference` at the median (of an even count: the mean of the two middle
   prices), exact.

:func:`combine` is the rule alone (pure); :class:`ReferencePrices` reads the sources and applies it.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction

from keepers.prices.quote import PriceSource, PriceUnavailable, Quote, Refusal, fresh

log = logging.getLogger(__name__)

BPS = 10_000


@dataclass(frozen=True)
class Reference:
    """A reference price: the median of the live quotes."""

    price: Fraction  # quote-token base units per base-token base unit
    spread_bps: Fraction  # (highest - lowest) / median of the live prices, in basis points
    quotes: tuple[Quote, ...]  # the live quotes, cheapest first
    refusals: tuple[Refusal, ...] = ()  # the sources left out, and why

    @property
    def observed_at(self) -> int:
        """When the oldest live quote was observed: the reference is no younger than that."""
        return min(quote.observed_at for quote in self.quotes)


@dataclass(frozen=True)
class NoReference:
    """No reference price now, and why (act on nothing until there is one)."""

    reason: str
    quotes: tuple[Quote, ...] = ()  # the live quotes, if any
    refusals: tuple[Refusal, ...] = ()


def median(prices: Sequence[Fraction]) -> Fraction:
    """The median of ``prices``; of an even count, the mean of the two middle ones (exact)."""
    if not prices:
        raise ValueError("the median of no prices")
    ordered = sorted(prices)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def spread_bps(prices: Sequence[Fraction]) -> Fraction:
    """How far apart ``prices`` are: (highest - lowest) / median, in basis points."""
    return (max(prices) - min(prices)) * BPS / median(prices)


def combine(
    readings: Iterable[Quote | Refusal], now: int, *, band_bps: int, min_sources: int = 1
) -> Reference | NoReference:
    """The reference price of ``readings`` (each source's quote, or its refusal) at ``now``."""
    quotes: list[Quote] = []
    refusals: list[Refusal] = []
    for reading in readings:
        if isinstance(reading, Refusal):
            refusals.append(reading)
            continue
        try:
            quotes.append(fresh(reading, now))
        except PriceUnavailable as err:
            refusals.append(err.refusal)
    quotes.sort(key=lambda quote: quote.price)
    live, left_out = tuple(quotes), tuple(refusals)
    why = "; ".join(str(refusal) for refusal in refusals)
    if not live:
        if not refusals:
            return NoReference("no price sources configured")
        everything_stale = all(refusal.stale for refusal in refusals)
        return NoReference(f"{'all sources stale' if everything_stale else 'no live source'}: {why}", live, left_out)
    if len(live) < min_sources:
        return NoReference(
            f"{len(live)} live source{'s' if len(live) != 1 else ''}, {min_sources} required: {why}", live, left_out
        )
    prices = [quote.price for quote in live]
    spread = spread_bps(prices)
    if spread > band_bps:
        shown = ", ".join(f"{quote.source} {float(quote.price):.6g}" for quote in live)
        return NoReference(
            f"sources disagree by {math.ceil(spread * 10) / 10:g} bp > band {band_bps} bp ({shown})", live, left_out
        )
    return Reference(median(prices), spread, live, left_out)


class ReferencePrices:
    """The sources of one market's reference price and the rule that combines them.

    :meth:`read` asks every source at once (each on its own thread, so a cycle waits for the
    slowest source's timeout, not for the sum of them) and combines what they answer.
    ``clock`` (seconds) is what "now" is when judging staleness.
    """

    def __init__(
        self,
        sources: Sequence[PriceSource],
        *,
        band_bps: int = 100,
        min_sources: int = 1,
        clock: Callable[[], float] = time.time,
    ):
        names = [source.name for source in sources]
        if len(set(names)) != len(names):
            raise ValueError(f"source names must differ: {names}")
        self.sources = tuple(sources)
        self.band_bps = band_bps
        self.min_sources = min_sources
        self._clock = clock

    def __repr__(self) -> str:
        return f"ReferencePrices({[s.name for s in self.sources]}, band_bps={self.band_bps}, min={self.min_sources})"

    def read(self, now: int | None = None) -> Reference | NoReference:
        """Every source's quote at ``now`` (default: the clock), combined."""
        now = int(self._clock()) if now is None else now
        if not self.sources:
            return combine((), now, band_bps=self.band_bps, min_sources=self.min_sources)
        with ThreadPoolExecutor(max_workers=len(self.sources), thread_name_prefix="price-source") as pool:
            readings = list(pool.map(lambda source: ask(source, now), self.sources))
        return combine(readings, now, band_bps=self.band_bps, min_sources=self.min_sources)


def ask(source: PriceSource, now: int) -> Quote | Refusal:
    """``source``'s fresh quote, or its refusal. A source that fails in a way it does not know (a
    bug) is logged with its traceback and left out, like any other source without a price."""
    try:
        return source.quote(now)
    except PriceUnavailable as err:
        return err.refusal
    except Exception as err:
        log.exception("price.source_failed source=%s", source.name)
        return Refusal(source.name, f"unexpected {type(err).__name__}: {err}")
