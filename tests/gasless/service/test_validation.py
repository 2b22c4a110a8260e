"""Misuse of the relayer's API, on the real chain: every refusal is a 4xx with a stable code and
nothing is journaled or sent for it."""

from __future__ import annotations

import json

import pytest
from eth_utils import keccak

from keepers.gasless.contract import CLAIM
from keepers.gasless.request import SECP256K1_N, SignedRequest, domain_separator, sign_request
from keepers.gasless.signer import build_request, prepare
from keepers.gasless.validation import RateLimiter

from .conftest import E18, api_client


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def api(make):
    """A relayer whose worker is not running (accepted requests stay queued), and its app."""
    relayer = make()
    with api_client(relayer) as client:
        client.relayer = relayer
        yield client


def post(client, signed: SignedRequest | dict):
    body = signed.to_json() if isinstance(signed, SignedRequest) else signed
    return client.post("/v1/requests", json=body)


def refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == code, body
    assert body["detail"]
    return body


def claim(w3, child, service_campaign, signer, account=None, **kwargs) -> SignedRequest:
    return prepare(w3, signer, child.address, service_campaign.claim_data(account or signer.address), **kwargs)


def test_the_domain_is_the_diamonds(w3, child):
    assert domain_separator(w3.eth.chain_id, child.address) == bytes(child.relayDomainSeparator())


def test_a_valid_request_is_queued_and_reported(api, w3, child, service_campaign, signers):
    response = post(api, claim(w3, child, service_campaign, signers[0]))
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert accepted["status"] == "queued"
    status = api.get(f"/v1/requests/{accepted['id']}").json()
    assert status["status"] == "queued" and status["signer"] == signers[0].address and status["nonce"] == "0"
    refused(api.get("/v1/requests/00000000-0000-0000-0000-000000000000"), 404, "not_found")
    refused(api.get("/v1/requests/not-an-id"), 404, "not_found")


def test_replay_of_an_executed_request_is_refused(api, w3, child, service_campaign, signers):
    signed = claim(w3, child, service_campaign, signers[0])
    assert post(api, signed).status_code == 202
    refused(post(api, signed), 409, "nonce_pending")  # the same request twice while in flight
    report = api.relayer.submitter.tick()
    assert len(report.submitted) == 1
    api.relayer.submitter.tick()
    assert child.nonces(signers[0].address) == 1
    # Validation reads nonces as of the head the submitter last saw (at most a block old): one more
    # tick sees the block that executed it (the node may have mined it after the last tick began).
    api.relayer.submitter.tick()
    refused(post(api, signed), 409, "nonce_used")


def test_a_signature_for_another_chain_is_refused(api, w3, child, service_campaign, signers):
    request = claim(w3, child, service_campaign, signers[0]).request
    other_chain = sign_request(signers[0], request, w3.eth.chain_id + 1, child.address)
    refused(post(api, other_chain), 422, "wrong_signer")


def test_a_signature_for_another_diamond_is_refused(api, w3, child, service_campaign, signers, dai):
    request = claim(w3, child, service_campaign, signers[0]).request
    refused(post(api, sign_request(signers[0], request, w3.eth.chain_id, dai.address)), 422, "wrong_signer")


def test_an_expired_deadline_is_refused(api, w3, child, service_campaign, signers):
    refused(post(api, claim(w3, child, service_campaign, signers[0], valid_for=-1)), 422, "expired")
    # within the relayer's margin (10 s here) of the chain's clock: too late to be mined in time
    refused(post(api, claim(w3, child, service_campaign, signers[0], valid_for=5)), 422, "expired")


def test_a_signature_by_someone_else_is_refused(api, w3, child, service_campaign, signers):
    request = claim(w3, child, service_campaign, signers[0]).request
    refused(post(api, sign_request(signers[1], request, w3.eth.chain_id, child.address)), 422, "wrong_signer")


