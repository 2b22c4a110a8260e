"""`keepers world settings BOOK` prints the settings that point the keepers at a local world (the
runtime never reads the book itself); bad input is one clear line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from keepers.config import LapidarySettings

KEEPERS = str(Path(sys.executable).with_name("keepers"))


def test_the_printed_settings_load_and_name_the_worlds_contracts(world, tmp_path):
    book_file = world.book.write(tmp_path / "world.json")
    result = subprocess.run([KEEPERS, "world", "settings", str(book_file)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    printed = yaml.safe_load(result.stdout)
    settings = LapidarySettings(**printed)
    assert settings.arb.base_token == world.book.address("WETH")
    assert {f.address for f in settings.arb.factories} == {
        world.book.address(name) for name in ("uniswap_v2_factory", "v2b_factory", "uniswap_v3_factory")
    }
    assert settings.rewards.position_manager == world.book.address("uniswap_v3_position_manager")
    assert set(settings.api.tokens) == {t.address for t in world.book.tokens.values()}


def test_bad_input_is_one_line(world, tmp_path):
    book_file = world.book.write(tmp_path / "world.json")
    unknown = subprocess.run(
        [KEEPERS, "world", "settings", str(book_file), "--base-token", "DOGE"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert unknown.returncode == 2 and "DOGE" in unknown.stderr and "Traceback" not in unknown.stderr
    missing = subprocess.run(
        [KEEPERS, "world", "settings", str(tmp_path / "none.json")], capture_output=True, text=True
    )
    assert missing.returncode == 2 and "does not exist" in missing.stderr
