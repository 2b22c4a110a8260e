"""`keepers up`: the local world with every keeper running under one supervisor, plus the dashboard.

Deploys the demo's world and diamonds on a fresh anvil (see :mod:`keepers.demo`), then
runs ``keepers run devrelay|arb|rewards|gasless|market|api`` as supervised child processes
configured through ``LAPIDARY_*`` variables (keys never appear on a command line). The
market driver (:mod:`keepers.sim`) trades, moves liquidity and runs a reward campaign, so
arbitrages, epochs and gasless claims keep coming with no input. The chain starts behind the
wall clock and catches up one 12-second slot per block (`keepers.devrelay.relay.next_timestamp`):
the campaign's first epochs end and their roots pass the ten-minute timelock within the first
couple of minutes, and chain time never runs ahead of wall time, where wallets' deadlines hold. A
crashed child is restarted with backoff; the dashboard's start / stop buttons reach
the supervisor through the store. Ctrl-C or SIGTERM stops the children (last started
first), then anvil.

It tells the truth about itself: the API's port is checked free before anything is
deployed, the API counts as ready only when its /api/health echoes the instance id
this run gave it (not another instance's on the same port), and a chain that dies
under the keepers stops everything and ends the command with an error.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from web3 import Web3

from keepers.config import ConfigError
from keepers.demo.arbitrage import funded_account
from keepers.demo.diamonds import deploy_diamonds
from keepers.demo.market_making import fund_market_maker, opening_price
from keepers.files import write_atomic
from keepers.redact import Redactor
from keepers.store.db import Store
from keepers.toolchain import Toolchain
from keepers.toolchain.anvil import Anvil
from keepers.up.supervisor import ChildSpec, Supervisor
from keepers.world.artifacts import ArtifactStore
from keepers.world.deploy import deploy_world
from keepers.world.settings import keeper_environment, mm_settings


@dataclass(frozen=True)
class UpOptions:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 8600  # 0: a free port
    block_interval: float = 1.0
    token: str | None = None  # None: a fresh one, written to <data_dir>/api-token
    seed: int = 1  # the market activity's


# How far behind the wall clock the chain starts (the world's deployment spends chain time), and
# where its clock is set once deployed: enough for the first epochs and the root timelock to pass
# while it catches up, one slot a block (about 110 s of wall time for 20 minutes).
GENESIS_BEHIND = 6 * 3600
DEPLOYED_BEHIND = 20 * 60
MM_WALLETS = 5


def _set_clock_behind(w3: Web3, seconds: int) -> None:
    """Mine a block `seconds` behind wall time, if the chain is further behind than that (a block's
    time can only move forward)."""
    target = int(time.time()) - seconds
    w3.provider.make_request("anvil_removeBlockTimestampInterval", [])
    if w3.eth.get_block("latest")["timestamp"] < target:
        w3.provider.make_request("evm_setNextBlockTimestamp", [target])
        w3.provider.make_request("evm_mine", [])


class NodeExited(Exception):
    """The chain process died while the keepers ran on it; the message says how and where its log is."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def check_port(host: str, port: int) -> None:
    """ConfigError naming `host:port` unless the API could listen there (port 0: any free one)."""
    if port == 0:
        return
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the API binds: TIME_WAIT is no conflict
        try:
            probe.bind((host, port))
        except OSError as err:
            raise ConfigError(
                f"cannot listen on {host}:{port} ({err.strerror}; another `keepers up`?): "
                "stop what holds it, or pass --port N (0 picks a free port)"
            ) from None


def api_is(url: str, instance: str) -> bool:
    """Whether the API answering at `url` is the one started with `instance` (its /api/health says)."""
    try:
        with urllib.request.urlopen(f"{url}/api/health", timeout=1) as response:
            return response.status == 200 and json.load(response).get("instance") == instance
    except (OSError, ValueError, AttributeError):  # not up yet, or not our API (no JSON object)
        return False


