"""The relayer end to end over real HTTP on the real chain: a zero-ETH claim, a hundred concurrent
requests, a stuck transaction re-sent with higher fees, and a restart that loses nothing."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from keepers.chain.fees import FeePolicy
from keepers.gasless.request import SignedRequest
from keepers.gasless.signer import prepare
from tests.support import manual_mining

from .conftest import api_client, mine, serving

FINAL = ("mined", "failed")


def wait_for(client: httpx.Client, ids: list[str], timeout: float = 40.0, statuses=FINAL) -> dict[str, dict]:
    """Each request's status once all of them reached one of `statuses`."""
    deadline = time.monotonic() + timeout
    while True:
        answers = {i: client.get(f"/v1/requests/{i}").json() for i in ids}
        if all(a["status"] in statuses for a in answers.values()):
            return answers
        if time.monotonic() > deadline:
            pending = {i: a for i, a in answers.items() if a["status"] not in statuses}
            raise AssertionError(f"{len(pending)} requests still pending: {list(pending.values())[:3]}")
        time.sleep(0.05)


def submit(client: httpx.Client, signed: SignedRequest) -> str:
    response = client.post("/v1/requests", json=signed.to_json())
    assert response.status_code == 202, response.text
    return response.json()["id"]


def test_an_account_without_eth_claims_through_the_relayer(
    make, w3, child, dai, service_campaign, signers, relayer_account
):
    user = signers[0]
    assert w3.eth.get_balance(user.address) == 0
    relayer_before = w3.eth.get_balance(relayer_account.address)
    with serving(make()) as url, httpx.Client(base_url=url, timeout=30) as client:
        health = client.get("/v1/health").json()
        assert health["relayer"] == relayer_account.address and health["diamond"] == child.address
        signed = prepare(w3, user, child.address, service_campaign.claim_data(user.address))
        request_id = submit(client, signed)
        status = wait_for(client, [request_id])[request_id]

    assert status["status"] == "mined", status
    receipt = w3.eth.get_transaction_receipt(status["tx_hash"])
    assert receipt["status"] == 1 and receipt["from"] == relayer_account.address
    amount = service_campaign.tree.amount(user.address)
    assert dai.balanceOf(user.address) == amount
    assert child.claimed(service_campaign.id, user.address) == amount
    assert w3.eth.get_balance(user.address) == 0
    paid = receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert w3.eth.get_balance(relayer_account.address) == relayer_before - paid > 0
    assert (
        status["gas_used"] == receipt["gasUsed"] and int(status["effective_gas_price"]) == receipt["effectiveGasPrice"]
    )


def test_a_hundred_concurrent_requests_from_ten_signers_all_mine(
    make, w3, child, dai, service_campaign, signers, claimants
):
    relayer = make()
    start_nonce = w3.eth.get_transaction_count(relayer.submitter.relayer.address)
    # Signer i relays the claims of claimants 10i .. 10i+9 with its nonces 0..9, all posted at once.
    requests = [
        prepare(w3, signer, child.address, service_campaign.claim_data(claimants[10 * i + n]), nonce=n)
        for i, signer in enumerate(signers)
        for n in range(10)
    ]
    started = time.monotonic()
    with serving(relayer) as url, httpx.Client(base_url=url, timeout=60) as client:
        with ThreadPoolExecutor(max_workers=50) as pool:
            ids = list(pool.map(lambda signed: submit(client, signed), requests))
        answers = wait_for(client, ids, timeout=60)
    elapsed = time.monotonic() - started

    assert [a["status"] for a in answers.values()] == ["mined"] * 100, [a for a in answers.values() if a["reason"]]
    receipts = [w3.eth.get_transaction_receipt(a["tx_hash"]) for a in answers.values()]
    relayer_nonces = sorted(w3.eth.get_transaction(r["transactionHash"])["nonce"] for r in receipts)
    assert relayer_nonces == list(range(start_nonce, start_nonce + 100))  # no collision, no gap
    assert w3.eth.get_transaction_count(relayer.submitter.relayer.address) == start_nonce + 100
    for signer in signers:
        assert child.nonces(signer.address) == 10
    for claimant in claimants:
        assert dai.balanceOf(claimant) == service_campaign.tree.amount(claimant)
    assert elapsed < 60


