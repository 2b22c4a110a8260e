"""Configuration mistakes, as a user makes them, refused by the real `keepers` CLI: one line on stderr
saying what is wrong and how to fix it, exit code 2, never a traceback, and nothing started.

These mistakes are caught while the settings load, before a node is reached; the ones that need a
node (deployments file, store URL) are in tests/arb/e2e/test_service.py."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.support import KEEPERS, assert_refused

COMMANDS = [
    ["run", "arb"],
    ["run", "rewards"],
    ["run", "gasless"],
    ["run", "mm"],
    ["run", "api"],
    ["run", "devrelay"],
    ["up"],
]


def keepers(args: list[str], cwd: Path, **variables: str) -> subprocess.CompletedProcess:
    """`keepers ARGS` in `cwd` (no lapidary.yaml there) with only the given LAPIDARY_* variables;
    `keepers up` gets the data directory cwd/up, which must not exist afterwards."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("LAPIDARY_")} | variables
    if args[0] == "up":
        args = [*args, "--data-dir", str(cwd / "up")]
    return subprocess.run([KEEPERS, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


# name: (LAPIDARY_* variables, text of the YAML file LAPIDARY_CONFIG names or None, what the line says)
MISTAKES = {
    "relays not JSON": ({"LAPIDARY_RELAYS": "not-json"}, None, "LAPIDARY_RELAYS must be JSON (a list), e.g."),
    "factories not JSON": ({"LAPIDARY_ARB__FACTORIES": "[{name: x}]"}, None, "LAPIDARY_ARB__FACTORIES must be JSON"),
    "unknown variable": (
        {"LAPIDARY_CHIAN__RPC_URL": "http://127.0.0.1:8545"},
        None,
        "LAPIDARY_CHIAN__RPC_URL: unknown setting 'chian'; did you mean LAPIDARY_CHAIN__RPC_URL?",
    ),
    "unknown nested variable": ({"LAPIDARY_CHAIN__RPC_ULR": "x"}, None, "did you mean LAPIDARY_CHAIN__RPC_URL?"),
    "nothing close": ({"LAPIDARY_WHATEVER": "1"}, None, "unknown setting 'whatever'; remove it (the settings there:"),
    "unknown YAML key": ({}, "chian:\n  rpc_url: http://x\n", "c.yaml: unknown setting 'chian'; did you mean 'chain'?"),
    "unknown YAML key in a list item": (
        {},
        "arb:\n  factories:\n    - {nmae: x}\n",
        "unknown setting 'arb.factories[0].nmae'; did you mean 'arb.factories[0].name'?",
    ),
    "invalid YAML": ({}, "chain:\n  rpc_url: [oops\n", "c.yaml is not valid YAML at line 3, column 1"),
    "YAML not a mapping": ({}, "- chain\n", "c.yaml must be a mapping of settings"),
    "missing YAML file": ({"LAPIDARY_CONFIG": "nowhere.yaml"}, None, "nowhere.yaml: no such file; point it at"),
    "bad value": (
        {"LAPIDARY_CHAIN__POLL_INTERVAL": "soon"},
        None,
        "chain.poll_interval (LAPIDARY_CHAIN__POLL_INTERVAL): Input should be a valid number",
    ),
}


@pytest.mark.parametrize("command", [["run", "arb"], ["up"]], ids=" ".join)
@pytest.mark.parametrize("mistake", MISTAKES)
def test_a_configuration_mistake_is_one_line(mistake, command, tmp_path):
    variables, yaml_text, hint = MISTAKES[mistake]
    if yaml_text is not None:
        (tmp_path / "c.yaml").write_text(yaml_text)
        variables = variables | {"LAPIDARY_CONFIG": str(tmp_path / "c.yaml")}
    assert_refused(keepers(command, tmp_path, **variables), hint)
    assert not (tmp_path / "up").exists()  # `keepers up` deployed nothing


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_refuses_configuration_the_same_way(command, tmp_path):
    result = keepers(command, tmp_path, LAPIDARY_CHIAN__RPC_URL="http://127.0.0.1:8545")
    assert_refused(result, "did you mean LAPIDARY_CHAIN__RPC_URL?")
    assert not (tmp_path / "up").exists()


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (["up", "--port", "70000"], "Invalid value for '--port': 70000 is not in the range 0<=x<=65535"),
        (["up", "--port", "-1"], "Invalid value for '--port'"),
        (["up", "--block-interval", "0"], "Invalid value for '--block-interval': 0.0 is not in the range x>0"),
        (["run", "gasless", "--port", "65536"], "Invalid value for '--port'"),
        (["run", "devrelay", "--port", "99999"], "Invalid value for '--port'"),
        (["run", "devrelay", "--chain-id", "0"], "Invalid value for '--chain-id'"),
        (["gasless", "sign", "--gas", "0"], "Invalid value for '--gas'"),
        (["rewards", "proof", "1", "0x0", "--epoch", "-1"], "Invalid value for '--epoch'"),
        (["run", "nothing"], "No such command 'nothing'; see `keepers run --help`"),
    ],
)
def test_an_option_out_of_range_is_refused_before_anything_starts(args, hint, tmp_path):
    line = assert_refused(keepers(args, tmp_path), hint)
    assert line.endswith("--help`")  # where to look for the valid values
    assert not (tmp_path / "up").exists()


