"""Binance's spot public REST format, for what ccxt's ``binance`` calls to load markets and read tickers.

The payloads follow Binance's published spot API (``/api/v3``): field names, strings for decimals
(eight places, as Binance sends them), milliseconds for times, and ``{"code", "msg"}`` errors with
HTTP 400. Only the public market-data endpoints are served:

- ``GET /api/v3/ping`` and ``GET /api/v3/time``;
- ``GET /api/v3/exchangeInfo``: every listed market (``status: TRADING``, spot only), with its
  ``PRICE_FILTER`` and ``LOT_SIZE``;
- ``GET /api/v3/ticker/24hr`` with ``symbol=BASEQUOTE`` (one object) or without (a list of all).
  An unknown symbol is Binance's ``-1121 Invalid symbol.``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from keepers.devexchange.markets import Listing, Markets, Ticker, UnknownMarket

PREFIX = "/api/v3"
INVALID_SYMBOL = (-1121, "Invalid symbol.")
UNKNOWN_ROUTE = (-1000, "An unknown error occurred while processing the request.")
PLACES = Decimal("0.00000001")


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
                "maxPrice": decimal(Decimal(1_000_000)),
                "tickSize": decimal(listing.tick_size),
            },
            {
                "filterType": "LOT_SIZE",
                "minQty": decimal(listing.step_size),
                "maxQty": decimal(Decimal(9_000_000)),
                "stepSize": decimal(listing.step_size),
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


def answer(markets: Markets, path: str, query: Mapping[str, str]) -> tuple[int, Any]:
    """(HTTP status, JSON body) for a GET of ``path`` with ``query``."""
    route = path.removeprefix(PREFIX) if path.startswith(PREFIX + "/") else None
    if route == "/ping":
        return 200, {}
    if route == "/time":
        return 200, {"serverTime": markets.now_ms()}
    if route == "/exchangeInfo":
        return 200, exchange_info(markets)
    if route == "/ticker/24hr":
        return _tickers(markets, query.get("symbol"))
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
