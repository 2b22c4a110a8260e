"""RelayClient against real devrelays: simulation, fan-out to several relays, cancellation, inclusion."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from eth_account import Account
from web3 import Web3

from keepers.bundles.client import Inclusion, RelayClient, RelayError, redact, track_inclusion
from keepers.bundles.transactions import bundle_hash
from keepers.devrelay.relay import DevRelay
from tests.bundles.support import DEV, DEV_KEYS, GWEI, SEARCHER, Chain, call, deploy_one_shot, transfer, tx_hash

DEAD_URL = "http://127.0.0.1:1"  # nothing listens on port 1: connection refused at once


def test_call_bundle_reports_gas_and_coinbase_payment_without_changing_state(relay, chain, client):
    one_shot = deploy_one_shot(relay, chain, DEV[4])
    head, nonce = chain.head(), chain.nonce(DEV[0])
    pay = call(DEV[0], nonce, one_shot, b"", value=10**15, tip=2 * GWEI, gas=80_000)
    plain = transfer(DEV[1], 0, DEV[2].address, 7, tip=3 * GWEI)

    result = client.call_bundle([pay, plain], block_number=head + 1)

    assert chain.head() == head and chain.nonce(DEV[0]) == nonce and chain.nonce(DEV[1]) == 0
    assert result.bundle_hash == bundle_hash([pay, plain])
    assert result.state_block_number == head
    first, second = result.results
    assert (first.tx_hash, second.tx_hash) == (tx_hash(pay), tx_hash(plain))
    assert first.from_address == DEV[0].address and second.to_address == DEV[2].address
    assert second.gas_used == 21_000
    assert second.gas_fees == second.coinbase_diff == 21_000 * 3 * GWEI
    assert second.eth_sent_to_coinbase == 0
    assert first.gas_fees == first.gas_used * 2 * GWEI
    assert first.eth_sent_to_coinbase == 10**15
    assert first.coinbase_diff == first.gas_fees + 10**15
    assert first.gas_price == first.coinbase_diff // first.gas_used
    assert result.total_gas_used == first.gas_used + 21_000
    assert result.coinbase_diff == first.coinbase_diff + second.coinbase_diff
    assert result.bundle_gas_price == result.coinbase_diff // result.total_gas_used
    assert result.failed == []

    # Sent for real, the chain agrees to the wei.
    coinbase = chain.w3.eth.get_block("latest")["miner"]
    before = chain.balance(coinbase)
    client.send_bundle([pay, plain], target_block=head + 1)
    relay.mine_now()
    assert chain.balance(coinbase) - before == result.coinbase_diff
    assert chain.receipt(pay)["gasUsed"] == first.gas_used


def test_call_bundle_reports_a_revert_and_its_reason(relay, chain, client):
    one_shot = deploy_one_shot(relay, chain, DEV[4])
    txs = [call(DEV[0], 0, one_shot, b""), call(DEV[1], 0, one_shot, b"")]
    result = client.call_bundle(txs, block_number=chain.head() + 1)
    ok, reverted = result.results
    assert ok.error is None and ok.value == "0x"
    assert reverted.error == "execution reverted" and reverted.revert == "taken"
    assert result.failed == [reverted]


def test_call_bundle_with_a_bad_nonce_is_a_relay_error(relay, chain, client):
    with pytest.raises(RelayError) as caught:
        client.call_bundle([transfer(DEV[0], 5, DEV[1].address, 1)], block_number=1)
    assert caught.value.url == relay.url
    assert "was not included" in caught.value.message and caught.value.code == -32000
    assert str(caught.value).startswith(relay.url)


def test_call_bundle_skips_unreachable_relays(relay, chain):
    client = RelayClient([DEAD_URL, relay.url], SEARCHER)
    result = client.call_bundle([transfer(DEV[0], 0, DEV[1].address, 1)], block_number=1)
    assert result.total_gas_used == 21_000


def test_call_bundle_on_only_dead_relays_raises(relay):
    with pytest.raises(RelayError, match="unreachable") as caught:
        RelayClient([DEAD_URL], SEARCHER, timeout=2).call_bundle([transfer(DEV[0], 0, DEV[1].address, 1)], 1)
    assert not caught.value.reachable


def test_a_bundle_goes_to_every_relay_and_each_answers_for_itself(relay, chain, tmp_path):
    with DevRelay(block_interval=None) as other:
        other_chain = Chain(Web3(Web3.HTTPProvider(other.anvil_url)))
        client = RelayClient([relay.url, DEAD_URL, other.url], SEARCHER)
        txs = [transfer(DEV[0], 0, DEV[1].address, 1), transfer(DEV[1], 0, DEV[0].address, 1)]

        submission = client.send_bundle(txs, target_block=1)

        assert [answer.url for answer in submission.answers] == [relay.url, DEAD_URL, other.url]
        assert [answer.ok for answer in submission.answers] == [True, False, True]
        assert submission.answers[0].bundle_hash == submission.answers[2].bundle_hash == bundle_hash(txs)
        assert "unreachable" in submission.answers[1].error.message
        assert submission.accepted == (submission.answers[0], submission.answers[2])
        # Same dev keys, same chain id: the bundle lands on both chains.
        for devrelay, its_chain in ((relay, chain), (other, other_chain)):
            assert devrelay.mine_now().included == (bundle_hash(txs),)
            assert its_chain.receipt(txs[1])["status"] == 1


def test_a_relay_refusing_a_bundle_does_not_stop_the_others(relay, chain):
    with DevRelay(block_interval=None, chain_id=1) as mainnet_like:
        client = RelayClient([mainnet_like.url, relay.url], SEARCHER)
        submission = client.send_bundle([transfer(DEV[0], 0, DEV[1].address, 1)], target_block=1)
    refused, accepted = submission.answers
    assert "this relay serves 1" in refused.error.message and refused.error.code == -32602
    assert accepted.ok


def test_sending_for_several_blocks_lands_once(relay, chain, client):
    txs = [transfer(DEV[0], 0, DEV[1].address, 1)]
    submissions = client.send_bundle_for_blocks(txs, first_block=2, count=3)
    assert [s.target_block for s in submissions] == [2, 3, 4]
    assert len(relay.pending_bundles()) == 3
    assert relay.mine_now().included == ()
    assert relay.mine_now().included == (bundle_hash(txs),)
    third = relay.mine_now()
    assert third.included == () and "nonce too low" in third.dropped[bundle_hash(txs)].lower()
    assert relay.pending_bundles()[0].block_number == 4


def test_sending_for_several_blocks_with_one_uuid_is_refused(client):
    with pytest.raises(ValueError, match="replacementUuid"):
        client.send_bundle_for_blocks([b"\x01"], 1, 2, replacement_uuid="x")


def test_track_inclusion_finds_the_block_from_receipts(relay, chain, client):
    txs = [transfer(DEV[0], 0, DEV[1].address, 1), transfer(DEV[1], 0, DEV[0].address, 1)]
    client.send_bundle(txs, target_block=1)
    relay.mine_now()
    result = track_inclusion(chain.w3, [tx_hash(tx) for tx in txs], until_block=1, timeout=5)
    assert result.status is Inclusion.INCLUDED and result.included
    assert result.block_number == 1
    assert result.reverted == ()


def test_track_inclusion_reports_allowed_reverts(relay, chain, client):
    one_shot = deploy_one_shot(relay, chain, DEV[4])
    txs = [call(DEV[0], 0, one_shot, b""), call(DEV[1], 0, one_shot, b"")]
    target = chain.head() + 1
    client.send_bundle(txs, target_block=target, reverting_tx_hashes=[tx_hash(txs[1])])
    relay.mine_now()
    result = track_inclusion(chain.w3, [tx_hash(tx) for tx in txs], until_block=target, timeout=5)
    assert result.included and result.block_number == target
    assert result.reverted == (tx_hash(txs[1]),)


def test_track_inclusion_reports_a_dropped_bundle_once_the_block_has_passed(relay, chain, client):
    txs = [transfer(DEV[0], 3, DEV[1].address, 1)]  # nonce gap: never includable
    client.send_bundle(txs, target_block=1)
    relay.mine_now()
    result = track_inclusion(chain.w3, [tx_hash(txs[0])], until_block=1, timeout=5)
    assert result.status is Inclusion.NOT_INCLUDED and result.block_number is None
    assert result.checked_through == 1


def test_track_inclusion_flags_transactions_that_landed_apart(relay, chain):
    first, second = transfer(DEV[0], 0, DEV[1].address, 1), transfer(DEV[0], 1, DEV[1].address, 1)
    chain.w3.eth.send_raw_transaction(first)
    relay.mine_now()
    chain.w3.eth.send_raw_transaction(second)
    relay.mine_now()
    result = track_inclusion(chain.w3, [tx_hash(first), tx_hash(second)], until_block=2, timeout=5)
    assert result.status is Inclusion.PARTIAL
    assert result.blocks == {tx_hash(first): 1, tx_hash(second): 2}

    missing = transfer(DEV[2], 9, DEV[1].address, 1)
    result = track_inclusion(chain.w3, [tx_hash(first), tx_hash(missing)], until_block=2, timeout=5)
    assert result.status is Inclusion.PARTIAL and result.blocks == {tx_hash(first): 1}


def test_track_inclusion_waits_for_confirmations(relay, chain):
    raw = transfer(DEV[0], 0, DEV[1].address, 1)
    chain.w3.eth.send_raw_transaction(raw)
    relay.mine_now()
    with pytest.raises(TimeoutError, match="did not reach block 2"):
        track_inclusion(chain.w3, [tx_hash(raw)], until_block=1, confirmations=1, timeout=0.3, poll_interval=0.05)
    relay.mine_now()
    assert track_inclusion(chain.w3, [tx_hash(raw)], until_block=1, confirmations=1, timeout=5).block_number == 1


def test_track_inclusion_times_out_when_the_chain_stalls(relay, chain):
    raw = transfer(DEV[0], 0, DEV[1].address, 1)
    with pytest.raises(TimeoutError):
        track_inclusion(chain.w3, [tx_hash(raw)], until_block=5, timeout=0.2, poll_interval=0.05)


def test_the_searcher_key_never_shows(relay, client, caplog):
    secret = bytes(SEARCHER.key).hex()  # 64 hex digits, with or without 0x in front
    caplog.set_level("DEBUG")
    client.send_bundle([transfer(DEV[0], 0, DEV[1].address, 1)], target_block=1)
    RelayClient([DEAD_URL], SEARCHER).send_bundle([transfer(DEV[0], 0, DEV[1].address, 1)], target_block=1)
    relay.mine_now()
    shown = repr(client) + caplog.text
    assert secret not in shown.lower()
    assert SEARCHER.address in repr(client)
    assert all(key[2:] not in caplog.text.lower() for key in DEV_KEYS)


def test_relay_urls_are_shown_without_credentials():
    assert redact("https://user:pass@relay.example:8443/bundle?apikey=s3cret#x") == "https://relay.example:8443/bundle"
    error = RelayError("https://relay.example/?apikey=s3cret", "nope")
    assert "s3cret" not in str(error) and error.url.endswith("s3cret")


def test_a_client_needs_a_relay():
    with pytest.raises(ValueError):
        RelayClient([], Account.create())


class _Misbehaving(BaseHTTPRequestHandler):
    """A broken relay: answers every POST with the body its path names."""

    replies = {
        "/html": (502, b"<html>bad gateway</html>"),
        "/deep": (200, b'{"a":' * 150_000 + b"1" + b"}" * 150_000),
        "/huge": (200, b'{"jsonrpc":"2.0","id":1,"result":"' + b"0" * (17 << 20) + b'"}'),
        "/nothing": (200, b'{"jsonrpc":"2.0","id":1}'),
        "/error-500": (500, b'{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"builder down"}}'),
        # How JSON-RPC servers (the devrelay among them) answer an error: in an HTTP 200.
        "/error-200": (200, b'{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"bundle refused"}}'),
    }

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        status, body = self.replies[self.path]
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_broken_relays_are_reported_one_by_one(relay):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Misbehaving)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        broken = [base + path for path in _Misbehaving.replies]
        client = RelayClient([*broken, relay.url], SEARCHER)
        answers = client.send_bundle([transfer(DEV[0], 0, DEV[1].address, 1)], target_block=1).answers
    finally:
        server.shutdown()
        server.server_close()
    reasons = {answer.url.removeprefix(base): answer.error.message for answer in answers[:-1]}
    assert reasons == {
        "/html": "HTTP 502: <html>bad gateway</html>",
        "/deep": "HTTP 200: " + '{"a":' * 40,
        "/huge": f"response larger than {16 << 20} bytes",
        "/nothing": "HTTP 200: not a JSON-RPC response",
        "/error-500": "builder down",
        "/error-200": "bundle refused",
    }
    assert answers[-2].error.code == -32000
    assert answers[-1].ok
