"""`keepers run gasless`: the relayer's HTTP API, its submitter thread, and wiring from settings.

    POST /v1/requests        a SignedRequest (JSON)  -> 202 {"id", "status": "queued"}
    GET  /v1/requests/{id}   -> {"id", "status": queued|submitted|mined|failed, "tx_hash", "reason", ...}
    GET  /v1/health          -> chain, diamond, relayer, head, relayer balance, requests by status

Every refusal is a 4xx with `{"error": code, "detail": ...}` (codes in `keepers.gasless.validation`);
a 5xx means the relayer itself failed (`node_unavailable` when the node does not answer). It binds
127.0.0.1 unless told otherwise: put a TLS proxy in front to serve it publicly (and then set
`trust_forwarded_for` so per-IP limits see the clients, not the proxy).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass

import requests
import uvicorn
from eth_account.signers.local import LocalAccount
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from rich.console import Console
from starlette.exceptions import HTTPException as StarletteHTTPException
from web3 import Web3

from keepers.body_limit import BodyLimit
from keepers.chain.client import connect
from keepers.chain.faults import NO_FAULTS, Faults
from keepers.chain.fees import FeePolicy
from keepers.chain.journal import TxJournal
from keepers.chain.keys import load_account
from keepers.chain.sender import TxSender
from keepers.config import ConfigError, GaslessSettings, LapidarySettings
from keepers.diamond.records import deployed_child
from keepers.gasless.contract import ChainCache, RelayContract
from keepers.gasless.journal import RelayJournal
from keepers.gasless.request import SignedRequest
from keepers.gasless.submitter import SimulationFailed, Submitter
from keepers.gasless.validation import RateLimiter, Rejection, RelayPolicy, Validator, check_nonce
from keepers.store.db import Store

log = logging.getLogger(__name__)


# -- wire models ------------------------------------------------------------------------------------


class ErrorBody(BaseModel):
    error: str = Field(description="a stable code, e.g. wrong_signer, nonce_used, rate_limited")
    detail: str | list = Field(description="what was wrong, for people")


class Accepted(BaseModel):
    id: str
    status: str = "queued"


class RequestStatus(BaseModel):
    id: str
    status: str = Field(description="queued | submitted | mined | failed")
    signer: str
    nonce: str
    tx_hash: str | None = None
    reason: str | None = None
    block: int | None = None
    gas_used: int | None = None
    effective_gas_price: str | None = None
    attempts: int = 0


class Health(BaseModel):
    status: str
    chain_id: int
    diamond: str
    relayer: str
    head: int
    relayer_balance_wei: str
    requests: dict[str, int]


ERRORS = {status: {"model": ErrorBody} for status in (400, 404, 409, 413, 422, 429, 503)}


# -- the relayer ------------------------------------------------------------------------------------


@dataclass
class Relayer:
    """The parts the API and the worker share."""

    w3: Web3
    policy: RelayPolicy
    validator: Validator
    cache: ChainCache
    journal: RelayJournal
    submitter: Submitter
    poll_interval: float = 0.5

    def __post_init__(self) -> None:
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def accept(self, body: bytes, client: str) -> str:
        """Validate and journal one posted body; returns the request's id (raises Rejection)."""
        self.validator.admit_client(client)
        signed = self.validator.parse(body)
        valid = self.validator.validate(signed, self.journal.in_flight)
        request, signer = valid.request, valid.signer
        if request.nonce == self.cache.signer_nonce(signer) and not self.journal.in_flight(signer):
            try:  # next in line: anything that would revert is refused now rather than failed later
                self.submitter.simulate(signed)
            except SimulationFailed as err:
                raise Rejection("simulation_reverted", f"execute would revert: {err}") from None

        def recheck(in_flight: set[int]) -> None:
            check_nonce(request.nonce, self.cache.signer_nonce(signer), in_flight, self.policy.max_nonce_ahead)

        request_id = self.journal.admit(valid, client, recheck)
        self.submitter.faults.point("gasless.admitted")
        self._wake.set()
        return request_id

    # -- the worker thread --

    def start(self) -> None:
        self.submitter.start()
        self._stop.clear()
        self._thread = threading.Thread(target=self._work, name="gasless-submitter", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def _work(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.poll_interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                report = self.submitter.tick()
            except Exception:  # a node hiccup must not end the worker; the next tick retries
                log.exception("gasless.tick_failed")
                time.sleep(self.poll_interval)
                continue
            if report.submitted or report.mined or report.failed or report.resubmitted:
                log.info(
                    "gasless.block %s submitted=%d mined=%d failed=%d resubmitted=%d",
                    report.block,
                    len(report.submitted),
                    len(report.mined),
                    len(report.failed),
                    len(report.resubmitted),
                )


# -- the HTTP API -----------------------------------------------------------------------------------


def _error(status: int, code: str, detail, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": code, "detail": detail}, status_code=status, headers=headers)


HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}


def create_app(relayer: Relayer, trust_forwarded_for: bool = False) -> FastAPI:
    """The relayer's API over `relayer` (which the caller starts and stops)."""
    app = FastAPI(
        title="Lapidary gasless relayer",
        version="1",
        description="Relays EIP-712 signed ForwardRequests to the diamond's GaslessRelayFacet and pays their gas.",
    )
    app.add_middleware(BodyLimit, max_bytes=relayer.policy.max_body_bytes)  # 413 payload_too_large (_http)
    body_schema = _inline(SignedRequest.model_json_schema(by_alias=True))

    @app.exception_handler(Rejection)
    async def _rejected(_request: Request, err: Rejection) -> JSONResponse:
        headers = {"Retry-After": str(max(1, round(err.retry_after)))} if err.retry_after is not None else None
        return _error(err.status, err.code, err.detail, headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, err: RequestValidationError) -> JSONResponse:
        detail = [{"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", "")} for e in err.errors()]
        return _error(422, "invalid_request", detail)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, err: StarletteHTTPException) -> JSONResponse:
        return _error(err.status_code, HTTP_CODES.get(err.status_code, "http_error"), str(err.detail), err.headers)

    @app.exception_handler(requests.exceptions.RequestException)
    async def _node_down(_request: Request, err: Exception) -> JSONResponse:
        log.warning("gasless.node_unavailable: %s", err)
        return _error(503, "node_unavailable", "the relayer cannot reach its node; retry later")

    @app.post(
        "/v1/requests",
        status_code=202,
        response_model=Accepted,
        responses=ERRORS,
        openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": body_schema}}}},
        summary="Relay a signed request",
    )
    async def post_request(request: Request) -> Accepted:
        body = await request.body()
        client = _client(request, trust_forwarded_for)
        request_id = await run_in_threadpool(relayer.accept, body, client)
        return Accepted(id=request_id)

    @app.get("/v1/requests/{request_id}", response_model=RequestStatus, responses=ERRORS, summary="A request's fate")
    def get_request(request_id: str) -> RequestStatus:
        try:
            uuid.UUID(request_id)
        except ValueError:
            raise Rejection("not_found", f"no request {request_id!r}", 404) from None
        row = relayer.journal.get(request_id)
        if row is None:
            raise Rejection("not_found", f"no request {request_id!r}", 404)
        return RequestStatus(
            id=row.id,
            status=row.status,
            signer=row.signer,
            nonce=str(row.nonce),
            tx_hash=row.tx_hash,
            reason=row.reason,
            block=row.block,
            gas_used=row.gas_used,
            effective_gas_price=None if row.effective_gas_price is None else str(row.effective_gas_price),
            attempts=len(row.attempts or []),
        )

    @app.get("/v1/health", response_model=Health, summary="Is the relayer up, and can it pay")
    def health() -> Health:
        relayer_address = relayer.submitter.relayer.address
        return Health(
            status="ok",
            chain_id=relayer.policy.chain_id,
            diamond=relayer.policy.diamond,
            relayer=relayer_address,
            head=relayer.w3.eth.block_number,
            relayer_balance_wei=str(relayer.w3.eth.get_balance(relayer_address)),
            requests=relayer.journal.counts(),
        )

    return app


