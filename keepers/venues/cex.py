"""A centralized exchange account through ccxt (synchronous API): books, balances, fees, orders, fills.

Always ccxt, never a hand-written HTTP client: the same adapter reaches the local development
exchange (``api_url`` points every API host at it) and a real one (no ``api_url``, real keys).
What this layer adds over ccxt:

1. **Exact amounts.** ccxt keeps the exchange's numbers as strings (``number = str``), and each
   one becomes a ``Decimal`` here. One ccxt quirk: order book levels are parsed with
   ``safe_float`` whatever ``number`` says, and sorted by that key; the adapter parses levels
   itself (strings) and orders them by ``Decimal``.
2. **Typed answers** (:mod:`keepers.venues.models`) instead of ccxt's dicts; an answer without its
   fields, or not JSON at all (ccxt parses a broken 200 answer as if it were empty, so the adapter
   looks at ccxt's ``last_json_response``), is
   :class:`~keepers.venues.errors.MalformedAnswer`.
3. **Few errors** (:mod:`keepers.venues.errors`): ccxt's exception tree folded into what a caller
   acts on; a 429's ``Retry-After`` is read from the answer's headers.
4. **Secrets stay secret.** The key and secret arrive as ``SecretStr`` and are handed to ccxt
   only; errors are our own one-line messages (never ccxt's, which carry signed URLs), and ccxt's
   debug log, which prints request headers with the API key, goes through a redacting filter.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import ccxt

from keepers.logs import RedactingFilter
from keepers.prices.cex import ccxt_exchange
from keepers.redact import Redactor
from keepers.venues import errors
from keepers.venues.models import (
    AssetBalance,
    Fill,
    Level,
    Order,
    OrderBook,
    OrderKind,
    Side,
    TimeInForce,
    TradingFee,
    VenueSettings,
)

log = logging.getLogger(__name__)
T = TypeVar("T")
SHOWN = 120  # characters of an exchange's own reason kept in a message
EXCHANGE_MESSAGE = re.compile(r'"s?[mM]sg"\s*:\s*"((?:[^"\\]|\\.)+)"')  # OKX: an order's own sMsg first
STATUSES = {"open", "closed", "canceled", "expired", "rejected"}


class CexVenue:
    """One account on one exchange, through a ccxt instance built from ``settings``."""

    def __init__(self, settings: VenueSettings):
        self.name = settings.exchange
        self.settings = settings
        self.exchange = ccxt_exchange(
            settings.exchange, api_url=settings.api_url, timeout=settings.timeout_seconds, options=settings.options
        )
        self.exchange.enableRateLimit = settings.throttle
        self.exchange.enableLastJsonResponse = True  # to tell a broken answer from an empty one
        _string_levels(self.exchange)
        held = (settings.api_key, settings.secret, settings.password)
        secrets = [s.get_secret_value() for s in held if s is not None]
        if settings.api_key is not None:
            self.exchange.apiKey = settings.api_key.get_secret_value()
        if settings.secret is not None:
            self.exchange.secret = settings.secret.get_secret_value()
        if settings.password is not None:
            self.exchange.password = settings.password.get_secret_value()
        self.exchange.logger = _redacting_logger(secrets)

    def __repr__(self) -> str:
        return f"CexVenue({self.name}, api_url={self.settings.api_url!r})"

    # -- market data ---------------------------------------------------------------------------

    def order_book(self, symbol: str, depth: int | None = None) -> OrderBook:
        """Both sides of ``symbol``'s book, ``depth`` levels each (the exchange's default if None)."""
        raw = self._call(f"order book {symbol}", lambda: self.exchange.fetch_order_book(symbol, depth))
        try:
            bids = sorted(_levels(raw["bids"]), key=lambda level: level.price, reverse=True)
            asks = sorted(_levels(raw["asks"]), key=lambda level: level.price)
            nonce = raw.get("nonce")
        except (TypeError, KeyError, AttributeError) as err:
            raise self._malformed(f"order book {symbol}", err) from None
        return OrderBook(symbol, tuple(bids), tuple(asks), nonce if isinstance(nonce, int) else None)

    # -- account -------------------------------------------------------------------------------

    def balances(self) -> dict[str, AssetBalance]:
        """Every asset the account holds (free or locked), by asset."""
        raw = self._call("balances", self.exchange.fetch_balance)
        what = "balances"
        self._require_info(raw, what)
        found = {}
        for asset, entry in raw.items():
            if asset in ("info", "free", "used", "total", "timestamp", "datetime") or not isinstance(entry, dict):
                continue
            free, locked = _decimal(entry.get("free"), what), _decimal(entry.get("used"), what)
            if free or locked:
                found[asset] = AssetBalance(asset, free, locked)
        return found

    def trading_fees(self) -> dict[str, TradingFee]:
        """The account's maker and taker rates, by market symbol."""
        raw = self._call("trading fees", self._fetch_trading_fees)
        if not isinstance(raw, dict):
            raise errors.MalformedAnswer(f"{self.name} trading fees: malformed answer")
        return {
            symbol: TradingFee(symbol, _decimal(fee.get("maker"), "fees"), _decimal(fee.get("taker"), "fees"))
            for symbol, fee in raw.items()
            if isinstance(fee, dict)
        }

    # -- orders --------------------------------------------------------------------------------

    def create_order(
        self,
        symbol: str,
        side: Side,
        kind: OrderKind,
        amount: Decimal | None,
        price: Decimal | None = None,
        *,
        cost: Decimal | None = None,
        time_in_force: TimeInForce = "GTC",
        client_id: str | None = None,
    ) -> Order:
        """Place an order: ``amount`` base at ``price`` (a limit) or at market; a market buy may
        instead give ``cost``, the quote to spend (ccxt's ``create_market_buy_order_with_cost``:
        Binance's ``quoteOrderQty``, OKX's ``tgtCcy=quote_ccy``).

        Where the exchange only acknowledges a new order (OKX answers its id, not its state), the
        order is asked for at once, and its fills too when it has some."""
        params: dict[str, Any] = {}
        if kind == "limit":
            params["timeInForce"] = time_in_force
        if client_id is not None:
            params["clientOrderId"] = client_id
        what = f"{kind} {side} {symbol}"
        if cost is not None:
            raw = self._call(what, lambda: self.exchange.create_market_buy_order_with_cost(symbol, _text(cost), params))
        else:
            raw = self._call(
                what, lambda: self.exchange.create_order(symbol, kind, side, _text(amount), _text(price), params)
            )
        if _acknowledged_only(raw):
            order = self.fetch_order(symbol, str(raw["id"]))
            return self._with_fills(order) if order.filled and not order.fills else order
        return self._order(raw, what)

    def cancel_order(self, symbol: str, order_id: str) -> Order:
        """Cancel an open order; the order as it stands after (asked for when the exchange only
        acknowledges the cancel, as OKX does)."""
        what = f"cancel {order_id} {symbol}"
        raw = self._call(what, lambda: self.exchange.cancel_order(order_id, symbol))
        if _acknowledged_only(raw):
            return self.fetch_order(symbol, order_id)
        return self._order(raw, what)

    def fetch_order(self, symbol: str, order_id: str) -> Order:
        what = f"order {order_id} {symbol}"
        return self._order(self._call(what, lambda: self.exchange.fetch_order(order_id, symbol)), what)

    def open_orders(self, symbol: str) -> list[Order]:
        what = f"open orders {symbol}"
        raw = self._call(what, lambda: self.exchange.fetch_open_orders(symbol))
        return [self._order(entry, what) for entry in _listed(raw, f"{self.name} {what}")]

    def fills(self, symbol: str, since_ms: int | None = None, limit: int | None = None) -> list[Fill]:
        """The account's trades in ``symbol``, oldest first."""
        what = f"fills {symbol}"
        raw = self._call(what, lambda: self.exchange.fetch_my_trades(symbol, since_ms, limit))
        return [_fill(entry, None, what) for entry in _listed(raw, f"{self.name} {what}")]

    # -- answers and errors --------------------------------------------------------------------

    def _fetch_trading_fees(self) -> dict[str, Any]:
        """ccxt's ``fetch_trading_fees``, or, where the exchange has no all-markets call (OKX),
        ``fetch_trading_fee`` of each spot market."""
        if self.exchange.has.get("fetchTradingFees") is True:
            return self.exchange.fetch_trading_fees()
        markets = self.exchange.load_markets()
        return {
            symbol: self.exchange.fetch_trading_fee(symbol)
            for symbol, market in markets.items()
            if isinstance(market, dict) and market.get("spot")
        }

    def _with_fills(self, order: Order) -> Order:
        """``order`` with its fills (the account's trades in its market that name it), and its cost
        their sum, exact (an exchange's average price times the amount need not be)."""
        fills = tuple(fill for fill in self.fills(order.symbol) if fill.order_id == order.order_id)
        if sum((fill.amount for fill in fills), Decimal(0)) != order.filled:
            return order  # older fills than the exchange lists at once: keep the order as reported
        return dataclasses.replace(order, fills=fills, cost=sum((fill.cost for fill in fills), Decimal(0)))

    def _order(self, raw: Any, what: str) -> Order:
        self._require_info(raw, what)
        try:
            status = raw["status"]
            if status not in STATUSES:
                raise ValueError(status)
            order_id = str(raw["id"])
            fills = tuple(_fill(trade, order_id, what) for trade in raw.get("trades") or ())
            return Order(
                order_id=order_id,
                client_id=raw.get("clientOrderId"),
                symbol=raw["symbol"],
                side=raw["side"],
                kind=raw["type"],
                status=status,
                price=_decimal(raw["price"], what) if raw["type"] == "limit" else None,
                amount=_decimal(raw["amount"], what),
                filled=_decimal(raw["filled"], what),
                cost=_decimal(raw["cost"], what),
                timestamp_ms=raw.get("timestamp"),
                fills=fills,
            )
        except (TypeError, KeyError, ValueError) as err:
            raise self._malformed(what, err) from None

    def _require_info(self, raw: Any, what: str) -> None:
        """An answer ccxt parsed must carry the exchange's JSON as ``info``."""
        if not isinstance(raw, dict) or not isinstance(raw.get("info"), (dict, list)):
            raise errors.MalformedAnswer(f"{self.name} {what}: malformed answer (not a JSON object)")

    def _malformed(self, what: str, err: Exception) -> errors.MalformedAnswer:
        return errors.MalformedAnswer(f"{self.name} {what}: malformed answer ({type(err).__name__})")

    def _call(self, what: str, call: Callable[[], T]) -> T:
        """Run one ccxt call; any failure leaves as one of :mod:`keepers.venues.errors`."""
        where = f"{self.name} {what}"
        try:
            answer = call()
        except ccxt.RequestTimeout:
            raise errors.VenueTimeout(f"{where}: no answer within {self.settings.timeout_seconds:g} s") from None
        except (ccxt.DDoSProtection, ccxt.RateLimitExceeded):
            retry_after = self._retry_after()
            after = f" (retry after {retry_after:g} s)" if retry_after is not None else ""
            raise errors.RateLimited(f"{where}: rate limited{after}", retry_after) from None
        except ccxt.InvalidNonce as err:
            raise errors.TimestampRejected(f"{where}: timestamp refused ({_reason(err, self.name)})") from None
        except ccxt.AuthenticationError as err:
            raise errors.AuthenticationFailed(f"{where}: authentication failed ({_reason(err, self.name)})") from None
        except ccxt.InsufficientFunds:
            raise errors.InsufficientBalance(f"{where}: insufficient balance") from None
        except ccxt.OrderNotFound:
            raise errors.OrderNotFound(f"{where}: no such order") from None
        except (ccxt.InvalidOrder, ccxt.BadSymbol, ccxt.BadRequest, ccxt.ArgumentsRequired) as err:
            raise errors.OrderRejected(f"{where}: rejected ({_reason(err, self.name)})") from None
        except ccxt.BadResponse:
            raise errors.MalformedAnswer(f"{where}: malformed answer") from None
        except (ccxt.NetworkError, ccxt.ExchangeNotAvailable, ccxt.OnMaintenance) as err:
            raise errors.VenueUnavailable(f"{where}: unavailable ({type(err).__name__})") from None
        except ccxt.BaseError as err:
            raise errors.VenueError(f"{where}: {type(err).__name__} ({_reason(err, self.name)})") from None
        except (TypeError, ValueError, KeyError, AttributeError, IndexError) as err:  # ccxt choked on the answer
            raise self._malformed(what, err) from None
        if self.exchange.last_json_response is None:  # ccxt parsed a body that is not JSON as if it were empty
            raise errors.MalformedAnswer(f"{where}: malformed answer (not JSON)")
        return answer

    def _retry_after(self) -> float | None:
        headers = self.exchange.last_response_headers or {}
        value = headers.get("Retry-After") if hasattr(headers, "get") else None
        try:
            return float(value) if value is not None else None
        except ValueError:
            return None


