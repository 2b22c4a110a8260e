"""The matching engine's rules, exactly: time in force, self-trade prevention, locks and fees."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from keepers.devexchange.accounts import Balance, InsufficientBalance
from keepers.devexchange.book import MARKET_MAKER, FilterFailure, MatchingEngine, OrderType, Side, Status, TimeInForce
from keepers.devexchange.markets import Listing, Markets

M = "ETHUSDC"


@pytest.fixture
def engine():
    markets = Markets(lambda: 1_700_000_000.0)
    markets.list_market(Listing("ETH", "USDC"))
    engine = MatchingEngine(markets)
    engine.lay_ladder("ETH/USDC", D(2000), levels=2, step=D(1), size=D(1))  # asks 2001, 2002; bids 1999, 1998
    engine.open_account("t", {"USDC": D(10_000), "ETH": D(10)})
    return engine


def limit(engine, side, quantity, price, tif=TimeInForce.GTC, account="t"):
    return engine.place(account, M, side, OrderType.LIMIT, quantity=D(quantity), price=D(price), time_in_force=tif)


def test_fok_is_all_or_nothing_and_ioc_expires_its_rest(engine):
    fok = limit(engine, Side.BUY, "2.5", "2002", TimeInForce.FOK)
    assert (fok.order.status, fok.fills) == (Status.EXPIRED, [])
    assert engine.balances("t")["USDC"] == Balance(D(10_000), D(0))
    ioc = limit(engine, Side.BUY, "1.5", "2001", TimeInForce.IOC)
    assert (ioc.order.status, ioc.order.executed) == (Status.EXPIRED, D(1))
    assert engine.balances("t")["USDC"] == Balance(D(10_000) - D(2001), D(0))  # the rest's lock came back
    assert engine.depth(M, 5).asks == [(D(2002), D(1))]


def test_a_taker_meeting_its_own_order_expires_it(engine):
    mine = limit(engine, Side.SELL, "1", "2000.5")
    taken = engine.place("t", M, Side.BUY, OrderType.MARKET, quantity=D("0.5"))
    assert [fill.price for fill in taken.fills] == [D(2001)]
    assert engine.order("t", M, order_id=mine.order.order_id).status is Status.EXPIRED_IN_MATCH
    assert engine.balances("t")["ETH"] == Balance(D(10) + D("0.5") * D("0.999"), D(0))


def test_a_better_price_unlocks_the_difference_and_fees_are_on_what_is_received(engine):
    placed = limit(engine, Side.BUY, "2", "2005")  # takes 2001 and 2002, nothing left to rest
    assert placed.order.status is Status.FILLED and placed.order.cumulative_quote == D(4003)
    assert engine.balances("t")["USDC"] == Balance(D(10_000) - D(4003), D(0))
    sold = engine.place("t", M, Side.SELL, OrderType.MARKET, quantity=D("1.5"))
    assert [(f.price, f.quantity, f.commission, f.commission_asset) for f in sold.fills] == [
        (D(1999), D(1), D("1.999"), "USDC"),
        (D(1998), D("0.5"), D("0.999"), "USDC"),
    ]
    assert engine.balances(MARKET_MAKER)["ETH"] == Balance(
        D("1.5") * D("0.999"), D(0)
    )  # its asks sold, its bids bought


def test_refusals_leave_nothing_behind(engine):
    with pytest.raises(InsufficientBalance):
        limit(engine, Side.BUY, "10", "1999")
    with pytest.raises(FilterFailure, match="PRICE_FILTER"):
        limit(engine, Side.BUY, "1", "1999.001")
    with pytest.raises(FilterFailure, match="LOT_SIZE"):
        limit(engine, Side.BUY, "0.00001", "1999")
    with pytest.raises(FilterFailure, match="MIN_NOTIONAL"):
        limit(engine, Side.BUY, "0.0001", "1999")
    assert engine.open_orders("t") == [] and engine.balances("t")["USDC"] == Balance(D(10_000), D(0))
