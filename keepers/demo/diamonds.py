"""The demo's diamond step: master and children deployed with the production deployer, read back."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from keepers.demo.report import DiamondReport
from keepers.toolchain import Toolchain
from keepers.world.book import AddressBook

DEMO_ROOT_TIMELOCK = 600  # the facet's minimum: the demo fast-forwards through it


def deploy_diamonds(
    url: str,
    path: Path,
    toolchain: Toolchain,
    book: AddressBook,
    arb_bot: str,
    rewards_bot: str,
    mm_bot: str | None = None,
) -> tuple[DiamondReport, dict[str, list[dict]]]:
    """Master + one child per default strategy onto the running node, the arb child configured for the
    world and the rewards child for a short demo timelock, each with its keeper bot; with `mm_bot`,
    also an `mm` child for the world's WETH/USDC V3 pool (its ladder's inventory limits set, no funds).
    Returns the report (read back from chain) and each child's merged ABI for web3."""
    from ape import Project, accounts, networks
    from ape.logging import LogLevel, logger

    from keepers.arb.setup import configure_child
    from keepers.diamond.deploy import DeployConfig, DiamondDeployer, web3_abi
    from keepers.diamond.upgrade import loupe_by_facet
    from keepers.mm.setup import configure_mm_child
    from keepers.rewards.setup import configure_rewards_child
    from keepers.world.settings import MM_LADDER_INVENTORY, MM_POOL, arb_child_setup

    logger.set_level(LogLevel.ERROR)  # the demo prints its own progress
    project = Project(toolchain.root)
    with networks.parse_network_choice(url) as provider:
        network = provider.network
        deployer = DiamondDeployer.open(
            project, accounts.test_accounts[0], path, f"{network.ecosystem.name}:{network.name}"
        )
        config = DeployConfig()
        if mm_bot is not None:
            config = DeployConfig(strategies={**config.strategies, "mm": ["MarketMakingFacet"]})
        records = deployer.system(config)
        deployer.save(path)
        arb = records.children["arb"]
        configure_child(
            deployer.handle(arb.address, *arb.facets),
            arb_child_setup(book, bots=(arb_bot,), sweep_profit=True),
            deployer.sender,
        )
        rewards = records.children["rewards"]
        configure_rewards_child(
            deployer.handle(rewards.address, *rewards.facets),
            (rewards_bot,),
            deployer.sender,
            root_timelock=DEMO_ROOT_TIMELOCK,
        )
        if mm_bot is not None:
            mm = records.children["mm"]
            configure_mm_child(
                deployer.handle(mm.address, *mm.facets),
                deployer.sender,
                position_manager=book.address("uniswap_v3_position_manager"),
                pool=book.address(MM_POOL),
                bots=(mm_bot,),
                inventory_limits={book.token(s).address: limit for s, limit in MM_LADDER_INVENTORY.items()},
            )
        abis = {name: web3_abi(project, *child.facets) for name, child in records.children.items()}
        master = records.master
        report = DiamondReport(
            master=master.address,
            children={name: child.address for name, child in records.children.items()},
            loupe=loupe_by_facet(deployer, master.address),
            child_loupes={name: loupe_by_facet(deployer, child.address) for name, child in records.children.items()},
            deployments_file=str(path),
            transactions=deployer.transactions,
        )
        return report, abis


def print_diamonds(console: Console, diamond: DiamondReport) -> None:
    table = Table(title="Diamonds (loupe read from chain)")
    for column in ("diamond", "address", "facets", "functions"):
        table.add_column(column)
    rows = [("master", diamond.master, diamond.loupe)]
    rows += [(f"child {name}", diamond.children[name], loupe) for name, loupe in diamond.child_loupes.items()]
    for name, address, loupe in rows:
        table.add_row(name, address, str(len(loupe)), str(sum(len(s) for s in loupe.values())))
    console.print(table)