ADDRESS = "0x" + "11" * 20
MARKET = {f"LAPIDARY_MM__{name}": ADDRESS for name in ("POOL", "ROUTER", "BASE_TOKEN")}
SOURCE = {
    "LAPIDARY_MM__REFERENCE": json.dumps(
        {
            "sources": [
                {"kind": "pool", "name": "m", "rpc_url": "http://127.0.0.1:9", "pool": ADDRESS, "base_token": ADDRESS}
                | {"pool_kind": "uniswap_v2"}
            ]
        }
    )
}
PHRASE = "correct horse battery staple " * 3


@pytest.mark.parametrize(
    ("variables", "hint"),
    [
        ({}, "mm.pool is not set (LAPIDARY_MM__POOL): the market to keep"),
        (MARKET, "mm.reference.sources is empty: configure at least one reference price source"),
        (MARKET | SOURCE, "mm_wallets is not set (LAPIDARY_MM_WALLETS)"),
        (MARKET | SOURCE | {"LAPIDARY_MM__CLAIM_VIA": "gasless"}, "mm.claim_via is gasless but mm.gasless_url"),
        ({"LAPIDARY_MM__CLAIM_VIA": "relayed"}, "mm.claim_via (LAPIDARY_MM__CLAIM_VIA): Input should be 'direct'"),
        (MARKET | SOURCE | {"LAPIDARY_MM_WALLETS": PHRASE}, "mm_wallets (LAPIDARY_MM_WALLETS) is not a valid BIP-39"),
        (
            {"LAPIDARY_MM__TOKENS": '{"0x11": {"piece_floor": 5, "piece_cap": 1, "wallet_cycle_max": 1}}'},
            "piece_floor 5 is above piece_cap 1",
        ),
        ({"LAPIDARY_MM__THRESHOLD_BPS": "0"}, "mm.threshold_bps (LAPIDARY_MM__THRESHOLD_BPS): Input should be greater"),
    ],
    ids=[
        "no market",
        "no source",
        "no wallets",
        "gasless without relayer",
        "unknown claim route",
        "bad mnemonic",
        "floor above cap",
        "zero threshold",
    ],
)
def test_the_market_maker_says_what_its_configuration_lacks(variables, hint, tmp_path):
    result = keepers(["run", "mm"], tmp_path, **variables)
    assert_refused(result, hint)
    assert "horse" not in result.stdout + result.stderr  # the phrase is a secret: never repeated
