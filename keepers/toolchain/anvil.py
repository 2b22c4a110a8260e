"""Start and stop a local anvil node (the binary from npm ``@foundry-rs/anvil``).

The node listens on loopback only, on a port the OS picks (``--port 0``), so two
runs never fight over 8545. It is stopped on exit, on Ctrl-C and, on Linux, also
when this process dies without cleaning up (parent-death signal), so no run
leaves an orphan node behind.

Anvil writes the states it evicts from memory under ``$HOME/.foundry/anvil/tmp`` and removes them
only when it exits cleanly; a node that is killed (a test of a dying chain, a crash) leaves hundreds
of megabytes there. Each node gets a home of its own, removed when the node is stopped however it
ended.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

LISTENING = re.compile(r"Listening on (?P<host>[\d.]+):(?P<port>\d+)")


class AnvilError(Exception):
    """Anvil could not be found or did not come up."""


def find_anvil(explicit: Path | None = None) -> Path:
    """The anvil executable: ``explicit``, else the npm package's binary, else PATH."""
    if explicit is not None:
        if not explicit.is_file():
            raise AnvilError(f"anvil not found at {explicit}")
        return explicit
    from keepers.toolchain import default_toolchain

    packaged = default_toolchain().anvil
    if packaged.is_file():
        return packaged
    on_path = shutil.which("anvil")
    if on_path is None:
        raise AnvilError("anvil not found: run `make install` (npm package @foundry-rs/anvil)")
    return Path(on_path)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class AnvilNode:
    """A running anvil process."""

    process: subprocess.Popen
    host: str
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self, timeout: float = 5.0) -> None:
        """Terminate the node and wait for it; kill it if it does not go."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)


@dataclass
class Anvil:
    """Context manager that runs anvil for the duration of a ``with`` block."""

    chain_id: int | None = None
    host: str = "127.0.0.1"
    args: tuple[str, ...] = ()
    log_path: Path | None = None
    executable: Path | None = None
    startup_timeout: float = 20.0
    # Its own session: a terminal's Ctrl-C reaches only the caller, which stops its users first.
    new_session: bool = False
    _node: AnvilNode | None = field(default=None, init=False, repr=False)
    _tmp: tempfile.TemporaryDirectory | None = field(default=None, init=False, repr=False)
    _home: tempfile.TemporaryDirectory | None = field(default=None, init=False, repr=False)

    def start(self) -> AnvilNode:
        try:
            return self._start()
        except BaseException:
            self.stop()  # the node, if any, and its directories
            raise

    def _start(self) -> AnvilNode:
        executable = find_anvil(self.executable)
        self._home = tempfile.TemporaryDirectory(prefix="lapidary-anvil-home-")
        if self.log_path is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="lapidary-anvil-")
            log_path = Path(self._tmp.name) / "anvil.log"
        else:
            log_path = self.log_path
            log_path.parent.mkdir(parents=True, exist_ok=True)
        command = [str(executable), "--host", self.host, "--port", "0", *self.args]
        if self.chain_id is not None:
            command += ["--chain-id", str(self.chain_id)]
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent if os.name == "posix" else None,
                start_new_session=self.new_session,
                env={**os.environ, "HOME": self._home.name},
            )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if match := LISTENING.search(log_path.read_text(errors="replace")):
                self._node = AnvilNode(process, match["host"], int(match["port"]), log_path)
                return self._node
            if process.poll() is not None:
                raise AnvilError(f"anvil exited with code {process.returncode}: {log_path.read_text()[-2000:]}")
            time.sleep(0.02)
        process.kill()
        process.wait()
        raise AnvilError(f"anvil did not start listening within {self.startup_timeout:.0f}s (log: {log_path})")

    def stop(self) -> None:
        if self._node is not None:
            self._node.stop()
            self._node = None
        for tmp in (self._tmp, self._home):
            if tmp is not None:
                tmp.cleanup()
        self._tmp = self._home = None

    def __enter__(self) -> AnvilNode:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
