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

from rich.console import Console
from web3 import Web3

from keepers.demo.arbitrage import funded_account, print_arbitrage, run_arbitrage
from keepers.demo.diamonds import deploy_diamonds, print_diamonds
from keepers.demo.gasless import claim_gaslessly, print_gasless
from keepers.demo.market_making import run_market_making
from keepers.demo.report import DemoReport
from keepers.demo.rewards import print_rewards, run_rewards
from keepers.demo.world import print_world, world_report
from keepers.files import write_atomic
from keepers.toolchain import Toolchain
from keepers.toolchain.anvil import Anvil
from keepers.world.artifacts import ArtifactStore
from keepers.world.deploy import deploy_world
from keepers.world.prices import read_prices


@dataclass(frozen=True)
class DemoOptions:
    once: bool
    report: Path | None
    data_dir: Path


def run_demo(options: DemoOptions, toolchain: Toolchain, console: Console) -> DemoReport:
    """Run the demo; returns the report after every started process has stopped."""
    stop = threading.Event()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        # FIFO order: the devrelay builds blocks in submission order.
        with Anvil(args=("--order", "fifo"), log_path=options.data_dir / "anvil.log") as node:
            console.print(f"anvil {node.url} (pid {node.pid}, log {node.log_path})")
            w3 = Web3(Web3.HTTPProvider(node.url, request_kwargs={"timeout": 30}))
            with console.status("Deploying the world from published npm bytecode…"):
                book = deploy_world(w3, w3.eth.accounts[0], toolchain.root / "node_modules")
            book_path = book.write(options.data_dir / "world.json")
            artifacts = ArtifactStore(toolchain.root / "node_modules")
            world = world_report(w3, node.url, book, book_path, artifacts)
            print_world(console, book, world, read_prices(w3, book, artifacts))
            bot, rewards_bot, mm_bot = funded_account(w3), funded_account(w3), funded_account(w3)
            with console.status("Compiling, deploying and configuring the master and child diamonds…"):
                diamond, abis = deploy_diamonds(
                    node.url,
                    options.data_dir / "deployments.json",
                    toolchain,
                    book,
                    bot.address,
                    rewards_bot.address,
                    mm_bot=mm_bot.address,
                )
            print_diamonds(console, diamond)
            with console.status("Dislocating a pool and running the arb keeper through the devrelay…"):
                arb = run_arbitrage(
                    w3, node.url, book, diamond.children["arb"], diamond.master, bot, options.data_dir, artifacts
                )
            print_arbitrage(console, arb)
            with console.status("A reward campaign: liquidity, one epoch measured and posted…"):
                rewards, claim = run_rewards(
                    w3, book, diamond.children["rewards"], abis["rewards"], rewards_bot, options.data_dir, artifacts
                )
            with console.status("Claiming the rewards gaslessly through the relayer…"):
                gasless, received = claim_gaslessly(
                    w3, diamond.children["rewards"], funded_account(w3), claim, options.data_dir
                )
            rewards = rewards.model_copy(update={"claimed_wei": received})
            print_rewards(console, rewards)
            print_gasless(console, gasless, received)
            with console.status("Market making: a reference 5% away, corrected from ten wallets, a ladder laid…"):
                mm = run_market_making(w3, book, diamond.children["mm"], mm_bot, options.data_dir, artifacts)
            console.print(
                f"market making: reference {mm.reference}, pool {mm.before} -> {mm.after} ({mm.status}) in "
                f"{mm.transactions} transactions from {mm.wallets} wallets; ladder of {mm.positions} positions; "
                f"books reconciled: {mm.reconciled}"
            )
            report = DemoReport(world=world, diamond=diamond, arb=arb, rewards=rewards, gasless=gasless, mm=mm)
            if options.report is not None:
                write_atomic(options.report, report.model_dump_json(indent=2) + "\n")
                console.print(f"report written to {options.report}")
            if not options.once:
                # Importing Ape replaced SIGINT with an immediate exit; take both signals back so
                # they end the wait below and the `with` blocks stop every process in order.
                signal.signal(signal.SIGINT, signal.default_int_handler)
                signal.signal(signal.SIGTERM, lambda *_: stop.set())
                try:
                    # Announced inside the try: a Ctrl-C right after the prompt still stops in order.
                    console.print(f"[bold]The world is live at {node.url}.[/] Press Ctrl-C to stop.")
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