def test_a_stuck_transaction_is_resent_at_the_same_nonce_with_higher_fees(make, w3, child, service_campaign, signers):
    relayer = make(fees=FeePolicy(stuck_after_blocks=2))
    user = signers[1]
    with manual_mining(w3), serving(relayer) as url, httpx.Client(base_url=url, timeout=30) as client:
        request_id = submit(client, prepare(w3, user, child.address, service_campaign.claim_data(user.address)))
        first = wait_for(client, [request_id], statuses=("submitted",))[request_id]
        sent = w3.eth.get_transaction(first["tx_hash"])
        # The base fee jumps past what the first bid allows: the transaction cannot be included.
        base_fee = 4 * sent["maxFeePerGas"]
        w3.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(base_fee)])
        mine(w3)
        assert w3.eth.get_block("latest")["baseFeePerGas"] == base_fee
        assert client.get(f"/v1/requests/{request_id}").json()["status"] == "submitted"
        deadline = time.monotonic() + 30
        while client.get(f"/v1/requests/{request_id}").json()["attempts"] < 2:
            assert time.monotonic() < deadline, "never resubmitted"
            mine(w3)
            time.sleep(0.2)
        mine(w3)
        final = wait_for(client, [request_id])[request_id]

    assert final["status"] == "mined" and final["attempts"] == 2
    assert final["tx_hash"] != first["tx_hash"]
    replacement = w3.eth.get_transaction(final["tx_hash"])
    assert replacement["nonce"] == sent["nonce"]
    assert replacement["maxFeePerGas"] * 100 >= sent["maxFeePerGas"] * 110
    assert replacement["maxPriorityFeePerGas"] * 100 >= sent["maxPriorityFeePerGas"] * 110
    assert child.nonces(user.address) == 1


def test_a_restart_resumes_from_the_store(make, w3, child, dai, service_campaign, signers, claimants, relayer_account):
    user = signers[2]
    start_nonce = w3.eth.get_transaction_count(relayer_account.address)
    signed = [prepare(w3, user, child.address, service_campaign.claim_data(claimants[n]), nonce=n) for n in range(4)]
    with manual_mining(w3):
        # The first relayer submits two requests, then dies; the node forgets its pool.
        first = make()
        with serving(first) as url, httpx.Client(base_url=url, timeout=30) as client:
            sent = [submit(client, s) for s in signed[:2]]
            wait_for(client, sent, statuses=("submitted",))
        w3.provider.make_request("anvil_dropAllTransactions", [])
        # Two more are accepted while no worker runs (queued only).
        with api_client(make()) as client:
            queued = [submit(client, s) for s in signed[2:]]
        # The second relayer rebroadcasts the journaled transactions and sends the queued ones.
        second = make()
        with serving(second) as url, httpx.Client(base_url=url, timeout=30) as client:
            assert client.post("/v1/requests", json=signed[0].to_json()).json()["error"] == "nonce_pending"
            wait_for(client, sent + queued, statuses=("submitted",))
            mine(w3)
            answers = wait_for(client, sent + queued)

    assert [a["status"] for a in answers.values()] == ["mined"] * 4
    assert [a["attempts"] for a in answers.values()] == [1, 1, 1, 1]  # nothing signed twice
    assert w3.eth.get_transaction_count(relayer_account.address) == start_nonce + 4
    assert child.nonces(user.address) == 4
    for claimant in claimants[:4]:
        assert dai.balanceOf(claimant) == service_campaign.tree.amount(claimant)
