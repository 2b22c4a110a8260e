"""Settings that name nothing are refused with the nearest valid name; every `LAPIDARY_*` variable the
repository itself uses is one the check accepts; a refused value never shows a secret."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from keepers.config import READ_ELSEWHERE, ConfigError, LapidarySettings, load_settings
from keepers.config_check import environment_problems, unknown_keys, variable_problem

ROOT = Path(__file__).resolve().parents[2]
VARIABLE = re.compile(r"\bLAPIDARY_[A-Z0-9_]*[A-Z0-9]\b")
# Where the repository names LAPIDARY_* variables; these tests' own deliberate mistakes left out.
SCANNED = ("keepers", "tests", "scripts", "benchmarks", "docs")
SCANNED_FILES = ("Makefile", "ape-config.yaml", "README.md", ".ci/run", "ape_console_extras.py")
MISTAKES_ON_PURPOSE = {"test_config.py", "test_cli_errors.py", "test_service.py"}


def test_every_variable_the_repository_uses_is_accepted():
    files = [p for d in SCANNED for p in (ROOT / d).rglob("*") if p.suffix in (".py", ".md", ".yaml", ".sh")]
    files += [ROOT / f for f in SCANNED_FILES if (ROOT / f).is_file()]
    names = {
        name
        for path in files
        if path.name not in MISTAKES_ON_PURPOSE
        for name in VARIABLE.findall(path.read_text(errors="replace"))
    }
    assert len(names) > 20  # the scan found the variables
    refused = {
        name: problem
        for name in sorted(names - READ_ELSEWHERE)
        if (problem := variable_problem(name, "{}", LapidarySettings)) is not None
    }
    assert refused == {}, "add a variable read outside the settings to keepers.config.READ_ELSEWHERE"


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("LAPIDARY_CHIAN__RPC_URL", "unknown setting 'chian'; did you mean LAPIDARY_CHAIN__RPC_URL?"),
        ("LAPIDARY_CHAIN__RPC_ULR", "unknown setting 'rpc_ulr'; did you mean LAPIDARY_CHAIN__RPC_URL?"),
        ("LAPIDARY_CHAIN__FEES__BUMP_BP", "did you mean LAPIDARY_CHAIN__FEES__BUMP_BPS?"),
        ("LAPIDARY_RELAY", "did you mean LAPIDARY_RELAYS?"),
        ("lapidary_chian__rpc_url", "did you mean LAPIDARY_CHAIN__RPC_URL?"),  # the prefix matches any case
        ("LAPIDARY_CHAIN__RPC_URL__HOST", "'rpc_url' is a single value"),
    ],
)
def test_a_variable_that_names_no_setting_gets_the_nearest_one(name, problem):
    assert problem in variable_problem(name, "x", LapidarySettings)


def test_variables_the_settings_read_are_accepted():
    accepted = {
        "LAPIDARY_CHAIN__RPC_URL": "http://x",
        "LAPIDARY_DEPLOYMENTS_FILE": "d.json",
        "LAPIDARY_API__BOTS__ARB": "0x0",  # a key of a mapping setting
        "LAPIDARY_ARB__ONLY_POOLS": '["0x0"]',
        "LAPIDARY_CHAIN": '{"rpc_url": "http://x"}',  # a whole section as JSON
        "LAPIDARY_TEST_SHARD": "0/2",  # read elsewhere
        "HOME": "/root",
    }
    assert list(environment_problems(accepted, LapidarySettings, READ_ELSEWHERE)) == []


def test_json_values_are_read_and_their_keys_checked():
    assert "must be JSON (a list)" in variable_problem("LAPIDARY_RELAYS", "http://x", LapidarySettings)
    assert "must be JSON (a mapping)" in variable_problem("LAPIDARY_API__BOTS", "arb=0x0", LapidarySettings)
    assert "did you mean 'rpc_url'?" in variable_problem("LAPIDARY_CHAIN", '{"rpc_ur": "x"}', LapidarySettings)
    factories = '[{"name": "v2", "kind": "uniswap_v2", "adress": "0x0"}]'
    assert "did you mean 'address'?" in variable_problem("LAPIDARY_ARB__FACTORIES", factories, LapidarySettings)


def test_yaml_keys_are_checked_at_every_depth():
    data = {"chain": {"fees": {"bump_bsp": 1}}, "arb": {"factories": [{"name": "a"}, {"knd": "uniswap_v2"}]}}
    assert list(unknown_keys(data, LapidarySettings, "lapidary.yaml")) == [
        "lapidary.yaml: unknown setting 'chain.fees.bump_bsp'; did you mean 'chain.fees.bump_bps'?",
        "lapidary.yaml: unknown setting 'arb.factories[1].knd'; did you mean 'arb.factories[1].kind'?",
    ]
    # Keys of a mapping setting are the user's, not settings.
    assert list(unknown_keys({"api": {"bots": {"anything": "0x0"}}}, LapidarySettings, "f")) == []


def test_a_refused_value_is_one_line_without_secrets(monkeypatch):
    monkeypatch.setenv("LAPIDARY_BOT__PRIVATE_KEY", "0x" + "ab" * 32)
    monkeypatch.setenv("LAPIDARY_BOT__APE_ACCOUNT", "alice")
    monkeypatch.setenv("LAPIDARY_ARB__MAX_HOPS", "7")
    with pytest.raises(ConfigError) as refused:
        load_settings()
    message = str(refused.value)
    assert "\n" not in message and "ab" * 32 not in message
    assert "bot (LAPIDARY_BOT__*): give exactly one of private_key, keystore, ape_account" in message
    assert "arb.max_hops (LAPIDARY_ARB__MAX_HOPS): Input should be less than or equal to 3, got '7'" in message
