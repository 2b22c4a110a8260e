"""`keepers demo`: the whole product on a local chain, with nothing to configure.

Starts anvil on a free loopback port, deploys the DeFi world from published
bytecode, shows what is there with live prices read from chain, writes a JSON
report, and stops every process it started: at the end with ``--once``, on
Ctrl-C (or SIGTERM) otherwise.
"""

from __future__ import annotations

import signal
import threading
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel
from rich.console import Console
from rich.table import Table
from web3 import Web3

from keepers.chain.anvil import Anvil
from keepers.toolchain import Toolchain
from keepers.world.artifacts import ArtifactStore
from keepers.world.book import AddressBook
from keepers.world.deploy import deploy_world
from keepers.world.prices import PoolPrice, read_oracle_prices, read_prices


class PriceRow(BaseModel):
    pool: str
    base: str
    quote: str
    price: str  # decimal rendering of an exact on-chain ratio, quote per whole base token
    balances_wei: dict[str, int]


class WorldReport(BaseModel):
    chain_id: int
    rpc_url: str
    block: int
    address_book: str
    contracts: dict[str, str]
    tokens: dict[str, str]
    pools: dict[str, str]
    prices: list[PriceRow]
    oracle_usd_e8: dict[str, int]
    aave_premium_bps: int
    transactions: int


class DiamondReport(BaseModel):
    master: str
    children: dict[str, str]
    loupe: dict[str, list[str]]  # the master's facet address -> selectors, read from chain
    child_loupes: dict[str, dict[str, list[str]]]
    deployments_file: str
    transactions: int


class DemoReport(BaseModel):
    """What `keepers demo --report FILE` writes; later features add sections."""

    world: WorldReport
    diamond: DiamondReport


@dataclass(frozen=True)
class DemoOptions:
    once: bool
    report: Path | None
    data_dir: Path


def _format_price(value) -> str:
    # Display only; the exact ratio stays in the report's balances.
    return f"{float(value):,.2f}" if value >= 1000 else f"{float(value):,.6f}"


def _format_amount(units: int, decimals: int) -> str:
    return f"{units / 10**decimals:,.2f}"


def run_demo(options: DemoOptions, toolchain: Toolchain, console: Console) -> DemoReport:
    """Run the demo; returns the report after every started process has stopped."""
    stop = threading.Event()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with Anvil(log_path=options.data_dir / "anvil.log") as node:
            console.print(f"anvil {node.url} (pid {node.pid}, log {node.log_path})")
            w3 = Web3(Web3.HTTPProvider(node.url, request_kwargs={"timeout": 30}))
            with console.status("Deploying the world from published npm bytecode…"):
                book = deploy_world(w3, w3.eth.accounts[0], toolchain.root / "node_modules")
            book_path = book.write(options.data_dir / "world.json")
            artifacts = ArtifactStore(toolchain.root / "node_modules")
            world = _world_report(w3, node.url, book, book_path, artifacts)
            _print_world(console, book, world, read_prices(w3, book, artifacts))
            with console.status("Compiling and deploying the master and child diamonds…"):
                diamond = _deploy_diamonds(node.url, options.data_dir / "deployments.json", toolchain)
            _print_diamonds(console, diamond)
            report = DemoReport(world=world, diamond=diamond)
            if options.report is not None:
                options.report.parent.mkdir(parents=True, exist_ok=True)
                options.report.write_text(report.model_dump_json(indent=2) + "\n")
                console.print(f"report written to {options.report}")
            if not options.once:
                # Importing Ape replaced SIGINT with an immediate exit; take both signals back so
                # they end the wait below and the `with` blocks stop every process in order.
                signal.signal(signal.SIGINT, signal.default_int_handler)
                signal.signal(signal.SIGTERM, lambda *_: stop.set())
                console.print(f"[bold]The world is live at {node.url}.[/] Press Ctrl-C to stop.")
                try:
                    while not stop.wait(0.5):
                        if node.process.poll() is not None:
                            console.print("[red]anvil exited unexpectedly[/]")
                            break
                except KeyboardInterrupt:
                    console.print("stopping…")
        return report
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _deploy_diamonds(url: str, path: Path, toolchain: Toolchain) -> DiamondReport:
    """Master + one child per default strategy onto the running node, read back from chain."""
    from ape import Project, accounts, networks
    from ape.logging import LogLevel, logger

    from keepers.diamond.deploy import DeployConfig, DiamondDeployer
    from keepers.diamond.upgrade import loupe_by_facet

    logger.set_level(LogLevel.ERROR)  # the demo prints its own progress
    project = Project(toolchain.root)
    with networks.parse_network_choice(url) as provider:
        network = provider.network
        deployer = DiamondDeployer.open(
            project, accounts.test_accounts[0], path, f"{network.ecosystem.name}:{network.name}"
        )
        records = deployer.system(DeployConfig())
        deployer.save(path)
        master = records.master
        return DiamondReport(
            master=master.address,
            children={name: child.address for name, child in records.children.items()},
            loupe=loupe_by_facet(deployer, master.address),
            child_loupes={name: loupe_by_facet(deployer, child.address) for name, child in records.children.items()},
            deployments_file=str(path),
            transactions=deployer.transactions,
        )


