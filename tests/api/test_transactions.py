"""Every transaction the running system sends goes through the one transaction path: after real
activity (an arbitrage landed, the master paused and unpaused from the API), each transaction in
the chain's blocks sent by a keeper, the relayer or the operator is in the TxSender journal, under
the hash that landed. The world's and the diamonds' deployment (before the keepers start) is not a
keeper's and is left out. Nothing is monkeypatched."""

from __future__ import annotations

import re

from sqlalchemy import select

from keepers.store.db import Store
from keepers.store.models import SentTransaction
from tests.api.conftest import dislocate, wait_for_trade, wait_until

DEPLOYED = re.compile(r"world and diamonds deployed through block (\d+)")


def test_every_keeper_and_operator_transaction_is_journaled(running_system):
    before = dislocate(running_system)
    wait_for_trade(running_system, before)
    for action in ("pause", "unpause"):
        response = running_system.control({"action": action})
        assert response.status_code == 200, response.text

    w3 = running_system.w3
    deployed = int(DEPLOYED.search(running_system.output)[1])
    bots = {h["address"] for h in running_system.get("/api/balances")["holders"] if h["role"] == "bot"}
    senders = bots | {running_system.deployments.deployer}  # the operator owns the master
    sent = {}
    for number in range(deployed + 1, w3.eth.block_number + 1):
        for tx in w3.eth.get_block(number, full_transactions=True)["transactions"]:
            if tx["from"] in senders:
                sent[tx["hash"].to_0x_hex()] = (tx["from"], number)
    store = Store(f"sqlite:///{running_system.data_dir / 'lapidary.db'}")

    def journaled_landed() -> dict:
        with store.transaction() as session:
            rows = session.scalars(select(SentTransaction).where(SentTransaction.mined_block.is_not(None)))
            return {row.tx_hash: (row.sender, row.mined_block) for row in rows}

    def all_journaled() -> dict | None:
        landed = journaled_landed()
        return landed if set(sent) <= set(landed) else None

    try:
        # The market keeps trading and claiming: a transaction in the newest blocks may be mined before
        # its sender's next poll journals it, so wait for that poll rather than read once.
        journaled = wait_until(all_journaled, 30, message="every transaction sent journaled as landed")
    except AssertionError:
        journaled = journaled_landed()  # the assertions below say which
    finally:
        store.close()
    operator = running_system.deployments.deployer
    assert any(who == operator for who, _ in sent.values()), "the pause and unpause were sent"
    assert any(who in bots for who, _ in sent.values()), "the arbitrage was sent"
    missing = {h: v for h, v in sent.items() if h not in journaled}
    assert not missing, f"sent outside the TxSender journal: {missing}"
    for tx_hash, (who, number) in sent.items():
        assert journaled[tx_hash] == (who, number)
