"""`ape run configure_rewards`: let keeper bot(s) post roots on the rewards child, set its timelocks.

    ape run configure_rewards --network http://127.0.0.1:8545 --bot 0xBOT

Reads the child from the deployments file, then sends the owner calls of
keepers.rewards.setup: the root timelock (the guardian's window to revoke a root), the
sponsors' claim grace period, the bot(s) allowed to post roots and, when the child carries
the gasless relay, the claim calls it may execute. A rerun sends the same values again.
"""

from __future__ import annotations

from pathlib import Path

import click
from ape import accounts, project
from ape.cli import ConnectedProviderCommand, account_option

from keepers.diamond.deploy import DeployError, diamond_handle
from keepers.diamond.records import Deployments, deployments_path
from keepers.diamond.session import default_sender
from keepers.rewards.setup import DAY, HOUR, configure_rewards_child


@click.command(cls=ConnectedProviderCommand)
@account_option(prompt=False)
@click.option("--bot", "bots", required=True, multiple=True, help="Keeper bot address (repeatable).")
@click.option("--strategy", default="rewards", show_default=True)
@click.option("--deployments", "deployments_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--timelock",
    type=click.IntRange(600, 7 * DAY),
    default=HOUR,
    show_default=True,
    help="Root timelock in seconds (the facet accepts 10 minutes to 7 days).",
)
@click.option(
    "--grace",
    type=click.IntRange(7 * DAY, 365 * DAY),
    default=30 * DAY,
    show_default=True,
    help="Claim grace period in seconds (the facet accepts 7 to 365 days).",
)
def cli(network, account, bots, strategy, deployments_file, timelock, grace):
    """Configure the rewards child: bots, root timelock, claim grace period, relayable calls."""
    eco, net = network.ecosystem.name, network.name
    deployments_file = deployments_file or deployments_path(project.path, eco, net)
    try:
        records = Deployments.read(deployments_file)
        if records is None or strategy not in records.children:
            raise DeployError(f"no {strategy!r} child in {deployments_file}; run `ape run deploy` first")
        owner = default_sender(network, account, accounts)
    except DeployError as err:
        raise click.ClickException(str(err)) from err
    record = records.children[strategy]
    if "MerkleRewardsFacet" not in record.facets:
        raise click.ClickException(f"the {strategy!r} child has no MerkleRewardsFacet (see lapidary.deploy)")
    child = diamond_handle(project, record.address, record.facets)
    sent = configure_rewards_child(child, tuple(bots), owner, root_timelock=timelock, claim_grace_period=grace)
    click.echo(f"{strategy} child {record.address} configured: {sent} transaction(s)")
