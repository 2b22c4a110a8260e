"""Every endpoint of the operator API against a running `keepers up` (real processes, chain and store)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
from web3 import Web3
from websockets.sync.client import connect as ws_connect

from keepers.config import ApiSettings
from keepers.demo.arbitrage import funded_account
from keepers.demo.rewards import _Sender
from keepers.rewards.campaigns import RewardsContract
from keepers.toolchain import default_toolchain
from keepers.world.artifacts import ArtifactStore
from tests.api.conftest import TOKEN, api_environment, dislocate, run_api, stop_api, wait_for_trade, wait_until

SUPERVISED = {"devrelay", "arb", "rewards", "api"}
CREATE_CAMPAIGN = {
    "type": "function",
    "name": "createCampaign",
    "stateMutability": "nonpayable",
    "inputs": [
        {"name": name, "type": kind}
        for name, kind in (
            ("pool", "address"),
            ("rewardToken", "address"),
            ("amount", "uint256"),
            ("start", "uint64"),
            ("end", "uint64"),
            ("epochLength", "uint32"),
            ("metric", "uint8"),
        )
    ],
    "outputs": [{"name": "campaignId", "type": "uint256"}],
}


def balance_of(w3: Web3, token: str, holder: str, block="latest") -> int:
    data = Web3.keccak(text="balanceOf(address)")[:4] + bytes(12) + bytes.fromhex(holder[2:])
    return int.from_bytes(w3.eth.call({"to": token, "data": data}, block), "big")


def test_status_shows_every_supervised_process_running_with_heartbeats(running_system):
    status = running_system.get("/api/status")
    keepers = {k["name"]: k for k in status["keepers"]}
    assert SUPERVISED <= set(keepers)
    assert status["supervised"] is True and status["chain_id"] == 31337
    assert status["master"] == running_system.deployments.master.address and status["paused"] is False
    for name in SUPERVISED:
        assert keepers[name]["state"] == "running" and keepers[name]["pid"] > 0
    assert not keepers["api"]["controllable"]
    for name in ("arb", "rewards"):
        assert wait_until(lambda n=name: running_system.keeper(n)["last_block"], 20, message=f"{name} heartbeat")


def test_health(running_system):
    health = running_system.get("/api/health")
    assert health["instance"]  # the id `keepers up` gave this API (tests/api/test_up.py)
    assert {key: health[key] for key in ("ok", "chain", "store", "node")} == {
        "ok": True,
        "chain": True,
        "store": True,
        "node": "ok",
    }
    assert health["head_block"] > 0 and 0 <= health["head_age"] < 1


def test_balances_are_read_from_chain(running_system):
    balances = running_system.get("/api/balances")
    holders = {(h["role"], h["name"]): h for h in balances["holders"]}
    assert {("treasury", "master"), ("child", "arb"), ("child", "rewards"), ("bot", "arb")} <= set(holders)
    assert {t["symbol"] for t in balances["tokens"]} == {"ETH", "WETH", "DAI", "USDC"}
    block, weth = balances["block"], running_system.book.address("WETH")
    treasury = holders[("treasury", "master")]
    assert int(treasury["balances"]["WETH"]) == balance_of(running_system.w3, weth, treasury["address"], block)
    bot = holders[("bot", "arb")]
    assert int(bot["balances"]["ETH"]) == running_system.w3.eth.get_balance(bot["address"], block) > 0


@pytest.mark.parametrize(
    ("token", "status", "detail"),
    [(None, 401, "a bearer token is required"), ("wrong", 403, "wrong token"), (TOKEN + "x", 403, "wrong token")],
)
def test_control_refuses_a_missing_or_wrong_token(running_system, token, status, detail):
    for body in ({"action": "stop", "keeper": "arb"}, {"action": "pause"}, {"action": "nonsense"}):
        response = running_system.control(body, token=token)
        assert response.status_code == status, response.text
        assert response.json() == {"detail": detail}
    assert running_system.keeper("arb")["desired"] == "running"
    assert running_system.get("/api/status")["paused"] is False


def test_control_rejects_bad_requests_with_4xx(running_system):
    assert running_system.control({"action": "explode"}).status_code == 422
    assert running_system.control({"action": "stop"}).status_code == 422
    assert running_system.control({"action": "stop", "keeper": "nobody"}).status_code == 404
    assert running_system.control({"action": "stop", "keeper": "api"}).status_code == 409
    bad_json = running_system.http.post(
        "/api/control", content=b"{not json", headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "x"}
    )
    assert bad_json.status_code == 422


def test_stop_and_start_a_keeper(running_system):
    before = running_system.keeper("rewards")["pid"]
    assert running_system.control({"action": "stop", "keeper": "rewards"}).json()["state"] == "stopped"
    wait_until(lambda: running_system.keeper("rewards")["state"] == "stopped", 20, message="rewards stopped")
    assert running_system.keeper("rewards")["pid"] is None
    assert running_system.control({"action": "start", "keeper": "rewards"}).status_code == 200
    wait_until(lambda: running_system.keeper("rewards")["state"] == "running", 20, message="rewards running again")
    assert running_system.keeper("rewards")["pid"] not in (None, before)
    assert running_system.keeper("rewards")["restarts"] == 0  # an operator's stop is not a crash


def test_pause_and_unpause_the_master_on_chain(running_system):
    master = running_system.deployments.master.address
    paused = Web3.keccak(text="paused()")[:4]
    response = running_system.control({"action": "pause"})
    try:
        assert response.status_code == 200, response.text
        assert response.json()["paused"] is True
        assert running_system.w3.eth.get_transaction_receipt(response.json()["tx_hash"])["status"] == 1
        assert running_system.w3.eth.call({"to": master, "data": paused})[-1] == 1
        assert running_system.get("/api/status")["paused"] is True
    finally:
        response = running_system.control({"action": "unpause"})
    assert response.status_code == 200 and response.json()["paused"] is False
    assert running_system.w3.eth.call({"to": master, "data": paused})[-1] == 0


def test_trades_and_opportunities_are_paged_and_filtered(running_system):
    before = dislocate(running_system)
    trade = wait_for_trade(running_system, before)
    assert trade["realized_profit"] == trade["predicted_profit"] and int(trade["realized_profit"]) > 0
    assert trade["symbol"] == "WETH" and trade["landed_block"] >= trade["first_block"]
    all_trades = running_system.get("/api/trades", limit=500)
    assert all_trades["total"] >= 1
    page = running_system.get("/api/trades", limit=1, offset=0)
    assert len(page["items"]) == 1 and page["total"] >= all_trades["total"]  # more may land meanwhile
    assert running_system.get("/api/trades", status="nonexistent")["items"] == []
    assert running_system.get("/api/trades", token=running_system.book.address("DAI"))["total"] == 0
    weth = running_system.get("/api/trades", token=running_system.book.address("WETH").lower())
    assert weth["items"] and all(t["symbol"] == "WETH" for t in weth["items"])
    landed_block = trade["landed_block"]
    assert trade["id"] in {t["id"] for t in running_system.get("/api/trades", from_block=trade["first_block"])["items"]}
    assert running_system.get("/api/trades", to_block=0)["items"] == []
    opportunity = next(
        o for o in running_system.get("/api/opportunities", limit=500)["items"] if o["id"] == trade["opportunity_id"]
    )
    assert opportunity["status"] == "landed" and len(opportunity["route"]) >= 2 and opportunity["block"] < landed_block
    assert running_system.get("/api/opportunities", status="landed", limit=1)["items"][0]["status"] == "landed"
    for path in ("/api/trades", "/api/opportunities"):
        for params in ({"limit": 0}, {"limit": 501}, {"offset": -1}, {"token": "0x12"}, {"from_block": -1}):
            assert running_system.http.get(path, params=params).status_code == 422


def test_logs_are_recent_structured_and_redacted(running_system):
    logs = running_system.get("/api/logs", limit=1000)["items"]
    assert logs and {"id", "at", "source", "level", "message"} <= set(logs[0])
    assert [e["id"] for e in logs] == sorted((e["id"] for e in logs), reverse=True)
    assert {"devrelay", "arb"} <= {e["source"] for e in logs}
    newest = logs[0]["id"]
    assert all(e["source"] == "arb" for e in running_system.get("/api/logs", source="arb")["items"])
    assert all(e["id"] > newest - 3 for e in running_system.get("/api/logs", after=newest - 3)["items"])
    text = Path(running_system.data_dir / "logs" / "arb.log").read_text() + str(logs)
    assert TOKEN not in text
    key = (running_system.data_dir / "api-token").read_text().strip()
    assert key == TOKEN
    assert running_system.http.get("/api/logs", params={"level": "fatal"}).status_code == 422


def test_metrics_are_prometheus_text(running_system):
    response = running_system.http.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    body = response.text
    for name in ("arb", "rewards", "devrelay"):
        assert f'lapidary_keeper_up{{keeper="{name}"}} 1.0' in body
    assert "lapidary_chain_head_block " in body and 'lapidary_keeper_last_block{keeper="arb"}' in body


def test_the_websocket_streams_status_and_trades(running_system):
    url = running_system.url.replace("http://", "ws://") + "/ws"
    with ws_connect(url, open_timeout=10) as socket:
        first = json.loads(socket.recv(timeout=10))
        assert first["type"] == "status" and first["data"]["keepers"]
        before = dislocate(running_system)
        seen, deadline = set(), time.monotonic() + 60
        head = first["data"]["head_block"]
        while time.monotonic() < deadline and not ({"status", "trade", "opportunity", "log"} <= seen):
            event = json.loads(socket.recv(timeout=30))
            seen.add(event["type"])
            if event["type"] == "status":
                assert event["data"]["head_block"] >= head
            if event["type"] == "trade" and event["data"]["status"] == "landed":
                assert event["data"]["realized_profit"] == event["data"]["predicted_profit"]
        assert {"status", "trade", "opportunity", "log"} <= seen, seen
    wait_for_trade(running_system, before)


def test_campaigns_and_reward_proofs(running_system):

    w3, book = running_system.w3, running_system.book
    artifacts = ArtifactStore(default_toolchain().root / "node_modules")
    child = running_system.deployments.children["rewards"].address
    assert running_system.get("/api/campaigns")["child"] == child
    sponsor, maker = funded_account(w3, 1_000), funded_account(w3, 1_000)
    dai = w3.eth.contract(address=book.address("DAI"), abi=artifacts.abi("MintableERC20"))
    weth = w3.eth.contract(address=book.address("WETH"), abi=artifacts.abi("WETH9"))
    usdc = w3.eth.contract(address=book.address("USDC"), abi=artifacts.abi("MintableERC20"))
    manager = w3.eth.contract(
        address=book.address("uniswap_v3_position_manager"), abi=artifacts.abi("NonfungiblePositionManager")
    )
    pool = w3.eth.contract(address=book.address("uniswap_v3:WETH/USDC/3000"), abi=artifacts.abi("UniswapV3Pool"))
    as_sponsor, as_maker = _Sender(w3, sponsor), _Sender(w3, maker)
    funded = 1_000 * 10**18
    as_maker(weth.functions.deposit(), value=20 * 10**18)
    as_maker(usdc.functions.mint(80_000 * 10**6))
    for token in (weth, usdc):
        as_maker(token.functions.approve(manager.address, 2**256 - 1))
    tick, spacing = pool.functions.slot0().call()[1], pool.functions.tickSpacing().call()
    token0, token1 = sorted([weth.address, usdc.address], key=lambda a: int(a, 16))
    amounts = (10 * 10**18, 40_000 * 10**6) if token0 == weth.address else (40_000 * 10**6, 10 * 10**18)
    low, high = (tick // spacing - 20) * spacing, (tick // spacing + 20) * spacing
    as_maker(manager.functions.mint((token0, token1, 3000, low, high, *amounts, 0, 0, maker.address, 2**32 - 1)))

    as_sponsor(dai.functions.mint(funded))
    as_sponsor(dai.functions.approve(child, funded))
    start = int(w3.eth.get_block("latest")["timestamp"]) + 5
    rewards = w3.eth.contract(address=child, abi=[CREATE_CAMPAIGN])
    # The position exists (wide: the market keeps trading) before the campaign starts, so it earns for
    # the whole epoch. One epoch of 60 s, and below a jump of only as much: the market's campaign shares
    # this clock (keepers up keeps chain time behind the wall clock; an hour's jump would stall it).
    as_sponsor(rewards.functions.createCampaign(pool.address, dai.address, funded, start, start + 60, 60, 1))
    campaign_id = RewardsContract(w3, child).campaign_count()
    listed = {c["id"]: c for c in running_system.get("/api/campaigns")["campaigns"]}
    assert listed[campaign_id]["funded"] == str(funded) and listed[campaign_id]["reward_symbol"] == "DAI"
    assert listed[campaign_id]["metric"] == "in_range_liquidity"
    # Jump past the epoch's end; the devrelay keeps building blocks on top of it.
    w3.provider.make_request("evm_mine", [max(start + 60 + 5, w3.eth.get_block("latest")["timestamp"] + 1)])

    def posted():
        campaign = {c["id"]: c for c in running_system.get("/api/campaigns")["campaigns"]}[campaign_id]
        return campaign if campaign["epochs"] and campaign["epochs"][0]["status"] in ("posted", "claimable") else None

    campaign = wait_until(posted, 60, 0.5, "the epoch's root posted")
    epoch = campaign["epochs"][0]
    assert epoch["epoch"] == 1 and epoch["participants"] >= 1 and 0 < int(epoch["allocated"]) <= funded
    claims = {c["account"]: c for c in campaign["claims"]}
    assert int(claims[maker.address]["entitled"]) > 0 and claims[maker.address]["claimed"] == "0"
    assert sum(int(c["entitled"]) for c in claims.values()) == int(epoch["total_cumulative"])
    proof = running_system.get(f"/api/rewards/{campaign_id}/{maker.address.lower()}")
    assert proof["cumulative_amount"] == claims[maker.address]["entitled"] and proof["root"] == epoch["root"]
    assert proof["to"] == child and proof["calldata"].startswith("0x")
    assert running_system.http.get(f"/api/rewards/{campaign_id}/{sponsor.address}").status_code == 404
    assert running_system.http.get(f"/api/rewards/{campaign_id}/0x1234").status_code == 422
    assert running_system.http.get(f"/api/rewards/-1/{maker.address}").status_code == 422


def listening_addresses(port: int) -> list[str]:
    """Local addresses of the sockets listening on `port` (from /proc: hex IP:port)."""
    return [
        line.split()[1]
        for table in ("/proc/net/tcp", "/proc/net/tcp6")
        for line in Path(table).read_text().splitlines()[1:]
        if line.split()[3] == "0A" and int(line.split()[1].split(":")[1], 16) == port
    ]


def test_the_api_binds_loopback_unless_configured(running_system):
    assert ApiSettings().host == "127.0.0.1"
    port = int(running_system.url.rsplit(":", 1)[1])
    assert listening_addresses(port) == [f"0100007F:{port:04X}"]


def test_keepers_run_api_alone_binds_loopback_and_refuses_control_without_a_token(running_system):
    process, url = run_api(api_environment(running_system))
    try:
        port = int(url.rsplit(":", 1)[1])
        assert listening_addresses(port) == [f"0100007F:{port:04X}"]
        refused = httpx.post(url + "/api/control", json={"action": "pause"}, headers={"Authorization": "Bearer x"})
        assert refused.status_code == 403 and "no LAPIDARY_API__TOKEN" in refused.json()["detail"]
        assert httpx.get(url + "/api/balances").json()["holders"][0]["role"] == "treasury"
    finally:
        output = stop_api(process)
    assert "Traceback" not in output
