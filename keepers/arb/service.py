"""`keepers run arb`: wire the keeper from settings and run it once per new block (APScheduler)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn
from web3 import Web3

from keepers.arb.execution import ArbExecutor, lender_terms
from keepers.arb.journal import ArbJournal
from keepers.arb.keeper import ArbKeeper, ArbPlan, BlockReport
from keepers.arb.registry import PoolRegistry
from keepers.bundles.client import RelayClient
from keepers.chain.blocks import follow_blocks
from keepers.chain.client import HeadMovedBack, connect
from keepers.chain.keys import load_account
from keepers.chain.sender import TxSender
from keepers.config import ConfigError, LapidarySettings
from keepers.diamond.records import deployed_child
from keepers.store.db import Store

log = logging.getLogger(__name__)


@dataclass
class ArbService:
    keeper: ArbKeeper
    w3: Web3
    store: Store
    poll_interval: float


def build(settings: LapidarySettings) -> ArbService:
    """Everything the keeper needs, checked, from settings; ConfigError names what is missing."""
    if not settings.relays:
        raise ConfigError(
            "no relay configured: set LAPIDARY_RELAYS='[\"http://127.0.0.1:PORT\"]' "
            "(`keepers run devrelay` serves one locally)"
        )
    w3 = connect(settings.chain)
    chain_id = w3.eth.chain_id
    bot = load_account(settings.bot, "bot")
    searcher = load_account(settings.searcher, "searcher")
    if bot.address == searcher.address:
        raise ConfigError("the searcher key signs relay requests only: use a key other than the bot's")
    child = deployed_child(settings.deployments_file, settings.arb.strategy, w3).address
    factories = settings.arb.factories
    if not factories:
        raise ConfigError(
            "no factories: list them under arb.factories (`keepers world settings` prints them for a local world)"
        )
    base_token = settings.arb.base_token
    if base_token is None or not Web3.is_address(base_token):
        raise ConfigError(f"arb.base_token must be the traded token's address (e.g. WETH's), got {base_token!r}")
    store = Store(settings.store.url)
    plan = ArbPlan(
        base_token=Web3.to_checksum_address(base_token),
        lender=settings.arb.lender,
        loan=lender_terms(w3, child, settings.arb.lender),
        coinbase_bps=settings.arb.coinbase_bps,
        blocks_ahead=settings.arb.blocks_ahead,
        min_net_profit_wei=settings.arb.min_net_profit_wei,
        priority_fee_wei=settings.arb.priority_fee_wei,
        max_per_block=settings.arb.max_opportunities_per_block,
        max_hops=settings.arb.max_hops,
        only_pools=frozenset(Web3.to_checksum_address(p) for p in settings.arb.only_pools)
        if settings.arb.only_pools is not None
        else None,
    )
    sender = TxSender.from_settings(w3, store, bot, settings)
    keeper = ArbKeeper(
        w3,
        PoolRegistry(w3, store, chain_id, factories, settings.chain.log_chunk_blocks),
        ArbExecutor(w3, child, bot.address),
        sender,
        RelayClient(settings.relays, searcher),
        ArbJournal(store, chain_id),
        plan,
        sender.faults,
    )
    return ArbService(keeper, w3, store, settings.chain.poll_interval)


def start(service: ArbService, console: Console) -> int:
    """Discover pools with a progress bar, restore their states (journal, then logs); returns the head."""
    head = service.w3.eth.block_number
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} blocks"),
        TextColumn("{task.fields[pools]} pools"),
        console=console,
        transient=True,
    ) as progress:
        tasks: dict[str, int] = {}

        def on_progress(factory: str, done: int, total: int, pools: int) -> None:
            if factory not in tasks:
                tasks[factory] = progress.add_task(f"discovering {factory}", total=total, pools=pools)
            progress.update(tasks[factory], completed=done, pools=pools)

        service.keeper.start(head, on_progress)
    console.print(
        f"arb keeper: {len(service.keeper.registry.pools)} pools, {len(service.keeper.enabled)} tradable, "
        f"bot {service.keeper.bot.address}, head {head}"
    )
    return head


def run(service: ArbService, console: Console, stop: threading.Event) -> None:
    """One job per new block until `stop` is set; errors are journaled and the keeper carries on."""

    def failed(head: int | None, err: Exception) -> None:
        if isinstance(err, HeadMovedBack):  # the next poll reads the new head: no traceback for the log
            log.warning("block processing waits for the node: %s", err)
        else:
            log.error("block processing failed", exc_info=err)
        service.keeper.journal.heartbeat(head or 0, error=f"{type(err).__name__}: {err}")
        console.print(f"[red]block failed:[/] {type(err).__name__}: {err}")

    try:
        follow_blocks(
            service.w3,
            lambda head: _print_report(console, service.keeper.on_block(head)),
            failed,
            interval=service.poll_interval,
            stop=stop,
            head=service.keeper.block,
        )
    finally:
        try:
            service.keeper.stop()
        finally:
            service.store.close()


def _print_report(console: Console, report: BlockReport) -> None:
    parts = [f"block {report.block}: {report.changed_pools} pools changed"]
    if report.opportunities:
        parts.append(f"{report.opportunities} opportunities")
    if report.submitted:
        parts.append(f"submitted {report.submitted}")
    if report.landed:
        parts.append(f"landed {report.landed}")
    if report.expired:
        parts.append(f"expired {report.expired}")
    for opportunity_id, reason in report.dropped:
        parts.append(f"dropped {opportunity_id} ({reason})")
    console.print(", ".join(parts))
