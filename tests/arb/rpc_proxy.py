"""A JSON-RPC proxy in front of the test node that answers `eth_getLogs` as a rate-limited public
node does: a query that would return more than `max_logs` logs is refused with the node's own error
(Infura's -32005 "query returned more than N results"). `rewrite` may change any answer (a node
sending a malformed log). Everything else passes through unchanged."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class LimitingRpcProxy:
    def __init__(self, target_url: str, max_logs: int | None = None):
        self.target_url = target_url
        self.max_logs = max_logs
        self.error: dict[str, Any] | None = None  # when set: every eth_getLogs is refused with it
        self.fail_blocks: set[int] = set()  # an eth_getLogs covering one of these fails as a node's bad moment
        self.rewrite: Callable[[str, list, Any], Any] | None = None
        self.log_queries: list[tuple[int, int]] = []  # (from, to) of every eth_getLogs, refused or not
        self.refused = 0
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                answer = [proxy._answer(r) for r in body] if isinstance(body, list) else proxy._answer(body)
                payload = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _forward(self, request: dict) -> dict:
        http = urllib.request.Request(
            self.target_url, json.dumps(request).encode(), {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(http, timeout=30) as response:
            return json.loads(response.read())

    def _answer(self, request: dict) -> dict:
        method, params = request.get("method"), request.get("params") or []
        if method == "eth_getLogs":
            span = (int(params[0]["fromBlock"], 16), int(params[0]["toBlock"], 16))
            with self._lock:
                self.log_queries.append(span)
            if self.error is not None:
                return {"jsonrpc": "2.0", "id": request.get("id"), "error": self.error}
            if any(span[0] <= block <= span[1] for block in self.fail_blocks):
                error = {"code": -32000, "message": "header not found"}
                return {"jsonrpc": "2.0", "id": request.get("id"), "error": error}
        answer = self._forward(request)
        if method == "eth_getLogs" and self.max_logs is not None and len(answer.get("result") or []) > self.max_logs:
            with self._lock:
                self.refused += 1
            error = {"code": -32005, "message": f"query returned more than {self.max_logs} results"}
            return {"jsonrpc": "2.0", "id": request.get("id"), "error": error}
        if self.rewrite is not None and "result" in answer:
            answer["result"] = self.rewrite(method, params, answer["result"])
        return answer
