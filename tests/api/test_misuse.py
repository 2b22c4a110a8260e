"""The operator API fails cleanly: bodies over the limit, control without a token, long or unknown input,
a pause that is already so. Against the running `keepers up` (real processes, chain and store)."""

from __future__ import annotations

import json

import pytest
from web3 import Web3
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as ws_connect

from keepers.api.errors import EXCERPT
from keepers.config import ApiSettings
from tests.api.conftest import TOKEN

LIMIT = ApiSettings().max_body_bytes  # `keepers up` leaves the default
AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON = {"Content-Type": "application/json"}
SHORT = 1_000  # bytes: any refusal is shorter than this


def chunks(total: int, size: int = 16_384):
    """`total` bytes of a JSON-looking body, streamed (chunked: no Content-Length to refuse up front)."""
    yield b'{"action": "'
    for _ in range(total // size):
        yield b"x" * size


def master_paused(running_system) -> bool:
    master = running_system.deployments.master.address
    return running_system.w3.eth.call({"to": master, "data": Web3.keccak(text="paused()")[:4]})[-1] == 1


def test_bodies_over_the_limit_are_refused_413_on_every_endpoint(running_system):
    http = running_system.http
    over = b"{" + b" " * LIMIT + b"}"
    for method, path, headers in [("POST", "/api/control", AUTH), ("POST", "/api/control", {}), ("GET", "/", {})]:
        response = http.request(method, path, content=over, headers=headers | JSON)
        assert response.status_code == 413, (path, response.text[:200])
        assert response.json() == {"detail": f"the request body is over the {LIMIT}-byte limit"}
    streamed = http.post("/api/control", content=chunks(10 * 2**20), headers=AUTH | JSON)
    assert streamed.status_code == 413 and len(streamed.content) < SHORT
    # The limit is the limit: a body of exactly LIMIT bytes is read and answered on its merits.
    body = json.dumps({"action": "stop", "keeper": "nobody"}).encode()
    exact = http.post("/api/control", content=body + b" " * (LIMIT - len(body)), headers=AUTH | JSON)
    assert exact.status_code == 404, exact.text


def test_websocket_messages_over_the_limit_close_the_feed(running_system):
    url = running_system.url.replace("http://", "ws://") + "/ws"
    with ws_connect(url, open_timeout=10, max_size=None) as socket:
        socket.send("x" * (LIMIT + 1))
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                socket.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009  # message too big


@pytest.mark.parametrize(("token", "status"), [(None, 401), ("wrong", 403)])
def test_control_checks_the_token_before_reading_the_body(running_system, token, status):
    headers = JSON | ({"Authorization": f"Bearer {token}"} if token else {})
    for body in (b"{not json", b'{"action": "pause", "keeper": "arb"}', b"\xff\xfe"):
        response = running_system.http.post("/api/control", content=body, headers=headers)
        assert response.status_code == status, (body, response.text)
    # Unread: a streamed body far over the limit is not even counted.
    streamed = running_system.http.post("/api/control", content=chunks(2 * LIMIT), headers=headers)
    assert streamed.status_code == status, streamed.text


def test_refusals_echo_only_an_excerpt_of_the_input(running_system):
    http, long = running_system.http, "y" * (LIMIT // 2)
    refusals = [
        http.post("/api/control", json={"action": long}, headers=AUTH),
        http.post("/api/control", json={"action": "stop", "keeper": "arb", long: 1}, headers=AUTH),
        http.post("/api/control", json={"action": "stop", "keeper": long}, headers=AUTH),
        http.post("/api/control", content=b'{"action": "' + long.encode(), headers=AUTH | JSON),
        http.post("/api/control", content=long.encode(), headers=AUTH | {"Content-Type": "text/plain"}),
        http.get("/api/trades", params={"status": "z" * 4_000}),
    ]
    for response in refusals:
        assert response.status_code == 422, response.text[:200]
        assert len(response.content) < SHORT, response.text[:200]
        assert "y" * (EXCERPT + 1) not in response.text and "z" * (EXCERPT + 1) not in response.text
    first = refusals[0].json()["detail"][0]
    assert first["type"] == "union_tag_invalid" and first["ctx"]["tag"] == "y" * EXCERPT + "…"
    assert "'start', 'stop', 'pause', 'unpause'" in first["msg"]  # the message keeps what it says


def test_unknown_fields_are_refused_naming_them(running_system):
    pause_one_keeper = running_system.control({"action": "pause", "keeper": "arb"})
    assert pause_one_keeper.status_code == 422, pause_one_keeper.text
    [error] = pause_one_keeper.json()["detail"]
    assert error["type"] == "extra_forbidden" and error["loc"][-1] == "keeper"
    assert not master_paused(running_system)
    stop_now = running_system.control({"action": "stop", "keeper": "arb", "now": True})
    assert stop_now.status_code == 422 and stop_now.json()["detail"][0]["loc"][-1] == "now"
    assert running_system.keeper("arb")["desired"] == "running"


def test_pause_and_unpause_send_nothing_when_already_so(running_system):
    w3 = running_system.w3
    assert not master_paused(running_system)
    paused = running_system.control({"action": "pause"})
    try:
        assert paused.status_code == 200 and paused.json()["tx_hash"], paused.text
        operator = w3.eth.get_transaction(paused.json()["tx_hash"])["from"]
        nonce = w3.eth.get_transaction_count(operator, "pending")
        again = running_system.control({"action": "pause"})
        assert again.status_code == 200, again.text
        assert again.json() | {"detail": ""} == {
            "action": "pause",
            "keeper": None,
            "detail": "",
            "state": None,
            "tx_hash": None,
            "paused": True,
        }
        assert "nothing sent" in again.json()["detail"]
        assert w3.eth.get_transaction_count(operator, "pending") == nonce and master_paused(running_system)
    finally:
        unpaused = running_system.control({"action": "unpause"})
    assert unpaused.status_code == 200 and unpaused.json()["tx_hash"], unpaused.text
    nonce = w3.eth.get_transaction_count(operator, "pending")
    again = running_system.control({"action": "unpause"})
    assert again.status_code == 200 and again.json()["tx_hash"] is None and again.json()["paused"] is False
    assert w3.eth.get_transaction_count(operator, "pending") == nonce and not master_paused(running_system)
