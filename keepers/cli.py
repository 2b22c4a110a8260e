"""The `keepers` command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from keepers.chain.anvil import AnvilError
from keepers.toolchain import activate
from keepers.world.artifacts import ArtifactError
from keepers.world.deployer import DeployError

# Errors a user can cause or fix (missing install, bad node); shown as one line, never a traceback.
USER_ERRORS = (AnvilError, ArtifactError, DeployError, FileNotFoundError, ConnectionError)


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


def _run(console: Console, action):
    try:
        return action()
    except USER_ERRORS as err:
        console.print(f"[red]error:[/] {err}")
        sys.exit(1)
    except KeyboardInterrupt:
        console.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