def _exit_reason(name: str, code: int, log: Path) -> str:
    if code >= 0:
        how = f"exited with code {code}"
    else:
        try:
            how = f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            how = f"was killed by signal {-code}"
    return f"{name} {how} under the keepers (log: {log}); every service was stopped"


def _keepers_command() -> list[str]:
    return [sys.executable, "-m", "keepers.cli"]


def run_up(options: UpOptions, toolchain: Toolchain, console: Console) -> int:
    """Run until Ctrl-C / SIGTERM; returns the exit code once every started process has stopped.
    ConfigError before anything starts when the API's port is taken; NodeExited when anvil dies."""
    check_port(options.host, options.port)
    lost: str | None = None
    data = options.data_dir.resolve()
    data.mkdir(parents=True, exist_ok=True)
    stop = threading.Event()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    genesis = str(int(time.time()) - GENESIS_BEHIND)
    anvil_args = ("--order", "fifo", "--timestamp", genesis)
    with Anvil(args=anvil_args, log_path=data / "anvil.log", new_session=True) as node:
        console.print(f"anvil {node.url} (pid {node.pid}, log {node.log_path})")
        w3 = Web3(Web3.HTTPProvider(node.url, request_kwargs={"timeout": 30}))
        with console.status("Deploying the world and the diamonds…"):
            book = deploy_world(w3, w3.eth.accounts[0], toolchain.root / "node_modules")
            book.write(data / "world.json")
            arb_bot, rewards_bot, searcher, relayer, mm_bot = (funded_account(w3) for _ in range(5))
            diamond, _abis = deploy_diamonds(
                node.url,
                data / "deployments.json",
                toolchain,
                book,
                arb_bot.address,
                rewards_bot.address,
                mm_bot=mm_bot.address,
            )
            artifacts = ArtifactStore(toolchain.root / "node_modules")
            mm_keys = fund_market_maker(w3, book, artifacts, diamond.children["mm"], MM_WALLETS)
            mm_price = opening_price(w3, book)
            from ape import accounts  # deploy_diamonds deployed and configured with this account

            owner_key = accounts.test_accounts[0].private_key
            _set_clock_behind(w3, DEPLOYED_BEHIND)
        console.print(f"master {diamond.master}, children {diamond.children}")
        console.print(f"world and diamonds deployed through block {w3.eth.block_number}")
        db = data / "lapidary.db"
        for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
            stale.unlink(missing_ok=True)  # a fresh chain: an old journal describes nothing here
        store = Store(f"sqlite:///{db}")
        token = options.token or secrets.token_urlsafe(24)
        token_file = write_atomic(data / "api-token", token + "\n")
        token_file.chmod(0o600)
        api_port = options.port or free_port(options.host)
        relay_port = free_port()
        instance = secrets.token_hex(8)

        def key(account) -> str:
            return "0x" + bytes(account.key).hex()

        common = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "COLUMNS": "160",
            "LAPIDARY_CHAIN__RPC_URL": node.url,
            "LAPIDARY_CHAIN__POLL_INTERVAL": "0.3",
            "LAPIDARY_STORE__URL": f"sqlite:///{db}",
            "LAPIDARY_DEPLOYMENTS_FILE": str(data / "deployments.json"),
            "LAPIDARY_RELAYS": json.dumps([f"http://127.0.0.1:{relay_port}"]),
            **keeper_environment(book),
        }
        keepers = _keepers_command()
        specs = [
            ChildSpec(
                "devrelay",
                [*keepers, "run", "devrelay", "--anvil-url", node.url, "--port", str(relay_port)]
                + ["--block-interval", str(options.block_interval)],
                common,
                ready=lambda: _port_open("127.0.0.1", relay_port),
            ),
            ChildSpec(
                "arb",
                [*keepers, "run", "arb"],
                common | {"LAPIDARY_BOT__PRIVATE_KEY": key(arb_bot), "LAPIDARY_SEARCHER__PRIVATE_KEY": key(searcher)},
            ),
            ChildSpec(
                "rewards",
                [*keepers, "run", "rewards"],
                common
                | {
                    "LAPIDARY_BOT__PRIVATE_KEY": key(rewards_bot),
                    "LAPIDARY_REWARDS__TREE_DIR": str(data / "rewards"),
                    "LAPIDARY_REWARDS__CONFIRMATIONS": "1",
                },
            ),
        ]
        exchange_port = free_port()
        specs.append(
            ChildSpec(
                "devexchange",
                [*keepers, "run", "devexchange", "--port", str(exchange_port), "--price", str(mm_price)]
                + ["--seed", str(options.seed)],
                common,
                ready=lambda: _port_open("127.0.0.1", exchange_port),
            )
        )
        gasless_port = free_port()
        mm = mm_settings(
            book,
            f"http://127.0.0.1:{exchange_port}",
            MM_WALLETS,
            options.seed,
            gasless_url=f"http://127.0.0.1:{gasless_port}",
            node_url=node.url,
        )
        mm_env = {
            f"LAPIDARY_MM__{name.upper()}": value if isinstance(value, str) else json.dumps(value)
            for name, value in mm.items()
        }
        specs.append(
            ChildSpec(
                "mm",
                [*keepers, "run", "mm"],
                common | mm_env | {"LAPIDARY_MM_WALLETS": mm_keys.mnemonic, "LAPIDARY_BOT__PRIVATE_KEY": key(mm_bot)},
            )
        )
        specs.append(
            ChildSpec(
                "gasless",
                [*keepers, "run", "gasless"],
                common | {"LAPIDARY_RELAYER__PRIVATE_KEY": key(relayer), "LAPIDARY_GASLESS__PORT": str(gasless_port)},
            )
        )
        specs.append(
            ChildSpec(
                "market",
                [*keepers, "run", "market", "--world", str(data / "world.json"), "--seed", str(options.seed)]
                + ["--gasless-url", f"http://127.0.0.1:{gasless_port}"],
                common,
            )
        )
        bots = {
            "arb": arb_bot.address,
            "rewards": rewards_bot.address,
            "searcher": searcher.address,
            "gasless": relayer.address,
            "mm": mm_bot.address,
        }
        url = f"http://{options.host}:{api_port}"
        specs.append(
            ChildSpec(
                "api",
                [*keepers, "run", "api"],
                common
                | mm_env  # the market-making view reads the market the keeper keeps
                | {
                    "LAPIDARY_API__HOST": options.host,
                    "LAPIDARY_API__PORT": str(api_port),
                    "LAPIDARY_API__TOKEN": token,
                    "LAPIDARY_API__BOTS": json.dumps(bots),
                    "LAPIDARY_OPERATOR__PRIVATE_KEY": owner_key,
                    "LAPIDARY_API__INSTANCE": instance,
                },
                controllable=False,
                ready=lambda: api_is(url, instance),
            )
        )
        secrets_shown = [token, owner_key, key(arb_bot), key(rewards_bot), key(searcher), key(relayer), key(mm_bot)]
        redact = Redactor([*secrets_shown, mm_keys.mnemonic])
        supervisor = Supervisor(specs, store, data / "logs", redact, console)
        try:
            # Importing Ape replaced SIGINT with an immediate exit: take both signals back so they
            # end the loop below and everything stops in order.
            signal.signal(signal.SIGINT, lambda *_: stop.set())
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
            supervisor.start_all()
            services = {"devrelay": f"http://127.0.0.1:{relay_port}", "gasless": f"http://127.0.0.1:{gasless_port}"}
            console.print(", ".join(f"{name} {where}" for name, where in services.items()))
            console.print(f"[bold]Dashboard: {url}/[/]  (control token in {token_file})")
            console.print(f"supervising {', '.join(supervisor.children)}; press Ctrl-C to stop")
            while not stop.is_set():
                supervisor.step()
                if node.process.poll() is not None:
                    lost = _exit_reason(f"anvil (pid {node.pid})", node.process.returncode, node.log_path)
                    break
                stop.wait(0.2)
            console.print("stopping…")
        finally:
            supervisor.stop_all()
            store.close()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    console.print("stopped every process")
    if lost is not None:
        raise NodeExited(lost)
    return 0
