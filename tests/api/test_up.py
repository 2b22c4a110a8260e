"""`keepers up` runs every service as a supervised process, restarts one that crashes, and Ctrl-C
stops every process it started (children, the devrelay's simulator, anvil).

Runs last in this folder: it stops the shared running_system."""

from __future__ import annotations

import os
import signal
import subprocess

from tests.api.conftest import alive, wait_until


def descendants(pid: int) -> set[int]:
    """Every process below `pid` (from /proc), children first found by their parent."""
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True, check=True).stdout
    children: dict[int, list[int]] = {}
    for line in out.splitlines():
        child, parent = map(int, line.split())
        children.setdefault(parent, []).append(child)
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def test_a_crashed_keeper_is_restarted(running_system):
    before = running_system.keeper("arb")
    os.kill(before["pid"], signal.SIGKILL)
    restarted = wait_until(
        lambda: (
            (k := running_system.keeper("arb"))["state"] == "running" and k["pid"] not in (None, before["pid"]) and k
        ),
        30,
        message="arb restarted",
    )
    assert restarted["restarts"] == before["restarts"] + 1 and restarted["last_exit"] == -signal.SIGKILL
    assert "arb: exited with code -9; restarting in 1s" in running_system.output


def test_ctrl_c_stops_every_process_it_started(running_system):
    status = running_system.get("/api/status")
    started = descendants(running_system.process.pid)
    pids = {k["pid"] for k in status["keepers"] if k["pid"]}
    assert pids <= started and running_system.anvil_pid in started
    assert {"devrelay", "arb", "rewards", "api"} <= {k["name"] for k in status["keepers"] if k["pid"]}
    assert len(started) >= len(pids) + 2  # + anvil + the devrelay's simulator anvil
    assert running_system.stop(signal.SIGINT) == 0, running_system.output
    for pid in started:
        wait_until(lambda p=pid: not alive(p), 10, message=f"process {pid} gone")
    assert "stopped every process" in running_system.output
    assert "Traceback" not in running_system.output
    for name in ("devrelay", "arb", "rewards", "api"):  # nothing died mid-block: the node went last
        assert "Traceback" not in (running_system.data_dir / "logs" / f"{name}.log").read_text(), name
