"""`keepers run market`: the market driver and the campaign agents, one step per new block."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from web3 import Web3

from keepers.chain.blocks import follow_blocks
from keepers.chain.client import connect
from keepers.config import ConfigError, LapidarySettings
from keepers.rewards.service import open_journal
from keepers.sim.accounts import require_dev_chain
from keepers.sim.campaign import CampaignAgents, CampaignParams, ClaimReport
from keepers.sim.market import MarketDriver, MarketParams, StepReport
from keepers.store.db import Store
from keepers.store.heartbeats import beat
from keepers.toolchain import default_toolchain
from keepers.world.artifacts import ArtifactStore
from keepers.world.book import AddressBook

KEEPER = "market"


@dataclass(frozen=True)
class MarketOptions:
    world_file: Path
    seed: int = 1
    gasless_url: str | None = None
    campaign: bool = True


@dataclass
class MarketService:
    w3: Web3
    store: Store
    driver: MarketDriver
    agents: CampaignAgents | None
    poll_interval: float


def build(settings: LapidarySettings, options: MarketOptions) -> MarketService:
    """Connect, check the chain is an anvil, read the world, fund the agents, set up the campaign."""
    if not options.world_file.is_file():
        raise ConfigError(f"no world file at {options.world_file}; `keepers up` writes <data-dir>/world.json")
    book = AddressBook.read(options.world_file)
    w3 = connect(settings.chain)
    require_dev_chain(w3)
    artifacts = ArtifactStore(default_toolchain().root / "node_modules")
    driver = MarketDriver(w3, book, artifacts, MarketParams(seed=options.seed))
    driver.setup()
    agents = None
    if options.campaign:
        journal, contract, _ = open_journal(settings)
        agents = CampaignAgents(
            w3, book, artifacts, contract, journal, options.seed, CampaignParams(), options.gasless_url
        )
        agents.setup()
        store = journal.store
    else:
        store = Store(settings.store.url)
    return MarketService(w3, store, driver, agents, settings.chain.poll_interval)


def run(service: MarketService, console: Console, stop: threading.Event) -> None:
    """One step per new block until `stop`; a failed step is shown and the next block tried."""

    def step(head: int) -> None:
        market = service.driver.step(head)
        claims = service.agents.step(head) if service.agents is not None else ClaimReport(head)
        beat(service.store, KEEPER, head)
        _print(console, market, claims, service.driver.book)

    def failed(head: int | None, err: Exception) -> None:
        beat(service.store, KEEPER, head or 0, error=f"{type(err).__name__}: {err}")
        console.print(f"[red]block failed:[/] {type(err).__name__}: {err}")

    campaign = service.agents.campaign_id if service.agents is not None else None
    console.print(
        f"market driver: {len(service.driver.traders)} traders on {len(service.driver.pools)} pools"
        + (f", reward campaign {campaign}" if campaign is not None else "")
    )
    try:
        follow_blocks(service.w3, step, failed, interval=service.poll_interval, stop=stop)
    finally:
        service.store.close()


def _print(console: Console, market: StepReport, claims: ClaimReport, book: AddressBook) -> None:
    for trade in market.trades:
        size = "large trade" if trade.large else "trade"
        units = trade.amount_in / 10 ** book.token(trade.token_in).decimals  # for reading only
        console.print(f"block {market.block}: {size} {units:,.4f} {trade.token_in} on {trade.pool}")
    for move in market.liquidity:
        console.print(f"block {market.block}: liquidity {move}")
    for claim in claims.sent:
        console.print(f"block {claims.block}: claim {claim}")
    for failure in claims.failed:
        console.print(f"block {claims.block}: [red]claim failed[/] {failure}")