def _client(request: Request, trust_forwarded_for: bool) -> str:
    if trust_forwarded_for and (forwarded := request.headers.get("x-forwarded-for")):
        return forwarded.split(",")[0].strip()[:64]
    return request.client.host if request.client else "unknown"


def _inline(schema: dict) -> dict:
    """A pydantic JSON schema with its `$defs` substituted in place (OpenAPI refs point elsewhere)."""
    defs = schema.pop("$defs", {})

    def walk(node):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref is not None and ref.startswith("#/$defs/"):
                return walk(defs[ref.removeprefix("#/$defs/")])
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)


# -- wiring and running -----------------------------------------------------------------------------


def make_relayer(
    w3: Web3,
    diamond: str,
    account: LocalAccount,
    store: Store,
    settings: GaslessSettings,
    *,
    clock=time.monotonic,
    poll_interval: float = 0.5,
    fees: FeePolicy | None = None,
    confirmations: int = 2,
    faults: Faults = NO_FAULTS,
) -> Relayer:
    """A relayer for `diamond` paying with `account` (through its TxSender, with `fees`), configured by
    `settings`."""
    chain_id = w3.eth.chain_id
    diamond = Web3.to_checksum_address(diamond)
    contract = RelayContract(w3, diamond)
    try:
        selectors = frozenset(bytes.fromhex(s.removeprefix("0x")) for s in settings.selectors)
    except ValueError:
        raise ConfigError(f"gasless.selectors must be 4-byte hex strings, got {settings.selectors}") from None
    if any(len(s) != 4 for s in selectors):
        raise ConfigError(f"gasless.selectors must be 4-byte hex strings, got {settings.selectors}")
    policy = RelayPolicy(
        chain_id=chain_id,
        diamond=diamond,
        selectors=selectors,
        max_body_bytes=settings.max_body_bytes,
        max_data_bytes=settings.max_data_bytes,
        max_request_gas=settings.max_request_gas,
        min_deadline_seconds=settings.min_deadline_seconds,
        max_nonce_ahead=settings.max_nonce_ahead,
    )
    cache = ChainCache(contract, clock=clock)
    validator = Validator(
        policy,
        cache,
        RateLimiter(settings.signer_rate, settings.signer_burst, clock),
        RateLimiter(settings.ip_rate, settings.ip_burst, clock),
    )
    journal = RelayJournal(store, chain_id, diamond)
    sender = TxSender(
        w3,
        account,
        TxJournal(store, chain_id),
        fees or FeePolicy(),
        confirmations=confirmations,
        faults=faults,
    )
    submitter = Submitter(w3, contract, cache, sender, journal, simulate_block=settings.simulate_block, faults=faults)
    return Relayer(w3, policy, validator, cache, journal, submitter, poll_interval)


