"""OKX's v5 public REST format, for what ccxt's ``okx`` calls to load spot markets and read tickers
and order books, over the same markets and books as the Binance format.

Every answer is OKX's envelope ``{"code": "0", "data": [...], "msg": ""}``; a refusal has a
non-zero ``code`` (a string, as OKX sends it) and its message. Decimals are strings in the
listing's own digits, times are milliseconds as strings. Instruments are ``BASE-QUOTE``
(``ETH-USDC``). Served here (the signed endpoints are in :mod:`keepers.devexchange.okx_signed`):

- ``GET /api/v5/public/time``;
- ``GET /api/v5/public/instruments?instType=SPOT``: every listing, ``state: live``, with
  ``tickSz``, ``lotSz`` and ``minSz`` (the lot step); other instrument types are empty;
- ``GET /api/v5/market/ticker?instId=`` and ``GET /api/v5/market/tickers?instType=SPOT``;
- ``GET /api/v5/market/books`` and ``/market/books-full`` with ``instId`` and ``sz`` (default 1,
  at most 400 and 5000): levels as ``[price, size, "0", orders]``.

An unknown instrument is ``51001 Instrument ID does not exist``; a bad parameter ``51000``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from keepers.devexchange.book import MatchingEngine
from keepers.devexchange.markets import Listing, Markets, Ticker

PREFIX = "/api/v5/"
MAX_BOOK = {"/api/v5/market/books": 400, "/api/v5/market/books-full": 5000}


class OkxError(Exception):
    """A refusal as OKX words it: HTTP ``status``, a top-level ``code`` and ``msg``, and for a
    trade refused one by one, the per-order ``sCode``/``sMsg`` in ``data``."""

    def __init__(self, code: str, message: str, status: int = 200, data: list[dict[str, Any]] | None = None):
        super().__init__(f"{code} {message}")
        self.code, self.message, self.status, self.data = code, message, status, data or []

    def answer(self) -> tuple[int, dict[str, Any]]:
        return self.status, {"code": self.code, "data": self.data, "msg": self.message}


def parameter_error(name: str) -> OkxError:
    return OkxError("51000", f"Parameter {name} error", 400)


UNKNOWN_INSTRUMENT = OkxError("51001", "Instrument ID does not exist")
UNKNOWN_ROUTE = OkxError("404", "Not Found", 404)


def ok(data: list[Any]) -> dict[str, Any]:
    return {"code": "0", "data": data, "msg": ""}


def inst_id(listing: Listing) -> str:
    return f"{listing.base}-{listing.quote}"


def listing_of(markets: Markets, instrument: str | None) -> Listing:
    """The listing of an ``instId`` parameter, or OKX's refusal."""
    if not instrument:
        raise parameter_error("instId")
    for listing in markets.listings():
        if inst_id(listing) == instrument:
            return listing
    raise UNKNOWN_INSTRUMENT


def decimal(value: Decimal) -> str:
    """A decimal as OKX writes it: its digits, no exponent, no trailing zeros past the point."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def instrument(listing: Listing) -> dict[str, Any]:
    return {
        "instType": "SPOT",
        "instId": inst_id(listing),
        "instFamily": "",
        "uly": "",
        "baseCcy": listing.base,
        "quoteCcy": listing.quote,
        "settleCcy": "",
        "ctVal": "",
        "ctMult": "",
        "ctValCcy": "",
        "lever": "",
        "tickSz": decimal(listing.tick_size),
        "lotSz": decimal(listing.step_size),
        "minSz": decimal(listing.step_size),
        "maxLmtSz": decimal(listing.max_quantity),
        "maxMktSz": decimal(listing.max_quantity),
        "state": "live",
        "listTime": "1600000000000",
        "expTime": "",
        "ruleType": "normal",
    }


def ticker(listing: Listing, quote: Ticker) -> dict[str, Any]:
    """A market's ticker; the devexchange keeps no history, so the day is one price."""
    last = decimal(quote.last)
    return {
        "instType": "SPOT",
        "instId": inst_id(listing),
        "last": last,
        "lastSz": "0",
        "askPx": decimal(quote.ask),
        "askSz": "1",
        "bidPx": decimal(quote.bid),
        "bidSz": "1",
        "open24h": last,
        "high24h": last,
        "low24h": last,
        "volCcy24h": decimal(quote.volume * quote.last),
        "vol24h": decimal(quote.volume),
        "sodUtc0": last,
        "sodUtc8": last,
        "ts": str(quote.time_ms),
    }


def books(engine: MatchingEngine, path: str, query: Mapping[str, str]) -> dict[str, Any]:
    listing = listing_of(engine.markets, query.get("instId"))
    size = query.get("sz", "1")
    if not size.isdigit() or not 1 <= int(size) <= MAX_BOOK[path]:
        raise parameter_error("sz")
    depth = engine.depth(listing.market_id, int(size))

    def levels(side: list[tuple[Decimal, Decimal]]) -> list[list[str]]:
        return [[decimal(price), decimal(quantity), "0", "1"] for price, quantity in side]

    return {"asks": levels(depth.asks), "bids": levels(depth.bids), "ts": str(engine.markets.now_ms())}


def answer(engine: MatchingEngine, path: str, query: Mapping[str, str]) -> tuple[int, Any]:
    """(HTTP status, JSON body) for a public GET of ``path`` with ``query``."""
    markets = engine.markets
    try:
        if path == "/api/v5/public/time":
            return 200, ok([{"ts": str(markets.now_ms())}])
        if path == "/api/v5/public/instruments":
            spot = query.get("instType") == "SPOT"
            return 200, ok([instrument(listing) for listing in markets.listings()] if spot else [])
        if path == "/api/v5/market/ticker":
            listing = listing_of(markets, query.get("instId"))
            quote = markets.ticker(listing.symbol)
            return 200, ok([ticker(listing, quote)] if quote is not None else [])
        if path == "/api/v5/market/tickers":
            found = [(listing, markets.ticker(listing.symbol)) for listing in markets.listings()]
            spot = query.get("instType") == "SPOT"
            return 200, ok([ticker(listing, quote) for listing, quote in found if quote is not None and spot])
        if path in MAX_BOOK:
            return 200, ok([books(engine, path, query)])
    except OkxError as refusal:
        return refusal.answer()
    return UNKNOWN_ROUTE.answer()
