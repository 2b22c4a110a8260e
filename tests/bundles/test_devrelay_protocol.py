"""The devrelay's HTTP/JSON-RPC surface: authentication, limits, malformed input, pass-through."""

from __future__ import annotations

import json
import socket

import pytest
import requests
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import keccak

from keepers.bundles.signing import HEADER, sign_body
from keepers.bundles.transactions import bundle_hash, from_hex
from keepers.devrelay.relay import DevRelay, RelayLimits
from tests.bundles.support import DEV, SEARCHER, post, rpc, transfer


def send_bundle_payload(block: int = 1, txs=None) -> dict:
    txs = txs if txs is not None else ["0x" + transfer(DEV[0], 0, DEV[1].address, 1).hex()]
    return rpc("eth_sendBundle", {"txs": txs, "blockNumber": hex(block)})


def test_a_request_without_signature_is_refused(relay):
    response = post(relay.url, send_bundle_payload(), signer=None)
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "invalid flashbots signature"
    assert relay.pending_bundles() == []


def _unprefixed_digest_signature(body: bytes) -> str:
    """What a web3 7 client gets by signing ``keccak(body).hex()``: the digest text without ``0x``."""
    signature = SEARCHER.sign_message(encode_defunct(text=keccak(body).hex())).signature.to_0x_hex()
    return f"{SEARCHER.address}:{signature}"


BAD_HEADERS = {
    "garbage": lambda body: "0xnot:a-signature",
    "other body": lambda body: sign_body(body + b" ", SEARCHER),
    "other address": lambda body: f"{DEV[1].address}:{sign_body(body, SEARCHER).split(':')[1]}",
    "unprefixed digest": _unprefixed_digest_signature,
}


@pytest.mark.parametrize("kind", sorted(BAD_HEADERS))
def test_a_request_with_a_bad_signature_is_refused(relay, kind):
    body = json.dumps(send_bundle_payload()).encode()
    response = post(relay.url, body, header=BAD_HEADERS[kind](body))
    assert response.status_code == 403
    assert response.json() == {
        "jsonrpc": "2.0",
        "id": None,
        "error": {"code": -32600, "message": "invalid flashbots signature"},
    }
    assert relay.pending_bundles() == []


def test_a_signed_bundle_is_accepted_and_named_by_its_hash(relay):
    payload = send_bundle_payload()
    response = post(relay.url, payload)
    assert response.status_code == 200
    answer = response.json()
    assert answer["id"] == 7
    expected = bundle_hash([from_hex(tx) for tx in payload["params"][0]["txs"]])
    assert answer["result"] == {"bundleHash": expected}
    [pending] = relay.pending_bundles()
    assert pending.signer == SEARCHER.address and pending.block_number == 1


def test_a_body_over_the_limit_is_refused_before_it_is_read(relay):
    big = send_bundle_payload(txs=["0x" + "00" * (70 * 1024)])
    response = post(relay.url, big)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == -32600
    assert "exceeds" in response.json()["error"]["message"]


def test_malformed_json_is_a_parse_error(relay):
    response = post(relay.url, b'{"jsonrpc": "2.0", "method": ')
    assert response.status_code == 200
    assert response.json()["error"] == {"code": -32700, "message": "parse error: the body is not JSON"}


def test_non_utf8_body_is_a_parse_error(relay):
    response = post(relay.url, b"\xff\xfe{}")
    assert response.json()["error"]["code"] == -32700


@pytest.mark.parametrize("depth", [65, 30_000, 150_000])
def test_absurdly_nested_json_is_refused_before_parsing(depth):
    # Under Ape the recursion limit is 100000: parsing this would overflow a thread's C stack.
    with DevRelay(block_interval=None, limits=RelayLimits(max_body_bytes=1 << 20)) as relay:
        response = post(relay.url, b'{"a":' * depth + b"1" + b"}" * depth)
        assert response.status_code == 200
        assert response.json()["error"] == {"code": -32700, "message": "parse error: JSON nested deeper than 64"}
        assert post(relay.url, rpc("eth_chainId")).json()["result"] == "0x7a69"


def test_brackets_inside_strings_do_not_count_as_nesting(relay):
    response = post(relay.url, rpc("eth_getBalance", "[" * 100 + '\\"{' * 100, "latest"))
    assert response.status_code == 200 and response.json()["error"]["code"] != -32700


