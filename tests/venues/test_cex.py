"""The ccxt venue adapter against the local exchange (Binance's spot REST API on 127.0.0.1).

Trades walk a real book in the devexchange's matching engine and come back through ccxt exact to
the last digit: fills, commissions, balances locked and unlocked. Every failure reaches the
caller as one of :mod:`keepers.venues.errors`, in one line, never with the key or the secret.
"""

from __future__ import annotations

import logging
import time
from decimal import Decimal as D

import pytest
from pydantic import SecretStr

from keepers.devexchange.book import MARKET_MAKER
from keepers.devexchange.server import DevExchange
from keepers.venues import errors
from keepers.venues.cex import CexVenue
from keepers.venues.models import AssetBalance, Level, VenueSettings
from keepers.venues.polling import BookPoller, PollPace
from tests.venues.exchange import SYMBOL, Clock, laid_book

KEY, SECRET = "lapidary-test-key", "s3cr3t-never-shown-0123456789"
TIMEOUT = 0.4


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def server(clock):
    with laid_book(clock) as exchange:
        exchange.open_account(KEY, SECRET, {"USDC": D(10_000), "ETH": D(2)})
        exchange.open_account("other-key-000", "other-secret", {"ETH": D(5)}, account="other")
        yield exchange


def venue(server: DevExchange, key: str = KEY, secret: str = SECRET) -> CexVenue:
    return CexVenue(
        VenueSettings(
            api_url=server.url,
            api_key=SecretStr(key),
            secret=SecretStr(secret),
            timeout_seconds=TIMEOUT,
            throttle=False,
        )
    )


def test_a_market_buy_walks_the_book_exactly(server):
    account = venue(server)
    assert account.order_book(SYMBOL, 3).asks == (
        Level(D(2001), D("0.5")),
        Level(D(2002), D("0.5")),
        Level(D(2003), D("0.5")),
    )
    order = account.create_order(SYMBOL, "buy", "market", D("1.2"))
    assert (order.status, order.filled, order.cost) == ("closed", D("1.2"), D("2402.1"))
    assert [(f.price, f.amount, f.fee, f.fee_asset) for f in order.fills] == [
        (D(2001), D("0.5"), D("0.0005"), "ETH"),
        (D(2002), D("0.5"), D("0.0005"), "ETH"),
        (D(2003), D("0.2"), D("0.0002"), "ETH"),
    ]
    assert account.balances() == {
        "USDC": AssetBalance("USDC", D(10_000) - D("2402.1"), D(0)),
        "ETH": AssetBalance("ETH", D(2) + D("1.2") - D("0.0012"), D(0)),
    }
    fills = account.fills(SYMBOL)
    assert [(f.order_id, f.side, f.maker, f.cost) for f in fills] == [
        (order.order_id, "buy", False, D("1000.5")),
        (order.order_id, "buy", False, D("1001")),
        (order.order_id, "buy", False, D("400.6")),
    ]
    # The market maker was paid in quote, net of its maker commission, and its lock spent.
    maker = server.engine.balances(MARKET_MAKER)
    assert maker["USDC"].free == D("2402.1") * (1 - D("0.001")) and maker["ETH"].locked == D("2.5") - D("1.2")
    assert account.order_book(SYMBOL, 1).best_ask == Level(D(2003), D("0.3"))
    assert account.trading_fees()[SYMBOL].taker == D("0.001")


def test_a_quote_sized_buy_spends_at_most_its_budget(server):
    order = venue(server).create_order(SYMBOL, "buy", "market", None, cost=D("1500"))
    # 0.5 at 2001 (1000.5), then 499.5 / 2002 = 0.2495 (a lot step is 0.0001): 499.499 more.
    assert (order.status, order.filled, order.cost) == ("closed", D("0.7495"), D("1000.5") + D("499.4990"))


