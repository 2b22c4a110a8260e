"""The local exchange's HTTP server: Binance's spot public REST API on loopback, able to misbehave.

ccxt talks to it as to Binance once its API hosts point here (``keepers.prices.cex.ccxt_exchange``
with ``api_url=server.url``). Tests set tickers on :attr:`DevExchange.markets` and tell the server
how to fail, as a real exchange or the network between would:

- ``misbehave(status=500)``: every request answered with that HTTP status;
- ``misbehave(malformed=True)``: HTTP 200 with a body that is not JSON;
- ``misbehave(delay=2.0)``: answers held that long (past a client's timeout);
- ``behave()``: back to normal. A stale ticker is just one set with an old time.

Development harness: tests and the demo only; no runtime module imports it.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from keepers.devexchange import binance
from keepers.devexchange.markets import Markets

log = logging.getLogger(__name__)

_STATUSES = {status.value for status in HTTPStatus}
MALFORMED = b'{"symbol": "ETHUSDC", "lastPrice": "20'  # cut off mid-answer


class DevExchangeError(Exception):
    """The local exchange is not running."""


@dataclass(frozen=True)
class Misbehaviour:
    """How every answer goes wrong until :meth:`DevExchange.behave`."""

    status: int | None = None  # answer with this HTTP status and an HTML error page
    malformed: bool = False  # answer 200 with a body that is not JSON
    delay: float = 0.0  # seconds to hold each answer


class DevExchange:
    """An HTTP server on ``host:port`` (0: a free port) serving ``markets`` in Binance's format."""

    def __init__(self, markets: Markets | None = None, *, host: str = "127.0.0.1", port: int = 0):
        self.markets = markets if markets is not None else Markets()
        self.host = host
        self.requested_port = port
        self._misbehaviour = Misbehaviour()
        self._lock = threading.Lock()
        self._served: list[str] = []
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"DevExchange({self.url if self._server else 'stopped'})"

    @property
    def url(self) -> str:
        """The origin to point a client at: ``http://127.0.0.1:PORT``."""
        if self._server is None:
            raise DevExchangeError("the devexchange is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> DevExchange:
        self._stopping.clear()
        self._server = server = _Server((self.host, self.requested_port), _Handler, self)
        self._thread = threading.Thread(
            target=lambda: server.serve_forever(poll_interval=0.05), name="devexchange-http", daemon=True
        )
        self._thread.start()
        log.info("devexchange.started url=%s", self.url)
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes delayed answers
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        log.info("devexchange.stopped")

    def __enter__(self) -> DevExchange:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- misbehaving ---------------------------------------------------------------------------

    def misbehave(self, *, status: int | None = None, malformed: bool = False, delay: float = 0.0) -> None:
        """From now on, answer every request wrongly as described (see :class:`Misbehaviour`)."""
        with self._lock:
            self._misbehaviour = Misbehaviour(status=status, malformed=malformed, delay=delay)

    def behave(self) -> None:
        with self._lock:
            self._misbehaviour = Misbehaviour()

    def served(self) -> list[str]:
        """The paths (with queries) of every request so far, oldest first."""
        with self._lock:
            return list(self._served)

    # -- answering -----------------------------------------------------------------------------

    def respond(self, target: str) -> tuple[int, bytes]:
        """(HTTP status, body) for a GET of ``target`` (path and query), misbehaviour included."""
        with self._lock:
            self._served.append(target)
            misbehaviour = self._misbehaviour
        if misbehaviour.delay and self._stopping.wait(misbehaviour.delay):
            return 503, b""  # shutting down
        if misbehaviour.status is not None:  # as a proxy in front of a failing exchange answers: a page, not JSON
            reason = HTTPStatus(misbehaviour.status).phrase if misbehaviour.status in _STATUSES else "Error"
            return misbehaviour.status, f"<html><body><h1>{misbehaviour.status} {reason}</h1></body></html>".encode()
        if misbehaviour.malformed:
            return 200, MALFORMED
        parts = urlsplit(target)
        status, payload = binance.answer(self.markets, parts.path, dict(parse_qsl(parts.query)))
        return status, _json(payload)


def _json(payload: Any) -> bytes:
    return json.dumps(payload).encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], exchange: DevExchange):
        self.exchange = exchange
        super().__init__(address, handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "lapidary-devexchange"
    timeout = 10.0

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        status, body = self.server.exchange.respond(self.path)
        try:
            self.send_response(status)
            kind = "text/html" if body.startswith(b"<html>") else "application/json;charset=UTF-8"
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting (a timeout test)
            pass
        self.close_connection = True

    def do_POST(self) -> None:  # noqa: N802
        self.send_error(405, "the devexchange serves public market data only (GET)")

    do_PUT = do_DELETE = do_POST  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
        log.debug("http %s %s", self.address_string(), format % args)
