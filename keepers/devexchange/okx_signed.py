"""OKX's v5 signed REST format over the matching engine: authentication, account, fees, orders, fills.

**Signing, as OKX checks it.** A private request carries ``OK-ACCESS-KEY``, ``OK-ACCESS-PASSPHRASE``
(chosen when the key was made), ``OK-ACCESS-TIMESTAMP`` (ISO-8601 UTC with milliseconds,
``2026-01-02T03:04:05.678Z``) and ``OK-ACCESS-SIGN``: base64 of the HMAC-SHA256, keyed with the
secret, of ``timestamp + METHOD + requestPath + body``, where the path includes the query string
as sent (``/api/v5/trade/order?instId=ETH-USDC&ordId=1``) and the body is the JSON as sent (empty
for a GET). Refusals, HTTP 401, in the order they are checked:

- a header missing: ``50103`` key, ``50104`` passphrase, ``50106`` sign, ``50107`` timestamp;
- ``50111 Invalid OK-ACCESS-KEY``; ``50112 Invalid OK-ACCESS-TIMESTAMP`` (not ISO-8601);
- ``50102 Timestamp request expired``: more than 30 s from the server's clock, either way;
- ``50105 OK-ACCESS-PASSPHRASE incorrect``; ``50113 Invalid Sign``.

**Endpoints** (what ccxt's ``okx`` calls, spot, cash mode): ``GET /api/v5/asset/currencies``
(loading markets with keys), ``GET /api/v5/account/balance``, ``GET /api/v5/account/trade-fee``,
``POST /api/v5/trade/order`` and ``/trade/batch-orders`` (ccxt's default), ``POST
/api/v5/trade/cancel-order``, ``GET /api/v5/trade/order``, ``GET /api/v5/trade/orders-pending``,
``GET /api/v5/trade/fills`` and ``/trade/fills-history``. Order types ``market``, ``limit``,
``ioc``, ``fok``; a market buy's ``sz`` is quote unless ``tgtCcy=base_ccy`` (as on OKX).

**Refusals of orders** are OKX's: HTTP 200, ``code "1"`` and the reason per order in ``data``
(``sCode``/``sMsg``): ``51008`` insufficient balance, ``51121`` lot size, ``51020`` minimum
amount, ``51400`` cancel of an order not open. ``51603 Order does not exist`` (top level) for a
query; ``51000 Parameter {name} error``; ``50002`` a body that is not JSON. Fees are written as OKX
writes them: negative is charged (``maker: "-0.001"``, ``fee: "-0.0005"``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from keepers.devexchange.accounts import InsufficientBalance
from keepers.devexchange.book import (
    Fill,
    FilterFailure,
    MatchingEngine,
    Order,
    OrderType,
    Side,
    Status,
    TimeInForce,
    UnknownOrder,
)
from keepers.devexchange.okx import OkxError, decimal, inst_id, listing_of, ok, parameter_error
from keepers.devexchange.signing import ApiKey

EXPIRY_MS = 30_000
NUMBER = re.compile(r"^[0-9]{1,20}(\.[0-9]{1,20})?$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
STATES = {
    Status.NEW: "live",
    Status.PARTIALLY_FILLED: "partially_filled",
    Status.FILLED: "filled",
    Status.CANCELED: "canceled",
    Status.EXPIRED: "canceled",
    Status.EXPIRED_IN_MATCH: "canceled",
}
ORDER_TYPES = {
    "market": (OrderType.MARKET, None),
    "limit": (OrderType.LIMIT, TimeInForce.GTC),
    "ioc": (OrderType.LIMIT, TimeInForce.IOC),
    "fok": (OrderType.LIMIT, TimeInForce.FOK),
}
FILTERS = {
    "PRICE_FILTER": ("51006", "Order price is not within the price limit."),
    "LOT_SIZE": ("51121", "Order quantity must be a multiple of the lot size."),
    "MIN_NOTIONAL": ("51020", "Your order should meet or exceed the minimum order amount."),
}
Params = Mapping[str, Any]
Handler = Callable[[MatchingEngine, ApiKey, Params], list[Any]]


def auth_error(code: str, message: str) -> OkxError:
    return OkxError(code, message, 401)


def sign(secret: str, timestamp: str, method: str, request_path: str, body: str) -> str:
    """OKX's ``OK-ACCESS-SIGN``: base64(HMAC-SHA256(secret, timestamp + method + requestPath + body))."""
    digest = hmac.new(secret.encode(), f"{timestamp}{method}{request_path}{body}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def authenticate(
    keys: Mapping[str, ApiKey], headers: Mapping[str, str], method: str, target: str, body: str, now_ms: int
) -> ApiKey:
    """The key a private request is made with, or the :class:`OkxError` OKX would answer."""
    for header, code in (
        ("ok-access-key", "50103"),
        ("ok-access-passphrase", "50104"),
        ("ok-access-sign", "50106"),
        ("ok-access-timestamp", "50107"),
    ):
        if not headers.get(header):
            raise auth_error(code, f"Request header {header.upper()} can not be empty.")
    key = keys.get(headers["ok-access-key"])
    if key is None:
        raise auth_error("50111", "Invalid OK-ACCESS-KEY.")
    timestamp = headers["ok-access-timestamp"]
    if not TIMESTAMP.match(timestamp):
        raise auth_error("50112", "Invalid OK-ACCESS-TIMESTAMP.")
    try:
        sent_ms = int(datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp() * 1000)
    except ValueError:
        raise auth_error("50112", "Invalid OK-ACCESS-TIMESTAMP.") from None
    if abs(now_ms - sent_ms) > EXPIRY_MS:
        raise auth_error("50102", "Timestamp request expired.")
    if key.passphrase is None or not hmac.compare_digest(headers["ok-access-passphrase"], key.passphrase):
        raise auth_error("50105", "OK-ACCESS-PASSPHRASE incorrect.")
    if not hmac.compare_digest(headers["ok-access-sign"], sign(key.secret, timestamp, method, target, body)):
        raise auth_error("50113", "Invalid Sign.")
    return key


