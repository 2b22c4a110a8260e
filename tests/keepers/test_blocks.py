import logging
import re
import threading
import time

from keepers.chain.blocks import follow_blocks


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_each_new_block_is_handled_once_and_a_failed_one_is_tried_again(chain):
    w3 = chain.provider.web3
    start = w3.eth.block_number
    seen: list[int] = []
    errors: list[tuple[int | None, str]] = []

    def on_block(head: int) -> None:
        if not errors:
            raise RuntimeError("boom")
        seen.append(head)

    stop = threading.Event()
    kwargs = {"interval": 0.05, "stop": stop, "head": start - 1}
    thread = threading.Thread(
        target=follow_blocks, args=(w3, on_block, lambda h, e: errors.append((h, str(e)))), kwargs=kwargs
    )
    thread.start()
    try:
        wait_for(lambda: seen == [start])
        time.sleep(0.2)  # several polls of the same head
        w3.provider.make_request("evm_mine", [])
        wait_for(lambda: len(seen) == 2)
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert seen == [start, start + 1]
    assert errors == [(start - 1, "boom")]


def test_a_block_that_runs_long_is_one_warning_not_one_per_skipped_poll(chain, caplog):
    w3 = chain.provider.web3
    start = w3.eth.block_number
    handled: list[int] = []

    def on_block(head: int) -> None:
        time.sleep(1.0)  # twenty polls' worth
        handled.append(head)

    caplog.set_level(logging.WARNING)
    stop = threading.Event()
    kwargs = {"interval": 0.05, "stop": stop, "head": start - 1}
    thread = threading.Thread(target=follow_blocks, args=(w3, on_block, lambda h, e: None), kwargs=kwargs)
    thread.start()
    try:
        wait_for(lambda: handled == [start])
        time.sleep(0.3)  # polls of the same head after the stall: no more lines
    finally:
        stop.set()
        thread.join(10)
    messages = [record.getMessage() for record in caplog.records]
    assert not [m for m in messages if "maximum number of running instances" in m]  # APScheduler's, per poll
    stalls = [m for m in messages if "polls skipped" in m]
    assert len(stalls) == 1, messages
    took, skipped = re.fullmatch(rf"block {start} took ([\d.]+)s, .*: (\d+) polls skipped", stalls[0]).groups()
    assert float(took) >= 1.0 and int(skipped) >= 10
