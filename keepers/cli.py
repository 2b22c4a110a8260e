"""The `keepers` command line."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from pathlib import Path

import click
from pydantic import ValidationError
from rich.console import Console

from keepers.chain.anvil import AnvilError
from keepers.chain.keys import KeyUnavailable
from keepers.toolchain import activate
from keepers.world.artifacts import ArtifactError
from keepers.world.deployer import DeployError


def _user_errors() -> tuple[type[BaseException], ...]:
    """Errors a user can cause or fix (missing install, bad node, bad config); one line, never a traceback."""
    from keepers.arb.service import ConfigError
    from keepers.bundles.devrelay import DevRelayError

    return (
        AnvilError,
        ArtifactError,
        DeployError,
        FileNotFoundError,
        ConnectionError,
        KeyUnavailable,
        ConfigError,
        DevRelayError,
        ValidationError,
    )


@click.group()
def main() -> None:
    """Lapidary keepers: strategy diamonds and the services that run them."""


@main.command()
@click.option("--once", is_flag=True, help="Run non-interactively and exit instead of waiting for Ctrl-C.")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), help="Write a JSON report here.")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/demo"),
    show_default=True,
    help="Where the node log and the world's address book go.",
)
def demo(once: bool, report: Path | None, data_dir: Path) -> None:
    """Start a local chain, deploy the DeFi world, show it live; stops everything on exit."""
    from keepers.demo import DemoOptions, run_demo

    console = Console()
    toolchain = activate()
    _run(console, lambda: run_demo(DemoOptions(once=once, report=report, data_dir=data_dir), toolchain, console))


@main.group()
def world() -> None:
    """The local DeFi world (Uniswap V2/V3, Balancer V2, Aave V3 from published bytecode)."""


@world.command(context_settings={"ignore_unknown_options": True})
@click.option("--chain-id", type=int, default=1, show_default=True, help="Chain id the upstream node reports.")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/upstream"),
    show_default=True,
)
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def upstream(chain_id: int, data_dir: Path, command: tuple[str, ...]) -> None:
    """Run COMMAND against a local node serving the world as chain CHAIN_ID.

    Example: keepers world upstream -- ape test --network ethereum:mainnet-fork:foundry
    """
    from keepers.world.upstream import run_with_upstream

    console = Console()
    toolchain = activate()
    code = _run(console, lambda: run_with_upstream(list(command), chain_id, data_dir, toolchain, console))
    sys.exit(code)


@main.group()
def run() -> None:
    """Run a keeper service until Ctrl-C (configuration: LAPIDARY_* variables, lapidary.yaml)."""


@run.command()
def arb() -> None:
    """The arbitrage keeper: find, size, simulate and bundle cycles every block."""
    from keepers.arb import service
    from keepers.config import load_settings

    console = Console()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    def go() -> None:
        arb_service = service.build(load_settings())
        service.start(arb_service, console)
        service.run(arb_service, console, _stop_on_signals())

    _run(console, go)


@run.command()
@click.option("--anvil-url", help="Front this node (started with --order fifo) instead of starting one.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=0, show_default=True, help="0 picks a free port.")
@click.option("--block-interval", type=float, default=2.0, show_default=True, help="Seconds per block.")
@click.option("--chain-id", type=int, help="Chain id of the anvil it starts.")
def devrelay(anvil_url: str | None, host: str, port: int, block_interval: float, chain_id: int | None) -> None:
    """A local Flashbots-compatible relay in front of anvil (eth_sendBundle, eth_callBundle, ...)."""
    from keepers.bundles.devrelay import serve_devrelay

    console = Console()
    activate()

    def ready(relay) -> None:
        console.print(f"devrelay {relay.url} in front of {relay.anvil_url}, a block every {block_interval}s")

    _run(console, lambda: serve_devrelay(anvil_url, host, port, block_interval, chain_id=chain_id, on_ready=ready))


def _stop_on_signals() -> threading.Event:
    """An event set by Ctrl-C or SIGTERM, so services stop between blocks, never mid-block."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def _run(console: Console, action):
    try:
        return action()
    except _user_errors() as err:
        console.print(f"[red]error:[/] {err}")
        sys.exit(1)
    except KeyboardInterrupt:
        console.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