def number(params: Params, name: str) -> Decimal | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not NUMBER.match(value):
        raise parameter_error(name)
    return Decimal(value)


def refused_order(code: str, message: str, params: Params) -> OkxError:
    entry = {"clOrdId": params.get("clOrdId", ""), "ordId": "", "sCode": code, "sMsg": message, "tag": "", "ts": ""}
    return OkxError("1", "All operations failed", 200, [entry])


def order_details(order: Order, fills: list[Fill]) -> dict[str, Any]:
    """``GET /trade/order`` and ``orders-pending``: an order and how far it got."""
    received = order.listing.base if order.side is Side.BUY else order.listing.quote
    fee = sum((fill.commission for fill in fills), Decimal(0))
    quote_sized = order.quote_quantity is not None
    last = fills[-1] if fills else None
    if order.type is OrderType.MARKET:
        kind = "market"
    else:
        kind = {TimeInForce.IOC: "ioc", TimeInForce.FOK: "fok"}.get(order.time_in_force or TimeInForce.GTC, "limit")
    return {
        "instType": "SPOT",
        "instId": inst_id(order.listing),
        "ordId": str(order.order_id),
        "clOrdId": "" if order.client_order_id.startswith("dev-") else order.client_order_id,
        "tag": "",
        "px": decimal(order.price) if order.price is not None else "",
        "sz": decimal(order.quote_quantity if quote_sized and order.quote_quantity is not None else order.quantity),
        "ordType": kind,
        "side": order.side.value.lower(),
        "tdMode": "cash",
        "tgtCcy": "quote_ccy" if quote_sized else "base_ccy",
        "accFillSz": decimal(order.executed),
        "avgPx": decimal((order.cumulative_quote / order.executed).normalize()) if order.executed else "",
        "fillPx": decimal(last.price) if last else "",
        "fillSz": decimal(last.quantity) if last else "0",
        "fillTime": str(last.time_ms) if last else "",
        "tradeId": str(last.trade_id) if last else "",
        "state": STATES[order.status],
        "fee": decimal(-fee),
        "feeCcy": received,
        "rebate": "0",
        "rebateCcy": order.listing.quote if order.side is Side.BUY else order.listing.base,
        "category": "normal",
        "cTime": str(order.time_ms),
        "uTime": str(order.update_ms),
    }


def fill_details(fill: Fill, order: Order) -> dict[str, Any]:
    """``GET /trade/fills``: one of the account's trades; the fee negative, as charged."""
    return {
        "instType": "SPOT",
        "instId": inst_id(order.listing),
        "tradeId": str(fill.trade_id),
        "ordId": str(fill.order_id),
        "clOrdId": "" if order.client_order_id.startswith("dev-") else order.client_order_id,
        "billId": str(fill.trade_id * 2 + (0 if fill.maker else 1)),
        "tag": "",
        "fillPx": decimal(fill.price),
        "fillSz": decimal(fill.quantity),
        "side": fill.side.value.lower(),
        "posSide": "net",
        "execType": "M" if fill.maker else "T",
        "feeCcy": fill.commission_asset,
        "fee": decimal(-fill.commission),
        "ts": str(fill.time_ms),
        "fillTime": str(fill.time_ms),
    }