class HttpServer:
    """uvicorn serving an app from a background thread; `port=0` picks a free port; `options`: more
    `uvicorn.Config` settings (an app with a lifespan, a graceful-shutdown timeout)."""

    def __init__(self, app: FastAPI, host: str = "127.0.0.1", port: int = 0, **options):
        config = {"log_level": "warning", "lifespan": "off", "access_log": False} | options
        self.server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, **config))
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server.servers[0].sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    def start(self, timeout: float = 10.0) -> HttpServer:
        self._thread = threading.Thread(target=self.server.run, name="gasless-http", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise ConfigError("the gasless API did not start (is the port in use?)")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> HttpServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


@dataclass
class GaslessService:
    relayer: Relayer
    store: Store
    host: str
    port: int
    trust_forwarded_for: bool


def relay_diamond(settings: LapidarySettings, w3: Web3) -> str:
    """The diamond to relay to: `gasless.diamond`, else the `gasless.strategy` child of the deployments."""
    if settings.gasless.diamond:
        if not Web3.is_address(settings.gasless.diamond):
            raise ConfigError(f"gasless.diamond {settings.gasless.diamond!r} is not an address")
        return Web3.to_checksum_address(settings.gasless.diamond)
    if settings.deployments_file is None:
        raise ConfigError("set LAPIDARY_GASLESS__DIAMOND or LAPIDARY_DEPLOYMENTS_FILE (what `ape run deploy` wrote)")
    strategy = settings.gasless.strategy
    child = deployed_child(settings.deployments_file, strategy, w3)
    if "GaslessRelayFacet" not in child.facets:
        raise ConfigError(f"the {strategy!r} child carries no GaslessRelayFacet; add it and run `ape run upgrade`")
    return child.address


def build(settings: LapidarySettings) -> GaslessService:
    """Everything the relayer needs, checked, from settings; ConfigError names what is missing."""
    w3 = connect(settings.chain)
    diamond = relay_diamond(settings, w3)
    if not w3.eth.get_code(diamond):
        raise ConfigError(f"no contract at {diamond} on this chain")
    account = load_account(settings.relayer, "relayer")
    store = Store(settings.store.url)
    relayer = make_relayer(
        w3,
        diamond,
        account,
        store,
        settings.gasless,
        poll_interval=settings.chain.poll_interval,
        fees=FeePolicy.from_settings(settings.chain.fees),
        confirmations=settings.chain.confirmations,
        faults=Faults.from_settings(settings.faults),
    )
    gasless = settings.gasless
    return GaslessService(relayer, store, gasless.host, gasless.port, gasless.trust_forwarded_for)


def run(service: GaslessService, console: Console, stop: threading.Event) -> None:
    """Serve until `stop`; the submitter finishes its pass before the process exits."""
    relayer = service.relayer
    relayer.start()
    server = HttpServer(create_app(relayer, service.trust_forwarded_for), service.host, service.port)
    try:
        server.start()
        console.print(
            f"gasless relayer on {server.url}: diamond {relayer.policy.diamond}, "
            f"relayer {relayer.submitter.relayer.address}, chain {relayer.policy.chain_id}"
        )
        while not stop.wait(0.2):
            pass
    finally:
        server.stop()
        relayer.stop()
        service.store.close()
