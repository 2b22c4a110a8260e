"""Connecting to a node and reading logs in ranges the node accepts."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from web3 import Web3
from web3.types import LogReceipt

from keepers.config import ChainSettings


class NodeUnavailable(ConnectionError):
    """The configured RPC endpoint does not answer."""


def connect(settings: ChainSettings) -> Web3:
    """A Web3 on the configured endpoint, checked to answer."""
    w3 = Web3(Web3.HTTPProvider(settings.rpc_url, request_kwargs={"timeout": settings.request_timeout}))
    try:
        _ = w3.eth.chain_id
    except Exception as err:  # requests raises several connection errors; all mean the same here
        raise NodeUnavailable(f"no node answers at {settings.rpc_url}: {err.__class__.__name__}") from None
    return w3


def block_ranges(start: int, end: int, size: int) -> Iterator[tuple[int, int]]:
    """Inclusive [from, to] ranges of at most `size` blocks covering start..end."""
    block = start
    while block <= end:
        last = min(block + size - 1, end)
        yield block, last
        block = last + 1


def get_logs(
    w3: Web3,
    start: int,
    end: int,
    topics: Sequence[Sequence[str]],
    chunk: int,
    addresses: Sequence[str] | None = None,
    on_range: Callable[[int, int], None] | None = None,
) -> list[LogReceipt]:
    """All logs matching `topics` in start..end, fetched `chunk` blocks at a time, in chain order."""
    logs: list[LogReceipt] = []
    for first, last in block_ranges(start, end, chunk):
        params: dict = {"fromBlock": first, "toBlock": last, "topics": [list(t) for t in topics]}
        if addresses:
            params["address"] = list(addresses)
        logs.extend(w3.eth.get_logs(params))
        if on_range is not None:
            on_range(first, last)
    return logs
