"""`keepers run arb` as a process: configured from LAPIDARY_* variables, it lands an arbitrage
through a devrelay mining on its own clock, stops cleanly on SIGTERM, and refuses bad setups
with one clear line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from keepers.devrelay.relay import DevRelay
from keepers.store.db import Store
from keepers.store.models import Bundle
from keepers.world.settings import keeper_environment
from tests.support import KEEPERS, assert_refused

E18 = 10**18
DEADLINE = 2**32 - 1


def keeper_env(arb, store_url: str, relays: str) -> dict[str, str]:
    return {
        **os.environ,
        "LAPIDARY_CHAIN__RPC_URL": arb.node_url,
        "LAPIDARY_CHAIN__POLL_INTERVAL": "0.2",
        "LAPIDARY_RELAYS": relays,
        "LAPIDARY_BOT__PRIVATE_KEY": "0x" + bytes(arb.bot.key).hex(),
        "LAPIDARY_SEARCHER__PRIVATE_KEY": "0x" + bytes(arb.searcher.key).hex(),
        "LAPIDARY_DEPLOYMENTS_FILE": str(arb.deployments_file),
        **keeper_environment(arb.book),
        "LAPIDARY_STORE__URL": store_url,
        "LAPIDARY_ARB__ONLY_POOLS": f'["{arb.book.address("uniswap_v2:WETH/DAI")}", '
        f'"{arb.book.address("v2b:WETH/DAI")}"]',
        "COLUMNS": "200",
    }


def test_the_service_lands_an_arbitrage_and_stops_on_sigterm(arb, tmp_path):
    store_url = f"sqlite:///{tmp_path / 'service.db'}"
    with DevRelay(arb.node_url, block_interval=0.5, anvil_log=tmp_path / "sim.log") as relay:
        process = subprocess.Popen(
            [KEEPERS, "run", "arb"],
            env=keeper_env(arb, store_url, f'["{relay.url}"]'),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            lines = []
            for line in process.stdout:
                lines.append(line)
                if line.startswith("arb keeper:"):
                    break
            assert "pools" in lines[-1], "".join(lines)
            fn = arb.contract("uniswap_v2_router").functions.swapExactTokensForTokens(
                60 * E18, 0, [arb.book.address("WETH"), arb.book.address("DAI")], arb.trader.address, DEADLINE
            )
            arb.transact(arb.trader, fn)
            store = Store(store_url)
            deadline = time.monotonic() + 60
            landed = []
            while time.monotonic() < deadline and not landed:
                time.sleep(0.3)
                with store.transaction() as session:
                    landed = session.scalars(select(Bundle).where(Bundle.status == "landed")).all()
                    for bundle in landed:
                        block = arb.w3.eth.get_block(bundle.landed_block, full_transactions=True)
                        order = [(tx["from"], tx["nonce"]) for tx in block["transactions"]]
                        assert bundle.realized_profit == bundle.opportunity.predicted_profit > 0, (
                            f"bundle for blocks {bundle.first_block}..{bundle.last_block} landed in "
                            f"{bundle.landed_block} at position {order.index((bundle.sender, bundle.nonce))} of {order}"
                        )
            assert landed, "no bundle landed within 60 s"
        finally:
            process.send_signal(signal.SIGTERM)
            output = process.communicate(timeout=30)[0]
        assert process.returncode == 0, output
        assert "Traceback" not in output
        assert "landed" in output


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def deployments_variant(arb, tmp_path: Path, edit) -> str:
    """A copy of the stack's deployments file, its JSON changed in place by `edit`."""
    data = json.loads(arb.deployments_file.read_text())
    edit(data)
    path = tmp_path / "variant.json"
    path.write_text(json.dumps(data))
    return str(path)


def another_chain(data: dict) -> None:
    data["chain_id"] = 1


def no_code(data: dict) -> None:  # the same chain id, as a restarted anvil has, but nothing there
    data["diamonds"]["child:arb"]["address"] = "0x" + "12" * 20


@pytest.mark.parametrize(
    ("change", "message", "code"),
    [
        ({"LAPIDARY_RELAYS": "[]"}, "no relay configured", 2),
        ({"LAPIDARY_BOT__PRIVATE_KEY": ""}, "bot: no key configured", 2),
        ({"LAPIDARY_BOT__PRIVATE_KEY": "0x1234"}, "is not a valid private key", 2),
        ({"LAPIDARY_CHAIN__RPC_URL": "http://127.0.0.1:9"}, "no node answers at http://127.0.0.1:9", 1),
        ({"LAPIDARY_DEPLOYMENTS_FILE": "/nonexistent.json"}, "no 'arb' child in /nonexistent.json", 2),
        (
            {"LAPIDARY_DEPLOYMENTS_FILE": lambda arb, tmp: str(write(tmp / "d.json", '{"network": "x",'))},
            "d.json is not a deployments file (Invalid JSON",
            2,
        ),
        (
            {"LAPIDARY_DEPLOYMENTS_FILE": lambda arb, tmp: deployments_variant(arb, tmp, another_chain)},
            "variant.json is for chain 1, the node is chain 31337; point LAPIDARY_DEPLOYMENTS_FILE at this chain's",
            2,
        ),
        (
            {"LAPIDARY_DEPLOYMENTS_FILE": lambda arb, tmp: deployments_variant(arb, tmp, no_code)},
            "no contract at the 'arb' child 0x1212121212121212121212121212121212121212 on this chain (chain 31337)",
            2,
        ),
        ({"LAPIDARY_STORE__URL": "not a url"}, "the store URL is not a database URL; set LAPIDARY_STORE__URL", 2),
        ({"LAPIDARY_STORE__URL": lambda arb, tmp: f"sqlite:///{tmp}"}, "unable to open database file", 2),
        ({"LAPIDARY_STORE__URL": "sqlite:////proc/lapidary.db"}, "store sqlite:////proc/lapidary.db: unable", 2),
        ({"LAPIDARY_ARB__LENDER": "bank"}, "arb.lender (LAPIDARY_ARB__LENDER): Input should be 'balancer'", 2),
        ({"LAPIDARY_ARB__FACTORIES": "[]"}, "no factories", 2),
        ({"LAPIDARY_ARB__BASE_TOKEN": "WETH"}, "arb.base_token must be the traded token's address", 2),
    ],
)
def test_bad_configuration_is_one_clear_line(arb, tmp_path, change, message, code):
    env = keeper_env(arb, f"sqlite:///{tmp_path / 'x.db'}", '["http://127.0.0.1:9"]')
    env.update({name: value(arb, tmp_path) if callable(value) else value for name, value in change.items()})
    if change.get("LAPIDARY_BOT__PRIVATE_KEY") == "":
        del env["LAPIDARY_BOT__PRIVATE_KEY"]
    result = subprocess.run([KEEPERS, "run", "arb"], env=env, capture_output=True, text=True, timeout=120)
    assert_refused(result, message, code)
    output = result.stdout + result.stderr
    assert bytes(arb.bot.key).hex() not in output  # the key never shows, whatever went wrong