def _redacting_logger(secrets: list[str]) -> logging.Logger:
    """A logger of this instance's own (not registered, so filters never pile up on a shared one)
    that redacts ``secrets`` and hands its records on to ``keepers.venues.cex.ccxt``'s handlers."""
    logger = logging.Logger(f"{__name__}.ccxt")
    logger.parent = logging.getLogger(f"{__name__}.ccxt")
    logger.addFilter(RedactingFilter(Redactor(secrets)))
    return logger


def _reason(err: Exception, exchange_id: str) -> str:
    """The exchange's own ``msg`` when ccxt's message carries the JSON body; else the error's kind."""
    text = str(err)
    found = EXCHANGE_MESSAGE.search(text)
    if found is None:
        known = text.removeprefix(f"{exchange_id} ").strip()  # ccxt starts its messages with the exchange id
        reason = known if known and "http" not in known and "{" not in known else type(err).__name__
    else:
        reason = json.loads(f'"{found.group(1)}"')
    reason = " ".join(reason.split())
    return reason if len(reason) <= SHOWN else reason[: SHOWN - 1] + "…"


def _acknowledged_only(raw: Any) -> bool:
    """ccxt's order from an answer that carries the id alone (no status, no amounts)."""
    return isinstance(raw, dict) and raw.get("status") is None and raw.get("id") is not None


