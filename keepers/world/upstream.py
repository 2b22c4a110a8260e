"""A local stand-in for a real network: anvil serving the deployed world as chain N.

`keepers world upstream -- CMD` runs CMD with ``LAPIDARY_MAINNET_RPC_URL``
pointing at that node and ``LAPIDARY_WORLD_FILE`` at its address book, so
`ape test --network ethereum:mainnet-fork:foundry` forks it exactly as it would
fork Ethereum mainnet, without leaving the machine.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from rich.console import Console
from web3 import Web3

from keepers.toolchain import Toolchain
from keepers.toolchain.anvil import Anvil
from keepers.world.deploy import deploy_world

RPC_ENV = "LAPIDARY_MAINNET_RPC_URL"
WORLD_ENV = "LAPIDARY_WORLD_FILE"


def run_with_upstream(command: list[str], chain_id: int, data_dir: Path, toolchain: Toolchain, console: Console) -> int:
    """Serve the world on a fresh anvil, run ``command`` against it, stop the node; returns its exit code."""
    with Anvil(chain_id=chain_id, log_path=data_dir / "upstream-anvil.log") as node:
        w3 = Web3(Web3.HTTPProvider(node.url, request_kwargs={"timeout": 30}))
        with console.status(f"Deploying the world into the upstream node (chain {chain_id})…"):
            book = deploy_world(w3, w3.eth.accounts[0], toolchain.root / "node_modules")
        book_path = book.write(data_dir / "upstream-world.json")
        console.print(f"upstream chain {chain_id} at {node.url}, world at block {book.block} ({book_path})")
        env = {**os.environ, RPC_ENV: node.url, WORLD_ENV: str(book_path)}
        try:
            return subprocess.call(command, env=env)
        except FileNotFoundError:
            console.print(f"[red]command not found: {command[0]}[/]")
            return 127
