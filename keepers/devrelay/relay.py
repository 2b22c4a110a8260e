"""``devrelay``: a local relay that speaks the Flashbots bundle JSON-RPC in front of anvil.

It lets the whole bundle path (sign, simulate, send to several relays, track
inclusion) run and be tested on one machine. Searchers talk to it exactly as to
``relay.flashbots.net``: every request is a JSON-RPC 2.0 POST signed with the
``X-Flashbots-Signature`` header, and it answers

- ``eth_sendBundle``: queue a bundle for its ``blockNumber`` (within
  ``minTimestamp``/``maxTimestamp``); returns ``{"bundleHash"}``. A bundle with a
  ``replacementUuid`` replaces the earlier bundles its signer sent with that uuid;
- ``eth_cancelBundle``: drop the signer's bundles with that ``replacementUuid``;
  returns the hashes of the bundles it dropped;
- ``eth_callBundle``: simulate on top of the latest block, or of any of the
  ``RelayLimits.max_state_age`` blocks before it (``stateBlockNumber``), at any
  timestamp after that block's, without changing the chain: per transaction gas
  used, coinbase payment, return data or revert;
- read-only ``eth_*`` calls and ``eth_sendRawTransaction`` (the public mempool),
  passed through to anvil.

A JSON-RPC error is answered with HTTP 200 and the error in the body, as JSON-RPC
servers do, so that clients (web3's and ethers' Flashbots providers among them)
show the relay's message instead of a bare HTTP error. Other statuses say what
the JSON-RPC body cannot: 403 for a missing or invalid ``X-Flashbots-Signature``
(as ``relay.flashbots.net`` answers), 429 when the bundle pool is full, and
405/411/413 for a request that is not a JSON-RPC POST of an acceptable size.

Every block interval (or on :meth:`DevRelay.mine_now`) it builds the next block
from the bundles targeting it, best payment per gas first, each bundle all or
nothing, public transactions after them (see :mod:`keepers.devrelay.builder`).
Bundles are tried out on a second, private anvil forked from the first, so the
chain keepers read only ever shows real blocks.

It is a development tool: it binds loopback by default, knows nothing about
reputation or rate limits, serves no ``flashbots_*`` statistics, and treats the
``blockNumber`` of ``eth_callBundle`` and the ``builders`` of ``eth_sendBundle``
as informational.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from eth_typing import ChecksumAddress
from eth_utils import to_checksum_address
from pydantic import BaseModel, ValidationError

from keepers.bundles import jsonsafe
from keepers.bundles.models import (
    CallBundleParams,
    CallBundleResult,
    CancelBundleParams,
    SendBundleParams,
    SendBundleResult,
    TxSimulation,
)
from keepers.bundles.signing import HEADER, SignatureError, verify
from keepers.bundles.transactions import Bundle, RawTransaction, TransactionDecodeError, bundle_hash, to_hex
from keepers.devrelay.builder import BlockBuilder, BlockHeader, BuildError, BuiltBlock, Simulation
from keepers.devrelay.node import NodeError, NodeRpc
from keepers.devrelay.pool import BundlePool, PoolFull
from keepers.toolchain.anvil import Anvil, AnvilNode

log = logging.getLogger(__name__)

# The fee recipient of blocks the devrelay builds on its own anvil, so that payments to the
# builder are easy to tell from transfers to the zero address.
DEV_COINBASE: ChecksumAddress = to_checksum_address("0x0000000000000000000000000000000000c0ffee")

READ_ONLY_METHODS = frozenset(
    {
        "eth_blockNumber",
        "eth_call",
        "eth_chainId",
        "eth_estimateGas",
        "eth_feeHistory",
        "eth_gasPrice",
        "eth_getBalance",
        "eth_getBlockByHash",
        "eth_getBlockByNumber",
        "eth_getCode",
        "eth_getLogs",
        "eth_getStorageAt",
        "eth_getTransactionByHash",
        "eth_getTransactionCount",
        "eth_getTransactionReceipt",
        "eth_maxPriorityFeePerGas",
    }
)
PUBLIC_SUBMIT = "eth_sendRawTransaction"

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
BUNDLE_ERROR = -32000
INVALID_SIGNATURE = "invalid flashbots signature"
SLOT_SECONDS = 12  # mainnet's block spacing: the most a mined block moves the clock


def next_timestamp(parent: int, now: int, catch_up: int = SLOT_SECONDS) -> int:
    """The next block's time: the wall clock, one second past the parent at least, and never more than
    a mainnet slot past it. A chain started behind the wall clock (`keepers up` starts its anvil in the
    past) thus catches up one slot per block instead of jumping: a demo's epochs and timelocks pass
    in minutes while chain time stays at or behind wall time, where wallets' deadlines hold."""
    return max(parent + 1, min(now, parent + catch_up))


