"""One `keepers up` for the API tests: a real anvil, the world, the diamonds, the devrelay, the arb and
rewards keepers and the API, each a real process; tests talk HTTP / WebSocket to it and read the chain.

`test_up.py` (last in this folder) stops it with Ctrl-C and checks nothing it started survives.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from web3 import Web3

from keepers.diamond.records import Deployments
from keepers.world.book import AddressBook
from tests.faults.proxy import TcpProxy

KEEPERS = str(Path(sys.executable).with_name("keepers"))
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TOKEN = "test-token-" + "7" * 24
DASHBOARD = re.compile(r"Dashboard: (http://[\d.]+:\d+)/")
ANVIL_PID = re.compile(r"anvil http://\S+ \(pid (\d+),")
API_URL = re.compile(r"api (http://127\.0\.0\.1:\d+) ")


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def wait_until(condition, timeout: float, interval: float = 0.2, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"{message} not met within {timeout}s")


@dataclass
class System:
    process: subprocess.Popen
    data_dir: Path
    url: str = ""
    ready_at: float = 0.0  # time.monotonic() when the dashboard URL was printed
    anvil_pid: int = 0
    lines: list[str] = field(default_factory=list)
    w3: Web3 | None = None
    book: AddressBook | None = None
    deployments: Deployments | None = None
    http: httpx.Client | None = None

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def get(self, path: str, **params):
        response = self.http.get(path, params=params)
        assert response.status_code == 200, (path, response.status_code, response.text)
        return response.json()

    def control(self, body: dict, token: str | None = TOKEN) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        return self.http.post("/api/control", json=body, headers=headers)

    def keeper(self, name: str) -> dict:
        return next(k for k in self.get("/api/status")["keepers"] if k["name"] == name)

    def stop(self, sig: int = signal.SIGINT, timeout: float = 60) -> int:
        """Signal the whole process group, as a terminal's Ctrl-C does."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
        code = self.process.wait(timeout)
        if self.http is not None:
            self.http.close()
        return code


