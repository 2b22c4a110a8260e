"""The endpoints behind the dashboard's views against a running `keepers up`: /api/overview's figures
equal the journal's (read here with plain SQL, to the wei), /api/alerts raises each alert from a real
cause (an old heartbeat, a frozen block builder), /api/trades/detail and /api/logs/search; and each
alert rule on its own."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
from collections import Counter, defaultdict
from contextlib import closing
from datetime import UTC, datetime, timedelta

import pytest

from keepers.api.alerts import Beat, EpochWait, ended_epochs, silent_keepers, stalled_node, stuck_epochs, unreconciled
from keepers.api.models import Profit, ProfitPoint, TokenProfit
from keepers.api.overview import reason_pattern
from keepers.api.watch import ChainWatch
from tests.api.conftest import old_heartbeat, wait_until

SENT = ("submitted", "landed", "reverted", "expired")


def journal(running_system) -> tuple:
    """The rows /api/overview is computed from, read with plain SQL."""
    url = f"file:{running_system.data_dir / 'lapidary.db'}?mode=ro"
    with closing(sqlite3.connect(url, uri=True, timeout=30)) as db:
        return (
            tuple(db.execute("SELECT status, reason, count(*) FROM opportunities GROUP BY status, reason")),
            tuple(
                db.execute(
                    "SELECT o.keeper, o.token, b.landed_block, b.realized_profit FROM bundles b "
                    "JOIN opportunities o ON o.id = b.opportunity_id WHERE b.status = 'landed' ORDER BY b.id"
                )
            ),
            tuple(
                db.execute(
                    "SELECT purpose, gas_used, effective_gas_price FROM transactions WHERE mined_block IS NOT NULL "
                    "AND gas_used IS NOT NULL AND effective_gas_price IS NOT NULL ORDER BY id"
                )
            ),
        )


def settled_overview(running_system) -> tuple[dict, tuple]:
    """An overview and the journal it was computed from: read while the journal did not change."""

    def still():
        before = journal(running_system)
        overview = running_system.get("/api/overview")
        return (overview, before) if journal(running_system) == before else None

    return wait_until(still, 60, 0.05, "a moment with no journal write during /api/overview")


def test_overview_figures_are_the_journals(running_system):
    overview, (outcomes, landed, mined) = settled_overview(running_system)
    head = overview["head_block"]

    by_status = Counter()
    reasons = Counter()
    for status, reason, count in outcomes:
        by_status[status] += count
        if reason:
            reasons[status, re.sub(r"-?\b\d+\b", "N", re.sub(r"0x[0-9a-fA-F]+", "0x…", reason))] += count
    counts = overview["opportunities"]
    assert counts["by_status"] == dict(by_status) and counts["found"] == sum(by_status.values()) > 0
    sent = sum(by_status[s] for s in SENT)
    assert (counts["sent"], counts["landed"], counts["expired"], counts["dropped"]) == (
        sent,
        by_status["landed"],
        by_status["expired"],
        by_status["dropped"],
    )
    assert overview["win_rate"] == by_status["landed"] / sent
    assert {(r["status"], r["reason"]): r["count"] for r in counts["reasons"]} == dict(reasons)

    blocks = defaultdict(lambda: defaultdict(list))
    for keeper, token, block, realized in landed:
        if block <= head:
            blocks[keeper, token][block].append(int(realized))
    strategies = {(s["strategy"], s["token"]): s for s in overview["strategies"]}
    assert set(strategies) == set(blocks) and blocks
    w3 = running_system.w3
    for key, per_block in blocks.items():
        shown = strategies[key]
        assert shown["trades"] == sum(len(p) for p in per_block.values())
        assert int(shown["realized"]) == sum(map(sum, per_block.values()))
        cumulative = 0
        for point, (block, profits) in zip(shown["points"], sorted(per_block.items()), strict=True):
            cumulative += sum(profits)
            assert (point["block"], point["trades"], int(point["realized"]), int(point["cumulative"])) == (
                block,
                len(profits),
                sum(profits),
                cumulative,
            )
            assert point["timestamp"] == w3.eth.get_block(block)["timestamp"]

    gas = defaultdict(lambda: [0, 0, 0])
    for purpose, used, price in mined:
        total = gas[purpose.split(":")[0]]
        total[0], total[1], total[2] = total[0] + 1, total[1] + used, total[2] + used * int(price)
    assert {g["strategy"]: [g["transactions"], g["gas_used"], int(g["fees"])] for g in overview["gas"]} == gas
    assert {"arb", "rewards"} <= set(gas)
    assert int(overview["gas_fees"]) == sum(fees for _, _, fees in gas.values()) > 0


def test_trade_details_add_the_route_lender_and_gas_fee(running_system):
    details = running_system.get("/api/trades/detail", status="landed", limit=5)
    assert details["items"] and all(t["status"] == "landed" for t in details["items"])
    trades = {t["id"]: t for t in running_system.get("/api/trades", status="landed", limit=500)["items"]}
    opportunities = {o["id"]: o for o in running_system.get("/api/opportunities", status="landed", limit=500)["items"]}
    for detail in details["items"]:
        route, lender, amount_in, gas_fee = (detail.pop(k) for k in ("route", "lender", "amount_in", "gas_fee"))
        assert detail == trades[detail["id"]]
        opportunity = opportunities[detail["opportunity_id"]]
        assert (route, lender, amount_in) == (opportunity["route"], opportunity["lender"], opportunity["amount_in"])
        assert int(gas_fee) == detail["gas_used"] * int(detail["effective_gas_price"]) > 0
    for params in ({"limit": 0}, {"offset": -1}, {"status": "NOT A STATUS"}):
        assert running_system.http.get("/api/trades/detail", params=params).status_code == 422


def test_logs_search_by_process_level_and_text(running_system):
    found = running_system.get("/api/logs/search", source="arb", text="SUPERVISOR:", limit=50)["items"]
    assert found and all(e["source"] == "arb" and "supervisor:" in e["message"].lower() for e in found)
    assert [e["id"] for e in found] == sorted((e["id"] for e in found), reverse=True)
    older = running_system.get("/api/logs/search", before=found[0]["id"], limit=1000)["items"]
    assert older and all(e["id"] < found[0]["id"] for e in older)
    assert all(e["level"] == "warning" for e in running_system.get("/api/logs/search", level="warning")["items"])
    # LIKE's wildcards are searched for as text.
    assert all("%" in e["message"] for e in running_system.get("/api/logs/search", text="%")["items"])
    assert all("_" in e["message"] for e in running_system.get("/api/logs/search", text="_")["items"])
    for params in ({"level": "fatal"}, {"text": ""}, {"text": "x" * 201}, {"before": 0}, {"limit": 1001}):
        assert running_system.http.get("/api/logs/search", params=params).status_code == 422


def test_a_healthy_system_raises_no_alert(running_system):
    """Reward epochs may lag for real here (test_api.py jumps the chain's clock past many epochs at
    once): only the other alerts are checked at the default thresholds."""
    alerts = running_system.get("/api/alerts")
    assert [a for a in alerts["alerts"] if a["kind"] != "epoch_stuck"] == [], alerts
    assert running_system.get("/api/alerts", epoch_blocks=10**6)["alerts"] == []
    assert alerts["thresholds"] == {"silent_after": 30.0, "epoch_blocks": 10, "stall_after": 30.0}
    assert {"arb", "rewards", "market"} <= set(alerts["heartbeat_ages"])
    assert all(0 <= age < 30 for age in alerts["heartbeat_ages"].values())
    for params in ({"silent_after": 0}, {"epoch_blocks": 0}, {"stall_after": -1}, {"stall_after": "soon"}):
        assert running_system.http.get("/api/alerts", params=params).status_code == 422


def test_a_silent_keeper_is_alerted_and_a_stopped_one_is_not(running_system):
    assert running_system.control({"action": "stop", "keeper": "market"}).status_code == 200
    try:
        wait_until(lambda: running_system.keeper("market")["state"] == "stopped", 20, message="market stopped")
        with old_heartbeat(running_system, "ghost", 120):
            alerts = running_system.get("/api/alerts", silent_after=0.001)
            silent = {a["subject"]: a for a in alerts["alerts"] if a["kind"] == "keeper_silent"}
            assert "ghost" in silent and "market" not in silent
            assert silent["ghost"]["unit"] == "seconds" and 120 <= silent["ghost"]["measured"] < 180
            message = silent["ghost"]["message"]
            assert re.fullmatch(r"ghost: no heartbeat for 1[2-7]\d s \(more than 0\.001 s\)", message), message
            assert "ghost" not in {a["subject"] for a in running_system.get("/api/alerts", silent_after=600)["alerts"]}
    finally:
        running_system.control({"action": "start", "keeper": "market"})
    wait_until(lambda: running_system.keeper("market")["state"] == "running", 20, message="market running again")


def test_a_stalled_node_is_alerted(running_system):
    """SIGSTOP freezes the devrelay, the only block builder (anvil's automine is off): the head stays."""

    def stalled():
        alerts = running_system.get("/api/alerts", stall_after=2)["alerts"]
        return [a for a in alerts if a["kind"] == "node_stalled"]

    pid = running_system.keeper("devrelay")["pid"]
    running_system.get("/api/alerts")  # the API sees the head once before it stops
    os.kill(pid, signal.SIGSTOP)
    try:
        (alert,) = wait_until(stalled, 20, 0.5, "the node_stalled alert")
        head = running_system.w3.eth.block_number
        assert alert["subject"] == "node" and alert["unit"] == "seconds" and alert["measured"] >= 2  # rounded to 0.1 s
        assert f"the head has stayed at block {head} for" in alert["message"]
    finally:
        os.kill(pid, signal.SIGCONT)
    wait_until(lambda: not stalled(), 20, 0.5, "the head moving again")


# -- each rule alone -------------------------------------------------------------------------------


def test_reason_patterns_group_alike_reasons():
    assert reason_pattern("profit after gas -1234 below threshold") == "profit after gas N below threshold"
    assert reason_pattern("not included by block 42") == "not included by block N"
    assert reason_pattern("reverted UnprofitableRoute(0xAb12, 7, 8)") == "reverted UnprofitableRoute(0x…, N, N)"
    assert reason_pattern("UniswapV2: K") == "UniswapV2: K"


def test_silent_keepers_skip_the_stopped_ones():
    now = datetime(2030, 1, 1, tzinfo=UTC)
    beats = [Beat("arb", now - timedelta(seconds=31), False), Beat("rewards", now - timedelta(seconds=31), True)]
    beats.append(Beat("market", now - timedelta(seconds=29), False))
    ages = {b.keeper: (now - b.at).total_seconds() for b in beats}
    (alert,) = silent_keepers(beats, ages, 30)
    assert (alert.subject, alert.measured, alert.unit) == ("arb", 31.0, "seconds")


def test_stuck_epochs_count_blocks_from_where_each_wait_began():
    waits = [
        EpochWait(1, 4, "ended", since=100, behind=3),
        EpochWait(2, 1, "computed", since=105),
        EpochWait(3, 2, "posting", since=111),
    ]
    alerts = stuck_epochs(waits, head=120, epoch_blocks=10)
    assert [(a.subject, a.measured) for a in alerts] == [("campaign 1 epoch 4", 20), ("campaign 2 epoch 1", 15)]
    assert "ended in block 100 and is not computed (3 ended epochs are not)" in alerts[0].message
    assert "computed from blocks up to 105" in alerts[1].message
    assert len(stuck_epochs(waits, head=121, epoch_blocks=10)) == 2  # 10 blocks posting: not more than 10
    posting = stuck_epochs(waits, head=122, epoch_blocks=10)[-1]
    assert posting.message == "campaign 3 epoch 2 has been posting its root since block 111: 11 blocks (more than 10)"


def test_ended_epochs_follow_the_facets_schedule():
    # start 1000, end 1250, 60 s epochs: ends at 1060, 1120, 1180, 1240, 1250 (the last one short).
    assert [ended_epochs(1000, 1250, 60, now) for now in (999, 1059, 1060, 1239, 1240, 1249, 1250, 9999)] == [
        0,
        0,
        1,
        3,
        4,
        4,
        5,
        5,
    ]


def test_a_stalled_or_silent_node():
    assert stalled_node(7, 29.9, 30) == []
    (alert,) = stalled_node(7, 31, 30)
    assert alert.message == "the head has stayed at block 7 for 31 s (more than 30 s)"
    (away,) = stalled_node(None, 0, 30, "ConnectionError")
    assert away.message == "the node does not answer: ConnectionError" and away.measured is None


def test_unreconciled_tokens_name_their_blocks():
    point = ProfitPoint(block=5, trades=1, journal="10", chain_delta="9", reconciled=False, cumulative="10")
    good = ProfitPoint(block=6, trades=1, journal="3", chain_delta="3", reconciled=True, cumulative="13")
    token = TokenProfit(
        token="0x" + "11" * 20,
        symbol="WETH",
        decimals=18,
        journal_total="13",
        chain_total="12",
        reconciled=False,
        points=[point, good],
    )
    (alert,) = unreconciled(Profit(holders=[], tokens=[token]))
    assert (alert.subject, alert.measured, alert.unit) == ("WETH", 1, "blocks")
    assert "13 differs from the chain's balance changes 12 in 1 blocks (first: 5)" in alert.message
    assert unreconciled(Profit(holders=[], tokens=[token.model_copy(update={"reconciled": True})])) == []


@pytest.mark.parametrize("depth", [0, 3])
def test_the_first_block_at_a_time_is_found_on_chain(running_system, depth):
    w3 = running_system.w3
    head = w3.eth.block_number
    watch = ChainWatch(depth)
    for block in (1, head // 2, head - 1):
        timestamp = w3.eth.get_block(block)["timestamp"]
        found = watch.first_block_at(w3, timestamp, head)
        assert found <= block and w3.eth.get_block(found)["timestamp"] == timestamp
        assert found == 0 or w3.eth.get_block(found - 1)["timestamp"] < timestamp
    assert watch.first_block_at(w3, w3.eth.get_block(head)["timestamp"] + 10**6, head) is None
    assert all(block <= head - depth for block in watch.timestamps)
    assert watch.unchanged_for(head, 10.0) == 0 and watch.unchanged_for(head, 12.5) == 2.5
    assert watch.unchanged_for(head + 1, 13.0) == 0
