"""Run keeper services as child processes: restart the ones that crash, start and stop on request.

The control channel is the store: each process has a `SupervisedProcess` row whose
`desired` column the API writes (`running` / `stopped`) and whose other columns the
supervisor keeps current (state, pid, restarts, last exit code). Every line a child
prints goes, secrets redacted, to its log file and to the store's `LogEvent` table.

Children run in their own process group with a parent-death signal, so the
supervisor decides the shutdown order and a killed supervisor still takes them down.
"""

from __future__ import annotations

import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from sqlalchemy import delete, func, select

from keepers.redact import Redactor
from keepers.store.db import Store
from keepers.store.models import LogEvent, SupervisedProcess
from keepers.toolchain.anvil import _die_with_parent

RUNNING, STOPPED = "running", "stopped"
# A service that stopped at one of its limits exits with this: it is left stopped (the operator
# decides when it runs again, from the dashboard), not restarted into the same limit.
LIMIT_EXIT = 3


class StartError(Exception):
    """A service did not come up; the message names it and its log."""


KEEP_LOG_EVENTS = 5_000


@dataclass(frozen=True)
class ChildSpec:
    """How to run one service. `ready` (optional) says when a fresh start is serving."""

    name: str
    argv: list[str]
    env: dict[str, str]
    controllable: bool = True
    ready: Callable[[], bool] | None = None


@dataclass(frozen=True)
class Backoff:
    """Restart delays: `first` seconds, doubling up to `most`; reset once a run lasted `healthy` s."""

    first: float = 1.0
    most: float = 30.0
    healthy: float = 30.0

    def delay(self, crashes: int) -> float:
        return min(self.most, self.first * 2 ** max(crashes - 1, 0))


@dataclass
class _Child:
    spec: ChildSpec
    desired: str = RUNNING
    state: str = STOPPED
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restarts: int = 0
    crashes: int = 0  # consecutive, for the backoff
    next_start: float = 0.0
    stop_deadline: float = 0.0
    last_exit: int | None = None
    halted: bool = False  # stopped at a limit: its `desired` goes to the store once
    reader: threading.Thread | None = field(default=None, repr=False)


