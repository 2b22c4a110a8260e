"""Binance's spot public REST format, for what ccxt's ``binance`` calls to load markets and read
tickers and order books.

The payloads follow Binance's published spot API (``/api/v3``): field names, strings for decimals
(eight places, as Binance sends them), milliseconds for times, and ``{"code", "msg"}`` errors with
HTTP 400. The public market-data endpoints are served here (the signed ones, for accounts and
orders, in :mod:`keepers.devexchange.binance_signed`):

- ``GET /api/v3/ping`` and ``GET /api/v3/time``;
- ``GET /api/v3/exchangeInfo``: every listed market (``status: TRADING``, spot only), with its
  ``PRICE_FILTER``, ``LOT_SIZE`` and ``MIN_NOTIONAL``;
- ``GET /api/v3/ticker/24hr`` with ``symbol=BASEQUOTE`` (one object) or without (a list of all).
  An unknown symbol is Binance's ``-1121 Invalid symbol.``;
- ``GET /api/v3/depth`` with ``symbol`` and ``limit`` (default 100, at most 5000): the book's best
  levels, aggregated per price, and the engine's ``lastUpdateId``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from keepers.devexchange.book import MatchingEngine
from keepers.devexchange.markets import Listing, Markets, Ticker, UnknownMarket

PREFIX = "/api/v3"
INVALID_SYMBOL = (-1121, "Invalid symbol.")
UNKNOWN_ROUTE = (-1000, "An unknown error occurred while processing the request.")
PLACES = Decimal("0.00000001")
MAX_DEPTH = 5000


class BinanceError(Exception):
    """A refusal as Binance words it: HTTP ``status`` and a ``{"code", "msg"}`` body."""

    def __init__(self, code: int, message: str, status: int = 400):
        super().__init__(f"{code} {message}")
        self.code, self.message, self.status = code, message, status

    def answer(self) -> tuple[int, dict[str, Any]]:
        return self.status, error(self.code, self.message)


def mandatory(name: str) -> BinanceError:
    return BinanceError(-1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.")


def listing_of(markets: Markets, market_id: str | None) -> Listing:
    """The listing of a ``symbol`` parameter, or Binance's refusal."""
    if market_id is None:
        raise mandatory("symbol")
    try:
        return markets.by_id(market_id)
    except UnknownMarket:
        raise BinanceError(*INVALID_SYMBOL) from None


def decimal(value: Decimal) -> str:
    """A decimal as Binance writes it: eight places, more only where the value needs them."""
    if value.as_tuple().exponent >= -8:  # type: ignore[operator]
        value = value.quantize(PLACES)
    return format(value, "f")


def error(code: int, message: str) -> dict[str, Any]:
    return {"code": code, "msg": message}


def symbol_info(listing: Listing) -> dict[str, Any]:
    """One market of ``exchangeInfo``."""
    return {
        "symbol": listing.market_id,
        "status": "TRADING",
        "baseAsset": listing.base,
        "baseAssetPrecision": 8,
        "quoteAsset": listing.quote,
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET"],
        "icebergAllowed": False,
        "ocoAllowed": False,
        "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": False,
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": decimal(listing.tick_size),
                "maxPrice": decimal(listing.max_price),
                "tickSize": decimal(listing.tick_size),
            },
            {
                "filterType": "LOT_SIZE",
                "minQty": decimal(listing.step_size),
                "maxQty": decimal(listing.max_quantity),
                "stepSize": decimal(listing.step_size),
            },
            {
                "filterType": "MIN_NOTIONAL",
                "minNotional": decimal(listing.min_notional),
                "applyToMarket": True,
                "avgPriceMins": 5,
            },
        ],
        "permissions": [],
        "permissionSets": [["SPOT"]],
        "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
        "allowedSelfTradePreventionModes": ["NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"],
    }


def exchange_info(markets: Markets) -> dict[str, Any]:
    return {
        "timezone": "UTC",
        "serverTime": markets.now_ms(),
        "rateLimits": [{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000}],
        "exchangeFilters": [],
        "symbols": [symbol_info(listing) for listing in markets.listings()],
    }


def ticker_24hr(listing: Listing, ticker: Ticker) -> dict[str, Any]:
    """A market's 24-hour statistics; the devexchange keeps no history, so the day is one price."""
    zero = decimal(Decimal(0))
    last = decimal(ticker.last)
    return {
        "symbol": listing.market_id,
        "priceChange": zero,
        "priceChangePercent": "0.000",
        "weightedAvgPrice": last,
        "prevClosePrice": last,
        "lastPrice": last,
        "lastQty": zero,
        "bidPrice": decimal(ticker.bid),
        "bidQty": decimal(Decimal(1)),
        "askPrice": decimal(ticker.ask),
        "askQty": decimal(Decimal(1)),
        "openPrice": last,
        "highPrice": last,
        "lowPrice": last,
        "volume": decimal(ticker.volume),
        "quoteVolume": decimal(ticker.volume * ticker.last),
        "openTime": ticker.time_ms - 86_400_000,
        "closeTime": ticker.time_ms,
        "firstId": -1,
        "lastId": -1,
        "count": 0,
    }


def depth(engine: MatchingEngine, query: Mapping[str, str]) -> dict[str, Any]:
    """A market's order book, best levels first, as ``GET /api/v3/depth`` answers."""
    listing = listing_of(engine.markets, query.get("symbol"))
    try:
        limit = int(query.get("limit", "100"))
    except ValueError:
        raise BinanceError(
            -1100, "Illegal characters found in parameter 'limit'; legal range is '^[0-9]{1,20}$'."
        ) from None
    if not 1 <= limit <= MAX_DEPTH:
        raise BinanceError(-1100, f"Illegal characters found in parameter 'limit'; legal range is '1 - {MAX_DEPTH}'.")
    book = engine.depth(listing.market_id, limit)
    return {
        "lastUpdateId": book.update_id,
        "bids": [[decimal(price), decimal(size)] for price, size in book.bids],
        "asks": [[decimal(price), decimal(size)] for price, size in book.asks],
    }


def answer(engine: MatchingEngine, path: str, query: Mapping[str, str]) -> tuple[int, Any]:
    """(HTTP status, JSON body) for a public GET of ``path`` with ``query``."""
    markets = engine.markets
    route = path.removeprefix(PREFIX) if path.startswith(PREFIX + "/") else None
    try:
        if route == "/ping":
            return 200, {}
        if route == "/time":
            return 200, {"serverTime": markets.now_ms()}
        if route == "/exchangeInfo":
            return 200, exchange_info(markets)
        if route == "/ticker/24hr":
            return _tickers(markets, query.get("symbol"))
        if route == "/depth":
            return 200, depth(engine, query)
    except BinanceError as refusal:
        return refusal.answer()
    return 404, error(*UNKNOWN_ROUTE)


def _tickers(markets: Markets, market_id: str | None) -> tuple[int, Any]:
    if market_id is None:
        found = [(listing, markets.ticker(listing.symbol)) for listing in markets.listings()]
        return 200, [ticker_24hr(listing, ticker) for listing, ticker in found if ticker is not None]
    try:
        listing = markets.by_id(market_id)
    except UnknownMarket:
        return 400, error(*INVALID_SYMBOL)
    ticker = markets.ticker(listing.symbol)
    if ticker is None:  # listed, never traded: Binance has no such market either
        return 400, error(*INVALID_SYMBOL)
    return 200, ticker_24hr(listing, ticker)
