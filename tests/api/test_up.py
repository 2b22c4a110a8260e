"""`keepers up` runs every service as a supervised process, restarts one that crashes, and Ctrl-C
stops every process it started (children, the devrelay's simulator, anvil). It tells the truth: a
taken port is refused before anything is deployed, the API it waits for is its own, and a chain
that dies ends the command with an error.

Runs last in this folder: it stops the shared running_system."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from keepers.up import api_is
from tests.api.conftest import alive, start_system, wait_until
from tests.support import KEEPERS, assert_refused


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


def test_a_taken_port_is_refused_before_anything_is_deployed(running_system, tmp_path):
    port = running_system.url.rsplit(":", 1)[1]
    env = {k: v for k, v in os.environ.items() if k != "LAPIDARY_CONFIG"}
    second = subprocess.run(
        [KEEPERS, "up", "--port", port, "--data-dir", str(tmp_path / "up")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert_refused(second, f"cannot listen on 127.0.0.1:{port} (Address already in use; another `keepers up`?)")
    assert "--port N (0 picks a free port)" in second.stderr
    assert "Dashboard" not in second.stdout and "anvil" not in second.stdout
    assert not (tmp_path / "up").exists()


def test_the_api_it_waited_for_is_its_own(running_system):
    api = running_system.keeper("api")
    environ = Path(f"/proc/{api['pid']}/environ").read_bytes().split(b"\0")
    given = next(v for v in environ if v.startswith(b"LAPIDARY_API__INSTANCE=")).split(b"=", 1)[1].decode()
    assert running_system.get("/api/health")["instance"] == given
    assert api_is(running_system.url, given)
    assert not api_is(running_system.url, "another-instance")  # a second `keepers up` would not take it


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


def test_a_chain_that_dies_ends_keepers_up_with_an_error(running_system, tmp_path_factory):
    if running_system.process.poll() is None:  # one `keepers up` at a time on this machine
        running_system.stop()
    system = start_system(tmp_path_factory.mktemp("up-dies"))
    try:
        started = descendants(system.process.pid)
        os.kill(system.anvil_pid, signal.SIGKILL)
        code = system.process.wait(60)
    finally:
        if system.process.poll() is None:
            system.stop()
        system.http.close()
    assert code == 1, system.output
    line = f"error: anvil (pid {system.anvil_pid}) was killed by SIGKILL under the keepers (log: "
    assert line in system.output and "every service was stopped" in system.output
    assert "Traceback" not in system.output
    for pid in started:
        wait_until(lambda p=pid: not alive(p), 10, message=f"process {pid} gone")
