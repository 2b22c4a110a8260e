"""What the API remembers about the chain between requests: the timestamps of buried blocks, and
when it last saw the head move (the only way to tell a stalled node from a quiet one)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from web3 import Web3


@dataclass
class ChainWatch:
    depth: int  # blocks deep a block must be before its timestamp is remembered (a reorg may replace it)
    timestamps: dict[int, int] = field(default_factory=dict)
    head: int | None = None
    head_seen: float = 0.0  # time.monotonic() when the head was first seen at its current number
    lock: threading.Lock = field(default_factory=threading.Lock)

    def timestamp(self, w3: Web3, block: int, head: int) -> int:
        """The block's timestamp, read from chain once it is buried `depth` blocks under `head`."""
        if block in self.timestamps:
            return self.timestamps[block]
        value = int(w3.eth.get_block(block)["timestamp"])
        if block <= head - self.depth:
            self.timestamps[block] = value
        return value

    def first_block_at(self, w3: Web3, timestamp: int, head: int) -> int | None:
        """The first block whose timestamp is `timestamp` or later (block timestamps never decrease);
        None when even the head's is earlier."""
        if self.timestamp(w3, head, head) < timestamp:
            return None
        low, high = 0, head
        while low < high:
            middle = (low + high) // 2
            if self.timestamp(w3, middle, head) >= timestamp:
                high = middle
            else:
                low = middle + 1
        return low

    def unchanged_for(self, head: int, now: float) -> float:
        """Seconds the head has stayed at `head` as far as this API has seen (0 when it just moved)."""
        with self.lock:
            if head != self.head:
                self.head, self.head_seen = head, now
            return now - self.head_seen


def chain_watch(request: Request) -> ChainWatch:
    """The app's watch, made on first use."""
    state = request.app.state
    # State keeps its attributes in `_state`; setdefault makes two first requests share one watch.
    return state._state.setdefault("chain_watch", ChainWatch(state.context.settings.chain.confirmations))


Watch = Annotated[ChainWatch, Depends(chain_watch)]
