"""The npm ``@openzeppelin/merkle-tree`` as the reference: ``oz_trees(cases)`` runs it in node.

The tests here are pure: they build trees in Python and compare them with the library's own
answers, byte for byte. No contract runs, so nothing is compiled for them.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from keepers.rewards.tree import checksum_address

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = Path(__file__).with_name("oz_merkle_tree.js")
REWARD = ["uint256", "address", "uint256"]

# node starts in ~50 ms per example: few examples, always the same ones.
NODE_SETTINGS = settings(max_examples=12, deadline=None, derandomize=True, database=None)
PURE_SETTINGS = settings(max_examples=200, deadline=None, derandomize=True, database=None)


@pytest.fixture(scope="session", autouse=True)
def _compiled():
    """Overrides the suite's compile step: these tests never touch bytecode."""


def oz_trees(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The library's answers for each case (see oz_merkle_tree.js), in one node process."""
    env = {**os.environ, "NODE_PATH": str(ROOT / "node_modules")}
    result = subprocess.run(
        ["node", str(SCRIPT)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def reward_values(count: int, seed: int, *, campaign: str = "7") -> list[list[str]]:
    """Reward leaves as the library is fed them: decimal strings, checksummed or lowercase addresses."""
    rng = random.Random(seed)
    values = []
    for _ in range(count):
        address = f"0x{rng.getrandbits(160):040x}"
        if rng.random() < 0.7:
            address = checksum_address(address)
        amount = rng.choice([1, rng.getrandbits(64), rng.getrandbits(128), rng.getrandbits(256)])
        values.append([campaign, address, str(amount)])
    return values
