"""Every benchmark runs and prints the one JSON object the project's benchmarks share.

Whether a target is met is the benchmark's answer to read, not a test verdict:
numbers are reached in benchmarks, never asserted in timed unit tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = sorted((Path(__file__).resolve().parents[2] / "benchmarks").glob("*.py"))
FIELDS = {"name", "ours", "anchor", "anchor_name", "unit", "target", "met"}
# Smaller runs where the full size takes minutes: this checks the script and its output, not the number.
SMALL = {
    "rewards_tree": ["--leaves", "20000", "--proofs", "100"],
    "pool_logs": ["--logs", "2000", "--v2", "10000", "--v3", "1000"],
    "claim_gas": ["--leaves", "65536"],
    "arb_latency": ["--quick", "--anchor-v2-pools", "2000", "--anchor-v3-pools", "200", "--anchor-tokens", "200"],
    "mm": ["--quick"],
    "amounts": ["--instances", "1", "--reduced", "20"],
    "venues": ["--exchanges", "2", "--markets", "20", "--pools", "300", "--tokens", "30", "--reduced", "5"],
}


@pytest.mark.parametrize("script", BENCHMARKS, ids=lambda p: p.stem)
def test_benchmark_prints_one_json_object(script, toolchain):
    result = subprocess.run(
        [sys.executable, str(script), "--json", *SMALL.get(script.stem, [])],
        cwd=toolchain.root,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert report["benchmark"] == script.stem
    assert report["results"]
    for row in report["results"]:
        assert set(row) == FIELDS, row
        assert isinstance(row["ours"], (int, float)) and isinstance(row["anchor"], (int, float))
        assert isinstance(row["met"], bool)
