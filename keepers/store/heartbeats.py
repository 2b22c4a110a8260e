"""Heartbeats: each keeper's last sign of life, with the time of that beat (what a watchdog reads)."""

from __future__ import annotations

from datetime import UTC, datetime

from keepers.store.db import Store
from keepers.store.models import Heartbeat


def beat(store: Store, keeper: str, block: int, error: str | None = None) -> None:
    """Record that `keeper` handled `block` now (`error`: what failed, None when all went well)."""
    with store.transaction() as session:
        session.merge(Heartbeat(keeper=keeper, block=block, at=datetime.now(UTC), error=error))
