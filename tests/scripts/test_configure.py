"""The operator path without the demo: world, diamonds, arb and rewards child configuration, each an `ape run`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from eth_abi import decode, encode
from eth_utils import keccak
from web3 import Web3

from keepers.diamond.records import Deployments
from keepers.toolchain.anvil import Anvil
from keepers.world.book import AddressBook

APE = str(Path(sys.executable).with_name("ape"))
BOT = "0x" + "b0" * 20


def ape_run(toolchain, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run([APE, "run", *args], cwd=toolchain.root, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def call(w3: Web3, to: str, signature: str, types: list[str], args: list, out: list[str]):
    data = keccak(text=signature)[:4] + encode(types, args)
    return decode(out, bytes(w3.eth.call({"to": to, "data": data})))


def test_world_deploy_configure(tmp_path, toolchain):
    world_file, deployments_file = tmp_path / "world.json", tmp_path / "deployments.json"
    with Anvil(args=("--order", "fifo"), log_path=tmp_path / "anvil.log") as node:
        ape_run(toolchain, "world", "--network", node.url, "--out", str(world_file))
        ape_run(toolchain, "deploy", "--network", node.url, "--out", str(deployments_file))
        result = ape_run(
            toolchain,
            "configure_arb",
            "--network",
            node.url,
            "--bot",
            BOT,
            "--world",
            str(world_file),
            "--deployments",
            str(deployments_file),
        )
        assert "configured for the world" in result.stdout

        w3 = Web3(Web3.HTTPProvider(node.url))
        book = AddressBook.read(world_file)
        child = Deployments.read(deployments_file).children["arb"].address
        assert call(w3, child, "isBot(address)", ["address"], [BOT], ["bool"]) == (True,)
        for name, pool in book.pools.items():
            if pool.kind in ("uniswap_v2", "uniswap_v3"):
                assert call(w3, child, "isPoolAllowed(address)", ["address"], [pool.address], ["bool"]) == (True,), name
        vault, _aave, weth, sweep = call(w3, child, "arbConfig()", [], [], ["address", "address", "address", "bool"])
        assert (Web3.to_checksum_address(vault), Web3.to_checksum_address(weth), sweep) == (
            book.address("balancer_vault"),
            book.address("WETH"),
            True,
        )

        result = ape_run(
            toolchain, "configure_rewards", "--network", node.url, "--bot", BOT, "--deployments", str(deployments_file)
        )
        assert "configured" in result.stdout
        rewards = Deployments.read(deployments_file).children["rewards"].address
        assert call(w3, rewards, "isBot(address)", ["address"], [BOT], ["bool"]) == (True,)
        assert call(w3, rewards, "rewardsConfig()", [], [], ["uint64", "uint64"]) == (3600, 30 * 24 * 3600)
        claim = keccak(text="claim(uint256,address,uint256,bytes32[])")[:4]
        assert call(w3, rewards, "relayable(bytes4)", ["bytes4"], [claim], ["bool"]) == (True,)


def test_configure_without_a_deployment_says_what_to_do(tmp_path, toolchain):
    with Anvil(log_path=tmp_path / "anvil.log") as node:
        result = subprocess.run(
            [
                APE,
                "run",
                "configure_arb",
                "--network",
                node.url,
                "--bot",
                BOT,
                "--deployments",
                str(tmp_path / "none.json"),
                "--world",
                str(tmp_path / "none.world.json"),
            ],
            cwd=toolchain.root,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert result.returncode != 0
    assert "run `ape run deploy` first" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