def _decimal(value: Any, what: str) -> Decimal:
    """An amount as the exchange wrote it; absent is zero. A float (ccxt computed it) is refused."""
    if value is None:
        return Decimal(0)
    if isinstance(value, bool) or isinstance(value, float):
        raise errors.MalformedAnswer(f"{what}: malformed answer (a float where digits were expected)")
    try:
        number = Decimal(value) if isinstance(value, (str, int)) else Decimal(str(value))
    except InvalidOperation:
        raise errors.MalformedAnswer(f"{what}: malformed answer (not a number: {str(value)[:20]!r})") from None
    if not number.is_finite():
        raise errors.MalformedAnswer(f"{what}: malformed answer (not a number)")
    return number


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _levels(raw: Iterable[Any]) -> list[Level]:
    return [Level(_decimal(entry[0], "order book"), _decimal(entry[1], "order book")) for entry in raw]


def _listed(raw: Any, what: str) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not all(isinstance(entry, dict) for entry in raw):
        raise errors.MalformedAnswer(f"{what}: malformed answer (not a JSON list)")
    return raw


def _fill(raw: dict[str, Any], order_id: str | None, what: str) -> Fill:
    fee = raw.get("fee") or {}
    maker = raw.get("takerOrMaker")
    return Fill(
        trade_id=str(raw["id"]),
        order_id=str(raw["order"]) if raw.get("order") is not None else order_id,
        symbol=raw["symbol"],
        side=raw.get("side"),
        price=_decimal(raw["price"], what),
        amount=_decimal(raw["amount"], what),
        cost=_decimal(raw["price"], what) * _decimal(raw["amount"], what),
        fee=_decimal(fee.get("cost"), what),
        fee_asset=fee.get("currency"),
        maker=None if maker is None else maker == "maker",
        timestamp_ms=raw.get("timestamp"),
    )


def _string_levels(exchange: ccxt.Exchange) -> None:
    """Make ``exchange`` parse book levels as strings (ccxt parses them with ``safe_float``)."""

    def parse_order_book_bid_ask(bidask: Any, price_key: Any = 0, amount_key: Any = 1, count_key: Any = 2) -> list[Any]:
        return [exchange.safe_string(bidask, price_key), exchange.safe_string(bidask, amount_key)]

    exchange.parse_order_book_bid_ask = parse_order_book_bid_ask  # type: ignore[method-assign]
