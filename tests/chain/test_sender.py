"""TxSender on a real node: write-ahead journal, idempotent purposes, nonces in order under
concurrency, recovery from dropped and foreign transactions, gaps burnt, stuck transactions
re-priced, reorgs, receipts to depth, and a typed error for every refusal."""

from __future__ import annotations

import threading

import pytest

from keepers.chain.contracts import abi
from keepers.chain.errors import FeeCapReached, InsufficientFunds, PurposeFailed, SendError, WouldRevert
from keepers.chain.faults import Faults, InjectedFault
from keepers.chain.fees import FeePolicy
from keepers.chain.sender import Call, TxSender

E18 = 10**18


def transfer(to: str, value: int = 1) -> Call:
    return Call(to, b"", value, 21_000)


def nonces_on_chain(node, address: str) -> list[int]:
    """The nonces of `address`'s transactions in every block, in chain order."""
    found = []
    for number in range(node.w3.eth.block_number + 1):
        for tx in node.w3.eth.get_block(number, full_transactions=True)["transactions"]:
            if tx["from"] == address:
                found.append(tx["nonce"])
    return found


def test_send_journals_before_broadcasting_and_settles_to_depth(node, make_sender, journal):
    sender = make_sender(confirmations=2)
    other = node.fund().address
    crashing = TxSender(node.w3, sender.account, journal, FeePolicy(), faults=Faults(frozenset({"sender.journaled"})))

    with pytest.raises(InjectedFault):
        crashing.send("test:pay:1", transfer(other, 5))

    row = journal.latest("test:pay:1")
    assert row is not None and row.status == "pending" and row.nonce == 0
    assert node.w3.eth.get_transaction_count(sender.address, "pending") == 0  # never broadcast
    report = sender.start()  # a new process: the journaled transaction goes out now
    assert [tx.purpose for tx in report.rebroadcast] == ["test:pay:1"]
    head = node.mine()
    report = sender.poll(head)
    assert [tx.purpose for tx in report.mined] == ["test:pay:1"] and not report.confirmed
    report = sender.poll(node.mine())
    assert [tx.purpose for tx in report.confirmed] == ["test:pay:1"]
    settled = journal.latest("test:pay:1")
    assert settled.status == "confirmed" and settled.receipt_status == 1 and settled.mined_block == head
    assert node.w3.eth.get_balance(other) == 10 * E18 + 5


def test_a_purpose_is_sent_once(node, make_sender):
    sender = make_sender()
    other = node.fund().address
    first = sender.send("test:once", transfer(other))
    again = sender.send("test:once", transfer(other))
    node.mine()
    sender.poll()
    after = sender.send("test:once", transfer(other))

    assert again.id == first.id and after.id == first.id
    assert node.w3.eth.get_transaction_count(sender.address) == 1


def test_concurrent_sends_get_contiguous_nonces(node, make_sender):
    sender = make_sender()
    other = node.fund().address
    errors = []

    def worker(index: int) -> None:
        try:
            for n in range(10):
                sender.send(f"test:burst:{index}:{n}", transfer(other))
        except Exception as err:  # surfaced below
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    node.mine()
    sender.poll()

    assert not errors
    assert sorted(nonces_on_chain(node, sender.address)) == list(range(80))
    assert node.w3.eth.get_balance(other) == 10 * E18 + 80


