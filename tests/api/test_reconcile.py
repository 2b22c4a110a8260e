"""Every profit figure reconciles: realized profit per token in the journal equals the treasury + arb
child balance change read from chain, block by block and in total, and the API says the same."""

from __future__ import annotations

from collections import defaultdict

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from keepers.store.db import Store
from keepers.store.models import Bundle, Opportunity
from tests.api.conftest import dislocate, wait_for_trade, wait_until
from tests.api.test_api import balance_of


def test_journal_profit_equals_chain_balance_deltas(running_system):
    wait_for_trade(running_system, dislocate(running_system))
    store = Store(f"sqlite:///{running_system.data_dir / 'lapidary.db'}")
    try:
        with store.transaction() as session:
            landed = session.execute(
                select(Opportunity.token, Bundle.landed_block, Bundle.realized_profit)
                .join(Bundle.opportunity)
                .where(Bundle.status == "landed")
            ).all()
    finally:
        store.close()
    assert landed
    journal: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for token, block, profit in landed:
        journal[token][block] += profit
    w3 = running_system.w3
    last = max(block for _, block, _ in landed)
    wait_until(lambda: w3.eth.block_number > last + 1, 20, message="the last trade's block buried")
    holders = [running_system.deployments.master.address, running_system.deployments.children["arb"].address]
    deployed = running_system.deployments.master.block
    profit = {t["token"]: t for t in running_system.get("/api/profit")["tokens"]}
    for token, blocks in journal.items():
        for block, amount in blocks.items():
            delta = sum(balance_of(w3, token, h, block) - balance_of(w3, token, h, block - 1) for h in holders)
            assert delta == amount, (token, block)
        # Nothing but trades ever paid the treasury: its whole balance is the journal's profit.
        assert sum(balance_of(w3, token, h, deployed) for h in holders) == 0
        assert sum(balance_of(w3, token, h, last) for h in holders) == sum(blocks.values())
        shown = profit[token]
        assert shown["reconciled"] is True and all(p["reconciled"] for p in shown["points"])
        assert int(shown["journal_total"]) == int(shown["chain_total"]) >= sum(blocks.values()) > 0
        points = {p["block"]: p for p in shown["points"]}
        for block, amount in blocks.items():
            assert int(points[block]["journal"]) == int(points[block]["chain_delta"]) == amount
    families = {f.name: f for f in text_string_to_metric_families(running_system.http.get("/metrics").text)}
    realized = {s.labels["token"]: s.value for s in families["lapidary_realized_profit_wei"].samples}
    assert realized["WETH"] >= float(sum(journal[running_system.book.address("WETH")].values())) > 0