def _world_report(w3: Web3, url: str, book: AddressBook, book_path: Path, artifacts: ArtifactStore) -> WorldReport:
    prices = read_prices(w3, book, artifacts)
    return WorldReport(
        chain_id=book.chain_id,
        rpc_url=url,
        block=w3.eth.block_number,
        address_book=str(book_path),
        contracts={name: entry.address for name, entry in book.contracts.items()},
        tokens={symbol: token.address for symbol, token in book.tokens.items()},
        pools={name: pool.address for name, pool in book.pools.items()},
        prices=[
            PriceRow(
                pool=p.pool, base=p.base, quote=p.quote, price=_format_price(p.human(book)), balances_wei=p.balances
            )
            for p in prices
        ],
        oracle_usd_e8=read_oracle_prices(w3, book, artifacts),
        aave_premium_bps=book.lenders.aave_premium_bps,
        transactions=w3.eth.get_transaction_count(book.deployer),
    )


def _print_diamonds(console: Console, diamond: DiamondReport) -> None:
    table = Table(title="Diamonds (loupe read from chain)")
    for column in ("diamond", "address", "facets", "functions"):
        table.add_column(column)
    rows = [("master", diamond.master, diamond.loupe)]
    rows += [(f"child {name}", diamond.children[name], loupe) for name, loupe in diamond.child_loupes.items()]
    for name, address, loupe in rows:
        table.add_row(name, address, str(len(loupe)), str(sum(len(s) for s in loupe.values())))
    console.print(table)


def _print_world(console: Console, book: AddressBook, world: WorldReport, prices: list[PoolPrice]) -> None:
    contracts = Table(title=f"Protocol addresses (chain {world.chain_id}, block {world.block})")
    contracts.add_column("name")
    contracts.add_column("address", style="cyan")
    contracts.add_column("artifact", style="dim")
    for name, entry in book.contracts.items():
        if name not in book.pools:  # pools are listed with their prices below
            contracts.add_row(name, entry.address, entry.artifact)
    console.print(contracts)

    table = Table(title="Live prices (read from chain now)")
    for column in ("pool", "pair", "price", "pool balances"):
        table.add_column(column)
    for p in prices:
        balances = " · ".join(f"{_format_amount(v, book.token(s).decimals)} {s}" for s, v in p.balances.items())
        table.add_row(p.pool, f"{p.base}/{p.quote}", f"{_format_price(p.human(book))} {p.quote}", balances)
    for symbol, answer in world.oracle_usd_e8.items():
        table.add_row("aave_oracle", f"{symbol}/USD", f"{_format_price(answer / 10**8)} USD", "")
    console.print(table)
