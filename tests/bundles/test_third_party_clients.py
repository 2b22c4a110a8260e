"""A Flashbots client that is not ours, used as its own users use it, against the devrelay:
`@flashbots/ethers-provider-bundle` 1.0.0 on ethers 6 (npm devDependencies), run under node."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from web3.exceptions import TransactionNotFound

from tests.bundles.support import DEV_KEYS, GWEI
from tests.node_scripts import run_node_script

SCRIPT = Path(__file__).with_name("ethers_flashbots.cjs")


@pytest.mark.parametrize("relay", [0.25], indirect=True)  # the relay mines a block every 0.25 s
def test_the_ethers_flashbots_provider_simulates_sends_waits_and_cancels(relay, chain):
    keys = json.dumps(list(DEV_KEYS[:2]))
    report = run_node_script(SCRIPT, relay.url, relay.anvil_url, env={"DEV_KEYS": keys})

    sent = report["sent"]
    assert sent["resolution"] == "BundleIncluded"
    simulation = sent["simulation"]
    assert simulation["bundleHash"] == sent["bundleHash"] and simulation["firstRevert"] is None
    assert simulation["totalGasUsed"] == 2 * 21_000
    assert int(simulation["coinbaseDiff"]) == 2 * 21_000 * 2 * GWEI  # both pay a 2 gwei tip
    block = chain.w3.eth.get_block(sent["target"])
    assert [h.to_0x_hex() for h in block["transactions"]] == sent["txs"]
    assert sent["receipts"] == [{"hash": h, "block": sent["target"]} for h in sent["txs"]]

    cancelled = report["cancelled"]
    assert cancelled["bundleHashes"] == [cancelled["bundleHash"]]
    assert cancelled["resolution"] == "BlockPassedWithoutInclusion"
    assert chain.head() >= cancelled["target"]
    with pytest.raises(TransactionNotFound):
        chain.w3.eth.get_transaction_receipt(cancelled["tx"])

    # The relay's JSON-RPC errors reach the library's callers as { error }, not as a bare HTTP failure.
    refused = report["refused"]
    assert refused["simulate"]["code"] == -32000 and "was not included" in refused["simulate"]["message"]
    assert refused["send"] == {"code": -32602, "message": "the bundle has no transactions"}
