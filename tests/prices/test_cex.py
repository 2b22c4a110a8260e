"""The ccxt ticker source against the local exchange (Binance's spot REST format on 127.0.0.1).

A good ticker is a price, exact to the exchange's last digit and dated by the exchange; a stale
ticker, HTTP 500, malformed JSON, a timeout and an unknown symbol are each a refusal that says
which, never a price and never another exception.
"""

from __future__ import annotations

import time
from decimal import Decimal
from fractions import Fraction

import pytest

from keepers.devexchange.markets import Listing
from keepers.devexchange.server import DevExchange
from keepers.prices.cex import CcxtTickerSource, ccxt_exchange, rehost, to_base_units
from keepers.prices.quote import PriceUnavailable
from keepers.prices.reference import NoReference, ReferencePrices
from keepers.prices.settings import CcxtSourceSettings
from keepers.prices.sources import build_source

TIMEOUT = 0.3  # seconds: the timeout test waits this long


@pytest.fixture(scope="module")
def exchange():
    with DevExchange() as server:
        server.markets.list_market(Listing("ETH", "USDC"))
        server.markets.list_market(Listing("BTC", "USDC"))
        yield server


@pytest.fixture
def server(exchange):
    exchange.behave()
    exchange.markets.set_ticker("ETH/USDC", "2012.34567891", bid="2012.3", ask="2012.4")
    yield exchange
    exchange.behave()


def source(server: DevExchange, symbol: str = "ETH/USDC", price: str = "last", max_age: int = 30) -> CcxtTickerSource:
    settings = CcxtSourceSettings(
        name="binance",
        symbol=symbol,
        base_decimals=18,
        quote_decimals=6,
        price=price,
        api_url=server.url,
        timeout_seconds=TIMEOUT,
        max_age_seconds=max_age,
    )
    built = build_source(settings)
    assert isinstance(built, CcxtTickerSource)
    return built


def now() -> int:
    return int(time.time())


def test_a_good_ticker_is_an_exact_price_dated_by_the_exchange(server):
    ticker = server.markets.set_ticker("ETH/USDC", "2012.34567891", bid="2012.3", ask="2012.4", at=now() - 5)
    quote = source(server).quote(now())
    assert quote.price == Fraction(Decimal("2012.34567891")) * Fraction(10**6, 10**18)
    assert quote.observed_at == ticker.time_ms // 1000 and quote.source == "binance" and quote.block is None
    assert source(server, price="mid").quote(now()).price == to_base_units(Decimal("2012.35"), 18, 6)
    assert source(server, price="bid").quote(now()).price == to_base_units(Decimal("2012.3"), 18, 6)
    # Only Binance's spot public endpoints were asked: no futures market loading, no private call.
    spot_public = ("/api/v3/exchangeInfo", "/api/v3/ticker/24hr?symbol=ETHUSDC")
    assert all(path.startswith(spot_public) for path in server.served())


def refusal(server: DevExchange, **kwargs) -> PriceUnavailable:
    with pytest.raises(PriceUnavailable) as caught:
        source(server, **kwargs).quote(now())
    return caught.value


def test_a_stale_ticker_is_refused(server):
    server.markets.set_ticker("ETH/USDC", "2000", at=now() - 120)
    err = refusal(server)
    assert err.stale and err.reason.startswith("stale: observed 12") and err.reason.endswith("the limit is 30 s")


def test_http_500_is_refused(server):
    server.misbehave(status=500)
    err = refusal(server)
    assert err.reason.startswith("binance ETH/USDC: ExchangeNotAvailable: binance GET http://127.0.0.1:")
    assert "500 Internal Server Error" in err.reason


def test_malformed_json_is_refused(server):
    ccxt_source = source(server)
    ccxt_source.quote(now())  # markets loaded: the ticker answer itself is what breaks
    server.misbehave(malformed=True)
    with pytest.raises(PriceUnavailable, match=r"binance ETH/USDC: malformed answer \(not a JSON ticker object\)"):
        ccxt_source.quote(now())
    # Malformed before the markets are known: the same refusal, not "no such market".
    assert refusal(server).reason == "binance ETH/USDC: malformed answer (the exchange listed no markets)"


def test_a_timeout_is_refused_in_time(server):
    server.misbehave(delay=TIMEOUT * 5)
    started = time.monotonic()
    err = refusal(server)
    assert err.reason == f"binance ETH/USDC: no answer within {TIMEOUT:g} s"
    assert time.monotonic() - started < TIMEOUT * 3


def test_unknown_and_untraded_symbols_are_refused(server):
    assert refusal(server, symbol="DOGE/USDC").reason == (
        "binance DOGE/USDC: no such market on the exchange (binance does not have market symbol DOGE/USDC)"
    )
    # Listed but never traded: the exchange answers Binance's -1121 Invalid symbol for its ticker.
    assert refusal(server, symbol="BTC/USDC").reason == (
        'binance BTC/USDC: no such market on the exchange (binance {"code": -1121, "msg": "Invalid symbol."})'
    )


def test_a_crossed_book_has_no_mid(server):
    server.markets.set_ticker("ETH/USDC", "2000", bid="2001", ask="2000")
    assert "crossed: bid 2001.00000000 > ask 2000.00000000" in refusal(server, price="mid").reason


def test_an_exchange_gone_is_refused():
    with DevExchange() as gone:
        url = gone.url
    exchange = ccxt_exchange("binance", api_url=url, timeout=TIMEOUT)
    ccxt_source = CcxtTickerSource("binance", exchange, "ETH/USDC", base_decimals=18, quote_decimals=6)
    result = ReferencePrices([ccxt_source]).read()
    assert isinstance(result, NoReference) and result.reason.startswith("no live source: binance: binance ETH/USDC: ")


def test_rehost_keeps_paths_and_replaces_every_host():
    urls = {"public": "https://api.binance.com/api/v3", "nested": {"fapi": "https://fapi.binance.com/fapi/v1?x=1"}}
    assert rehost(urls, "http://127.0.0.1:9") == {
        "public": "http://127.0.0.1:9/api/v3",
        "nested": {"fapi": "http://127.0.0.1:9/fapi/v1?x=1"},
    }
    with pytest.raises(ValueError, match="no exchange 'nope'"):
        ccxt_exchange("nope")
