"""Run a keeper once per new block: what `keepers run arb` and `keepers run rewards` share."""

from __future__ import annotations

import threading
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from web3 import Web3


def follow_blocks(
    w3: Web3,
    on_block: Callable[[int], None],
    on_error: Callable[[int | None, Exception], None],
    *,
    interval: float,
    stop: threading.Event,
    head: int | None = None,
) -> None:
    """Call ``on_block(head)`` for each new head seen by polling every ``interval`` seconds, until
    ``stop`` is set; ``head`` is the last block already handled (None: none yet).

    A block whose ``on_block`` raises is handed to ``on_error`` (with the last handled head) and tried
    again at the next poll: a bad block must not kill a long-running keeper. Polls never overlap; a poll
    that finds the previous one still running does nothing.
    """
    state = {"head": head}
    lock = threading.Lock()

    def poll() -> None:
        if not lock.acquire(blocking=False):
            return
        try:
            latest = w3.eth.block_number
            if state["head"] is not None and latest <= state["head"]:
                return
            on_block(latest)
            state["head"] = latest
        except Exception as err:  # handed to the keeper, which journals and shows it, then carries on
            on_error(state["head"], err)
        finally:
            lock.release()

    scheduler = BackgroundScheduler()
    scheduler.add_job(poll, "interval", seconds=interval, max_instances=1, coalesce=True)
    scheduler.start()
    try:
        while not stop.wait(0.2):
            pass
    finally:
        scheduler.shutdown(wait=True)
