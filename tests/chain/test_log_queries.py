"""Log queries name what went wrong: a range past the node's head (a head that moved back, as after
a reorg or a rebuilt block) is `HeadMovedBack`, which keepers wait out without a traceback."""

from __future__ import annotations

import pytest

from keepers.chain.client import HeadMovedBack, LogQueryError, get_raw_log_range


def test_a_range_past_the_head_is_a_head_that_moved_back(chain):
    w3 = chain.provider.web3
    head = w3.eth.block_number
    assert isinstance(get_raw_log_range(w3, head, head, [[]]), list)
    with pytest.raises(HeadMovedBack, match=f"{head + 1}"):
        get_raw_log_range(w3, head + 1, head + 1, [[]])
    assert issubclass(HeadMovedBack, LogQueryError)  # callers that catch any refused query still do
