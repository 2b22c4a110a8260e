"""The supervisor restarts a service that crashed, but leaves one that stopped at one of its limits
(exit code LIMIT_EXIT) stopped, and says so in the store the dashboard reads, until the operator
starts it again."""

from __future__ import annotations

import io
import os
import sys
import time

from rich.console import Console

from keepers.redact import Redactor
from keepers.store.db import Store
from keepers.store.models import SupervisedProcess
from keepers.up.supervisor import LIMIT_EXIT, RUNNING, STOPPED, Backoff, ChildSpec, Supervisor


def exits_with(code: int) -> list[str]:
    return [sys.executable, "-c", f"import sys, time; time.sleep(0.2); sys.exit({code})"]


def test_a_limit_stop_is_left_stopped_and_a_crash_restarted(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'up.db'}")
    specs = [
        ChildSpec("mm", exits_with(LIMIT_EXIT), dict(os.environ)),
        ChildSpec("arb", exits_with(1), dict(os.environ)),
    ]
    out = io.StringIO()
    supervisor = Supervisor(specs, store, tmp_path / "logs", Redactor([]), Console(file=out), Backoff(first=0.1))
    supervisor.start_all()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and supervisor.children["arb"].restarts < 2:
        supervisor.step()
        time.sleep(0.05)
    supervisor.step()
    mm, arb = supervisor.children["mm"], supervisor.children["arb"]
    assert arb.restarts >= 2
    assert (mm.state, mm.desired, mm.restarts, mm.process) == (STOPPED, STOPPED, 0, None)
    with store.transaction() as session:
        assert session.get(SupervisedProcess, "mm").desired == STOPPED  # the dashboard shows it stopped
    assert "mm: stopped at one of its limits (exit code 3); see its log" in out.getvalue()

    with store.transaction() as session:  # the operator presses start
        session.get(SupervisedProcess, "mm").desired = RUNNING
    supervisor.step()
    assert mm.process is not None  # started again
    supervisor.stop_all()
    store.close()
