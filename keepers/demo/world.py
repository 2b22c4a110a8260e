"""The demo's world step: what was deployed and its live prices, as a report and as tables."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table
from web3 import Web3

from keepers.demo.report import PriceRow, WorldReport
from keepers.world.artifacts import ArtifactStore
from keepers.world.book import AddressBook
from keepers.world.prices import PoolPrice, read_oracle_prices, read_prices


def _format_price(value) -> str:
    # Display only; the exact ratio stays in the report's balances.
    return f"{float(value):,.2f}" if value >= 1000 else f"{float(value):,.6f}"


def _format_amount(units: int, decimals: int) -> str:
    return f"{units / 10**decimals:,.2f}"


def world_report(w3: Web3, url: str, book: AddressBook, book_path: Path, artifacts: ArtifactStore) -> WorldReport:
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


def print_world(console: Console, book: AddressBook, world: WorldReport, prices: list[PoolPrice]) -> None:
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