def test_a_pool_of_accounts_sends_in_parallel_without_collisions(node, sender_pool):
    accounts = [node.fund() for _ in range(5)]
    senders = [sender_pool.add(account) for account in accounts]
    assert sender_pool.add(accounts[0]) is senders[0]  # one sender per account
    other = node.fund().address

    def worker(sender: TxSender) -> None:
        sender.send_many([(f"test:pool:{sender.address}:{n}", transfer(other)) for n in range(20)])

    threads = [threading.Thread(target=worker, args=(s,)) for s in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    node.mine()
    sender_pool.poll()

    for account in accounts:
        assert nonces_on_chain(node, account.address) == list(range(20))
    assert all(tx.status == "confirmed" for s in senders for tx in s.journal.of_sender(s.address))


def test_a_dropped_transaction_is_sent_again_at_its_nonce(node, make_sender):
    sender = make_sender()
    other = node.fund().address
    sent = sender.send("test:dropped", transfer(other))
    node.rpc("anvil_dropTransaction", sent.tx_hash)
    assert node.w3.eth.get_transaction_count(sender.address, "pending") == 0

    report = sender.poll()
    node.mine()
    sender.poll()

    assert [tx.purpose for tx in report.rebroadcast] == ["test:dropped"]
    assert nonces_on_chain(node, sender.address) == [0]
    assert sender.journal.latest("test:dropped").status == "mined"


def test_a_nonce_taken_by_another_transaction_moves_ours(node, make_sender):
    account = node.fund()
    sender = make_sender(account)
    other = node.fund().address
    sender.poll()  # nonces synced: next is 0
    foreign = account.sign_transaction(
        {
            "type": 2,
            "chainId": node.w3.eth.chain_id,
            "nonce": 0,
            "to": other,
            "value": 7,
            "gas": 21_000,
            "maxFeePerGas": 10**10,
            "maxPriorityFeePerGas": 10**9,
        }
    )
    node.w3.eth.send_raw_transaction(foreign.raw_transaction)  # the same key, from somewhere else
    node.mine()

    sent = sender.send("test:ours", transfer(other, 3))
    node.mine()
    sender.poll()

    assert sent.nonce == 1
    assert nonces_on_chain(node, account.address) == [0, 1]
    assert sender.journal.latest("test:ours").succeeded


def test_our_transaction_replaced_at_its_nonce_fails_once_a_later_block_confirms_it(node, make_sender):
    account = node.fund()
    sender = make_sender(account)
    other = node.fund().address
    ours = sender.send("test:replaced", transfer(other, 3))
    fees = node.w3.eth.get_transaction(ours.tx_hash)
    foreign = account.sign_transaction(  # the same key elsewhere, outbidding ours at its nonce
        {
            "type": 2,
            "chainId": node.w3.eth.chain_id,
            "nonce": ours.nonce,
            "to": other,
            "value": 7,
            "gas": 21_000,
            "maxFeePerGas": fees["maxFeePerGas"] * 2,
            "maxPriorityFeePerGas": fees["maxPriorityFeePerGas"] * 2,
        }
    )
    node.w3.eth.send_raw_transaction(foreign.raw_transaction)

    first = sender.poll(node.mine())
    assert not first.failed and sender.journal.latest("test:replaced").status == "pending"
    second = sender.poll(node.mine())
    assert [tx.purpose for tx in second.failed] == ["test:replaced"]
    assert sender.journal.latest("test:replaced").status == "dropped"
    assert node.w3.eth.get_balance(other) == 10 * E18 + 7


def test_a_nonce_counted_before_its_receipt_is_served_is_not_dropped(node, make_sender, monkeypatch):
    """anvil counts a mined nonce before it serves the block's receipts (seen in CI: a root posted by
    a keeper that had just restarted was journaled as dropped)."""
    sender = make_sender()
    other = node.fund().address
    sent = sender.send("test:early-count", transfer(other))
    head = node.mine()
    served = sender._receipt
    monkeypatch.setattr(sender, "_receipt", lambda tx_hash: None)  # the node not serving it yet

    assert not sender.poll(head).failed
    monkeypatch.setattr(sender, "_receipt", served)
    report = sender.poll(head)  # the same head: still only the node's word
    assert [tx.tx_hash for tx in report.mined] == [sent.tx_hash]
    assert sender.journal.latest("test:early-count").status == "mined"


def test_an_expired_bundle_nonce_is_reused_or_burnt(node, make_sender):
    sender = make_sender(confirmations=1)
    other = node.fund().address
    head = node.w3.eth.block_number
    fees = sender.bid()
    (bundled,) = sender.sign_bundle([("test:bundle", transfer(other))], fees, valid_until=head + 1)
    public = sender.send("test:after-bundle", transfer(other))  # waits behind the bundle's nonce
    assert (bundled.nonce, public.nonce) == (0, 1)

    node.mine()  # the bundle was never sent to a relay: its block passes without it
    report = sender.poll()
    assert [tx.purpose for tx in report.failed] == ["test:bundle"]
    assert report.burnt == [0]
    node.mine()
    sender.poll()

    assert nonces_on_chain(node, sender.address) == [0, 1]
    assert sender.journal.latest("test:bundle").status == "expired"
    assert sender.journal.latest(f"nonce:burn:{sender.address}:0").succeeded
    assert sender.journal.latest("test:after-bundle").succeeded


def test_an_expired_bundle_at_the_top_frees_its_nonce_for_the_next_send(node, make_sender):
    sender = make_sender()
    other = node.fund().address
    head = node.w3.eth.block_number
    (bundled,) = sender.sign_bundle([("test:top-bundle", transfer(other))], sender.bid(), valid_until=head + 1)
    node.mine()
    report = sender.poll()
    nxt = sender.send("test:next", transfer(other))

    assert not report.burnt and nxt.nonce == bundled.nonce == 0


def test_a_stuck_transaction_is_repriced_at_the_same_nonce(node, make_sender):
    sender = make_sender(policy=FeePolicy(stuck_after_blocks=2))
    other = node.fund().address
    sent = sender.send("test:stuck", transfer(other))
    sender.poll()
    # The base fee jumps past the bid: it cannot be included until re-priced.
    node.rpc("anvil_setNextBlockBaseFeePerGas", hex(2 * sent.latest.max_fee))
    head = node.mine()
    assert node.w3.eth.get_block(head)["transactions"] == []
    sender.poll()
    node.rpc("anvil_setNextBlockBaseFeePerGas", hex(2 * sent.latest.max_fee))
    node.mine()
    report = sender.poll()
    assert [tx.purpose for tx in report.repriced] == ["test:stuck"]
    node.mine()
    sender.poll()

    final = sender.journal.latest("test:stuck")
    assert final.succeeded and len(final.attempts) == 2 and final.nonce == sent.nonce
    first, second = final.attempts
    assert second.max_fee * 10_000 >= first.max_fee * 11_250 and second.tip * 10_000 >= first.tip * 11_250
    assert final.tx_hash == second.tx_hash
    assert nonces_on_chain(node, sender.address) == [0]


def test_a_reorged_transaction_goes_back_to_pending_and_lands_again(node, make_sender):
    sender = make_sender(confirmations=3)
    other = node.fund().address
    snapshot = node.rpc("evm_snapshot")
    sent = sender.send("test:reorg", transfer(other, 9))
    mined_in = node.mine()
    node.mine()
    assert sender.poll().mined[0].mined_block == mined_in

    node.rpc("evm_revert", snapshot)  # depth 2: both blocks leave the chain
    node.rpc("anvil_dropAllTransactions")
    node.mine(2)  # different blocks at the same heights
    report = sender.poll()
    assert [tx.purpose for tx in report.reorged] == ["test:reorg"]
    node.mine()
    sender.poll()
    node.mine(3)
    sender.poll()

    final = sender.journal.latest("test:reorg")
    assert final.status == "confirmed" and final.tx_hash == sent.tx_hash and final.mined_block > mined_in
    assert nonces_on_chain(node, sender.address) == [0]


def test_refusals_are_typed_and_hold_no_nonce(node, make_sender):
    poor = node.fund(ether=0)
    sender = make_sender(poor)
    with pytest.raises(InsufficientFunds) as funds:
        sender.send("test:poor", transfer(poor.address))
    assert funds.value.balance == 0 and funds.value.needed > 0

    capped = make_sender(policy=FeePolicy(max_fee_cap=1))
    with pytest.raises(FeeCapReached):
        capped.send("test:capped", transfer(capped.address))
    assert capped.journal.latest("test:capped") is None

    facet = node.deploy("OwnershipFacet")
    rich = make_sender()
    call = Call(facet, abi("OwnershipFacet").function("acceptOwnership").encode())
    with pytest.raises(WouldRevert) as reverted:
        rich.send("test:not-pending-owner", call)
    assert reverted.value.reason == f"NotPendingOwner({rich.address})"
    assert rich.journal.latest("test:not-pending-owner") is None
    # Nothing was reserved by the refusals: the next transaction takes nonce 0.
    assert rich.send("test:fine", transfer(rich.address)).nonce == 0
    node.mine()


def test_a_failed_purpose_is_tried_again_only_when_allowed(node, make_sender):
    sender = make_sender()
    other = node.fund().address
    head = node.w3.eth.block_number
    sender.sign_bundle([("test:again", transfer(other))], sender.bid(), valid_until=head + 1)
    node.mine()
    sender.poll()
    with pytest.raises(PurposeFailed):
        sender.send("test:again", transfer(other), retry=False)
    retried = sender.send("test:again", transfer(other))
    node.mine()
    sender.poll()

    assert retried.generation == 1 and sender.journal.latest("test:again").succeeded


def test_a_bundle_needs_its_gas(node, make_sender):
    sender = make_sender()
    with pytest.raises(ValueError, match="simulated gas"):
        sender.sign_bundle([("test:no-gas", Call(sender.address))], sender.bid(), valid_until=1)
    with pytest.raises(SendError):
        sender.sign_bundle([("test:dup", transfer(sender.address))], sender.bid(), valid_until=10**9)
        sender.sign_bundle([("test:dup", transfer(sender.address))], sender.bid(), valid_until=10**9)
