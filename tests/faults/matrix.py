"""What every keeper's fault tests share: how much of the matrix runs, and riding out a node outage."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

# `make test-faults` sets it: kill -9 at every crash point, 30 s outages. `make test` runs a subset.
FULL = bool(os.environ.get("LAPIDARY_FAULTS_FULL"))
OUTAGE_SECONDS = 30 if FULL else 1.5


def through_outage(step: Callable[[], object], seconds: float = OUTAGE_SECONDS) -> int:
    """Run `step` every half second for `seconds` while the node is unreachable; returns how many
    times it failed for want of the node (each failure is a connection error, never anything else)."""
    failures, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            step()
        except OSError:
            failures += 1
        time.sleep(0.5)
    return failures