def test_tampered_fields_are_refused(api, w3, child, service_campaign, signers, claimants):
    signed = claim(w3, child, service_campaign, signers[0])
    body = signed.to_json()
    for field, value in (
        ("data", "0x" + service_campaign.claim_data(claimants[0]).hex()),
        ("gas", "300001"),
        ("deadline", signed.request.deadline + 1),
        ("nonce", "1"),
    ):
        tampered = json.loads(json.dumps(body))
        tampered["request"][field] = value
        refused(post(api, tampered), 422, "wrong_signer")


def test_a_target_other_than_the_diamond_is_refused(api, w3, child, service_campaign, signers, dai):
    request = build_request(
        signers[0].address, dai.address, service_campaign.claim_data(signers[0].address), nonce=0, deadline=2**40
    )
    refused(post(api, sign_request(signers[0], request, w3.eth.chain_id, dai.address)), 422, "wrong_target")


def test_a_selector_not_allowed_is_refused(api, w3, child, signers, dai):
    transfer = keccak(text="transfer(address,uint256)")[:4] + bytes(64)
    refused(post(api, prepare(w3, signers[0], child.address, transfer)), 422, "selector_not_allowed")
    owner_call = keccak(text="transferOwnership(address)")[:4] + bytes(32)
    refused(post(api, prepare(w3, signers[0], child.address, owner_call)), 422, "selector_not_allowed")
    refused(post(api, prepare(w3, signers[0], child.address, b"\x01")), 422, "selector_not_allowed")


def test_a_claim_that_would_revert_is_refused_with_its_reason(api, w3, child, service_campaign, signers):
    account = signers[0].address
    proof = ["0x" + node.hex() for node in service_campaign.tree.proof(account)]
    from keepers.rewards.campaigns import RewardsContract

    greedy = RewardsContract.claim_calldata(service_campaign.id, account, 10**6 * E18, proof)
    body = refused(post(api, prepare(w3, signers[0], child.address, greedy)), 422, "simulation_reverted")
    assert "InvalidProof" in body["detail"]
    assert api.relayer.journal.counts() == {}


def test_gas_and_value_out_of_policy_are_refused(api, w3, child, service_campaign, signers):
    refused(post(api, claim(w3, child, service_campaign, signers[0], gas=10**7)), 422, "gas_out_of_range")
    request = claim(w3, child, service_campaign, signers[0]).request.model_copy(update={"value": 1})
    refused(post(api, sign_request(signers[0], request, w3.eth.chain_id, child.address)), 422, "value_not_supported")


def test_a_nonce_too_far_ahead_is_refused(api, w3, child, service_campaign, signers):
    refused(post(api, claim(w3, child, service_campaign, signers[0], nonce=17)), 422, "nonce_too_far")
    assert post(api, claim(w3, child, service_campaign, signers[0], nonce=16)).status_code == 202  # held for its turn


def test_malformed_signatures_are_refused(api, w3, child, service_campaign, signers):
    body = claim(w3, child, service_campaign, signers[0]).to_json()
    signature = bytes.fromhex(body["signature"][2:])
    r, s, v = signature[:32], int.from_bytes(signature[32:64], "big"), signature[64]
    high_s = r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v])  # the same key's malleable twin
    for bad in (signature[:64] + bytes([29]), high_s, bytes(65)):
        refused(post(api, body | {"signature": "0x" + bad.hex()}), 422, "bad_signature")


def test_oversize_payloads_are_refused(api, w3, child, service_campaign, signers):
    big = service_campaign.claim_data(signers[0].address) + bytes(9_000)
    refused(post(api, prepare(w3, signers[0], child.address, big)), 413, "payload_too_large")
    padded = json.dumps(claim(w3, child, service_campaign, signers[0]).to_json()) + " " * 20_000
    response = api.post("/v1/requests", content=padded, headers={"content-type": "application/json"})
    refused(response, 413, "payload_too_large")


