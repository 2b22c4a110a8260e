"""A shard is started again only when Ape's node never came up before its first test."""

from __future__ import annotations

from keepers.toolchain.shards import node_never_came_up

NEVER_UP = (
    "collected 931 items / 466 deselected / 465 selected\n"
    "INTERNALERROR> ape.exceptions.RPCTimeoutError: Timed out waiting for successful RPC connection to the "
    "'anvil' process (20 seconds).\n"
)


def test_only_a_node_that_never_came_up_is_retried():
    assert node_never_came_up(3, NEVER_UP)
    assert not node_never_came_up(0, NEVER_UP)
    ran = "tests/api/test_api.py ..F\n" + NEVER_UP
    assert not node_never_came_up(1, ran)  # tests ran: a real failure stands
    assert not node_never_came_up(1, "tests/chain/test_fees.py F\nAssertionError\n")
