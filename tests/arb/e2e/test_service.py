"""`keepers run arb` as a process: configured from LAPIDARY_* variables, it lands an arbitrage
through a devrelay mining on its own clock, stops cleanly on SIGTERM, and refuses bad setups
with one clear line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from keepers.devrelay.relay import DevRelay
from keepers.store.db import Store
from keepers.store.models import Bundle
from keepers.world.settings import keeper_environment

KEEPERS = str(Path(sys.executable).with_name("keepers"))
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


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"LAPIDARY_RELAYS": "[]"}, "no relay configured"),
        ({"LAPIDARY_BOT__PRIVATE_KEY": ""}, "bot: no key configured"),
        ({"LAPIDARY_BOT__PRIVATE_KEY": "0x1234"}, "is not a valid private key"),
        ({"LAPIDARY_CHAIN__RPC_URL": "http://127.0.0.1:9"}, "no node answers at http://127.0.0.1:9"),
        ({"LAPIDARY_DEPLOYMENTS_FILE": "/nonexistent.json"}, "no 'arb' child in /nonexistent.json"),
        ({"LAPIDARY_ARB__LENDER": "bank"}, "lender"),
        ({"LAPIDARY_ARB__FACTORIES": "[]"}, "no factories"),
        ({"LAPIDARY_ARB__BASE_TOKEN": "WETH"}, "arb.base_token must be the traded token's address"),
    ],
)
def test_bad_configuration_is_one_clear_line(arb, tmp_path, change, message):
    env = keeper_env(arb, f"sqlite:///{tmp_path / 'x.db'}", '["http://127.0.0.1:9"]')
    env.update(change)
    if change.get("LAPIDARY_BOT__PRIVATE_KEY") == "":
        del env["LAPIDARY_BOT__PRIVATE_KEY"]
    result = subprocess.run([KEEPERS, "run", "arb"], env=env, capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert message in output.replace("\n", "")
    assert "Traceback" not in output
    assert bytes(arb.bot.key).hex() not in output  # the key never shows, whatever went wrong