def currencies(engine: MatchingEngine, key: ApiKey, params: Params) -> list[Any]:
    assets = sorted({asset for listing in engine.markets.listings() for asset in (listing.base, listing.quote)})
    return [
        {"ccy": asset, "name": asset, "chain": f"{asset}-ERC20", "canDep": True, "canWd": True, "canInternal": True}
        for asset in assets
    ]


def balance(engine: MatchingEngine, key: ApiKey, params: Params) -> list[Any]:
    now = str(engine.markets.now_ms())
    wanted = set(params["ccy"].split(",")) if params.get("ccy") else None
    details = [
        {
            "ccy": asset,
            "eq": decimal(held.total),
            "cashBal": decimal(held.total),
            "availBal": decimal(held.free),
            "frozenBal": decimal(held.locked),
            "ordFrozen": decimal(held.locked),
            "availEq": "",  # spot (cash) mode: OKX leaves it empty
            "uTime": now,
        }
        for asset, held in sorted(engine.balances(key.account).items())
        if wanted is None or asset in wanted
    ]
    return [{"uTime": now, "totalEq": "", "details": details}]


def trade_fee(engine: MatchingEngine, key: ApiKey, params: Params) -> list[Any]:
    if params.get("instType") != "SPOT":
        raise parameter_error("instType")
    fees = engine.fees_of(key.account)
    return [
        {
            "instType": "SPOT",
            "level": "Lv1",
            "maker": decimal(-fees.maker),
            "taker": decimal(-fees.taker),
            "ts": str(engine.markets.now_ms()),
        }
    ]


def place(engine: MatchingEngine, key: ApiKey, params: Params) -> dict[str, Any]:
    """One order of ``/trade/order`` or ``/trade/batch-orders``: its acknowledgement or its refusal."""
    listing = listing_of(engine.markets, params.get("instId"))
    side = {"buy": Side.BUY, "sell": Side.SELL}.get(params.get("side", ""))
    if side is None:
        raise parameter_error("side")
    if params.get("tdMode") != "cash":
        raise parameter_error("tdMode")
    if params.get("ordType") not in ORDER_TYPES:
        raise parameter_error("ordType")
    kind, time_in_force = ORDER_TYPES[params["ordType"]]
    size, price = number(params, "sz"), number(params, "px")
    if size is None:
        raise parameter_error("sz")
    if kind is OrderType.LIMIT and price is None:
        raise parameter_error("px")
    quote_sized = kind is OrderType.MARKET and side is Side.BUY and params.get("tgtCcy", "quote_ccy") == "quote_ccy"
    try:
        placed = engine.place(
            key.account,
            listing.market_id,
            side,
            kind,
            quantity=None if quote_sized else size,
            price=price if kind is OrderType.LIMIT else None,
            time_in_force=time_in_force,
            quote_quantity=size if quote_sized else None,
            client_order_id=params.get("clOrdId") or None,
        )
    except FilterFailure as failure:
        raise refused_order(*FILTERS[failure.name], params) from None
    except InsufficientBalance as short:
        raise refused_order("51008", f"Order failed. Insufficient {short.asset} balance in account.", params) from None
    order = placed.order
    return {
        "clOrdId": params.get("clOrdId", ""),
        "ordId": str(order.order_id),
        "tag": params.get("tag", ""),
        "ts": str(order.time_ms),
        "sCode": "0",
        "sMsg": "Order placed",
    }


def place_order(engine: MatchingEngine, key: ApiKey, params: Params) -> list[Any]:
    return [place(engine, key, params)]


def place_orders(engine: MatchingEngine, key: ApiKey, params: Params) -> list[Any]:
    orders = params.get("orders")
    if not isinstance(orders, list) or not 1 <= len(orders) <= 20 or not all(isinstance(o, dict) for o in orders):
        raise parameter_error("orders")
    return [place(engine, key, order) for order in orders]


