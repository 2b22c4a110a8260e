"""A heartbeat carries the time of the last beat, not of the first."""

from __future__ import annotations

import time

from keepers.store.db import Store
from keepers.store.heartbeats import beat
from keepers.store.models import Heartbeat


def test_each_beat_moves_the_time(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'beats.db'}")
    try:
        beat(store, "arb", 10)
        with store.transaction() as session:
            first = session.get(Heartbeat, "arb").at
        time.sleep(0.01)
        beat(store, "arb", 11, error="ConnectionError: node down")
        with store.transaction() as session:
            row = session.get(Heartbeat, "arb")
            assert row.block == 11 and row.error == "ConnectionError: node down" and row.at > first
    finally:
        store.close()
