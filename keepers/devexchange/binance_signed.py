"""Binance's signed spot endpoints over the matching engine: the account, fees, orders and trades.

What ccxt's ``binance`` calls for ``fetch_balance`` (``GET /api/v3/account``),
``fetch_trading_fees`` (``GET /sapi/v1/asset/tradeFee``), ``create_order`` (``POST /api/v3/order``,
parameters in the form body), ``cancel_order`` (``DELETE /api/v3/order``), ``fetch_order``
(``GET /api/v3/order``), ``fetch_open_orders`` (``GET /api/v3/openOrders``) and ``fetch_my_trades``
(``GET /api/v3/myTrades``). Each request is authenticated first (:mod:`keepers.devexchange.signing`);
then Binance's refusals, with its codes and messages (ccxt maps several by message, not code):

- ``-1121 Invalid symbol.``; ``-1102`` a mandatory parameter missing; ``-1100`` a malformed number;
  ``-1116``/``-1117``/``-1115`` an unknown order type, side or time in force;
- ``-1013 Filter failure: PRICE_FILTER|LOT_SIZE|MIN_NOTIONAL``;
- ``-2010 Account has insufficient balance for requested action.`` (nothing is placed);
- ``-2011 Unknown order sent.`` (cancel of an order not open); ``-2013 Order does not exist.``
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from keepers.devexchange.accounts import InsufficientBalance
from keepers.devexchange.binance import BinanceError, decimal, listing_of, mandatory
from keepers.devexchange.book import (
    Fill,
    FilterFailure,
    MatchingEngine,
    Order,
    OrderType,
    Side,
    TimeInForce,
    UnknownOrder,
)
from keepers.devexchange.signing import ApiKey

NUMBER = re.compile(r"^([0-9]{1,20})(\.[0-9]{1,20})?$")
INSUFFICIENT = BinanceError(-2010, "Account has insufficient balance for requested action.")
UNKNOWN_ORDER = BinanceError(-2011, "Unknown order sent.")
NO_SUCH_ORDER = BinanceError(-2013, "Order does not exist.")
STP = "EXPIRE_MAKER"

E = TypeVar("E", Side, OrderType, TimeInForce)
Handler = Callable[[MatchingEngine, ApiKey, Mapping[str, str]], Any]


def number(params: Mapping[str, str], name: str) -> Decimal | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if not NUMBER.match(value):
        raise BinanceError(
            -1100,
            f"Illegal characters found in parameter '{name}'; legal range is '^([0-9]{{1,20}})(\\.[0-9]{{1,20}})?$'.",
        )
    return Decimal(value)


def choice(kind: type[E], value: str | None, name: str, code: int) -> E:
    if value is None:
        raise mandatory(name)
    try:
        return kind(value)
    except ValueError:
        raise BinanceError(code, f"Invalid {name}.") from None


def order_fields(order: Order) -> dict[str, Any]:
    """What every order answer has (``GET``, ``DELETE``, ``openOrders``, and ``POST`` as RESULT)."""
    return {
        "symbol": order.listing.market_id,
        "orderId": order.order_id,
        "orderListId": -1,
        "clientOrderId": order.client_order_id,
        "price": decimal(order.price if order.price is not None else Decimal(0)),
        "origQty": decimal(order.quantity),
        "executedQty": decimal(order.executed),
        "origQuoteOrderQty": decimal(order.quote_quantity if order.quote_quantity is not None else Decimal(0)),
        "cummulativeQuoteQty": decimal(order.cumulative_quote),  # sic: Binance's spelling
        "status": order.status.value,
        "timeInForce": (order.time_in_force or TimeInForce.GTC).value,
        "type": order.type.value,
        "side": order.side.value,
        "workingTime": order.time_ms,
        "selfTradePreventionMode": STP,
    }


def queried_order(order: Order) -> dict[str, Any]:
    return {
        **order_fields(order),
        "stopPrice": decimal(Decimal(0)),
        "icebergQty": decimal(Decimal(0)),
        "time": order.time_ms,
        "updateTime": order.update_ms,
        "isWorking": True,
    }


def my_trade(fill: Fill) -> dict[str, Any]:
    return {
        "symbol": fill.market_id,
        "id": fill.trade_id,
        "orderId": fill.order_id,
        "orderListId": -1,
        "price": decimal(fill.price),
        "qty": decimal(fill.quantity),
        "quoteQty": decimal(fill.quote_quantity),
        "commission": decimal(fill.commission),
        "commissionAsset": fill.commission_asset,
        "time": fill.time_ms,
        "isBuyer": fill.side is Side.BUY,
        "isMaker": fill.maker,
        "isBestMatch": True,
    }


def account(engine: MatchingEngine, key: ApiKey, params: Mapping[str, str]) -> dict[str, Any]:
    fees = engine.fees_of(key.account)
    balances = engine.balances(key.account)
    omit_zero = params.get("omitZeroBalances") == "true"
    return {
        "makerCommission": int(fees.maker * 10_000),
        "takerCommission": int(fees.taker * 10_000),
        "buyerCommission": 0,
        "sellerCommission": 0,
        "commissionRates": {
            "maker": decimal(fees.maker),
            "taker": decimal(fees.taker),
            "buyer": decimal(Decimal(0)),
            "seller": decimal(Decimal(0)),
        },
        "canTrade": True,
        "canWithdraw": True,
        "canDeposit": True,
        "brokered": False,
        "requireSelfTradePrevention": False,
        "preventSor": False,
        "updateTime": engine.markets.now_ms(),
        "accountType": "SPOT",
        "balances": [
            {"asset": asset, "free": decimal(held.free), "locked": decimal(held.locked)}
            for asset, held in sorted(balances.items())
            if not (omit_zero and held.total == 0)
        ],
        "permissions": ["SPOT"],
        "uid": abs(hash(key.account)) % 10**9,
    }


def trade_fee(engine: MatchingEngine, key: ApiKey, params: Mapping[str, str]) -> list[dict[str, Any]]:
    fees = engine.fees_of(key.account)
    listings = engine.markets.listings()
    if "symbol" in params:
        listings = [listing_of(engine.markets, params["symbol"])]
    return [
        {"symbol": listing.market_id, "makerCommission": str(fees.maker), "takerCommission": str(fees.taker)}
        for listing in listings
    ]


def new_order(engine: MatchingEngine, key: ApiKey, params: Mapping[str, str]) -> dict[str, Any]:
    listing = listing_of(engine.markets, params.get("symbol"))
    side = choice(Side, params.get("side"), "side", -1117)
    kind = choice(OrderType, params.get("type"), "orderType", -1116)
    quantity, price, quote = number(params, "quantity"), number(params, "price"), number(params, "quoteOrderQty")
    time_in_force = None
    if kind is OrderType.LIMIT:
        time_in_force = choice(TimeInForce, params.get("timeInForce"), "timeInForce", -1115)
        for name, value in (("quantity", quantity), ("price", price)):
            if value is None:
                raise mandatory(name)
    elif quantity is None and quote is None:
        raise BinanceError(-1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!")
    elif quote is not None and (quantity is not None or side is Side.SELL):
        raise BinanceError(-1106, "Parameter 'quoteOrderQty' sent when not required.")
    try:
        placed = engine.place(
            key.account,
            listing.market_id,
            side,
            kind,
            quantity=quantity,
            price=price,
            time_in_force=time_in_force,
            quote_quantity=quote,
            client_order_id=params.get("newClientOrderId"),
        )
    except FilterFailure as failure:
        raise BinanceError(-1013, str(failure)) from None
    except InsufficientBalance:
        raise INSUFFICIENT from None
    order = placed.order
    answer = {**order_fields(order), "transactTime": order.time_ms}
    response_type = params.get("newOrderRespType", "FULL")
    if response_type == "ACK":
        return {key: answer[key] for key in ("symbol", "orderId", "orderListId", "clientOrderId", "transactTime")}
    if response_type == "FULL":
        answer["fills"] = [
            {
                "price": decimal(fill.price),
                "qty": decimal(fill.quantity),
                "commission": decimal(fill.commission),
                "commissionAsset": fill.commission_asset,
                "tradeId": fill.trade_id,
            }
            for fill in placed.fills
        ]
    return answer


def _order_ref(params: Mapping[str, str]) -> tuple[int | None, str | None]:
    order_id, client_id = params.get("orderId"), params.get("origClientOrderId")
    if not order_id and not client_id:
        raise BinanceError(-1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!")
    if order_id and not order_id.isdigit():
        raise mandatory("orderId")
    return (int(order_id) if order_id else None), client_id or None


def query_order(engine: MatchingEngine, key: ApiKey, params: Mapping[str, str]) -> dict[str, Any]:
    listing = listing_of(engine.markets, params.get("symbol"))
    order_id, client_id = _order_ref(params)
    try:
        return queried_order(engine.order(key.account, listing.market_id, order_id=order_id, client_id=client_id))
    except UnknownOrder:
        raise NO_SUCH_ORDER from None


def cancel_order(engine: MatchingEngine, key: ApiKey, params: Mapping[str, str]) -> dict[str, Any]:
    listing = listing_of(engine.markets, params.get("symbol"))
    order_id, client_id = _order_ref(params)
    try:
        order = engine.cancel(key.account, listing.market_id, order_id=order_id, client_id=client_id)
    except UnknownOrder:
        raise UNKNOWN_ORDER from None
    return {**order_fields(order), "origClientOrderId": order.client_order_id, "transactTime": order.update_ms}


def open_orders(engine: MatchingEngine, key: ApiKey, params: Mapping[str, str]) -> list[dict[str, Any]]:
    market_id = listing_of(engine.markets, params["symbol"]).market_id if "symbol" in params else None
    return [queried_order(order) for order in engine.open_orders(key.account, market_id)]


def my_trades(engine: MatchingEngine, key: ApiKey, params: Mapping[str, str]) -> list[dict[str, Any]]:
    listing = listing_of(engine.markets, params.get("symbol"))
    order_id = params.get("orderId")
    fills = engine.fills(
        key.account,
        listing.market_id,
        order_id=int(order_id) if order_id else None,
        since_ms=_number(params, "startTime"),
        until_ms=_number(params, "endTime"),
    )
    if params.get("fromId", "").isdigit():
        fills = [fill for fill in fills if fill.trade_id >= int(params["fromId"])]
    limit = int(params["limit"]) if params.get("limit", "").isdigit() else 500
    return [my_trade(fill) for fill in fills[: min(limit, 1000)]]


def _number(params: Mapping[str, str], name: str) -> int | None:
    """A whole-number parameter, or None when absent or not a number (Binance ignores it then)."""
    value = params.get(name, "")
    return int(value) if value.isdigit() else None


ROUTES: dict[tuple[str, str], Handler] = {
    ("GET", "/api/v3/account"): account,
    ("GET", "/sapi/v1/asset/tradeFee"): trade_fee,
    ("POST", "/api/v3/order"): new_order,
    ("DELETE", "/api/v3/order"): cancel_order,
    ("GET", "/api/v3/order"): query_order,
    ("GET", "/api/v3/openOrders"): open_orders,
    ("GET", "/api/v3/myTrades"): my_trades,
}


def answer(engine: MatchingEngine, key: ApiKey, method: str, path: str, params: Mapping[str, str]) -> tuple[int, Any]:
    """(HTTP status, JSON body) of an authenticated request to a signed route."""
    try:
        return 200, ROUTES[(method, path)](engine, key, params)
    except BinanceError as refusal:
        return refusal.answer()
