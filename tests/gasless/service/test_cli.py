"""`keepers gasless sign` and `keepers run gasless` as a user runs them: configuration from the
environment, keys from the environment, a request signed on the command line relayed by the
command-line service; misconfiguration is one line, never a traceback."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time

import httpx

from keepers.gasless.request import SignedRequest, recover_signer
from keepers.rewards.journal import RewardsJournal
from keepers.rewards.tree import RewardTree
from keepers.store.db import Store
from keepers.store.models import RewardEpoch
from tests.support import KEEPERS, assert_refused

from .test_relaying import wait_for

LISTENING = re.compile(r"gasless relayer on (http://127\.0\.0\.1:\d+)")


def environment(chain, tmp_path, **extra) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LAPIDARY_")}
    return clean | {
        "LAPIDARY_CHAIN__RPC_URL": chain.provider.uri,
        "LAPIDARY_STORE__URL": f"sqlite:///{tmp_path / 'relay.db'}",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def test_a_request_signed_on_the_command_line_is_relayed_by_the_service(
    chain, w3, child, dai, service_campaign, signers, relayer_account, tmp_path
):
    user = signers[3]
    env = environment(
        chain,
        tmp_path,
        USER_KEY="0x" + user.key.hex(),
        LAPIDARY_RELAYER__PRIVATE_KEY="0x" + relayer_account.key.hex(),
        LAPIDARY_GASLESS__DIAMOND=child.address,
        LAPIDARY_GASLESS__PORT="0",
    )
    data = "0x" + service_campaign.claim_data(user.address).hex()
    signed = subprocess.run(
        [KEEPERS, "gasless", "sign", "--diamond", child.address, "--data", data, "--key-env", "USER_KEY"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert signed.returncode == 0, signed.stdout + signed.stderr
    assert user.key.hex() not in signed.stdout + signed.stderr
    request = SignedRequest.model_validate(json.loads(signed.stdout))
    assert recover_signer(request, w3.eth.chain_id, child.address) == user.address
    assert request.request.nonce == 0 and request.request.data.hex() == data[2:]

    service = subprocess.Popen(
        [KEEPERS, "run", "gasless"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        url = None
        deadline = time.monotonic() + 60
        while url is None and time.monotonic() < deadline:
            line = service.stdout.readline()
            assert line or service.poll() is None, "the service exited"
            if match := LISTENING.search(line):
                url = match[1]
        assert url is not None
        with httpx.Client(base_url=url, timeout=30) as client:
            response = client.post("/v1/requests", json=request.to_json())
            assert response.status_code == 202, response.text
            request_id = response.json()["id"]
            assert wait_for(client, [request_id])[request_id]["status"] == "mined"
    finally:
        service.send_signal(signal.SIGTERM)
        output, _ = service.communicate(timeout=30)
    assert service.returncode == 0, output
    assert "Traceback" not in output
    assert dai.balanceOf(user.address) == service_campaign.tree.amount(user.address)
    assert w3.eth.get_balance(user.address) == 0


def test_misconfiguration_is_one_line_without_a_traceback(chain, child, relayer_account, tmp_path):
    cases = [
        ({}, "LAPIDARY_GASLESS__DIAMOND"),  # no diamond and no deployments file
        ({"LAPIDARY_GASLESS__DIAMOND": child.address}, "relayer: no key configured"),
        ({"LAPIDARY_GASLESS__DIAMOND": "0x1234"}, "is not an address"),
        (
            {"LAPIDARY_GASLESS__DIAMOND": child.address, "LAPIDARY_RELAYER__PRIVATE_KEY": "0x12"},
            "not a valid private key",
        ),
    ]
    for extra, message in cases:
        result = subprocess.run(
            [KEEPERS, "run", "gasless"], env=environment(chain, tmp_path, **extra), capture_output=True, text=True
        )
        assert_refused(result, message)

    unsigned = subprocess.run(
        [KEEPERS, "gasless", "sign", "--diamond", child.address, "--data", "0x12345678", "--key-env", "NO_SUCH_VAR"],
        env=environment(chain, tmp_path),
        capture_output=True,
        text=True,
    )
    assert unsigned.returncode != 0 and "NO_SUCH_VAR" in unsigned.stdout + unsigned.stderr
    assert "Traceback" not in unsigned.stdout + unsigned.stderr


def test_sign_claim_takes_the_proof_from_the_rewards_journal(
    chain, w3, child, dai, service_campaign, signers, tmp_path
):
    user = signers[4]
    tree = RewardTree.from_allocations(service_campaign.id, service_campaign.tree.entitlements)
    assert tree.root == "0x" + service_campaign.tree.root.hex()  # the keeper's tree is the one posted on chain
    store = Store(f"sqlite:///{tmp_path / 'relay.db'}")
    row = RewardEpoch(
        chain_id=w3.eth.chain_id,
        child=child.address,
        campaign_id=service_campaign.id,
        epoch=1,
        window_start=0,
        window_end=1,
        to_block=0,
        budget=0,
        allocated=0,
        total_cumulative=sum(service_campaign.tree.entitlements.values()),
        participants=len(service_campaign.tree.entitlements),
        root=tree.root,
        content_hash="0x" + bytes(32).hex(),
        tree_file="unused",
        status="claimable",
    )
    RewardsJournal(store, w3.eth.chain_id, child.address).computed(row, tree, {})
    store.close()
    env = environment(
        chain, tmp_path, USER_KEY="0x" + user.key.hex(), LAPIDARY_DEPLOYMENTS_FILE=str(child.deployments_file)
    )

    signed = subprocess.run(
        [KEEPERS, "gasless", "sign", "--claim", str(service_campaign.id), "--key-env", "USER_KEY"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert signed.returncode == 0, signed.stdout + signed.stderr
    request = SignedRequest.model_validate(json.loads(signed.stdout))
    assert request.request.to == child.address  # the rewards child, from the deployments file
    assert request.request.data == service_campaign.claim_data(user.address)
    assert recover_signer(request, w3.eth.chain_id, child.address) == user.address
