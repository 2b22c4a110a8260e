"""The ccxt venue adapter as ``exchange: okx`` against the local exchange speaking OKX's v5 REST API.

The same matching engine and ledger as the Binance format: trades walk the book exact to the last
digit through ccxt's ``okx`` (fees charged as OKX writes them, negative), and an order resting
through one format is taken through the other. Every failure reaches the caller as one of
:mod:`keepers.venues.errors`, in one line, never with the key, the secret or the passphrase.
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
from tests.venues.exchange import SYMBOL, Clock, laid_book

KEY, SECRET, PASSPHRASE = "okx-test-key-0001", "okx-s3cr3t-never-shown-9876", "okx-Passphrase-never-shown"
OTHER = ("okx-other-key-02", "okx-other-secret", "other-pass")
TIMEOUT = 0.4


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def server(clock):
    with laid_book(clock) as exchange:
        exchange.open_account(KEY, SECRET, {"USDC": D(10_000), "ETH": D(2)}, passphrase=PASSPHRASE)
        key, secret, passphrase = OTHER
        exchange.open_account(key, secret, {"ETH": D(5)}, account="other", passphrase=passphrase)
        yield exchange


def okx(server: DevExchange, key: str = KEY, secret: str = SECRET, passphrase: str = PASSPHRASE) -> CexVenue:
    return CexVenue(
        VenueSettings(
            exchange="okx",
            api_url=server.url,
            api_key=SecretStr(key),
            secret=SecretStr(secret),
            password=SecretStr(passphrase),
            timeout_seconds=TIMEOUT,
            throttle=False,
        )
    )


def test_a_market_buy_walks_the_book_exactly(server):
    account = okx(server)
    assert account.order_book(SYMBOL, 3).asks == (
        Level(D(2001), D("0.5")),
        Level(D(2002), D("0.5")),
        Level(D(2003), D("0.5")),
    )
    assert account.balances() == {
        "USDC": AssetBalance("USDC", D(10_000), D(0)),
        "ETH": AssetBalance("ETH", D(2), D(0)),
    }
    fee = account.trading_fees()[SYMBOL]
    assert (fee.maker, fee.taker) == (D("0.001"), D("0.001"))  # OKX sends "-0.001": charged

    order = account.create_order(SYMBOL, "buy", "market", D("1.2"))
    assert (order.status, order.kind, order.filled, order.cost) == ("closed", "market", D("1.2"), D("2402.1"))
    assert [(f.price, f.amount, f.fee, f.fee_asset, f.maker) for f in order.fills] == [
        (D(2001), D("0.5"), D("0.0005"), "ETH", False),
        (D(2002), D("0.5"), D("0.0005"), "ETH", False),
        (D(2003), D("0.2"), D("0.0002"), "ETH", False),
    ]
    assert account.balances() == {
        "USDC": AssetBalance("USDC", D(10_000) - D("2402.1"), D(0)),
        "ETH": AssetBalance("ETH", D(2) + D("1.2") - D("0.0012"), D(0)),
    }
    maker = server.engine.balances(MARKET_MAKER)
    assert maker["USDC"].free == D("2402.1") * (1 - D("0.001")) and maker["ETH"].locked == D("2.5") - D("1.2")
    assert account.order_book(SYMBOL, 1).best_ask == Level(D(2003), D("0.3"))


def test_a_quote_sized_buy_spends_at_most_its_budget(server):
    order = okx(server).create_order(SYMBOL, "buy", "market", None, cost=D("1500"))
    assert (order.status, order.filled, order.cost) == ("closed", D("0.7495"), D("1000.5") + D("499.4990"))


def test_a_limit_order_rests_fills_in_part_and_unlocks_when_cancelled(server):
    account, other = okx(server), okx(server, *OTHER)
    order = account.create_order(SYMBOL, "buy", "limit", D(1), D("1999.5"), client_id="lapidary0001")
    assert (order.status, order.filled, order.client_id) == ("open", D(0), "lapidary0001")
    assert account.balances()["USDC"] == AssetBalance("USDC", D(10_000) - D("1999.5"), D("1999.5"))
    assert account.order_book(SYMBOL, 1).best_bid == Level(D("1999.5"), D(1))

    taken = other.create_order(SYMBOL, "sell", "market", D("0.4"))
    assert [(f.price, f.amount, f.fee, f.fee_asset) for f in taken.fills] == [
        (D("1999.5"), D("0.4"), D("0.7998"), "USDC")
    ]
    resting = account.fetch_order(SYMBOL, order.order_id)
    assert (resting.status, resting.filled, resting.remaining) == ("open", D("0.4"), D("0.6"))
    assert [o.order_id for o in account.open_orders(SYMBOL)] == [order.order_id]
    (fill,) = account.fills(SYMBOL)
    assert (fill.order_id, fill.maker, fill.fee, fill.fee_asset) == (order.order_id, True, D("0.0004"), "ETH")

    cancelled = account.cancel_order(SYMBOL, order.order_id)
    assert (cancelled.status, cancelled.filled) == ("canceled", D("0.4"))
    assert account.balances() == {
        "USDC": AssetBalance("USDC", D(10_000) - D("0.4") * D("1999.5"), D(0)),
        "ETH": AssetBalance("ETH", D(2) + D("0.4") - D("0.0004"), D(0)),
    }
    assert account.open_orders(SYMBOL) == []


def test_one_book_an_okx_order_is_taken_through_the_binance_format(server):
    server.open_account("binance-key-0001", "binance-secret", {"USDC": D(5000)}, account="binance taker")
    seller = okx(server)
    resting = seller.create_order(SYMBOL, "sell", "limit", D(1), D("2000.5"))
    assert resting.status == "open"
    binance = CexVenue(
        VenueSettings(
            api_url=server.url,
            api_key=SecretStr("binance-key-0001"),
            secret=SecretStr("binance-secret"),
            throttle=False,
        )
    )
    assert binance.order_book(SYMBOL, 1).best_ask == Level(D("2000.5"), D(1))
    taken = binance.create_order(SYMBOL, "buy", "market", D(1))
    assert [(f.price, f.amount) for f in taken.fills] == [(D("2000.5"), D(1))]
    filled = seller.fetch_order(SYMBOL, resting.order_id)
    assert (filled.status, filled.filled, filled.cost) == ("closed", D(1), D("2000.5"))
    assert seller.balances()["USDC"].free == D(10_000) + D("2000.5") * (1 - D("0.001"))


def refused(call, kind: type[errors.VenueError]) -> errors.VenueError:
    with pytest.raises(kind) as caught:
        call()
    message = str(caught.value)
    assert "\n" not in message and all(s not in message for s in (KEY, SECRET, PASSPHRASE))
    return caught.value


def test_every_refusal_is_one_typed_line_without_secrets(server, clock, caplog):
    caplog.set_level(logging.DEBUG)
    account = okx(server)
    account.balances()  # markets loaded; the rest each fail on their own request

    assert "Invalid Sign" in str(refused(okx(server, secret="wrong").balances, errors.AuthenticationFailed))
    assert "Invalid OK-ACCESS-KEY" in str(
        refused(okx(server, key="unknown-key-1").balances, errors.AuthenticationFailed)
    )
    assert "PASSPHRASE incorrect" in str(refused(okx(server, passphrase="wrong").balances, errors.AuthenticationFailed))
    clock.skew = 60.0  # the exchange's clock runs ahead of ours, past OKX's 30 s
    assert "Timestamp request expired" in str(refused(account.balances, errors.TimestampRejected))
    clock.skew = 0.0

    short = refused(lambda: account.create_order(SYMBOL, "buy", "limit", D(100), D(1999)), errors.InsufficientBalance)
    assert str(short) == "okx limit buy ETH/USDC: insufficient balance"
    refused(lambda: account.fetch_order(SYMBOL, "999"), errors.OrderNotFound)
    refused(lambda: account.cancel_order(SYMBOL, "999"), errors.OrderNotFound)
    lot = refused(lambda: account.create_order(SYMBOL, "buy", "limit", D(9_000_001), D(1)), errors.OrderRejected)
    assert str(lot).endswith("rejected (Order quantity must be a multiple of the lot size.)")
    small = refused(lambda: account.create_order(SYMBOL, "buy", "limit", D("0.001"), D(1999)), errors.OrderRejected)
    assert str(small).endswith("rejected (Your order should meet or exceed the minimum order amount.)")
    assert account.balances()["USDC"] == AssetBalance("USDC", D(10_000), D(0))  # nothing was placed

    server.weights.limit = 1
    refused(account.balances, errors.RateLimited)
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
    assert all(s not in caplog.text for s in (KEY, SECRET, PASSPHRASE))
