"""`ape run upgrade`: bring a live diamond's facets in line with the compiled code and the config.

    ape run upgrade --network ethereum:local:foundry                 # dry run: print the cut
    ape run upgrade --network ethereum:local:foundry --execute       # deploy new facets, send the cut
    ape run upgrade --diamond child:arb --execute

Reads the diamond's loupe, compares it with the configured facets' compiled
selectors and computes the cut (Remove, then Replace, then Add). Refuses
selector collisions between facets and changes to functions defined on the
diamond itself.
"""

from __future__ import annotations

from pathlib import Path

import click
from ape import accounts, project
from ape.cli import ConnectedProviderCommand, account_option
from rich.console import Console
from rich.table import Table

from keepers.diamond.deploy import DeployError
from keepers.diamond.plan import CutPlanError
from keepers.diamond.session import default_sender, load_config, open_deployer
from keepers.diamond.upgrade import upgrade


@click.command(cls=ConnectedProviderCommand)
@account_option(prompt=False)
@click.option("--diamond", "name", default="master", show_default=True, help="master or child:<strategy>.")
@click.option("--execute", is_flag=True, help="Deploy changed facets and send the cut (default: dry run).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Deployments file to read and write.")
def cli(network, account, name: str, execute: bool, out: Path | None):
    """Compute (and optionally send) the diamond cut for NAME."""
    console = Console()
    try:
        config = load_config(project)
        deployer, path = open_deployer(project, network, default_sender(network, account, accounts), out)
        if name == "master":
            facets = config.master_facets
        elif name.startswith("child:") and name[6:] in config.strategies:
            facets = config.child_spec(name[6:], "0x" + "00" * 20).facets
        else:
            raise DeployError(f"unknown diamond {name!r}: use master or child:<one of {sorted(config.strategies)}>")
        result = upgrade(deployer, name, facets, execute)
    except (DeployError, CutPlanError) as err:
        raise click.ClickException(str(err)) from err

    table = Table(title=f"{name} cut ({'sent' if result.executed else 'dry run'})")
    for column in ("action", "facet", "address", "functions"):
        table.add_column(column)
    for entry in result.plan.entries:
        table.add_row(
            entry.action.name,
            entry.facet or "-",
            entry.address or "(new, deployed on --execute)",
            "\n".join(entry.signatures),
        )
    console.print(table)
    console.print(f"{result.plan.unchanged} function(s) unchanged; {len(result.plan.immutable)} immutable")
    if result.plan.empty:
        console.print("nothing to do")
    elif result.executed:
        deployer.save(path)
        console.print(f"cut sent in {result.tx_hash}; {path} updated")
    else:
        console.print("dry run: pass --execute to send it")
