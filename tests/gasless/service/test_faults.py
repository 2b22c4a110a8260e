"""The relayer under faults: a crash at every journal step (an injected exception, and a real
`kill -9` of a `keepers run gasless` process), a relayer that cannot pay, a transaction dropped from
the pool, the node unreachable while a request goes out, and a reorg of depth 2. After each, the
request is relayed exactly once (the signer's nonce on the diamond moved by one, the claim paid
once), the relayer's nonces are contiguous and its journal reconciles with the chain."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from web3 import Web3

from keepers.chain.faults import Faults, InjectedFault
from keepers.chain.journal import TxJournal
from keepers.gasless.journal import RelayJournal
from keepers.gasless.signer import prepare
from keepers.store.db import Store
from tests.faults.invariants import check_sender
from tests.faults.matrix import FULL, through_outage
from tests.faults.proxy import CutAt, TcpProxy
from tests.support import manual_mining

from .conftest import mine
from .test_cli import LISTENING, environment

KEEPERS = str(Path(sys.executable).with_name("keepers"))
GASLESS_POINTS = [
    "gasless.admitted",
    "sender.journaled",
    "sender.broadcast",
    "gasless.sent",
    "sender.mined",
    "gasless.settled",
]
KILL_POINTS = GASLESS_POINTS if FULL else ["gasless.sent"]


def relay_until_final(relayer, request_id: str, ticks: int = 40, mined=None) -> dict:
    """Tick the submitter (mining with `mined` between ticks) until the request is mined or failed."""
    for _ in range(ticks):
        relayer.submitter.tick()
        row = relayer.journal.get(request_id)
        if row.status in ("mined", "failed"):
            return {"status": row.status, "reason": row.reason, "tx_hash": row.tx_hash}
        if mined is not None:
            mined()
        time.sleep(0.05)
    raise AssertionError(f"request still {relayer.journal.get(request_id).status}")


def check(w3, child, dai, service_campaign, user, relayer, start: int) -> None:
    assert child.nonces(user.address) == 1  # relayed exactly once
    assert dai.balanceOf(user.address) == service_campaign.tree.amount(user.address)
    check_sender(w3, relayer.submitter.sender.journal, relayer.submitter.relayer.address, start)


@pytest.mark.parametrize("point", GASLESS_POINTS)
def test_a_crash_at_any_step_relays_once(chain, make, w3, child, dai, service_campaign, signers, point):
    user = signers[4]
    start = chain.blocks.height
    signed = prepare(w3, user, child.address, service_campaign.claim_data(user.address))
    crashing = make(faults=Faults(frozenset({point})))
    crashing.submitter.start()
    with pytest.raises(InjectedFault):
        request_id = crashing.accept(json.dumps(signed.to_json()).encode(), "127.0.0.1")
        for _ in range(10):
            crashing.submitter.tick()
    crashing.journal.store.close()
    if point == "gasless.admitted":
        request_id = crashing.journal.active()[0].id

    restarted = make()
    restarted.submitter.start()
    final = relay_until_final(restarted, request_id)
    assert final["status"] == "mined", final
    check(w3, child, dai, service_campaign, user, restarted, start)


@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_killed_relayer_process_resumes_and_relays_once(
    chain, w3, child, dai, service_campaign, signers, relayer_account, tmp_path, point
):
    user = signers[5]
    start = chain.blocks.height
    env = environment(
        chain,
        tmp_path,
        LAPIDARY_RELAYER__PRIVATE_KEY="0x" + relayer_account.key.hex(),
        LAPIDARY_GASLESS__DIAMOND=child.address,
        LAPIDARY_GASLESS__PORT="0",
        LAPIDARY_CHAIN__POLL_INTERVAL="0.1",
        LAPIDARY_CHAIN__CONFIRMATIONS="1",
    )
    signed = prepare(w3, user, child.address, service_campaign.claim_data(user.address))
    killed = env | {"LAPIDARY_FAULTS__CRASH_AT": f'["{point}"]', "LAPIDARY_FAULTS__MODE": "kill"}
    process, url = _serve(killed)
    with httpx.Client(base_url=url, timeout=30) as client:
        try:
            response = client.post("/v1/requests", json=signed.to_json())
            assert response.status_code == 202, response.text
            request_id = response.json()["id"]
        except httpx.RemoteProtocolError:  # killed while answering: the request was journaled first
            assert point == "gasless.admitted"
            request_id = None
    deadline = time.monotonic() + 60
    while process.poll() is None:
        assert time.monotonic() < deadline, "the relayer never reached the crash point"
        chain.mine()
        time.sleep(0.2)
    assert process.returncode == -signal.SIGKILL
    if request_id is None:
        store = Store(env["LAPIDARY_STORE__URL"])
        try:
            (request_id,) = [r.id for r in RelayJournal(store, chain.chain_id, child.address).active()]
        finally:
            store.close()

    process, url = _serve(env)
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            deadline = time.monotonic() + 60
            while (status := client.get(f"/v1/requests/{request_id}").json())["status"] not in ("mined", "failed"):
                assert time.monotonic() < deadline, status
                chain.mine()
                time.sleep(0.2)
        assert status["status"] == "mined", status
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    assert child.nonces(user.address) == 1
    assert dai.balanceOf(user.address) == service_campaign.tree.amount(user.address)
    store = Store(env["LAPIDARY_STORE__URL"])
    try:
        check_sender(w3, TxJournal(store, chain.chain_id), relayer_account.address, start)
    finally:
        store.close()


def _serve(env: dict) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [KEEPERS, "run", "gasless"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        assert line or process.poll() is None, "the relayer exited"
        if match := LISTENING.search(line):
            return process, match[1]
    raise AssertionError("the relayer never listened")


def test_a_relayer_that_cannot_pay_waits_then_relays(make, w3, child, dai, service_campaign, signers, relayer_account):
    user = signers[6]
    start = w3.eth.block_number
    w3.provider.make_request("anvil_setBalance", [relayer_account.address, "0x0"])
    relayer = make()
    relayer.submitter.start()
    signed = prepare(w3, user, child.address, service_campaign.claim_data(user.address))
    request_id = relayer.accept(json.dumps(signed.to_json()).encode(), "127.0.0.1")
    relayer.submitter.tick()
    row = relayer.journal.get(request_id)
    assert row.status == "queued" and "waiting" in row.reason and "holds 0 wei" in row.reason
    w3.provider.make_request("anvil_setBalance", [relayer_account.address, hex(10**19)])
    assert relay_until_final(relayer, request_id)["status"] == "mined"
    check(w3, child, dai, service_campaign, user, relayer, start)


def test_a_dropped_transaction_is_sent_again(make, w3, child, dai, service_campaign, signers):
    user = signers[7]
    start = w3.eth.block_number
    relayer = make()
    relayer.submitter.start()
    signed = prepare(w3, user, child.address, service_campaign.claim_data(user.address))
    with manual_mining(w3):
        request_id = relayer.accept(json.dumps(signed.to_json()).encode(), "127.0.0.1")
        relayer.submitter.tick()
        w3.provider.make_request("anvil_dropTransaction", [relayer.journal.get(request_id).tx_hash])
        final = relay_until_final(relayer, request_id, mined=lambda: mine(w3))
    assert final["status"] == "mined", final
    check(w3, child, dai, service_campaign, user, relayer, start)


def test_the_node_unreachable_while_a_request_goes_out(chain, make, w3, child, dai, service_campaign, signers):
    user = signers[8]
    start = w3.eth.block_number
    proxy = TcpProxy(chain.provider.uri)
    node = Web3(Web3.HTTPProvider(proxy.url, request_kwargs={"timeout": 5}))
    try:
        relayer = make(node=node, faults=CutAt("sender.journaled", proxy))
        relayer.submitter.start()
        signed = prepare(w3, user, child.address, service_campaign.claim_data(user.address))
        request_id = relayer.accept(json.dumps(signed.to_json()).encode(), "127.0.0.1")
        relayer.submitter.tick()  # journaled, then the node vanished
        assert through_outage(relayer.submitter.tick) > 0
        proxy.open()
        assert relay_until_final(relayer, request_id, mined=chain.mine)["status"] == "mined"
    finally:
        proxy.close()
    check(w3, child, dai, service_campaign, user, relayer, start)


def test_a_reorg_of_depth_two_puts_the_request_back_and_it_lands_once(make, w3, child, dai, service_campaign, signers):
    user = signers[9]
    start = w3.eth.block_number
    relayer = make()
    relayer.submitter.sender.confirmations = 3
    relayer.submitter.start()
    signed = prepare(w3, user, child.address, service_campaign.claim_data(user.address))
    with manual_mining(w3):
        snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
        request_id = relayer.accept(json.dumps(signed.to_json()).encode(), "127.0.0.1")
        relayer.submitter.tick()
        mine(w3, 2)
        relayer.submitter.tick()
        assert relayer.journal.get(request_id).status == "mined"
        first_block = relayer.journal.get(request_id).block
        w3.provider.make_request("evm_revert", [snapshot])
        w3.provider.make_request("anvil_dropAllTransactions", [])
        mine(w3, 2)
        report = relayer.submitter.sender.poll()
        assert [tx.purpose for tx in report.reorged] == [f"gasless:{request_id}"]
        for _ in range(5):
            mine(w3)
            relayer.submitter.sender.poll()
    sent = relayer.submitter.sender.journal.latest(f"gasless:{request_id}")
    assert sent.status == "confirmed" and sent.mined_block > first_block - 1
    assert child.nonces(user.address) == 1
    assert dai.balanceOf(user.address) == service_campaign.tree.amount(user.address)
    check_sender(w3, relayer.submitter.sender.journal, relayer.submitter.relayer.address, start)
