"""`ape run configure_arb`: make the arb child trade the local world (lenders, pools, bots, limits).

    ape run configure_arb --network http://127.0.0.1:8545 --bot 0xBOT

Reads the child from the deployments file and the world from its address book
(`ape run world` wrote it), then sends the owner calls of keepers.arb.setup:
FlashArbFacet lenders and pools, RiskFacet allow-lists, caps and loss limits,
and the keeper bot(s). Sends everything again on a rerun (values are set, not added).
"""

from __future__ import annotations

from pathlib import Path

import click
from ape import accounts, project
from ape.cli import ConnectedProviderCommand, account_option

from keepers.arb.setup import configure_child
from keepers.diamond.deploy import DeployError, diamond_handle
from keepers.diamond.records import Deployments, deployments_path
from keepers.diamond.session import default_sender
from keepers.world.book import AddressBook
from keepers.world.settings import arb_child_setup


@click.command(cls=ConnectedProviderCommand)
@account_option(prompt=False)
@click.option("--bot", "bots", required=True, multiple=True, help="Keeper bot address (repeatable).")
@click.option("--strategy", default="arb", show_default=True)
@click.option("--world", "world_file", type=click.Path(dir_okay=False, path_type=Path), help="World address book.")
@click.option("--deployments", "deployments_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--sweep/--keep", default=True, show_default=True, help="Send profit to the master treasury.")
def cli(network, account, bots, strategy, world_file, deployments_file, sweep):
    """Configure the arbitrage child for the local world."""
    eco, net = network.ecosystem.name, network.name
    deployments_file = deployments_file or deployments_path(project.path, eco, net)
    world_file = world_file or project.path / "deployments" / f"{eco}-{net}.world.json"
    try:
        records = Deployments.read(deployments_file)
        if records is None or strategy not in records.children:
            raise DeployError(f"no {strategy!r} child in {deployments_file}; run `ape run deploy` first")
        if not world_file.is_file():
            raise DeployError(f"no world address book at {world_file}; run `ape run world` first")
        owner = default_sender(network, account, accounts)
    except DeployError as err:
        raise click.ClickException(str(err)) from err
    record = records.children[strategy]
    if "FlashArbFacet" not in record.facets:
        raise click.ClickException(f"the {strategy!r} child has no FlashArbFacet (see lapidary.deploy in ape-config)")
    child = diamond_handle(project, record.address, record.facets)
    sent = configure_child(
        child, arb_child_setup(AddressBook.read(world_file), bots=tuple(bots), sweep_profit=sweep), owner
    )
    click.echo(f"{strategy} child {record.address} configured for the world: {sent} transaction(s)")
