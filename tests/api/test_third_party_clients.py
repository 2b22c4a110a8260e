"""Clients that are not ours against the running demo (`keepers up`), as their users run them under
node: `@flashbots/ethers-provider-bundle` on ethers 6 sends, simulates, waits for and cancels
bundles through the demo's devrelay, and an ethers wallet signs a reward claim that the demo's
gasless relayer mines (the scripts are the ones tests/bundles and tests/gasless drive against
their own fixtures)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from eth_account import Account

from keepers.chain.contracts import Contract, abi
from keepers.rewards.campaigns import RewardsContract
from keepers.rewards.journal import RewardsJournal
from keepers.sim.accounts import seeded_account
from keepers.store.db import Store
from tests.api.conftest import wait_until
from tests.node_scripts import run_node_script

TESTS = Path(__file__).resolve().parents[1]
FLASHBOTS = TESTS / "bundles" / "ethers_flashbots.cjs"
GASLESS = TESTS / "gasless" / "service" / "ethers_request.cjs"
SERVICES = re.compile(r"devrelay (http://\S+), gasless (http://\S+)")
E18 = 10**18


def node_url(running_system) -> str:
    return running_system.w3.provider.endpoint_uri


def test_the_ethers_flashbots_provider_sends_waits_and_cancels_through_the_demo(running_system):
    relay_url = SERVICES.search(running_system.output)[1]
    keys = [Account.from_key(os.urandom(32)) for _ in range(2)]
    for key in keys:
        running_system.w3.provider.make_request("anvil_setBalance", [key.address, hex(10 * E18)])
    dev_keys = json.dumps(["0x" + bytes(key.key).hex() for key in keys])
    report = run_node_script(FLASHBOTS, relay_url, node_url(running_system), env={"DEV_KEYS": dev_keys}, timeout=90)

    sent = report["sent"]
    assert sent["resolution"] == "BundleIncluded"
    block = running_system.w3.eth.get_block(sent["target"])
    mined = [h.to_0x_hex() for h in block["transactions"]]
    first = mined.index(sent["txs"][0])
    assert mined[first : first + len(sent["txs"])] == sent["txs"]  # together, in order (other bundles may share it)
    assert report["cancelled"]["resolution"] == "BlockPassedWithoutInclusion"
    assert report["refused"]["send"]["code"] == -32602


def test_an_ethers_signed_claim_is_mined_by_the_demos_relayer(running_system):
    """The market driver's gasless holder (seed 1) claims with ethers instead of the driver: the driver
    is stopped first, so nothing else claims for it meanwhile."""
    gasless_url = SERVICES.search(running_system.output)[2]
    w3 = running_system.w3
    child = running_system.deployments.children["rewards"].address
    contract = RewardsContract(w3, child)
    holder = seeded_account(1, "gasless-holder")
    assert running_system.control({"action": "stop", "keeper": "market"}).status_code == 200
    wait_until(lambda: running_system.keeper("market")["state"] == "stopped", 20, message="market stopped")
    store = Store(f"sqlite:///{running_system.data_dir / 'lapidary.db'}")
    try:
        journal = RewardsJournal(store, w3.eth.chain_id, child)

        def unclaimed():
            epoch, _root = contract.claimable_root(1)
            claim = journal.claim(1, holder.address, epoch) if epoch else None
            return claim if claim and claim.cumulative_amount > contract.claimed(1, holder.address) else None

        claim = wait_until(unclaimed, 120, interval=1, message="an unclaimed, claimable amount for the holder")
        data = contract.claim_calldata(1, holder.address, claim.cumulative_amount, claim.proof)
        reward_token = Contract(w3, contract.campaign(1).reward_token, abi("ERC20"))
        before = reward_token.call("balanceOf", holder.address)
        report = run_node_script(
            GASLESS, gasless_url, node_url(running_system), child, "0x" + data.hex(),
            env={"USER_KEY": "0x" + bytes(holder.key).hex()}, timeout=60,
        )  # fmt: skip
    finally:
        store.close()
        running_system.control({"action": "start", "keeper": "market"})

    assert report["status"]["status"] == "mined", report["status"]
    assert contract.claimed(1, holder.address) == claim.cumulative_amount
    assert reward_token.call("balanceOf", holder.address) > before
    assert w3.eth.get_balance(holder.address) == 0  # the relayer paid
