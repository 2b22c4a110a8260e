"""Run a keeper once per new block: what `keepers run arb` and `keepers run rewards` share."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from web3 import Web3

log = logging.getLogger(__name__)

# Polls APScheduler may run at once: the one handling a block plus the ones finding it busy (they
# return at once, so a few is plenty; fewer than the executor's ten threads).
OVERLAPPING_POLLS = 4


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
    that finds the previous one still running does nothing, and a block that kept polls waiting is
    logged once, as one warning line with its duration and the polls it skipped.
    """
    state = {"head": head, "skipped": 0}
    lock = threading.Lock()  # held while a block is handled: polls never overlap
    counting = threading.Lock()  # makes "busy, count a skip" and "done, read the count" atomic

    def poll() -> None:
        with counting:
            if not lock.acquire(blocking=False):
                state["skipped"] += 1
                return
        started, latest = time.monotonic(), None
        try:
            latest = w3.eth.block_number
            if state["head"] is not None and latest <= state["head"]:
                return
            on_block(latest)
            state["head"] = latest
        except Exception as err:  # handed to the keeper, which journals and shows it, then carries on
            on_error(state["head"], err)
        finally:
            with counting:
                skipped, state["skipped"] = state["skipped"], 0
                lock.release()
            if skipped:
                log.warning(
                    "block %s took %.1fs, longer than the %.2gs poll interval: %d polls skipped",
                    latest,
                    time.monotonic() - started,
                    interval,
                    skipped,
                )

    scheduler = BackgroundScheduler()
    # The lock above, not APScheduler, keeps polls from overlapping: with max_instances=1 APScheduler
    # logs "maximum number of running instances reached" at every poll while a block runs long;
    # polls that find the lock taken return at once and are reported as one line per stall.
    scheduler.add_job(poll, "interval", seconds=interval, max_instances=OVERLAPPING_POLLS, coalesce=True)
    scheduler.start()
    try:
        while not stop.wait(0.2):
            pass
    finally:
        scheduler.shutdown(wait=True)