def test_a_limit_order_rests_fills_in_part_and_unlocks_when_cancelled(server):
    account, other = venue(server), venue(server, "other-key-000", "other-secret")
    order = account.create_order(SYMBOL, "buy", "limit", D(1), D("1999.5"))
    assert (order.status, order.filled) == ("open", D(0))
    assert account.balances()["USDC"] == AssetBalance("USDC", D(10_000) - D("1999.5"), D("1999.5"))
    assert account.order_book(SYMBOL, 1).best_bid == Level(D("1999.5"), D(1))

    taken = other.create_order(SYMBOL, "sell", "market", D("0.4"))
    assert [(f.price, f.amount) for f in taken.fills] == [(D("1999.5"), D("0.4"))]
    resting = account.fetch_order(SYMBOL, order.order_id)
    assert (resting.status, resting.filled, resting.remaining) == ("open", D("0.4"), D("0.6"))
    assert [o.order_id for o in account.open_orders(SYMBOL)] == [order.order_id]
    (fill,) = account.fills(SYMBOL)
    assert (fill.maker, fill.fee, fill.fee_asset) == (True, D("0.0004"), "ETH")

    cancelled = account.cancel_order(SYMBOL, order.order_id)
    assert (cancelled.status, cancelled.filled) == ("canceled", D("0.4"))
    assert account.balances() == {
        "USDC": AssetBalance("USDC", D(10_000) - D("0.4") * D("1999.5"), D(0)),
        "ETH": AssetBalance("ETH", D(2) + D("0.4") - D("0.0004"), D(0)),
    }
    assert account.open_orders(SYMBOL) == []


def refused(call, kind: type[errors.VenueError]) -> errors.VenueError:
    with pytest.raises(kind) as caught:
        call()
    message = str(caught.value)
    assert "\n" not in message and SECRET not in message and KEY not in message
    return caught.value


def test_every_refusal_is_one_typed_line_without_secrets(server, clock, caplog):
    caplog.set_level(logging.DEBUG)
    account = venue(server)
    account.balances()  # markets loaded; the rest each fail on their own request

    assert "Signature for this request is not valid" in str(
        refused(venue(server, KEY, "wrong").balances, errors.AuthenticationFailed)
    )
    assert "Invalid API-key" in str(refused(venue(server, "unknown-key-1").balances, errors.AuthenticationFailed))
    clock.skew = 30.0  # the exchange's clock runs ahead of ours, past ccxt's 10 s receive window
    assert "outside of the recvWindow" in str(refused(account.balances, errors.TimestampRejected))
    clock.skew = 0.0

    refused(lambda: account.create_order(SYMBOL, "buy", "limit", D(100), D(1999)), errors.InsufficientBalance)
    refused(lambda: account.fetch_order(SYMBOL, "999"), errors.OrderNotFound)
    refused(lambda: account.cancel_order(SYMBOL, "999"), errors.OrderNotFound)
    lot = refused(lambda: account.create_order(SYMBOL, "buy", "limit", D(9_000_001), D(1999)), errors.OrderRejected)
    assert "LOT_SIZE" in str(lot)
    notional = refused(lambda: account.create_order(SYMBOL, "buy", "limit", D("0.001"), D(1999)), errors.OrderRejected)
    assert str(notional).endswith("rejected (Filter failure: MIN_NOTIONAL)")
    assert account.balances()["USDC"] == AssetBalance("USDC", D(10_000), D(0))  # nothing was placed

    server.weights.limit = 1
    limited = refused(account.balances, errors.RateLimited)
    assert (
        isinstance(limited, errors.RateLimited) and limited.retry_after is not None and 1 <= limited.retry_after <= 60
    )
    server.weights.limit = 1_000_000

    server.misbehave(status=500)
    assert str(refused(account.balances, errors.VenueUnavailable)).endswith("unavailable (ExchangeNotAvailable)")
    server.misbehave(malformed=True)
    refused(account.balances, errors.MalformedAnswer)
    refused(lambda: account.order_book(SYMBOL), errors.MalformedAnswer)
    server.misbehave(delay=TIMEOUT * 4)
    started = time.monotonic()
    refused(account.balances, errors.VenueTimeout)
    assert time.monotonic() - started < TIMEOUT * 3
    server.behave()
    assert SECRET not in caplog.text and KEY not in caplog.text


def test_the_book_poller_slows_on_a_quiet_book_and_speeds_up_on_a_moving_one(server):
    poller = BookPoller(venue(server), SYMBOL, depth=5, pace=PollPace(fastest=0.5, slowest=4.0, start=1.0))
    first = poller.poll()
    assert poller.wait == 0.5 and first.best_bid == Level(D(1999), D("0.5"))
    poller.poll(), poller.poll()
    assert poller.wait == 2.0
    poller.poll(), poller.poll()
    assert poller.wait == 4.0  # bounded
    server.engine.lay_ladder(SYMBOL, D(2000), levels=1, step=D("0.5"), size=D("0.1"))
    assert poller.poll().best_ask == Level(D("2000.5"), D("0.1")) and poller.wait == 2.0
