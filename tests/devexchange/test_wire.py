"""Binance's wire rules on the local exchange, read with a plain HTTP client: the signature covers
the query string and the body as sent, keys are refused with Binance's codes and statuses, and
every answer carries the minute's used weight."""

from __future__ import annotations

import time
from decimal import Decimal as D

import httpx
import pytest

from keepers.devexchange.markets import Listing
from keepers.devexchange.server import DevExchange
from keepers.devexchange.signing import signature

KEY, SECRET = "wire-test-key", "wire-secret"


@pytest.fixture(scope="module")
def wire_server():
    with DevExchange() as exchange:
        exchange.markets.list_market(Listing("ETH", "USDC"))
        exchange.open_account(KEY, SECRET, {"USDC": D(5000)})
        yield exchange


def test_a_signature_covers_the_query_then_the_body(wire_server):
    query = f"symbol=ETHUSDC&timestamp={int(time.time() * 1000)}"
    body = "side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=1500"
    signed = signature(SECRET, query + body)
    headers = {"X-MBX-APIKEY": KEY, "Content-Type": "application/x-www-form-urlencoded"}
    answer = httpx.post(
        f"{wire_server.url}/api/v3/order?{query}", content=f"{body}&signature={signed}", headers=headers
    )
    assert answer.status_code == 200 and answer.json()["status"] == "NEW"
    assert int(answer.headers["X-MBX-USED-WEIGHT-1M"]) >= 1
    tampered = body.replace("price=1500", "price=1400")
    answer = httpx.post(
        f"{wire_server.url}/api/v3/order?{query}", content=f"{tampered}&signature={signed}", headers=headers
    )
    assert (answer.status_code, answer.json()["code"]) == (400, -1022)


def test_keys_are_refused_as_binance_refuses_them(wire_server):
    query = f"timestamp={int(time.time() * 1000)}"
    assert httpx.get(f"{wire_server.url}/api/v3/account?{query}").json() == {
        "code": -2014,
        "msg": "API-key format invalid.",
    }
    answer = httpx.get(f"{wire_server.url}/api/v3/account?{query}", headers={"X-MBX-APIKEY": "nobody-knows-me"})
    assert (answer.status_code, answer.json()["code"]) == (401, -2015)
    answer = httpx.get(f"{wire_server.url}/api/v3/account", headers={"X-MBX-APIKEY": KEY})
    assert answer.json()["code"] == -1102


def test_depth_and_unknown_symbols(wire_server):
    assert httpx.get(f"{wire_server.url}/api/v3/depth?symbol=DOGEUSDC").json()["code"] == -1121
    depth = httpx.get(f"{wire_server.url}/api/v3/depth?symbol=ETHUSDC&limit=5").json()
    assert depth["bids"][0] == ["1500.00000000", "1.00000000"] and depth["asks"] == []
