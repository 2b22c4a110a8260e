"""How the devrelay builds blocks: atomic bundles, reverts, timestamps, replacement, competition."""

from __future__ import annotations

import uuid

from eth_account import Account

from keepers.bundles.client import RelayClient
from keepers.bundles.transactions import bundle_hash
from tests.bundles.support import DEV, GWEI, call, deploy_one_shot, transfer, tx_hash


def test_a_bundle_of_two_transfers_lands_atomically_in_its_target_block(relay, chain, client):
    a, b = DEV[0], DEV[1]
    txs = [transfer(a, 0, b.address, 10**18), transfer(b, 0, a.address, 3 * 10**17)]
    submission = client.send_bundle(txs, target_block=2)
    assert [answer.bundle_hash for answer in submission.answers] == [bundle_hash(txs)]

    first = relay.mine_now()
    assert first.number == 1 and first.transactions == () and first.included == ()
    assert chain.nonce(a) == chain.nonce(b) == 0

    second = relay.mine_now()
    assert second.included == (bundle_hash(txs),)
    assert list(second.transactions) == [tx_hash(tx) for tx in txs]
    assert all(chain.receipt(tx)["status"] == 1 for tx in txs)
    assert relay.pending_bundles() == []


def test_a_bundle_whose_transaction_reverts_unexpectedly_is_dropped_whole(relay, chain, client):
    one_shot = deploy_one_shot(relay, chain, DEV[4])
    ok = call(DEV[0], 0, one_shot, b"")
    reverts = call(DEV[1], 0, one_shot, b"")  # the second call of a OneShot reverts
    client.send_bundle([ok, reverts], target_block=chain.head() + 1)

    built = relay.mine_now()
    assert built.included == ()
    assert "reverted: taken" in built.dropped[bundle_hash([ok, reverts])]
    assert built.transactions == ()
    assert chain.receipt(ok) is None and chain.receipt(reverts) is None
    assert chain.nonce(DEV[0]) == 0


def test_a_revert_listed_in_reverting_tx_hashes_is_allowed(relay, chain, client):
    one_shot = deploy_one_shot(relay, chain, DEV[4])
    ok = call(DEV[0], 0, one_shot, b"")
    reverts = call(DEV[1], 0, one_shot, b"")
    client.send_bundle([ok, reverts], target_block=chain.head() + 1, reverting_tx_hashes=[tx_hash(reverts)])

    built = relay.mine_now()
    assert built.included == (bundle_hash([ok, reverts]),)
    assert chain.receipt(ok)["status"] == 1
    assert chain.receipt(reverts)["status"] == 0
    assert chain.receipt(reverts)["blockNumber"] == built.number


def test_min_and_max_timestamp_are_respected(relay, chain, client):
    now = chain.w3.eth.get_block("latest")["timestamp"]
    early = [transfer(DEV[0], 0, DEV[1].address, 1)]
    client.send_bundle(early, target_block=1, min_timestamp=now + 100)
    late = [transfer(DEV[2], 0, DEV[1].address, 1)]
    client.send_bundle(late, target_block=1, max_timestamp=now + 50)
    in_window = [transfer(DEV[3], 0, DEV[1].address, 1)]
    client.send_bundle(in_window, target_block=1, min_timestamp=now + 50, max_timestamp=now + 100)

    built = relay.mine_now(timestamp=now + 60)
    assert built.included == (bundle_hash(in_window),)
    assert chain.receipt(early[0]) is None and chain.receipt(late[0]) is None

    # The same bundles for a block at an accepted time.
    client.send_bundle(early, target_block=2, min_timestamp=now + 100)
    assert relay.mine_now(timestamp=now + 100).included == (bundle_hash(early),)


def test_max_timestamp_admits_its_own_second(relay, chain, client):
    now = chain.w3.eth.get_block("latest")["timestamp"]
    txs = [transfer(DEV[0], 0, DEV[1].address, 1)]
    client.send_bundle(txs, target_block=1, max_timestamp=now + 10)
    assert relay.mine_now(timestamp=now + 10).included == (bundle_hash(txs),)


def test_a_newer_bundle_with_the_same_uuid_replaces_the_older(relay, chain, client):
    key = str(uuid.uuid4())
    old = [transfer(DEV[0], 0, DEV[1].address, 1)]
    new = [transfer(DEV[0], 0, DEV[2].address, 2)]
    client.send_bundle(old, target_block=1, replacement_uuid=key)
    client.send_bundle(new, target_block=1, replacement_uuid=key)
    assert [b.bundle_hash for b in relay.pending_bundles()] == [bundle_hash(new)]

    built = relay.mine_now()
    assert built.included == (bundle_hash(new),)
    assert chain.receipt(old[0]) is None


def test_cancel_removes_the_bundle_and_only_for_its_signer(relay, chain, client):
    key = str(uuid.uuid4())
    txs = [transfer(DEV[0], 0, DEV[1].address, 1)]
    client.send_bundle(txs, target_block=1, replacement_uuid=key)

    stranger = RelayClient([relay.url], Account.create())
    assert stranger.request(relay.url, "eth_cancelBundle", [{"replacementUuid": key}]) == []
    assert len(relay.pending_bundles()) == 1  # someone else's uuid is not theirs to cancel

    # The answer names the bundles dropped (ethers' Flashbots provider reads it so).
    assert client.request(relay.url, "eth_cancelBundle", [{"replacementUuid": key}]) == [bundle_hash(txs)]
    assert relay.pending_bundles() == []
    assert all(answer.ok for answer in client.cancel_bundle(key))
    assert relay.mine_now().transactions == ()


