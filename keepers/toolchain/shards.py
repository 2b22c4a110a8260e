"""Run one shard of the test suite: `make test` runs SHARDS of them side by side, each with its own anvil.

``python -m keepers.toolchain.shards INDEX COUNT [--live]`` runs ``ape test`` with
``LAPIDARY_TEST_SHARD=INDEX/COUNT``, writes its output to ``.build/test-shard-INDEX.log`` (and to
the terminal with ``--live``) and exits with its status.

Tests are dealt to shards by group (a test module, or a package whose fixtures are package-scoped:
a group's expensive fixtures are then built in one shard only), largest group first to the least
loaded shard, weighing each group by the seconds it took last time (``tests/shard-weights.json``;
``python -m keepers.toolchain.shards --update-weights`` rewrites it from the last `make test`).

Ape starts its anvil on a random port
without checking that the port is free; now and then another socket holds it and the shard dies
before its first test ("Timed out waiting for successful RPC connection"). Such a shard ran
nothing, so it is started once more; any other failure stands as it is.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

NODE_NEVER_CAME_UP = "Timed out waiting for successful RPC connection"
TEST_LINE = re.compile(r"^tests/\S+\.py [.FEsxX]", re.MULTILINE)
WEIGHTS = Path("tests/shard-weights.json")
# Packages whose fixtures are package-scoped (one `keepers up` for all of tests/api): one group each.
PACKAGE_GROUPS = ("tests/api/",)


def group_of(nodeid: str) -> str:
    """The group a test belongs to: its package if listed in PACKAGE_GROUPS, else its module."""
    module = nodeid.split("::", 1)[0]
    return next((package.rstrip("/") for package in PACKAGE_GROUPS if module.startswith(package)), module)


def deal(tests_per_group: Mapping[str, int], weights: Mapping[str, float], count: int) -> dict[str, int]:
    """Each group's shard: heaviest first to the least loaded shard. A group with no recorded weight
    weighs its test count times the median seconds per test of the recorded ones."""
    per_test = [weights[g] / n for g, n in tests_per_group.items() if g in weights and n]
    default = statistics.median(per_test) if per_test else 1.0
    weight = {g: weights.get(g, n * default) for g, n in tests_per_group.items()}
    loads, shards = [0.0] * count, {}
    for group in sorted(weight, key=lambda g: (-weight[g], g)):
        shard = loads.index(min(loads))
        shards[group] = shard
        loads[shard] += weight[group]
    return shards


def read_weights(path: Path = WEIGHTS) -> dict[str, float]:
    """The recorded seconds per group; none if the file is missing or unreadable (counts then decide)."""
    try:
        return {str(k): float(v) for k, v in json.loads(path.read_text()).items()}
    except (OSError, ValueError, AttributeError):
        return {}


def update_weights(build: Path = Path(".build"), path: Path = WEIGHTS) -> dict[str, float]:
    """Merge the shards' recorded durations (``.build/test-durations-*.json``) into `path`."""
    weights = read_weights(path)
    for recorded in sorted(build.glob("test-durations-*.json")):
        weights.update(json.loads(recorded.read_text()))
    path.write_text(json.dumps({k: round(v, 1) for k, v in sorted(weights.items())}, indent=1) + "\n")
    return weights


def node_never_came_up(status: int, output: str) -> bool:
    """Whether a shard failed only because Ape's node did not start (no test ran)."""
    return status != 0 and NODE_NEVER_CAME_UP in output and not TEST_LINE.search(output)


def run_once(index: int, count: int, log: Path, live: bool) -> tuple[int, str]:
    env = {**os.environ, "LAPIDARY_TEST_SHARD": f"{index}/{count}"}
    command = [str(Path(sys.executable).with_name("ape")), "test", "--durations=15"]
    lines = []
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as process:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if live:
                sys.stdout.write(line)
                sys.stdout.flush()
    output = "".join(lines)
    log.write_text(output)
    return process.returncode, output


def run_shard(index: int, count: int, live: bool) -> int:
    log = Path(".build") / f"test-shard-{index}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    status, output = run_once(index, count, log, live)
    if node_never_came_up(status, output):
        note = f"shard {index}/{count}: its test node never came up before the first test; running it again\n"
        sys.stderr.write(note)
        status, output = run_once(index, count, log, live)
        log.write_text(note + output)
    return status


if __name__ == "__main__":
    if sys.argv[1:] == ["--update-weights"]:
        print(f"{len(update_weights())} groups weighed in {WEIGHTS}")
        sys.exit(0)
    arguments = [a for a in sys.argv[1:] if a != "--live"]
    sys.exit(run_shard(int(arguments[0]), int(arguments[1]), "--live" in sys.argv))