def test_malformed_bodies_are_refused(api, w3, child, service_campaign, signers):
    headers = {"content-type": "application/json"}
    refused(api.post("/v1/requests", content=b"{not json", headers=headers), 400, "malformed_json")
    refused(api.post("/v1/requests", content=b"\xff\xfe", headers=headers), 400, "malformed_json")
    refused(api.post("/v1/requests", content=b"[]", headers=headers), 422, "invalid_request")
    body = claim(w3, child, service_campaign, signers[0]).to_json()
    for broken in (
        body["request"] | {"gas": 300000.0},  # floats are never amounts
        body["request"] | {"gas": "3e5"},
        body["request"] | {"value": str(2**256)},
        body["request"] | {"from": body["request"]["from"].lower()[:-1]},
        body["request"] | {"data": "0x123"},
        body["request"] | {"extra": 1},
    ):
        refused(post(api, {"request": broken, "signature": body["signature"]}), 422, "invalid_request")
    # Mixed case with a wrong EIP-55 checksum (the signer's address with its letters' cases swapped).
    swapped = "0x" + body["request"]["from"][2:].swapcase()
    assert swapped[2:] not in (swapped[2:].lower(), swapped[2:].upper())
    refused(
        post(api, {"request": body["request"] | {"from": swapped}, "signature": body["signature"]}),
        422,
        "invalid_request",
    )


def test_rate_limits_per_signer_and_per_ip(make, w3, child, service_campaign, signers, claimants):
    clock = Clock()
    relayer = make(clock=clock, signer_burst=2, signer_rate=0.5, ip_burst=5, ip_rate=1.0)
    with api_client(relayer) as client:
        first, second = signers[0], signers[1]
        for nonce in range(2):
            assert (
                post(client, claim(w3, child, service_campaign, first, claimants[nonce], nonce=nonce)).status_code
                == 202
            )
        response = post(client, claim(w3, child, service_campaign, first, claimants[2], nonce=2))
        refused(response, 429, "rate_limited")
        assert int(response.headers["retry-after"]) >= 1
        assert (
            post(client, claim(w3, child, service_campaign, second, claimants[3])).status_code == 202
        )  # its own budget
        clock.now += 2.0  # one signer token back, two IP tokens back
        assert post(client, claim(w3, child, service_campaign, first, claimants[2], nonce=2)).status_code == 202
        # The IP's budget: 5, less the 4 posts above (refused ones count), +2 after the wait, less 1.
        assert post(client, claim(w3, child, service_campaign, second, claimants[4], nonce=1)).status_code == 202
        assert post(client, claim(w3, child, service_campaign, signers[2])).status_code == 202
        refused(post(client, claim(w3, child, service_campaign, signers[3])), 429, "rate_limited")


def test_a_token_bucket_refills_at_its_rate():
    clock = Clock()
    limiter = RateLimiter(rate=2.0, burst=3, clock=clock)
    assert [limiter.take("a") for _ in range(3)] == [None, None, None]
    assert limiter.take("a") == pytest.approx(0.5)
    assert limiter.take("b") is None
    clock.now += 0.5
    assert limiter.take("a") is None and limiter.take("a") == pytest.approx(0.5)
    clock.now += 100
    assert [limiter.take("a") for _ in range(4)][-1] == pytest.approx(0.5)  # never more than the burst


def test_a_forged_request_does_not_spend_the_victims_budget(make, w3, child, service_campaign, signers):
    relayer = make(signer_burst=1, signer_rate=0.001)
    victim, forger = signers[0], signers[1]
    with api_client(relayer) as client:
        request = claim(w3, child, service_campaign, victim).request
        for _ in range(3):
            refused(post(client, sign_request(forger, request, w3.eth.chain_id, child.address)), 422, "wrong_signer")
        assert post(client, claim(w3, child, service_campaign, victim)).status_code == 202


def test_requests_use_the_claim_selector(service_campaign, signers):
    assert service_campaign.claim_data(signers[0].address)[:4] == CLAIM