def _order_ref(engine: MatchingEngine, params: Params) -> tuple[str, int | None, str | None]:
    """The market, order id and client id a cancel or a query names."""
    listing = listing_of(engine.markets, params.get("instId"))
    order_id, client_id = params.get("ordId"), params.get("clOrdId")
    if not order_id and not client_id:
        raise parameter_error("ordId")
    if order_id and not str(order_id).isdigit():
        raise OkxError("51603", "Order does not exist")
    return listing.market_id, (int(order_id) if order_id else None), client_id or None


def cancel_order(engine: MatchingEngine, key: ApiKey, params: Params) -> list[Any]:
    market_id, order_id, client_id = _order_ref(engine, params)
    try:
        order = engine.cancel(key.account, market_id, order_id=order_id, client_id=client_id)
    except UnknownOrder:
        message = "Order cancellation failed as the order has been filled, canceled or does not exist."
        raise refused_order("51400", message, params) from None
    acknowledged = {"clOrdId": params.get("clOrdId", ""), "ordId": str(order.order_id), "ts": str(order.update_ms)}
    return [acknowledged | {"sCode": "0", "sMsg": ""}]


def query_order(engine: MatchingEngine, key: ApiKey, params: Params) -> list[Any]:
    market_id, order_id, client_id = _order_ref(engine, params)
    try:
        order = engine.order(key.account, market_id, order_id=order_id, client_id=client_id)
    except UnknownOrder:
        raise OkxError("51603", "Order does not exist") from None
    return [order_details(order, engine.fills(key.account, market_id, order_id=order.order_id))]


def pending_orders(engine: MatchingEngine, key: ApiKey, params: Params) -> list[Any]:
    market_id = listing_of(engine.markets, params["instId"]).market_id if params.get("instId") else None
    found = engine.open_orders(key.account, market_id)
    return [
        order_details(order, engine.fills(key.account, order.listing.market_id, order_id=order.order_id))
        for order in reversed(found)  # newest first, as OKX lists
    ]


def fills(engine: MatchingEngine, key: ApiKey, params: Params) -> list[Any]:
    if params.get("instType", "SPOT") != "SPOT":
        return []
    listings = [listing_of(engine.markets, params["instId"])] if params.get("instId") else engine.markets.listings()
    order_id, begin, end = (
        int(value) if (value := str(params.get(name, ""))).isdigit() else None for name in ("ordId", "begin", "end")
    )
    found = []
    for listing in listings:
        for fill in engine.fills(key.account, listing.market_id, order_id=order_id, since_ms=begin, until_ms=end):
            order = engine.order(key.account, listing.market_id, order_id=fill.order_id)
            found.append((fill, order))
    limit = int(params["limit"]) if str(params.get("limit", "")).isdigit() else 100
    newest_first = sorted(found, key=lambda pair: (pair[0].time_ms, pair[0].trade_id), reverse=True)
    return [fill_details(fill, order) for fill, order in newest_first[: min(limit, 100)]]


ROUTES: dict[tuple[str, str], Handler] = {
    ("GET", "/api/v5/asset/currencies"): currencies,
    ("GET", "/api/v5/account/balance"): balance,
    ("GET", "/api/v5/account/trade-fee"): trade_fee,
    ("POST", "/api/v5/trade/order"): place_order,
    ("POST", "/api/v5/trade/batch-orders"): place_orders,
    ("POST", "/api/v5/trade/cancel-order"): cancel_order,
    ("GET", "/api/v5/trade/order"): query_order,
    ("GET", "/api/v5/trade/orders-pending"): pending_orders,
    ("GET", "/api/v5/trade/fills"): fills,
    ("GET", "/api/v5/trade/fills-history"): fills,
}


def params_of(method: str, query: Mapping[str, str], body: str) -> Params:
    """A GET's query, or a POST's JSON body (a list, as batch-orders sends, becomes ``orders``)."""
    if method == "GET":
        return query
    try:
        parsed = json.loads(body) if body else {}
    except json.JSONDecodeError:
        raise OkxError("50002", "Json data format error", 400) from None
    if isinstance(parsed, list):
        return {"orders": parsed}
    if not isinstance(parsed, dict):
        raise OkxError("50002", "Json data format error", 400)
    return {
        name: value if isinstance(value, (str, list, dict)) else json.dumps(value) for name, value in parsed.items()
    }


def answer(engine: MatchingEngine, key: ApiKey, method: str, path: str, params: Params) -> tuple[int, Any]:
    """(HTTP status, JSON body) of an authenticated request to a private route."""
    try:
        return 200, ok(ROUTES[(method, path)](engine, key, params))
    except OkxError as refusal:
        return refusal.answer()
