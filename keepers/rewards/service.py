"""`keepers run rewards` and `keepers rewards proof`: wiring from settings."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from rich.console import Console
from web3 import Web3

from keepers.chain.blocks import follow_blocks
from keepers.chain.client import connect
from keepers.chain.keys import load_account
from keepers.chain.sender import TxSender
from keepers.config import ConfigError, LapidarySettings
from keepers.diamond.records import deployed_child
from keepers.rewards.campaigns import RewardsContract
from keepers.rewards.journal import RewardsJournal, StoredClaim
from keepers.rewards.keeper import RewardsKeeper, RewardsPlan, RewardsReport
from keepers.rewards.metrics import PoolToken
from keepers.store.db import Store


@dataclass
class RewardsService:
    keeper: RewardsKeeper
    w3: Web3
    store: Store
    poll_interval: float


def _child(settings: LapidarySettings, w3: Web3) -> str:
    return deployed_child(settings.deployments_file, settings.rewards.strategy, w3).address


def open_journal(settings: LapidarySettings) -> tuple[RewardsJournal, RewardsContract, Web3]:
    """The journal and the child for read-only use (proofs)."""
    w3 = connect(settings.chain)
    chain_id = w3.eth.chain_id
    child = _child(settings, w3)
    return RewardsJournal(Store(settings.store.url), chain_id, child), RewardsContract(w3, child), w3


def build(settings: LapidarySettings) -> RewardsService:
    w3 = connect(settings.chain)
    chain_id = w3.eth.chain_id
    child = _child(settings, w3)
    bot = load_account(settings.bot, "bot")
    rewards = settings.rewards
    manager, factory = rewards.position_manager, rewards.v3_factory
    if manager is None or factory is None:
        raise ConfigError(
            "set rewards.position_manager and rewards.v3_factory (Uniswap V3; "
            "`keepers world settings` prints them for a local world)"
        )
    store = Store(settings.store.url)
    plan = RewardsPlan(
        tree_dir=rewards.tree_dir,
        confirmations=rewards.confirmations,
        volume_token=PoolToken.TOKEN1 if rewards.volume_token == "token1" else PoolToken.TOKEN0,
        position_manager=manager,
        v3_factory=factory,
        start_block=rewards.start_block,
    )
    sender = TxSender.from_settings(w3, store, bot, settings)
    sender.start()
    keeper = RewardsKeeper(
        w3, RewardsContract(w3, child), sender, RewardsJournal(store, chain_id, child), plan, sender.faults
    )
    return RewardsService(keeper, w3, store, settings.chain.poll_interval)


def run(service: RewardsService, console: Console, stop: threading.Event) -> None:
    """One job per new block until `stop`; an error is journaled and the next block tried again."""

    def failed(head: int | None, err: Exception) -> None:
        service.keeper.journal.heartbeat(head or 0, error=f"{type(err).__name__}: {err}")
        console.print(f"[red]block failed:[/] {type(err).__name__}: {err}")

    console.print(f"rewards keeper: child {service.keeper.contract.address}, bot {service.keeper.bot.address}")
    try:
        follow_blocks(
            service.w3,
            lambda head: _print(console, service.keeper.on_block(head)),
            failed,
            interval=service.poll_interval,
            stop=stop,
        )
    finally:
        service.store.close()


def _print(console: Console, report: RewardsReport) -> None:
    for label, items in (
        ("computed", report.computed),
        ("posted", report.posted),
        ("claimable", report.claimable),
        ("revoked", report.revoked),
    ):
        for campaign, epoch in items:
            console.print(f"block {report.block}: campaign {campaign} epoch {epoch} {label}")


def claim_arguments(claim: StoredClaim, contract: RewardsContract) -> dict:
    """What `keepers rewards proof` prints: the call's arguments and its calldata."""
    data = contract.claim_calldata(claim.campaign_id, claim.account, claim.cumulative_amount, claim.proof)
    return {
        "campaign_id": claim.campaign_id,
        "account": claim.account,
        "cumulative_amount": str(claim.cumulative_amount),
        "proof": claim.proof,
        "epoch": claim.epoch,
        "root": claim.root,
        "root_status": claim.status,
        "already_claimed": str(contract.claimed(claim.campaign_id, claim.account)),
        "to": contract.address,
        "calldata": "0x" + data.hex(),
    }
