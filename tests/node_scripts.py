"""Run the JavaScript clients the tests drive (ethers and its Flashbots provider, from npm) under node."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_node_script(script: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 30) -> Any:
    """Run ``script`` with ``args``; the JSON object it prints last. Fails the test with its stderr otherwise.

    Node resolves packages from the repository's ``node_modules`` (``make install`` puts them there);
    ``env`` adds variables, e.g. keys that should not show in a process listing.
    """
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH (it comes with npm, which `make install` needs)")
    done = subprocess.run(
        [node, str(script), *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"{script.name} exited {done.returncode}:\n{done.stderr.strip()[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
