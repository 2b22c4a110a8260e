"""`ape run world` deploys into a running node and writes the address book."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from web3 import Web3

from keepers.toolchain.anvil import Anvil
from keepers.world.book import AddressBook

APE = str(Path(sys.executable).with_name("ape"))


def test_ape_run_world_into_a_running_node(tmp_path, toolchain):
    out = tmp_path / "book.json"
    with Anvil(log_path=tmp_path / "anvil.log") as node:
        result = subprocess.run(
            [APE, "run", "world", "--network", node.url, "--out", str(out)],
            cwd=toolchain.root,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        book = AddressBook.read(out)
        w3 = Web3(Web3.HTTPProvider(node.url))
        assert book.chain_id == w3.eth.chain_id
        for entry in book.contracts.values():
            assert w3.eth.get_code(entry.address), entry
    assert "address book" in result.stdout


def test_ape_run_world_refuses_a_node_without_dev_accounts(tmp_path, toolchain):
    # `--accounts 0`: nothing unlocked, as on any real network.
    with Anvil(args=("--accounts", "0"), log_path=tmp_path / "anvil.log") as node:
        result = subprocess.run(
            [APE, "run", "world", "--network", node.url, "--out", str(tmp_path / "book.json")],
            cwd=toolchain.root,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert result.returncode != 0
    assert "no unlocked account" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
