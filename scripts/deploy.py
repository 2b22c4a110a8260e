"""`ape run deploy`: deploy or reuse the master diamond and one child per configured strategy.

    ape run deploy --network ethereum:local:foundry
    ape run deploy --network ethereum:sepolia:node --account deployer

Facets whose code is unchanged are reused (matched by creation-bytecode hash); a
second run with nothing new sends no transaction. Everything is recorded in
deployments/<ecosystem>-<network>.json (addresses, selectors, tx hashes, blocks,
compiler version, git revision). Strategies, guardian and reserve ratio come from
`lapidary.deploy` in ape-config.yaml.
"""

from __future__ import annotations

from pathlib import Path

import click
from ape import accounts, project
from ape.cli import ConnectedProviderCommand, account_option

from keepers.diamond.deploy import DeployError
from keepers.diamond.session import default_sender, load_config, open_deployer


@click.command(cls=ConnectedProviderCommand)
@account_option(prompt=False)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Deployments file to read and write.")
def cli(network, account, out: Path | None):
    """Deploy the master and child diamonds (idempotent)."""
    try:
        config = load_config(project)
        deployer, path = open_deployer(project, network, default_sender(network, account, accounts), out)
        records = deployer.system(config)
    except DeployError as err:
        raise click.ClickException(str(err)) from err
    deployer.save(path)
    for line in deployer.log:
        click.echo(line)
    click.echo(f"master {records.master.address}")
    for strategy, child in records.children.items():
        click.echo(f"child {strategy} {child.address}")
    click.echo(f"{deployer.transactions} transaction(s) sent; recorded in {path}")