def start_system(data_dir: Path) -> System:
    env = {**os.environ, "LAPIDARY_API__TOKEN": TOKEN, "COLUMNS": "250"}
    env.pop("LAPIDARY_CONFIG", None)
    process = subprocess.Popen(
        [KEEPERS, "up", "--port", "0", "--data-dir", str(data_dir), "--block-interval", "0.5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,  # its own process group, like a shell job
    )
    running_system = System(process, data_dir)
    ready = threading.Event()

    def read() -> None:
        for line in process.stdout:
            running_system.lines.append(line)
            if match := DASHBOARD.search(line):
                running_system.url = match[1]
                running_system.ready_at = time.monotonic()
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(180) or not running_system.url:
        process.kill()
        raise AssertionError("keepers up did not print the dashboard URL:\n" + running_system.output)
    running_system.anvil_pid = int(ANVIL_PID.search(running_system.output)[1])
    running_system.book = AddressBook.read(data_dir / "world.json")
    running_system.deployments = Deployments.read(data_dir / "deployments.json")
    node_url = re.search(r"anvil (http://\S+) \(pid", running_system.output)[1]
    running_system.w3 = Web3(Web3.HTTPProvider(node_url, request_kwargs={"timeout": 30}))
    running_system.http = httpx.Client(base_url=running_system.url, timeout=60)
    return running_system


def dislocate(running_system: System) -> int:
    """A trader dumps WETH on one V2 pool (the demo's dislocation); returns the trades count before."""
    from keepers.demo.arbitrage import _dislocate
    from keepers.toolchain import default_toolchain
    from keepers.world.artifacts import ArtifactStore

    before = running_system.get("/api/trades", status="landed")["total"]
    _dislocate(running_system.w3, running_system.book, ArtifactStore(default_toolchain().root / "node_modules"))
    return before


def wait_for_trade(running_system: System, before: int, timeout: float = 60) -> dict:
    """The newest landed trade once there are more than `before`."""
    page = wait_until(
        lambda: (p := running_system.get("/api/trades", status="landed"))["total"] > before and p,
        timeout,
        message="a new landed trade",
    )
    return page["items"][0]


@contextmanager
def old_heartbeat(running_system: System, keeper: str, age: float) -> Iterator[None]:
    """A heartbeat row `age` seconds old for a keeper that does not exist, for as long as it lasts."""
    at = (datetime.now(UTC) - timedelta(seconds=age)).replace(tzinfo=None).isoformat(" ")
    with closing(sqlite3.connect(running_system.data_dir / "lapidary.db", timeout=30)) as db:
        with db:
            db.execute("INSERT INTO heartbeats (keeper, block, at) VALUES (?, 1, ?)", (keeper, at))
        try:
            yield
        finally:
            with db:
                db.execute("DELETE FROM heartbeats WHERE keeper = ?", (keeper,))


# Package scope: torn down when tests/api is done, not left running through the rest of the suite.
@pytest.fixture(scope="package")
def running_system(tmp_path_factory) -> System:
    running_system = start_system(tmp_path_factory.mktemp("up"))
    try:
        yield running_system
    finally:
        if running_system.process.poll() is None:
            running_system.stop()


def api_environment(running_system: System, **variables: str) -> dict[str, str]:
    """The environment of a `keepers run api` of its own on running_system's chain: none of ours, a free
    port, the deployments, then `variables` (LAPIDARY_ ones without the prefix)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("LAPIDARY_") and key != "COLUMNS"}
    return env | {
        "COLUMNS": "200",
        "LAPIDARY_API__PORT": "0",
        "LAPIDARY_CHAIN__RPC_URL": running_system.w3.provider.endpoint_uri,
        "LAPIDARY_STORE__URL": f"sqlite:///{running_system.data_dir / 'lapidary.db'}",
        "LAPIDARY_DEPLOYMENTS_FILE": str(running_system.data_dir / "deployments.json"),
        **{f"LAPIDARY_{name}": value for name, value in variables.items()},
    }


def answers(url: str) -> bool:
    try:
        return httpx.get(url).status_code == 200
    except httpx.TransportError:
        return False


def run_api(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """`keepers run api` with `env`: the process and its URL, once /api/health answers."""
    process = subprocess.Popen([KEEPERS, "run", "api"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        line = process.stdout.readline().decode()
        match = API_URL.search(line)
        assert match, line + process.stdout.read(2000).decode()
        wait_until(lambda: answers(match[1] + "/api/health"), 20, message="the api answers")
    except BaseException:
        process.kill()
        raise
    return process, match[1]


def stop_api(process: subprocess.Popen) -> str:
    """SIGTERM, as the supervisor stops it; what it printed."""
    process.send_signal(signal.SIGTERM)
    return process.communicate(timeout=20)[0].decode()


@dataclass
class ProxiedApi:
    """A `keepers run api` of its own reaching running_system's anvil through `proxy`, on an empty store
    of its own and without an operator key: control with the token can only be refused (404 for a
    start / stop, 409 for a pause), so it is safe to fuzz and to cut off from its node."""

    proxy: TcpProxy
    process: subprocess.Popen
    url: str
    http: httpx.Client

    def get(self, path: str) -> dict:
        response = self.http.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text)
        return response.json()


@pytest.fixture(scope="package")
def proxied_api(running_system, tmp_path_factory) -> ProxiedApi:
    proxy = TcpProxy(running_system.w3.provider.endpoint_uri)
    store = tmp_path_factory.mktemp("proxied-api") / "api.db"
    env = api_environment(running_system, CHAIN__RPC_URL=proxy.url, STORE__URL=f"sqlite:///{store}", API__TOKEN=TOKEN)
    process, url = run_api(env)
    api = ProxiedApi(proxy, process, url, httpx.Client(base_url=url, timeout=30))
    try:
        yield api
    finally:
        api.http.close()
        proxy.resume()
        stop_api(process)
        proxy.close()


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium through Playwright (never a downloaded browser), one per test module."""
    if not CHROMIUM.is_file():
        pytest.fail("Debian chromium is missing: `make test` installs it (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextmanager
def dashboard(
    browser: Browser, running_system: System, path: str, width: int, height: int = 900, console_errors: bool = True
) -> Iterator[Page]:
    """A dashboard page at `path`; once the block is done, it must have fetched nothing but the API's
    own origin and met no script error (nor a console error, unless told)."""
    page = browser.new_page(viewport={"width": width, "height": height})
    requested: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("pageerror", lambda err: errors.append(str(err)))
    if console_errors:
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    try:
        page.goto(running_system.url + path)
        yield page
        origin = running_system.url
        assert all(url.startswith((origin, origin.replace("http", "ws"))) for url in requested), requested
        assert not errors, errors
    finally:
        page.close()
