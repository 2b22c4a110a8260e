"""A centralized exchange's ticker through ccxt (synchronous API), as a price in on-chain base units.

The exchange quotes whole currencies in decimal (``2012.34`` USDC per ETH); the source maps the
symbol's base and quote onto on-chain tokens by their decimals, so the price becomes quote base
units per base base unit, exactly: ``Fraction(Decimal("2012.34")) * 10**quote_decimals /
10**base_decimals``. ccxt is told to keep numbers as the exchange's strings (``number = str``),
so no float ever stands between the exchange's digits and the fraction. The observation time is
the ticker's own timestamp (the exchange's clock), not when it was fetched.

Every way a ticker read can fail ends in :class:`~keepers.prices.quote.PriceUnavailable`: a timeout,
an HTTP error, an answer that is not a ticker (malformed JSON), a symbol the exchange does not
list, a ticker without a price or a time, or a crossed book for the mid price.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

import ccxt

from keepers.prices.quote import PriceSource, Quote

TickerPrice = Literal["last", "mid", "bid", "ask"]
SHOWN = 160  # characters of an exchange's error message kept in a refusal


def ccxt_exchange(
    exchange_id: str,
    *,
    api_url: str | None = None,
    timeout: float = 5.0,
    options: Mapping[str, Any] | None = None,
) -> ccxt.Exchange:
    """A synchronous ccxt exchange for public market data; with ``api_url``, every API host of the
    exchange is replaced by that origin (paths kept), so it talks to a local server only."""
    if exchange_id not in ccxt.exchanges:
        raise ValueError(f"ccxt has no exchange {exchange_id!r}")
    exchange: ccxt.Exchange = getattr(ccxt, exchange_id)(
        {"timeout": int(timeout * 1000), "enableRateLimit": True, "options": dict(options or {})}
    )
    exchange.number = str  # type: ignore[assignment]  # decimals stay the exchange's strings
    if api_url is not None:
        exchange.urls["api"] = rehost(exchange.urls["api"], api_url)
    return exchange


def rehost(urls: Any, origin: str) -> Any:
    """``urls`` (a URL, or nested dicts of them as in ccxt's ``urls['api']``) with scheme and host from ``origin``."""
    if isinstance(urls, dict):
        return {key: rehost(value, origin) for key, value in urls.items()}
    if isinstance(urls, str):
        target = urlsplit(origin)
        parts = urlsplit(urls)
        return urlunsplit((target.scheme, target.netloc, parts.path, parts.query, parts.fragment))
    return urls


def exchange_price(value: Any) -> Decimal | None:
    """A ticker field as an exact decimal; None when absent, not a number, or not positive."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() and number > 0 else None


def to_base_units(price: Decimal | Fraction, base_decimals: int, quote_decimals: int) -> Fraction:
    """Quote base units per base base unit, from quote currency per whole base currency."""
    return Fraction(price) * Fraction(10**quote_decimals, 10**base_decimals)


class CcxtTickerSource(PriceSource):
    """``symbol``'s ticker on ``exchange``; ``price`` picks last trade, bid, ask or the mid of bid and ask."""

    def __init__(
        self,
        name: str,
        exchange: ccxt.Exchange,
        symbol: str,
        *,
        base_decimals: int,
        quote_decimals: int,
        price: TickerPrice = "last",
        max_age: int = 30,
    ):
        super().__init__(name, max_age)
        self.exchange = exchange
        self.symbol = symbol
        self.base_decimals = base_decimals
        self.quote_decimals = quote_decimals
        self.price = price

    def observe(self) -> Quote:
        ticker = self._fetch()
        timestamp = ticker.get("timestamp")
        if not isinstance(timestamp, int) or isinstance(timestamp, bool) or timestamp <= 0:
            raise self.unavailable(f"the {self.symbol} ticker has no timestamp")
        value = self._price(ticker)
        return Quote(
            self.name,
            to_base_units(value, self.base_decimals, self.quote_decimals),
            observed_at=timestamp // 1000,
            max_age=self.max_age,
        )

    def _fetch(self) -> dict[str, Any]:
        where = f"{self.exchange.id} {self.symbol}"
        try:
            if not self.exchange.load_markets():  # loaded once; an empty list (a broken answer) is asked again
                raise self.unavailable(f"{where}: malformed answer (the exchange listed no markets)")
            ticker = self.exchange.fetch_ticker(self.symbol)
        except ccxt.RequestTimeout:
            raise self.unavailable(f"{where}: no answer within {self.exchange.timeout / 1000:g} s") from None
        except ccxt.BadSymbol as err:
            raise self.unavailable(f"{where}: no such market on the exchange ({_message(err)})") from None
        except ccxt.BaseError as err:  # ExchangeNotAvailable (HTTP 5xx), NetworkError, the exchange's own errors
            raise self.unavailable(f"{where}: {type(err).__name__}: {_message(err)}") from None
        except (TypeError, ValueError, KeyError, AttributeError, IndexError) as err:  # ccxt choked on the answer
            raise self.unavailable(f"{where}: malformed answer ({type(err).__name__})") from None
        if not isinstance(ticker, dict) or not isinstance(ticker.get("info"), dict):
            raise self.unavailable(f"{where}: malformed answer (not a JSON ticker object)")
        return ticker

    def _price(self, ticker: Mapping[str, Any]) -> Decimal | Fraction:
        if self.price != "mid":
            value = exchange_price(ticker.get(self.price))
            if value is None:
                raise self.unavailable(f"the {self.symbol} ticker has no {self.price} price")
            return value
        bid, ask = exchange_price(ticker.get("bid")), exchange_price(ticker.get("ask"))
        if bid is None or ask is None:
            raise self.unavailable(f"the {self.symbol} ticker lacks a bid or an ask")
        if bid > ask:
            raise self.unavailable(f"the {self.symbol} book is crossed: bid {bid} > ask {ask}")
        return (Fraction(bid) + Fraction(ask)) / 2


def _message(err: Exception) -> str:
    text = " ".join(str(err).split())
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"
