"""The local exchange's HTTP server: Binance's spot REST API and OKX's v5 on loopback, able to misbehave.

ccxt talks to it as to Binance once its API hosts point here (``keepers.prices.cex.ccxt_exchange``
with ``api_url=server.url``). Public market data (:mod:`keepers.devexchange.binance`) and, for
accounts opened with :meth:`DevExchange.open_account` (API key, secret, balances), the signed
account and order endpoints (:mod:`keepers.devexchange.binance_signed`) over the matching engine
:attr:`DevExchange.engine`. Every request is weighed (:mod:`keepers.devexchange.weights`): the
answer says the minute's weight in ``X-MBX-USED-WEIGHT-1M``, and past :attr:`DevExchange.weights`'
limit it is HTTP 429 with ``Retry-After``.

Paths under ``/api/v5/`` are OKX's format (:mod:`keepers.devexchange.okx`, signed ones in
:mod:`keepers.devexchange.okx_signed`, keys opened with a ``passphrase``); every other path is
Binance's. Both formats trade on the same engine: one book per market, one ledger per account.
An OKX request costs 1 of the same minute's weight; past the limit it is HTTP 429, ``50011``.

Tests set tickers on :attr:`DevExchange.markets`, lay books with ``engine.lay_ladder`` and tell
the server how to fail, as a real exchange or the network between would:

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
from decimal import Decimal
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from keepers.devexchange import binance, binance_signed, okx, okx_signed, weights
from keepers.devexchange.binance import BinanceError
from keepers.devexchange.book import Fees, MatchingEngine
from keepers.devexchange.markets import Markets
from keepers.devexchange.okx import OkxError
from keepers.devexchange.signing import ApiKey, authenticate

log = logging.getLogger(__name__)

_STATUSES = {status.value for status in HTTPStatus}
MALFORMED = b'{"symbol": "ETHUSDC", "lastPrice": "20'  # cut off mid-answer


RATE_LIMITED = (
    "Too many requests; current limit of IP(127.0.0.1) request weight per 1 MINUTE is {limit}. "
    "Please use WebSocket Streams for live updates to avoid polling the API."
)


class DevExchangeError(Exception):
    """The local exchange is not running."""


@dataclass(frozen=True)
class Misbehaviour:
    """How every answer goes wrong until :meth:`DevExchange.behave`."""

    status: int | None = None  # answer with this HTTP status and an HTML error page
    malformed: bool = False  # answer 200 with a body that is not JSON
    delay: float = 0.0  # seconds to hold each answer


@dataclass(frozen=True)
class Request:
    """One HTTP request as received: method, path with query, headers (names lower-cased), form body."""

    method: str
    target: str
    headers: dict[str, str]
    body: str = ""


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    headers: dict[str, str]


class DevExchange:
    """An HTTP server on ``host:port`` (0: a free port) serving ``markets`` in Binance's format;
    ``fees`` are the accounts' commission rates unless an account has its own."""

    def __init__(
        self,
        markets: Markets | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        fees: Fees | None = None,
        weight_limit: int = weights.DEFAULT_LIMIT,
    ):
        self.markets = markets if markets is not None else Markets()
        self.engine = MatchingEngine(self.markets, fees or Fees())
        self.weights = weights.WeightMeter(lambda: self.markets.now_ms() / 1000, weight_limit)
        self._keys: dict[str, ApiKey] = {}
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

    def open_account(
        self,
        api_key: str,
        secret: str,
        balances: dict[str, Decimal] | None = None,
        *,
        account: str | None = None,
        passphrase: str | None = None,
    ) -> str:
        """Open an account (named ``account``, default the key) with ``balances``, traded with ``api_key``
        signed by ``secret`` (and, in OKX's format, sent with ``passphrase``: without one the key is
        refused there); returns the account's name, as the engine knows it. Opening an existing
        account again adds a key to it (and deposits ``balances``)."""
        name = account or api_key
        self.engine.open_account(name, balances)
        with self._lock:
            self._keys[api_key] = ApiKey(secret, name, passphrase)
        return name

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

    def respond(self, request: Request) -> Response:
        """The answer to ``request``, misbehaviour, weight and authentication included."""
        with self._lock:
            self._served.append(request.target)
            misbehaviour = self._misbehaviour
        if misbehaviour.delay and self._stopping.wait(misbehaviour.delay):
            return Response(503, b"", {})  # shutting down
        if misbehaviour.status is not None:  # as a proxy in front of a failing exchange answers: a page, not JSON
            reason = HTTPStatus(misbehaviour.status).phrase if misbehaviour.status in _STATUSES else "Error"
            page = f"<html><body><h1>{misbehaviour.status} {reason}</h1></body></html>".encode()
            return Response(misbehaviour.status, page, {})
        if misbehaviour.malformed:
            return Response(200, MALFORMED, {})
        parts = urlsplit(request.target)
        if parts.path.startswith(okx.PREFIX):
            return self._okx(request, parts.path, dict(parse_qsl(parts.query)))
        params = dict(parse_qsl(parts.query)) | dict(parse_qsl(request.body))
        metered = self.weights.spend(weights.weight(request.method, parts.path, params))
        headers = {"X-MBX-USED-WEIGHT-1M": str(metered.used)}
        if metered.refused:
            refusal = binance.error(-1003, RATE_LIMITED.format(limit=metered.limit))
            return Response(429, _json(refusal), headers | {"Retry-After": str(metered.retry_after)})
        status, payload = self._answer(request, parts.path, parts.query, params)
        return Response(status, _json(payload), headers)

    def _answer(self, request: Request, path: str, query: str, params: dict[str, str]) -> tuple[int, Any]:
        if (request.method, path) not in binance_signed.ROUTES:
            if request.method != "GET":
                return 405, binance.error(*binance.UNKNOWN_ROUTE)
            return binance.answer(self.engine, path, params)
        with self._lock:
            keys = dict(self._keys)
        try:
            key = authenticate(
                keys, request.headers.get("x-mbx-apikey"), query, request.body, params, self.markets.now_ms()
            )
        except BinanceError as refusal:
            return refusal.answer()
        return binance_signed.answer(self.engine, key, request.method, path, params)

    def _okx(self, request: Request, path: str, query: dict[str, str]) -> Response:
        """OKX's v5 format: a request costs 1 of the same minute's weight; past the limit, 429 and ``50011``."""
        if self.weights.spend(1).refused:
            return Response(429, _json({"msg": "Too Many Requests", "code": "50011"}), {})
        status, payload = self._okx_answer(request, path, query)
        return Response(status, _json(payload), {})

    def _okx_answer(self, request: Request, path: str, query: dict[str, str]) -> tuple[int, Any]:
        if (request.method, path) not in okx_signed.ROUTES:
            if request.method != "GET":
                return okx.UNKNOWN_ROUTE.answer()
            return okx.answer(self.engine, path, query)
        with self._lock:
            keys = dict(self._keys)
        try:
            key = okx_signed.authenticate(
                keys, request.headers, request.method, request.target, request.body, self.markets.now_ms()
            )
            params = okx_signed.params_of(request.method, query, request.body)
        except OkxError as refusal:
            return refusal.answer()
        return okx_signed.answer(self.engine, key, request.method, path, params)


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
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        headers = {name.lower(): value for name, value in self.headers.items()}
        response = self.server.exchange.respond(Request(self.command, self.path, headers, body))
        try:
            self.send_response(response.status)
            kind = "text/html" if response.body.startswith(b"<html>") else "application/json;charset=UTF-8"
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(response.body)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting (a timeout test)
            pass
        self.close_connection = True

    do_POST = do_PUT = do_DELETE = do_GET  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
        log.debug("http %s %s", self.address_string(), format % args)