def test_of_two_bundles_with_the_same_nonce_the_better_paying_per_gas_wins(relay, chain, client):
    cheap = [transfer(DEV[0], 0, DEV[1].address, 1, tip=2 * GWEI)]
    rich = [transfer(DEV[0], 0, DEV[2].address, 1, tip=3 * GWEI)]
    client.send_bundle(cheap, target_block=1)  # first in, but pays less
    client.send_bundle(rich, target_block=1)

    built = relay.mine_now()
    assert built.included == (bundle_hash(rich),)
    assert "nonce 0 of" in built.dropped[bundle_hash(cheap)]
    assert chain.receipt(rich[0])["status"] == 1 and chain.receipt(cheap[0]) is None


def test_payment_per_gas_not_total_payment_decides(relay, chain, client):
    # Bundle A pays more in total (2 txs) but less per gas than bundle B.
    a = [transfer(DEV[0], 0, DEV[1].address, 1, tip=2 * GWEI), transfer(DEV[0], 1, DEV[1].address, 1, tip=2 * GWEI)]
    b = [transfer(DEV[0], 0, DEV[2].address, 1, tip=3 * GWEI)]
    client.send_bundle(a, target_block=1)
    client.send_bundle(b, target_block=1)
    assert relay.mine_now().included == (bundle_hash(b),)


def test_direct_coinbase_payments_count_and_a_bundle_broken_by_a_better_one_is_dropped(relay, chain, client):
    one_shot = deploy_one_shot(relay, chain, DEV[4])
    # Both bundles race for the same OneShot; neither shares a nonce with the other.
    # `low` pays a higher priority fee, `high` pays the coinbase directly through the contract.
    low = [call(DEV[0], 0, one_shot, b"", tip=5 * GWEI, gas=60_000)]
    high = [call(DEV[1], 0, one_shot, b"", value=10**15, tip=1 * GWEI, gas=60_000)]
    client.send_bundle(low, target_block=chain.head() + 1)
    client.send_bundle(high, target_block=chain.head() + 1)

    coinbase = chain.w3.eth.get_block("latest")["miner"]
    before = chain.balance(coinbase)
    built = relay.mine_now()
    assert built.included == (bundle_hash(high),)
    assert built.dropped[bundle_hash(low)].startswith("conflicts with a better-paying bundle: ")
    assert "taken" in built.dropped[bundle_hash(low)]
    receipt = chain.receipt(high[0])
    base_fee = chain.w3.eth.get_block(built.number)["baseFeePerGas"]
    tip = receipt["effectiveGasPrice"] - base_fee
    assert chain.balance(coinbase) - before == 10**15 + receipt["gasUsed"] * tip


def test_non_conflicting_bundles_share_a_block_best_first(relay, chain, client):
    one = [transfer(DEV[0], 0, DEV[1].address, 1, tip=1 * GWEI)]
    two = [transfer(DEV[2], 0, DEV[1].address, 1, tip=4 * GWEI)]
    three = [transfer(DEV[3], 0, DEV[1].address, 1, tip=2 * GWEI)]
    for txs in (one, two, three):
        client.send_bundle(txs, target_block=1)
    built = relay.mine_now()
    assert built.included == (bundle_hash(two), bundle_hash(three), bundle_hash(one))
    assert list(built.transactions) == [tx_hash(two[0]), tx_hash(three[0]), tx_hash(one[0])]


def test_a_bundle_may_fund_a_sender_it_uses(relay, chain, client):
    fresh = Account.create()
    txs = [
        transfer(DEV[0], 0, fresh.address, 10**17),
        transfer(fresh, 0, DEV[1].address, 10**16),
    ]
    assert chain.balance(fresh.address) == 0
    client.send_bundle(txs, target_block=1)
    built = relay.mine_now()
    assert built.included == (bundle_hash(txs),)
    assert chain.nonce(fresh) == 1


def test_public_transactions_go_after_the_bundles(relay, chain, client):
    public = transfer(DEV[2], 0, DEV[3].address, 5, tip=50 * GWEI // 2)
    chain.w3.eth.send_raw_transaction(public)  # straight to anvil's mempool, before the bundle
    bundle = [transfer(DEV[0], 0, DEV[1].address, 1), transfer(DEV[1], 0, DEV[0].address, 1)]
    client.send_bundle(bundle, target_block=1)

    built = relay.mine_now()
    assert list(built.transactions) == [tx_hash(bundle[0]), tx_hash(bundle[1]), tx_hash(public)]


def test_a_public_transaction_whose_nonce_a_bundle_took_is_dropped(relay, chain, client):
    public = transfer(DEV[0], 0, DEV[3].address, 5, tip=20 * GWEI)
    chain.w3.eth.send_raw_transaction(public)
    bundle = [transfer(DEV[0], 0, DEV[1].address, 1)]
    client.send_bundle(bundle, target_block=1)
    built = relay.mine_now()
    assert list(built.transactions) == [tx_hash(bundle[0])]
    assert chain.receipt(public) is None


def test_public_transactions_through_the_relay_and_without_bundles(relay, chain, client):
    raw = transfer(DEV[0], 0, DEV[1].address, 1)
    assert client.request(relay.url, "eth_sendRawTransaction", ["0x" + raw.hex()]) == tx_hash(raw)
    built = relay.mine_now()
    assert built.transactions == (tx_hash(raw),)


def test_bundles_for_a_past_block_expire(relay, chain, client):
    relay.mine_now()
    txs = [transfer(DEV[0], 0, DEV[1].address, 1)]
    client.send_bundle(txs, target_block=1)  # block 1 is already mined
    assert relay.mine_now().transactions == ()
    assert relay.pending_bundles() == []
