"""A request signed by a wallet that is not ours: ethers 6 (npm devDependency, run under node) signs the
EIP-712 typed data with the domain it reads from the diamond and the `gas` docs/gasless.md recommends,
posts it, and the relayer mines it."""

from __future__ import annotations

from pathlib import Path

from tests.node_scripts import run_node_script

from .conftest import serving

SCRIPT = Path(__file__).with_name("ethers_request.cjs")


def test_an_ethers_signed_request_is_mined(make, w3, child, dai, service_campaign, signers):
    user = signers[0]
    data = "0x" + service_campaign.claim_data(user.address).hex()
    with serving(make()) as url:
        key = {"USER_KEY": "0x" + bytes(user.key).hex()}
        report = run_node_script(SCRIPT, url, w3.provider.endpoint_uri, child.address, data, env=key)

    status = report["status"]
    assert status["status"] == "mined", status
    request = report["body"]["request"]
    assert request["from"] == user.address and request["nonce"] == "0"
    assert 21_000 < int(request["gas"]) < 300_000  # docs/gasless.md's estimate: a direct call, plus a quarter
    assert w3.eth.get_transaction_receipt(status["tx_hash"])["status"] == 1
    amount = service_campaign.tree.amount(user.address)
    assert dai.balanceOf(user.address) == amount
    assert child.claimed(service_campaign.id, user.address) == amount
    assert w3.eth.get_balance(user.address) == 0
