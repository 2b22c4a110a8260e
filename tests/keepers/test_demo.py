"""`keepers demo` runs the world on its own node and leaves no process behind."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

PID = re.compile(r"\(pid (\d+),")


def keepers_command() -> list[str]:
    return [str(Path(sys.executable).with_name("keepers"))]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it has stopped running.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


def wait_dead(pid: int, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_demo_once_writes_the_world_report(tmp_path):
    report = tmp_path / "r.json"
    result = subprocess.run(
        [*keepers_command(), "demo", "--once", "--report", str(report), "--data-dir", str(tmp_path / "data")],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert result.returncode == 0, result.stdout + result.stderr

    world = json.loads(report.read_text())["world"]
    for name in (
        "WETH",
        "DAI",
        "USDC",
        "uniswap_v2_router",
        "v2b_router",
        "uniswap_v3_quoter",
        "balancer_vault",
        "aave_pool",
    ):
        assert re.fullmatch(r"0x[0-9a-fA-F]{40}", world["contracts"][name])
    assert world["chain_id"] == 31337
    assert world["rpc_url"].startswith("http://127.0.0.1:")
    assert {row["pool"] for row in world["prices"]} == set(world["pools"])
    assert all(isinstance(v, int) for row in world["prices"] for v in row["balances_wei"].values())
    assert Path(world["address_book"]).is_file()

    diamond = json.loads(report.read_text())["diamond"]
    assert re.fullmatch(r"0x[0-9a-fA-F]{40}", diamond["master"])
    assert set(diamond["children"]) == {"arb", "rewards", "mm"}
    assert "0x1f931c1c" in {s for selectors in diamond["loupe"].values() for s in selectors}  # diamondCut
    for loupe in (diamond["loupe"], *diamond["child_loupes"].values()):
        assert all(re.fullmatch(r"0x[0-9a-f]{8}", s) for selectors in loupe.values() for s in selectors)

    arb = json.loads(report.read_text())["arb"]
    assert arb["realized_profit_wei"] == arb["predicted_profit_wei"] == arb["event_profit_wei"] > 0
    assert arb["lender"] == "balancer" and len(arb["route"]) >= 2 and arb["gas_used"] > 0

    rewards = json.loads(report.read_text())["rewards"]
    assert 0 < rewards["claimed_wei"] <= rewards["allocated_wei"] <= rewards["funded_wei"]
    assert re.fullmatch(r"0x[0-9a-f]{64}", rewards["root"]) and Path(rewards["tree_file"]).is_file()

    gasless = json.loads(report.read_text())["gasless"]
    assert gasless["signer_eth_balance_wei"] == 0 and gasless["gas_used"] > 0  # the relayer paid
    assert re.fullmatch(r"[0-9a-f-]{36}", gasless["request_id"]) and re.fullmatch(r"0x[0-9a-f]{64}", gasless["tx_hash"])
    assert gasless["relay_url"].startswith("http://127.0.0.1:") and gasless["relayer"] != gasless["signer"]

    mm = json.loads(report.read_text())["mm"]
    assert mm["status"] == "corrected" and mm["reconciled"] and mm["positions"] >= 3
    assert mm["transactions"] >= mm["wallets"] >= 5
    reference, before, after = (Decimal(mm[key]) for key in ("reference", "before", "after"))
    assert abs(after - reference) / reference < Decimal("0.02") < abs(before - reference) / reference
    assert "Live prices" in result.stdout
    (pid,) = map(int, PID.findall(result.stdout))
    assert wait_dead(pid), "demo left anvil running"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interactive_demo_stops_its_node_on_signal(tmp_path, sig):
    process = subprocess.Popen(
        [*keepers_command(), "demo", "--data-dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    lines = []
    try:
        for line in process.stdout:
            lines.append(line)
            if "Press Ctrl-C" in line:
                break
        (pid,) = map(int, PID.findall("".join(lines)))
        assert alive(pid)
        process.send_signal(sig)
        assert process.wait(timeout=30) == 0, "".join(lines) + process.stdout.read()
        assert wait_dead(pid), "anvil outlived the demo"
    finally:
        if process.poll() is None:
            process.kill()


def test_node_dies_with_a_killed_demo(tmp_path):
    process = subprocess.Popen(
        [*keepers_command(), "demo", "--data-dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    lines = []
    for line in process.stdout:
        lines.append(line)
        if "Press Ctrl-C" in line:
            break
    (pid,) = map(int, PID.findall("".join(lines)))
    process.kill()  # no cleanup code runs: the parent-death signal must stop anvil
    process.wait(timeout=10)
    assert wait_dead(pid), "anvil was orphaned"


def test_upstream_reports_a_missing_command_plainly(tmp_path):
    result = subprocess.run(
        [*keepers_command(), "world", "upstream", "--data-dir", str(tmp_path), "--", "no-such-command-xyz"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 127
    assert "command not found: no-such-command-xyz" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
