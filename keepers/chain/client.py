"""Connecting to a node and reading logs in ranges the node accepts."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from web3 import Web3
from web3.exceptions import Web3RPCError
from web3.types import LogReceipt, RPCEndpoint

from keepers.config import ChainSettings

# What nodes answer when a log query covers too much: Infura/geth-style -32005 "query returned more
# than 10000 results", Alchemy "Log response size exceeded", Erigon/QuickNode "block range is too
# large", Nethermind "too many logs", Ankr "exceeds max results"...
TOO_MANY_CODE = -32005
TOO_MANY_WORDS = ("more than", "too many", "response size", "limit exceeded", "range is too large", "exceed")


class NodeUnavailable(ConnectionError):
    """The configured RPC endpoint does not answer."""


class LogQueryError(RuntimeError):
    """The node refused a log query for a reason other than its size."""


class TooManyResults(LogQueryError):
    """The node refused a log query as too large even for a single block."""


class HeadMovedBack(LogQueryError):
    """The node no longer has a block it reported a moment ago (a reorg or a rebuilt head): the
    query is asked again at the next head, nothing is wrong with the keeper."""


# How nodes word a range past their head: anvil "BlockOutOfRangeError: block height is 318 but
# requested was 319"; others "block range extends beyond current head block".
HEAD_MOVED_WORDS = ("blockoutofrange", "block height is", "beyond current head")


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


def too_many_results(error: Mapping[str, Any] | None) -> bool:
    """Whether a JSON-RPC error object refuses a log query for its size (so halving the range helps)."""
    if not isinstance(error, Mapping):
        return False
    message = str(error.get("message", "")).lower()
    return error.get("code") == TOO_MANY_CODE or any(words in message for words in TOO_MANY_WORDS)


def _split_on_too_many(fetch: Callable[[int, int], list], first: int, last: int) -> list:
    """`fetch(first, last)`, halving the range (in chain order) while the node finds it too large."""
    try:
        return fetch(first, last)
    except TooManyResults:
        if first == last:
            raise
    middle = (first + last) // 2
    return _split_on_too_many(fetch, first, middle) + _split_on_too_many(fetch, middle + 1, last)


def _params(first: int, last: int, topics: Sequence[Sequence[str]], addresses: Sequence[str] | None) -> dict:
    params: dict[str, Any] = {"fromBlock": hex(first), "toBlock": hex(last), "topics": [list(t) for t in topics]}
    if addresses:
        params["address"] = list(addresses)
    return params


def get_raw_log_range(
    w3: Web3, first: int, last: int, topics: Sequence[Sequence[str]], addresses: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """Logs of first..last exactly as `eth_getLogs` sends them (dicts of hex strings, no web3 formatting),
    in chain order; the range is split while the node answers that it holds too many."""

    def fetch(a: int, b: int) -> list[dict[str, Any]]:
        response = w3.provider.make_request(RPCEndpoint("eth_getLogs"), [_params(a, b, topics, addresses)])
        error = response.get("error")
        if error is not None:
            message = str(error.get("message", "")).lower()
            kind = (
                TooManyResults
                if too_many_results(error)
                else HeadMovedBack
                if any(words in message for words in HEAD_MOVED_WORDS)
                else LogQueryError
            )
            raise kind(f"eth_getLogs {a}..{b}: {error.get('message', error)}")
        return response["result"]

    return _split_on_too_many(fetch, first, last)


def get_raw_logs(
    w3: Web3,
    start: int,
    end: int,
    topics: Sequence[Sequence[str]],
    chunk: int,
    addresses: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """All raw logs matching `topics` in start..end, `chunk` blocks per query, in chain order."""
    logs: list[dict[str, Any]] = []
    for first, last in block_ranges(start, end, chunk):
        logs.extend(get_raw_log_range(w3, first, last, topics, addresses))
    return logs


def get_logs(
    w3: Web3,
    start: int,
    end: int,
    topics: Sequence[Sequence[str]],
    chunk: int,
    addresses: Sequence[str] | None = None,
    on_range: Callable[[int, int], None] | None = None,
) -> list[LogReceipt]:
    """All logs matching `topics` in start..end, formatted by web3, `chunk` blocks at a time (split
    further while the node finds a range too large), in chain order."""

    def fetch(a: int, b: int) -> list[LogReceipt]:
        params = _params(a, b, topics, addresses)
        params["fromBlock"], params["toBlock"] = a, b
        try:
            return list(w3.eth.get_logs(params))  # type: ignore[arg-type]
        except Web3RPCError as err:
            error = err.rpc_response.get("error") if err.rpc_response else None
            if too_many_results(error):
                raise TooManyResults(f"eth_getLogs {a}..{b}: {err}") from err
            raise

    logs: list[LogReceipt] = []
    for first, last in block_ranges(start, end, chunk):
        logs.extend(_split_on_too_many(fetch, first, last))
        if on_range is not None:
            on_range(first, last)
    return logs