class DevRelayError(Exception):
    """The devrelay cannot start or run (unsuitable node, node gone)."""


@dataclass(frozen=True)
class RelayLimits:
    """What one request may ask of the relay. Bundle limits are Flashbots' published ones."""

    max_body_bytes: int = 1 << 20
    max_bundle_txs: int = 100
    max_bundle_bytes: int = 300_000
    max_pending_bundles: int = 10_000
    max_state_age: int = 128  # eth_callBundle simulates on the latest block or one this many before it
    socket_timeout: float = 10.0


class RpcFailure(Exception):
    """A JSON-RPC error answer, with the HTTP status it goes out with (200 unless HTTP has more to say)."""

    def __init__(self, code: int, message: str, status: int = 200):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


class DevRelay:
    """The relay: an HTTP server, a bundle pool and a miner over one anvil node.

    With ``anvil_url=None`` it starts its own anvil (automine off, FIFO pool order,
    ``DEV_COINBASE`` as fee recipient) and stops it on :meth:`stop`. Given a node,
    it requires ``--order fifo``, turns automine off while it runs and back on after.
    Either way it also runs a private anvil forked from that node to trial bundles on.
    ``block_interval`` of ``None`` or ``0`` means blocks are mined only by :meth:`mine_now`;
    ``chain_id`` and ``anvil_log`` apply to an anvil it starts itself.
    """

    def __init__(
        self,
        anvil_url: str | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        block_interval: float | None = 2.0,
        coinbase: str | None = None,
        chain_id: int | None = None,
        limits: RelayLimits | None = None,
        anvil_log: Path | None = None,
    ):
        self.host = host
        self.requested_port = port
        self.block_interval = block_interval
        self.limits = limits or RelayLimits()
        self._anvil_url = anvil_url
        self._coinbase = coinbase
        self._chain_id = chain_id
        self._anvil_log = anvil_log
        self._anvil: Anvil | None = None
        self._anvil_node: AnvilNode | None = None
        self._simulator: Anvil | None = None
        self._simulator_node: AnvilNode | None = None
        self._node: NodeRpc | None = None
        self._builder: BlockBuilder | None = None
        self._pool = BundlePool(self.limits.max_pending_bundles)
        self._build_lock = threading.RLock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self._restore_automine = False
        self.chain_id: int | None = None

    def __repr__(self) -> str:
        where = self.url if self._server else "stopped"
        return f"DevRelay({where}, anvil={self._anvil_url})"

    # -- lifecycle -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._server is None:
            raise DevRelayError("the devrelay is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def port(self) -> int:
        if self._server is None:
            raise DevRelayError("the devrelay is not running")
        return self._server.server_address[1]

    @property
    def anvil_url(self) -> str:
        if self._anvil_url is None:
            raise DevRelayError("the devrelay is not running")
        return self._anvil_url

    def start(self) -> DevRelay:
        try:
            self._connect()
            self._server = _Server((self.host, self.requested_port), _Handler, self)
        except BaseException:
            self.stop()
            raise
        server = self._server
        self._spawn("devrelay-http", lambda: server.serve_forever(poll_interval=0.05))
        if self.block_interval:
            self._spawn("devrelay-miner", self._mine_forever)
        log.info(
            "devrelay.started url=%s anvil=%s chain_id=%s block_interval=%s",
            self.url,
            self._anvil_url,
            self.chain_id,
            self.block_interval,
        )
        return self

    def _connect(self) -> None:
        if self._anvil_url is None:
            self._anvil = Anvil(
                chain_id=self._chain_id, args=("--no-mining", "--order", "fifo"), log_path=self._anvil_log
            )
            self._anvil_node = self._anvil.start()
            self._anvil_url = self._anvil_node.url
            coinbase = self._coinbase or DEV_COINBASE
        else:
            coinbase = self._coinbase
        self._node = node = NodeRpc(self._anvil_url)
        try:
            info = node.call("anvil_nodeInfo")
        except ConnectionError as err:
            raise DevRelayError(f"no node at {self._anvil_url}: {err}") from None
        except NodeError as err:
            raise DevRelayError(f"the node at {self._anvil_url} is not anvil ({err.message})") from None
        if info.get("transactionOrder") != "fifo":
            raise DevRelayError(
                f"the node at {self._anvil_url} orders its pool by {info.get('transactionOrder')!r}; "
                "bundles need submission order: start anvil with --order fifo"
            )
        if self._anvil is None:
            self._restore_automine = bool(node.call("anvil_getAutomine"))
            node.call("evm_setAutomine", False)
            node.call("evm_setIntervalMining", 0)
        if coinbase is not None:
            node.call("anvil_setCoinbase", to_checksum_address(coinbase))
        self.chain_id = int(node.call("eth_chainId"), 16)
        log_path = self._anvil_log.with_name(f"{self._anvil_log.stem}-simulator.log") if self._anvil_log else None
        self._simulator = Anvil(
            args=("--no-mining", "--order", "fifo", "--fork-url", self._anvil_url), log_path=log_path
        )
        self._simulator_node = self._simulator.start()
        self._builder = BlockBuilder(node, NodeRpc(self._simulator_node.url))

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads.clear()
        if self._restore_automine and self._node is not None:
            self._restore_automine = False
            try:
                self._node.call("evm_setAutomine", True)
            except Exception:  # the node may be gone already; nothing left to restore
                pass
        if self._simulator is not None:
            self._simulator.stop()
            self._simulator = self._simulator_node = None
        if self._anvil is not None:
            self._anvil.stop()
            self._anvil = self._anvil_node = None
        self._server = None
        log.info("devrelay.stopped")

    def __enter__(self) -> DevRelay:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """Whether the relay serves and its node is up (an own anvil that exited means it is not)."""
        if self._server is None or self._stopping.is_set():
            return False
        nodes = (self._anvil_node, self._simulator_node)
        return all(node.process.poll() is None for node in nodes if node is not None)

    # -- mining --------------------------------------------------------------------------------

    def mine_now(self, timestamp: int | None = None) -> BuiltBlock:
        """Build and mine the next block now (at ``timestamp``, default: `next_timestamp`)."""
        builder = self._require_builder()
        with self._build_lock:
            parent = builder.header("latest")
            if timestamp is None:
                timestamp = next_timestamp(parent.timestamp, int(time.time()))
            candidates = self._pool.eligible(parent.number + 1, timestamp)
            built = builder.build(candidates, timestamp)
            self._pool.prune(built.number)
        log.info(
            "block.mined number=%d timestamp=%d txs=%d bundles_included=%d bundles_dropped=%d",
            built.number,
            built.timestamp,
            len(built.transactions),
            len(built.included),
            len(built.dropped),
        )
        return built

    def _mine_forever(self) -> None:
        assert self.block_interval
        while not self._stopping.wait(self.block_interval):
            try:
                self.mine_now()
            except (BuildError, ConnectionError) as err:
                log.error("block.failed reason=%s", err)
            except Exception:
                log.exception("block.failed")

    def pending_bundles(self) -> list[Bundle]:
        """The bundles waiting for their block, oldest first."""
        return self._pool.pending()

    def _require_builder(self) -> BlockBuilder:
        if self._builder is None:
            raise DevRelayError("the devrelay is not running")
        return self._builder

    # -- requests ------------------------------------------------------------------------------

    def handle(self, body: bytes, signature: str | None) -> tuple[int, dict[str, Any]]:
        """Answer one HTTP request body: (HTTP status, JSON-RPC response object). Never raises."""
        try:
            signer = verify(body, signature)
        except SignatureError as err:
            log.info("request.refused reason=%s", err)
            return 403, _error(None, INVALID_REQUEST, INVALID_SIGNATURE)
        # From here on every answer is a JSON-RPC response, errors included: HTTP 200.
        try:
            request = jsonsafe.loads(body)
        except jsonsafe.JSONTooDeep as err:
            return 200, _error(None, PARSE_ERROR, f"parse error: {err}")
        except ValueError:  # UnicodeDecodeError is a ValueError too
            return 200, _error(None, PARSE_ERROR, "parse error: the body is not JSON")
        if isinstance(request, list):
            return 200, _error(None, INVALID_REQUEST, "batch requests are not supported")
        if not isinstance(request, dict):
            return 200, _error(None, INVALID_REQUEST, "invalid request: expected a JSON-RPC 2.0 object")
        request_id = request.get("id")
        if not isinstance(request_id, str | int | None) or isinstance(request_id, bool):
            request_id = None
        method = request.get("method")
        params = request.get("params", [])
        if request.get("jsonrpc") != "2.0" or not isinstance(method, str):
            return 200, _error(request_id, INVALID_REQUEST, "invalid request: expected a JSON-RPC 2.0 object")
        if not isinstance(params, list):
            return 200, _error(request_id, INVALID_PARAMS, "invalid params: expected a list")
        try:
            return 200, {"jsonrpc": "2.0", "id": request_id, **self._dispatch(signer, method, params)}
        except RpcFailure as failure:
            return failure.status, _error(request_id, failure.code, failure.message)
        except ValidationError as err:
            return 200, _error(request_id, INVALID_PARAMS, f"invalid params: {_summary(err)}")
        except ConnectionError as err:
            log.error("node.unreachable method=%s reason=%s", method, err)
            return 200, _error(request_id, INTERNAL_ERROR, "the node behind the relay is unreachable")
        except Exception:
            log.exception("request.failed method=%s", method)
            return 200, _error(request_id, INTERNAL_ERROR, "internal error")

    def _dispatch(self, signer: ChecksumAddress, method: str, params: list[Any]) -> dict[str, Any]:
        if method == "eth_sendBundle":
            return {"result": self._send_bundle(signer, _one_object(params))}
        if method == "eth_callBundle":
            return {"result": self._call_bundle(signer, _one_object(params))}
        if method == "eth_cancelBundle":
            return {"result": self._cancel_bundle(signer, _one_object(params))}
        if method in READ_ONLY_METHODS or method == PUBLIC_SUBMIT:
            with self._build_lock:  # never answer from a trial block
                answer = self._require_node().request(method, params)
            return {key: answer[key] for key in ("result", "error") if key in answer}
        raise RpcFailure(METHOD_NOT_FOUND, f"method not found: {method}")

    def _require_node(self) -> NodeRpc:
        if self._node is None:
            raise DevRelayError("the devrelay is not running")
        return self._node

    def _decode(self, raw_txs: list[bytes]) -> tuple[RawTransaction, ...]:
        if not raw_txs:
            raise RpcFailure(INVALID_PARAMS, "the bundle has no transactions")
        if len(raw_txs) > self.limits.max_bundle_txs:
            raise RpcFailure(
                INVALID_PARAMS, f"the bundle has {len(raw_txs)} transactions; the limit is {self.limits.max_bundle_txs}"
            )
        size = sum(len(raw) for raw in raw_txs)
        if size > self.limits.max_bundle_bytes:
            raise RpcFailure(INVALID_PARAMS, f"the bundle is {size} bytes; the limit is {self.limits.max_bundle_bytes}")
        txs = []
        for index, raw in enumerate(raw_txs):
            try:
                tx = RawTransaction.decode(raw)
            except TransactionDecodeError as err:
                raise RpcFailure(INVALID_PARAMS, f"transaction {index}: {err}") from None
            if tx.chain_id is not None and tx.chain_id != self.chain_id:
                raise RpcFailure(
                    INVALID_PARAMS, f"transaction {index} is for chain {tx.chain_id}; this relay serves {self.chain_id}"
                )
            txs.append(tx)
        return tuple(txs)

    def _send_bundle(self, signer: ChecksumAddress, params: dict[str, Any]) -> dict[str, Any]:
        request = SendBundleParams.model_validate(params)
        txs = self._decode(request.txs)
        bundle = Bundle(
            bundle_hash=bundle_hash(request.txs),
            txs=txs,
            block_number=request.block_number,
            signer=signer,
            sequence=self._pool.next_sequence(),
            min_timestamp=request.min_timestamp or None,
            max_timestamp=request.max_timestamp or None,
            reverting_tx_hashes=frozenset(request.reverting_tx_hashes or ()),
            replacement_uuid=request.replacement_uuid,
        )
        try:
            replaced = self._pool.add(bundle)
        except PoolFull as err:
            raise RpcFailure(BUNDLE_ERROR, str(err), status=429) from None
        log.info(
            "bundle.received hash=%s block=%d txs=%d signer=%s replaced=%d",
            bundle.bundle_hash,
            bundle.block_number,
            len(txs),
            signer,
            replaced,
        )
        return _wire(SendBundleResult(bundle_hash=bundle.bundle_hash))

    def _cancel_bundle(self, signer: ChecksumAddress, params: dict[str, Any]) -> list[str]:
        request = CancelBundleParams.model_validate(params)
        removed = self._pool.cancel(signer, request.replacement_uuid)
        log.info("bundle.cancelled signer=%s removed=%d", signer, len(removed))
        return removed

    def _call_bundle(self, signer: ChecksumAddress, params: dict[str, Any]) -> dict[str, Any]:
        request = CallBundleParams.model_validate(params)
        txs = self._decode(request.txs)
        builder = self._require_builder()
        with self._build_lock:
            state = self._state_block(builder, request.state_block_number)
            timestamp = request.timestamp or max(state.timestamp + 1, int(time.time()))
            if timestamp <= state.timestamp:
                raise RpcFailure(
                    INVALID_PARAMS,
                    f"timestamp {timestamp} must be after that of the state block {state.number} ({state.timestamp})",
                )
            simulation = builder.call(txs, timestamp, state)
        hash_ = bundle_hash(request.txs)
        log.info("bundle.called hash=%s signer=%s state=%d failure=%s", hash_, signer, state.number, simulation.failure)
        if simulation.failure is not None:
            raise RpcFailure(BUNDLE_ERROR, simulation.failure)
        return _wire(_call_result(hash_, state.number, simulation))

    def _state_block(self, builder: BlockBuilder, requested: int | str) -> BlockHeader:
        """The block whose state ``eth_callBundle`` simulates on: ``latest`` or one of the recent ones.

        Clients pick the state themselves (web3's Flashbots module simulates on the head's parent
        by default), and anvil serves the state of recent blocks, so any of them will do."""
        head = builder.header("latest")
        if requested == "latest":
            return head
        oldest = max(head.number - self.limits.max_state_age, 0)
        if not isinstance(requested, int) or not oldest <= requested <= head.number:
            raise RpcFailure(
                INVALID_PARAMS,
                f"stateBlockNumber {requested!r} is not 'latest' nor a recent block ({oldest} to {head.number})",
            )
        return head if requested == head.number else builder.header(hex(requested))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], relay: DevRelay):
        self.relay = relay
        super().__init__(address, handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "lapidary-devrelay"
    _DISCARD_LIMIT = 16 << 20  # read and drop at most this much of a refused body

    def setup(self) -> None:
        self.timeout = self.server.relay.limits.socket_timeout
        super().setup()

    def do_POST(self) -> None:  # noqa: N802 - the name http.server dispatches to
        relay = self.server.relay
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self._reply(411, _error(None, INVALID_REQUEST, "a Content-Length header is required"))
            return
        if length < 0:
            self._reply(400, _error(None, INVALID_REQUEST, "bad Content-Length"))
            return
        limit = relay.limits.max_body_bytes
        if length > limit:
            self._discard(length)
            self._reply(413, _error(None, INVALID_REQUEST, f"request body of {length} bytes exceeds {limit}"))
            return
        body = self.rfile.read(length)
        status, payload = relay.handle(body, self.headers.get(HEADER))
        self._reply(status, payload)

    def do_GET(self) -> None:  # noqa: N802
        self._reply(405, _error(None, INVALID_REQUEST, "use POST with a JSON-RPC body"))

    do_PUT = do_DELETE = do_PATCH = do_GET  # noqa: N815

    def _discard(self, length: int) -> None:
        if length > self._DISCARD_LIMIT:
            return
        remaining = length
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 1 << 16))
            if not chunk:
                break
            remaining -= len(chunk)

    def _reply(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
        log.debug("http %s %s", self.address_string(), format % args)


def _error(request_id: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}


def _one_object(params: list[Any]) -> dict[str, Any]:
    if len(params) != 1 or not isinstance(params[0], dict):
        raise RpcFailure(INVALID_PARAMS, "invalid params: expected one object")
    return params[0]


def _summary(err: ValidationError, most: int = 3) -> str:
    """Field errors without the offending values (they may be large or sensitive)."""
    parts = [f"{'.'.join(str(p) for p in e['loc']) or 'params'}: {e['msg']}" for e in err.errors()[:most]]
    if err.error_count() > most:
        parts.append(f"and {err.error_count() - most} more")
    return "; ".join(parts)


def _wire(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


def _call_result(hash_: str, state_block: int, simulation: Simulation) -> CallBundleResult:
    results = []
    for outcome in simulation.outcomes:
        coinbase_diff = outcome.coinbase_diff or 0
        results.append(
            TxSimulation(
                tx_hash=outcome.tx.hash,
                from_address=outcome.tx.sender,
                to_address=to_checksum_address(outcome.to) if outcome.to else None,
                gas_used=outcome.gas_used,
                gas_price=coinbase_diff // max(outcome.gas_used, 1),
                gas_fees=outcome.gas_fees,
                coinbase_diff=coinbase_diff,
                eth_sent_to_coinbase=coinbase_diff - outcome.gas_fees,
                value=to_hex(outcome.output) if outcome.success else None,
                error=outcome.error,
                revert=outcome.revert_reason,
            )
        )
    total_gas = sum(r.gas_used for r in results)
    coinbase_diff = sum(r.coinbase_diff for r in results)
    gas_fees = sum(r.gas_fees for r in results)
    return CallBundleResult(
        bundle_hash=hash_,
        bundle_gas_price=coinbase_diff // max(total_gas, 1),
        coinbase_diff=coinbase_diff,
        eth_sent_to_coinbase=coinbase_diff - gas_fees,
        gas_fees=gas_fees,
        results=results,
        state_block_number=state_block,
        total_gas_used=total_gas,
    )


def serve_devrelay(
    anvil_url: str | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    block_interval: float = 2.0,
    *,
    coinbase: str | None = None,
    chain_id: int | None = None,
    limits: RelayLimits | None = None,
    anvil_log: Path | None = None,
    on_ready: Callable[[DevRelay], None] | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Run a devrelay until Ctrl-C, SIGTERM, ``stop`` being set, or its own anvil exiting.

    ``on_ready`` gets the running relay (``relay.url``, ``relay.port``, ``relay.anvil_url``)
    once it serves, e.g. to print where it listens. Raises :class:`DevRelayError` if the
    node is unsuitable or goes away.
    """
    stop = stop or threading.Event()
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set()) if in_main_thread else None
    try:
        with DevRelay(
            anvil_url,
            host=host,
            port=port,
            block_interval=block_interval,
            coinbase=coinbase,
            chain_id=chain_id,
            limits=limits,
            anvil_log=anvil_log,
        ) as relay:
            if on_ready is not None:
                on_ready(relay)
            try:
                while not stop.wait(0.25):
                    if not relay.running:
                        raise DevRelayError(f"the devrelay's anvil exited (node at {relay.anvil_url})")
            except KeyboardInterrupt:
                log.info("devrelay.interrupted")
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