@pytest.mark.parametrize(
    "payload, code",
    [
        ([rpc("eth_chainId")], -32600),  # batch
        ("just a string", -32600),
        ({"id": 1, "method": "eth_chainId"}, -32600),  # no jsonrpc
        ({"jsonrpc": "2.0", "id": 1, "method": "eth_sendBundle", "params": {"txs": []}}, -32602),
        (rpc("eth_sendBundle"), -32602),
        (rpc("eth_sendBundle", {"txs": ["0x02"], "blockNumber": "0x1"}), -32602),  # undecodable tx
        (rpc("eth_sendBundle", {"txs": ["zz"], "blockNumber": "0x1"}), -32602),
        (rpc("eth_sendBundle", {"txs": [], "blockNumber": "0x1"}), -32602),
        (rpc("eth_sendBundle", {"txs": ["0x" + transfer(DEV[0], 0, DEV[1].address, 1).hex()]}), -32602),
        (rpc("eth_cancelBundle", {}), -32602),
    ],
)
def test_invalid_requests_get_json_rpc_errors(relay, payload, code):
    # In an HTTP 200, as JSON-RPC servers answer: clients read the error instead of a bare HTTP status.
    response = post(relay.url, payload)
    assert response.status_code == 200
    error = response.json()["error"]
    assert error["code"] == code
    assert "Traceback" not in error["message"]


def test_an_unknown_method_is_method_not_found(relay):
    response = post(relay.url, rpc("eth_sendMegaBundle", {}))
    assert response.status_code == 200
    assert response.json()["error"] == {"code": -32601, "message": "method not found: eth_sendMegaBundle"}
    assert response.json()["id"] == 7
    # Node administration is not passed through.
    assert post(relay.url, rpc("anvil_setBalance", DEV[0].address, "0x0")).json()["error"]["code"] == -32601


def test_too_many_transactions_in_a_bundle(relay):
    txs = ["0x" + transfer(DEV[0], nonce, DEV[1].address, 1).hex() for nonce in range(9)]
    error = post(relay.url, send_bundle_payload(txs=txs)).json()["error"]
    assert error["code"] == -32602 and "the limit is 8" in error["message"]


def test_a_transaction_for_another_chain_is_refused(relay):
    raw = (
        DEV[0]
        .sign_transaction({"chainId": 1, "nonce": 0, "to": DEV[1].address, "value": 1, "gas": 21000, "gasPrice": 10**9})
        .raw_transaction
    )
    error = post(relay.url, send_bundle_payload(txs=["0x" + raw.hex()])).json()["error"]
    assert "is for chain 1; this relay serves 31337" in error["message"]


def test_read_only_calls_pass_through_to_anvil(relay):
    assert post(relay.url, rpc("eth_chainId")).json() == {"jsonrpc": "2.0", "id": 7, "result": "0x7a69"}
    balance = post(relay.url, rpc("eth_getBalance", DEV[0].address, "latest")).json()["result"]
    assert int(balance, 16) > 0
    # Errors from the node come back as they are.
    assert "error" in post(relay.url, rpc("eth_getBalance", "nope", "latest")).json()


def test_get_is_not_allowed(relay):
    response = requests.get(relay.url, timeout=5)
    assert response.status_code == 405
    assert response.json()["error"]["code"] == -32600


def test_missing_content_length_is_refused(relay):
    host, port = relay.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"POST / HTTP/1.0\r\nContent-Type: application/json\r\n\r\n")
        reply = b""
        while chunk := sock.recv(4096):
            reply += chunk
    reply = reply.decode()
    assert reply.startswith("HTTP/1.0 411")
    assert '"code": -32600' in reply


def test_relay_keeps_serving_after_bad_requests(relay):
    for body in (b"", b"{", b"[]", b"null", b"\x00" * 100):
        post(relay.url, body)
    post(relay.url, b"{}", header="x")
    assert post(relay.url, rpc("eth_blockNumber")).json()["result"] == "0x0"


def test_signature_header_name_is_case_insensitive(relay):
    body = json.dumps(rpc("eth_chainId")).encode()
    response = requests.post(
        relay.url, data=body, headers={HEADER.lower(): sign_body(body, Account.create())}, timeout=5
    )
    assert response.json()["result"] == "0x7a69"
