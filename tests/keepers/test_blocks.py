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
