"""`ape run world`: deploy the local DeFi world into the connected node.

Deploys WETH9, tokens, two Uniswap V2 exchanges, Uniswap V3, a Balancer V2 Vault
with a weighted pool and an Aave V3 market, all from their published npm
bytecode, from the node's first unlocked (dev) account, and writes the address
book to ``deployments/<ecosystem>-<network>.world.json`` (or ``--out``).

    ape run world --network http://127.0.0.1:8545      # a node you keep running
    ape run world                                       # a throw-away anvil
"""

from __future__ import annotations

from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand

from keepers.toolchain import default_toolchain
from keepers.world.deploy import deploy_world
from keepers.world.deployer import DeployError


@click.command(cls=ConnectedProviderCommand)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Where to write the address book.")
def cli(network, provider, out: Path | None):
    """Deploy the local DeFi world and write its address book."""
    w3 = provider.web3
    unlocked = w3.eth.accounts
    if not unlocked:
        raise click.ClickException(
            f"{network.choice} has no unlocked account; the world is a local development fixture, "
            "deployed from a dev node's account (anvil), never with a real key"
        )
    toolchain = default_toolchain()
    try:
        book = deploy_world(w3, unlocked[0], toolchain.root / "node_modules")
    except DeployError as err:
        raise click.ClickException(str(err)) from err
    path = out or toolchain.root / "deployments" / f"{network.ecosystem.name}-{network.name}.world.json"
    book.write(path)
    click.echo(f"world deployed on chain {book.chain_id} up to block {book.block}: {len(book.contracts)} contracts")
    click.echo(f"address book: {path}")
    if getattr(provider, "process", None) is not None:
        click.echo(
            "note: this node was started for this command and stops with it; use `keepers demo` or "
            "`--network http://127.0.0.1:PORT` to keep a world running"
        )
