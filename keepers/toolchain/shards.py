"""Run one shard of the test suite: `make test` runs SHARDS of them side by side, each with its own anvil.

``python -m keepers.toolchain.shards INDEX COUNT [--live]`` runs ``ape test`` with
``LAPIDARY_TEST_SHARD=INDEX/COUNT``, writes its output to ``.build/test-shard-INDEX.log`` (and to
the terminal with ``--live``) and exits with its status. Ape starts its anvil on a random port
without checking that the port is free; now and then another socket holds it and the shard dies
before its first test ("Timed out waiting for successful RPC connection"). Such a shard ran
nothing, so it is started once more; any other failure stands as it is.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

NODE_NEVER_CAME_UP = "Timed out waiting for successful RPC connection"
TEST_LINE = re.compile(r"^tests/\S+\.py [.FEsxX]", re.MULTILINE)


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
    arguments = [a for a in sys.argv[1:] if a != "--live"]
    sys.exit(run_shard(int(arguments[0]), int(arguments[1]), "--live" in sys.argv))