class Supervisor:
    def __init__(
        self,
        specs: list[ChildSpec],
        store: Store,
        log_dir: Path,
        redact: Redactor,
        console: Console,
        backoff: Backoff = Backoff(),
        stop_timeout: float = 15.0,
    ):
        self.children = {spec.name: _Child(spec) for spec in specs}
        self.store = store
        self.log_dir = log_dir
        self.redact = redact
        self.console = console
        self.backoff = backoff
        self.stop_timeout = stop_timeout
        self._lines: queue.SimpleQueue[tuple[str, str, str]] = queue.SimpleQueue()
        self._last_prune = time.monotonic()
        log_dir.mkdir(parents=True, exist_ok=True)

    # -- lifecycle -------------------------------------------------------------------------------

    def start_all(self, ready_timeout: float = 60.0) -> None:
        """Start every child in order, waiting for each one's `ready` check."""
        with self.store.transaction() as session:
            session.execute(delete(SupervisedProcess))
            for child in self.children.values():
                session.add(
                    SupervisedProcess(
                        name=child.spec.name,
                        desired=RUNNING,
                        state=STOPPED,
                        restarts=0,
                        controllable=child.spec.controllable,
                    )
                )
        for child in self.children.values():
            self._start(child)
            if child.spec.ready is not None:
                self._wait_ready(child, ready_timeout)
        self._sync()

    def run(self, stop: threading.Event, tick: float = 0.2) -> None:
        """Supervise until `stop` is set."""
        while not stop.wait(tick):
            self.step()

    def step(self) -> None:
        """One round: apply the operator's wishes, notice exits, restart after backoff, write state."""
        now = time.monotonic()
        with self.store.transaction() as session:
            wishes = dict(session.execute(select(SupervisedProcess.name, SupervisedProcess.desired)).all())
        for child in self.children.values():
            if child.spec.controllable and wishes.get(child.spec.name) in (RUNNING, STOPPED):
                child.desired = wishes[child.spec.name]
            self._reap(child, now)
            if child.desired == STOPPED and child.process is not None and child.state != "stopping":
                self._event(child.spec.name, "info", "stopping on the operator's request")
                child.state = "stopping"
                child.stop_deadline = now + self.stop_timeout
                self._signal(child, signal.SIGTERM)
            elif child.state == "stopping" and now > child.stop_deadline and child.process is not None:
                self._signal(child, signal.SIGKILL)
            elif child.desired == STOPPED and child.process is None and child.state == "backoff":
                child.state = STOPPED
            elif child.desired == RUNNING and child.process is None and now >= child.next_start:
                self._start(child)
        self._sync()

    def stop_all(self) -> None:
        """SIGTERM every child, last started first; SIGKILL whatever is still there after the timeout."""
        for child in reversed(list(self.children.values())):
            child.desired = STOPPED
            if child.process is None:
                continue
            self._signal(child, signal.SIGTERM)
            try:
                child.process.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                self._event(child.spec.name, "warning", f"did not stop within {self.stop_timeout:.0f}s; killed")
                self._signal(child, signal.SIGKILL)
                child.process.wait(5)
            self._reap(child, time.monotonic())
        for child in self.children.values():
            if child.reader is not None:
                child.reader.join(timeout=5)
        self._sync()

    def pids(self) -> dict[str, int]:
        return {name: c.process.pid for name, c in self.children.items() if c.process is not None}

    # -- internals -------------------------------------------------------------------------------

    def _start(self, child: _Child) -> None:
        spec = child.spec
        log_file = self.log_dir / f"{spec.name}.log"
        process = subprocess.Popen(
            spec.argv,
            env=spec.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        child.process, child.state, child.started_at = process, RUNNING, time.monotonic()
        child.reader = threading.Thread(
            target=self._read, args=(spec.name, process, log_file), name=f"log-{spec.name}", daemon=True
        )
        child.reader.start()
        self._event(spec.name, "info", f"started (pid {process.pid})")

    def _wait_ready(self, child: _Child, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if child.process is not None and child.process.poll() is not None:
                raise StartError(
                    f"{child.spec.name} exited with code {child.process.returncode} while starting "
                    f"(log: {self.log_dir / (child.spec.name + '.log')})"
                )
            if child.spec.ready():
                return
            time.sleep(0.1)
        log = self.log_dir / f"{child.spec.name}.log"
        raise StartError(f"{child.spec.name} was not ready within {timeout:.0f}s (log: {log})")

    def _reap(self, child: _Child, now: float) -> None:
        if child.process is None or child.process.poll() is None:
            return
        code = child.process.returncode
        child.process, child.last_exit = None, code
        if child.state == "stopping" or child.desired == STOPPED:
            child.state = STOPPED
            self._event(child.spec.name, "info", f"stopped (exit code {code})")
            return
        if code == LIMIT_EXIT:
            child.state = child.desired = STOPPED
            child.halted = True
            self._event(child.spec.name, "error", f"stopped at one of its limits (exit code {code}); see its log")
            return
        child.crashes = 1 if now - child.started_at >= self.backoff.healthy else child.crashes + 1
        child.restarts += 1
        delay = self.backoff.delay(child.crashes)
        child.state, child.next_start = "backoff", now + delay
        self._event(child.spec.name, "error", f"exited with code {code}; restarting in {delay:.0f}s")

    def _signal(self, child: _Child, sig: signal.Signals) -> None:
        try:
            child.process.send_signal(sig)
        except ProcessLookupError:
            pass

    def _read(self, name: str, process: subprocess.Popen, log_file: Path) -> None:
        with log_file.open("a", encoding="utf-8") as out:
            for raw in process.stdout:
                line = self.redact(raw.decode("utf-8", errors="replace").rstrip())
                if not line:
                    continue
                out.write(line + "\n")
                out.flush()
                self._lines.put((name, _level(line), line))

    def _event(self, source: str, level: str, message: str) -> None:
        style = {"error": "red", "warning": "yellow"}.get(level, "dim")
        self.console.print(f"[{style}]{source}: {message}[/]")
        self._lines.put((source, level, f"supervisor: {message}" if source != "supervisor" else message))

    def _sync(self) -> None:
        """Write the processes' state and the queued log lines in one transaction."""
        lines = []
        while True:
            try:
                lines.append(self._lines.get_nowait())
            except queue.Empty:
                break
        with self.store.transaction() as session:
            for child in self.children.values():
                row = session.get(SupervisedProcess, child.spec.name)
                if row is None:
                    continue
                if not child.spec.controllable or child.halted:
                    row.desired, child.halted = child.desired, False
                row.state = child.state
                row.pid = child.process.pid if child.process is not None else None
                row.restarts, row.last_exit = child.restarts, child.last_exit
            session.add_all(LogEvent(source=s, level=lv, message=m) for s, lv, m in lines)
            if time.monotonic() - self._last_prune > 60:
                self._last_prune = time.monotonic()
                newest = session.scalar(select(func.max(LogEvent.id))) or 0
                session.execute(delete(LogEvent).where(LogEvent.id <= newest - KEEP_LOG_EVENTS))


def _level(line: str) -> str:
    lowered = line.lower()
    if "error" in lowered or "traceback" in lowered or "failed" in lowered:
        return "error"
    if "warning" in lowered:
        return "warning"
    return "info"
