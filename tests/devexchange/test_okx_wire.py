"""OKX's v5 wire rules on the local exchange, read with a plain HTTP client: the signature covers
timestamp, method, path with query and the JSON body as sent; keys, passphrases and stale
timestamps are refused with OKX's codes; an order refused is ``code "1"`` with its ``sCode``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal as D

import httpx
import pytest

from keepers.devexchange.markets import Listing
from keepers.devexchange.okx_signed import sign
from keepers.devexchange.server import DevExchange

KEY, SECRET, PASSPHRASE = "okx-wire-key-01", "okx-wire-secret", "wire-pass"


@pytest.fixture(scope="module")
def okx_server():
    with DevExchange() as exchange:
        exchange.markets.list_market(Listing("ETH", "USDC"))
        exchange.open_account(KEY, SECRET, {"USDC": D(5000)}, passphrase=PASSPHRASE)
        yield exchange


def signed(method: str, path: str, body: str = "", *, secret: str = SECRET, at: datetime | None = None) -> dict:
    stamp = (at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return {
        "OK-ACCESS-KEY": KEY,
        "OK-ACCESS-PASSPHRASE": PASSPHRASE,
        "OK-ACCESS-TIMESTAMP": stamp,
        "OK-ACCESS-SIGN": sign(secret, stamp, method, path, body),
        "Content-Type": "application/json",
    }


def test_a_signature_covers_the_path_with_its_query_and_the_body(okx_server):
    body = json.dumps(
        {"instId": "ETH-USDC", "tdMode": "cash", "side": "buy", "ordType": "limit", "sz": "1", "px": "1500"}
    )
    answer = httpx.post(
        f"{okx_server.url}/api/v5/trade/order", content=body, headers=signed("POST", "/api/v5/trade/order", body)
    )
    assert answer.status_code == 200 and answer.json()["data"][0]["sCode"] == "0"
    order_id = answer.json()["data"][0]["ordId"]
    path = f"/api/v5/trade/order?instId=ETH-USDC&ordId={order_id}"
    details = httpx.get(okx_server.url + path, headers=signed("GET", path)).json()["data"][0]
    assert (details["state"], details["px"], details["sz"], details["fee"]) == ("live", "1500", "1", "0")
    tampered = body.replace('"px": "1500"', '"px": "1400"')
    answer = httpx.post(
        f"{okx_server.url}/api/v5/trade/order", content=tampered, headers=signed("POST", "/api/v5/trade/order", body)
    )
    assert (answer.status_code, answer.json()) == (401, {"code": "50113", "data": [], "msg": "Invalid Sign."})
    headers = signed("GET", "/api/v5/trade/order?instId=ETH-USDC&ordId=999")
    assert httpx.get(okx_server.url + path, headers=headers).json()["code"] == "50113"  # another query


def test_keys_passphrases_and_stale_timestamps_are_refused_as_okx_refuses_them(okx_server):
    path = "/api/v5/account/balance"
    assert httpx.get(okx_server.url + path).json()["code"] == "50103"
    assert (
        httpx.get(okx_server.url + path, headers=signed("GET", path) | {"OK-ACCESS-KEY": "nobody"}).json()["code"]
        == "50111"
    )
    wrong = signed("GET", path) | {"OK-ACCESS-PASSPHRASE": "guess"}
    assert httpx.get(okx_server.url + path, headers=wrong).json()["code"] == "50105"
    stale = signed("GET", path, at=datetime(2020, 1, 1, tzinfo=UTC))
    assert httpx.get(okx_server.url + path, headers=stale).json()["code"] == "50102"
    assert (
        httpx.get(okx_server.url + path, headers=signed("GET", path) | {"OK-ACCESS-TIMESTAMP": "now"}).json()["code"]
        == "50112"
    )
    (account,) = httpx.get(okx_server.url + path, headers=signed("GET", path)).json()["data"]
    balances = {d["ccy"]: (d["availBal"], d["frozenBal"], d["eq"]) for d in account["details"]}
    assert balances == {"USDC": ("3500", "1500", "5000")}  # the first test's order rests


def test_an_order_refused_says_why_in_its_own_entry(okx_server):
    body = json.dumps(
        [{"instId": "ETH-USDC", "tdMode": "cash", "side": "buy", "ordType": "limit", "sz": "100", "px": "1500"}]
    )
    answer = httpx.post(
        f"{okx_server.url}/api/v5/trade/batch-orders",
        content=body,
        headers=signed("POST", "/api/v5/trade/batch-orders", body),
    )
    refusal = answer.json()
    assert (refusal["code"], refusal["data"][0]["sCode"]) == ("1", "51008")
    assert refusal["data"][0]["sMsg"] == "Order failed. Insufficient USDC balance in account."
    broken = '{"instId": "ETH-USDC"'
    answer = httpx.post(
        f"{okx_server.url}/api/v5/trade/order", content=broken, headers=signed("POST", "/api/v5/trade/order", broken)
    )
    assert (answer.status_code, answer.json()["code"]) == (400, "50002")
    assert httpx.get(f"{okx_server.url}/api/v5/market/books?instId=DOGE-USDC").json()["code"] == "51001"
