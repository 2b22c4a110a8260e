"""Plain JSON-RPC to the anvil node behind the devrelay.

The devrelay drives anvil with its own methods (``evm_snapshot``,
``anvil_dropTransaction``, ``debug_traceBlockByNumber``…) and forwards raw
responses to clients, so it speaks JSON-RPC directly rather than through web3's
formatters. One HTTP session per thread: the relay's request threads and its
miner call the node concurrently.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

import requests


class NodeError(Exception):
    """The node answered a call with a JSON-RPC error."""

    def __init__(self, method: str, code: int | None, message: str):
        super().__init__(f"{method}: {message}")
        self.method = method
        self.code = code
        self.message = message


class NodeRpc:
    """JSON-RPC calls to one node URL."""

    def __init__(self, url: str, timeout: float = 30.0):
        self.url = url
        self.timeout = timeout
        self._ids = itertools.count(1)
        self._local = threading.local()

    def __repr__(self) -> str:
        return f"NodeRpc({self.url!r})"

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def request(self, method: str, params: list[Any] | tuple[Any, ...] = ()) -> dict[str, Any]:
        """The node's whole response object (``result`` or ``error``); transport failures raise ``ConnectionError``."""
        payload = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": list(params)}
        try:
            response = self._session().post(self.url, json=payload, timeout=self.timeout)
            answer = response.json()
        except (requests.RequestException, ValueError) as err:
            raise ConnectionError(f"node at {self.url} did not answer {method}: {err}") from None
        if not isinstance(answer, dict):
            raise ConnectionError(f"node at {self.url} answered {method} with {type(answer).__name__}")
        return answer

    def call(self, method: str, *params: Any) -> Any:
        """The result of ``method(*params)``; raises :class:`NodeError` if the node refuses it."""
        answer = self.request(method, params)
        if "error" in answer and answer["error"] is not None:
            error = answer["error"]
            if isinstance(error, dict):
                raise NodeError(method, error.get("code"), str(error.get("message", error)))
            raise NodeError(method, None, str(error))
        return answer.get("result")
