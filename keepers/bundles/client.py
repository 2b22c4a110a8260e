"""A small Flashbots-style relay client over eth-account (the ``flashbots`` package pins web3 < 7).

``RelayClient`` signs every request with the searcher key (``X-Flashbots-Signature``),
sends a bundle to every configured relay at once and reports each relay's answer
on its own: one relay being down or refusing the bundle never stops the others.
Whether a bundle landed is read from the chain (:func:`track_inclusion`), not
from relay APIs, which differ between relays and can be wrong.

The searcher key only authenticates requests; it is never logged, printed or
put in an error message. Relay URLs are shown without credentials or query
strings, since some relays put API keys there.
"""

from __future__ import annotations

import itertools
import json
import logging
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import Enum
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from eth_account.signers.local import LocalAccount
from pydantic import ValidationError
from web3 import Web3
from web3.exceptions import TransactionNotFound

from keepers.bundles import jsonsafe
from keepers.bundles.models import (
    CallBundleParams,
    CallBundleResult,
    CancelBundleParams,
    SendBundleParams,
    SendBundleResult,
)
from keepers.bundles.signing import HEADER, sign_body
from keepers.bundles.transactions import bundle_hash, from_hex, to_hex

log = logging.getLogger(__name__)

RawTx = bytes | str  # signed transaction bytes, or the same as 0x hex
MAX_RESPONSE_BYTES = 16 << 20


def redact(url: str) -> str:
    """``url`` without user info, query or fragment: safe to log."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


class RelayError(Exception):
    """A relay refused a request (JSON-RPC error) or could not be reached."""

    def __init__(self, url: str, message: str, code: int | None = None, *, reachable: bool = True):
        super().__init__(f"{redact(url)}: {message}")
        self.url = url
        self.message = message
        self.code = code
        self.reachable = reachable


@dataclass(frozen=True)
class RelayAnswer:
    """One relay's answer to a bundle submission or cancellation."""

    url: str
    bundle_hash: str | None = None
    error: RelayError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class Submission:
    """A bundle sent for one target block, with every relay's answer."""

    target_block: int
    bundle_hash: str  # computed locally, the way relays compute it
    answers: tuple[RelayAnswer, ...]

    @property
    def accepted(self) -> tuple[RelayAnswer, ...]:
        return tuple(answer for answer in self.answers if answer.ok)

    @property
    def failed(self) -> tuple[RelayAnswer, ...]:
        return tuple(answer for answer in self.answers if not answer.ok)


class RelayClient:
    """Signed JSON-RPC to one or more relays for one searcher identity."""

    def __init__(self, urls: Sequence[str], searcher: LocalAccount, timeout: float = 5.0):
        if not urls:
            raise ValueError("a relay client needs at least one relay URL")
        self.urls = tuple(urls)
        self.timeout = timeout
        self._searcher = searcher
        self._ids = itertools.count(1)

    def __repr__(self) -> str:
        relays = ", ".join(redact(url) for url in self.urls)
        return f"RelayClient(searcher={self._searcher.address}, relays=[{relays}])"

    @property
    def searcher_address(self) -> str:
        return self._searcher.address

    # -- one call ------------------------------------------------------------------------------

    def request(self, url: str, method: str, params: list[Any]) -> Any:
        """One signed JSON-RPC call; the ``result``, or :class:`RelayError`."""
        body = json.dumps(
            {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params}, separators=(",", ":")
        ).encode()
        headers = {"Content-Type": "application/json", HEADER: sign_body(body, self._searcher)}
        try:
            with requests.post(url, data=body, headers=headers, timeout=self.timeout, stream=True) as response:
                content = _read_bounded(url, response, MAX_RESPONSE_BYTES)
        except requests.RequestException as err:
            raise RelayError(url, f"unreachable: {type(err).__name__}", reachable=False) from None
        try:
            answer = jsonsafe.loads(content)
        except ValueError:
            text = content[:200].decode(errors="replace").strip()
            raise RelayError(url, f"HTTP {response.status_code}: {text or 'no body'}") from None
        if isinstance(answer, dict) and answer.get("error") is not None:
            error = answer["error"]
            if isinstance(error, dict):
                raise RelayError(url, str(error.get("message", error))[:500], error.get("code"))
            raise RelayError(url, str(error)[:500])
        if not isinstance(answer, dict) or "result" not in answer:
            raise RelayError(url, f"HTTP {response.status_code}: not a JSON-RPC response")
        if response.status_code != 200:
            raise RelayError(url, f"HTTP {response.status_code}")
        return answer["result"]

    # -- bundles -------------------------------------------------------------------------------

    def call_bundle(
        self,
        signed_txs: Sequence[RawTx],
        block_number: int,
        state_block: int | str = "latest",
        timestamp: int | None = None,
    ) -> CallBundleResult:
        """Simulate a bundle (``eth_callBundle``) on the first relay that answers.

        Relays are tried in order only while they are unreachable; a relay that
        answers with an error (bad nonce, unknown method…) raises at once.
        """
        params = CallBundleParams(
            txs=_raw(signed_txs), block_number=block_number, state_block_number=state_block, timestamp=timestamp
        ).wire()
        last: RelayError | None = None
        for url in self.urls:
            try:
                result = self.request(url, "eth_callBundle", [params])
            except RelayError as err:
                if err.reachable:
                    raise
                last = err
                continue
            try:
                return CallBundleResult.model_validate(result)
            except ValidationError as err:
                raise RelayError(url, f"unexpected eth_callBundle result: {err.error_count()} field errors") from None
        assert last is not None
        raise last

    def send_bundle(
        self,
        signed_txs: Sequence[RawTx],
        target_block: int,
        *,
        min_timestamp: int | None = None,
        max_timestamp: int | None = None,
        reverting_tx_hashes: Iterable[bytes | str] = (),
        replacement_uuid: str | None = None,
        builders: Sequence[str] | None = None,
    ) -> Submission:
        """Send a bundle for ``target_block`` to every relay at once; one answer per relay, in URL order."""
        raw = _raw(signed_txs)
        reverting = [_hash(h) for h in reverting_tx_hashes]
        params = SendBundleParams(
            txs=raw,
            block_number=target_block,
            min_timestamp=min_timestamp,
            max_timestamp=max_timestamp,
            reverting_tx_hashes=reverting or None,
            replacement_uuid=replacement_uuid,
            builders=list(builders) if builders is not None else None,
        ).wire()
        answers = self._to_all("eth_sendBundle", [params], _bundle_hash_of)
        submission = Submission(target_block=target_block, bundle_hash=bundle_hash(raw), answers=answers)
        log.info(
            "bundle.sent hash=%s block=%d accepted=%d failed=%d",
            submission.bundle_hash,
            target_block,
            len(submission.accepted),
            len(submission.failed),
        )
        for answer in submission.failed:
            log.warning(
                "bundle.refused hash=%s relay=%s reason=%s",
                submission.bundle_hash,
                redact(answer.url),
                answer.error.message if answer.error else None,
            )
        return submission

    def send_bundle_for_blocks(
        self, signed_txs: Sequence[RawTx], first_block: int, count: int, **options: Any
    ) -> list[Submission]:
        """Send the same bundle for blocks ``first_block`` … ``first_block + count - 1``.

        A replacement uuid names one bundle, so a later target would replace the
        earlier ones: it is refused here with ``count > 1``.
        """
        if count < 1:
            raise ValueError("count must be at least 1")
        if count > 1 and options.get("replacement_uuid") is not None:
            raise ValueError("a replacementUuid names one bundle; send one bundle per uuid and target block")
        return [self.send_bundle(signed_txs, first_block + offset, **options) for offset in range(count)]

    def cancel_bundle(self, replacement_uuid: str) -> tuple[RelayAnswer, ...]:
        """Cancel (``eth_cancelBundle``) this searcher's bundles with ``replacement_uuid`` on every relay."""
        params = CancelBundleParams(replacement_uuid=replacement_uuid).wire()
        return self._to_all("eth_cancelBundle", [params], lambda _: None)

    def _to_all(self, method: str, params: list[Any], read) -> tuple[RelayAnswer, ...]:
        def one(url: str) -> RelayAnswer:
            try:
                return RelayAnswer(url=url, bundle_hash=read(self.request(url, method, params)))
            except RelayError as err:
                return RelayAnswer(url=url, error=err)
            except (ValidationError, TypeError, ValueError) as err:
                return RelayAnswer(url=url, error=RelayError(url, f"unexpected {method} result: {type(err).__name__}"))

        with ThreadPoolExecutor(max_workers=len(self.urls), thread_name_prefix="relay") as pool:
            return tuple(pool.map(one, self.urls))


def _read_bounded(url: str, response: requests.Response, limit: int) -> bytes:
    chunks, size = [], 0
    for chunk in response.iter_content(1 << 16):
        size += len(chunk)
        if size > limit:
            raise RelayError(url, f"response larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _raw(signed_txs: Sequence[RawTx]) -> list[bytes]:
    return [from_hex(tx) if isinstance(tx, str) else bytes(tx) for tx in signed_txs]


def _hash(value: bytes | str) -> str:
    data = from_hex(value) if isinstance(value, str) else bytes(value)
    if len(data) != 32:
        raise ValueError("a transaction hash is 32 bytes")
    return to_hex(data)


def _bundle_hash_of(result: Any) -> str:
    return SendBundleResult.model_validate(result).bundle_hash


# -- inclusion, from receipts ------------------------------------------------------------------


class Inclusion(Enum):
    INCLUDED = "included"  # every transaction, all in one block
    PARTIAL = "partial"  # some transactions, or all but across blocks: not atomic
    NOT_INCLUDED = "not_included"


@dataclass(frozen=True)
class InclusionResult:
    """Where a bundle's transactions ended up, read from receipts on canonical blocks."""

    status: Inclusion
    blocks: dict[str, int] = field(default_factory=dict)  # tx hash -> block, for the included ones
    reverted: tuple[str, ...] = ()  # included with status 0 (allowed reverts)
    checked_through: int = 0  # the chain head when the answer was final

    @property
    def included(self) -> bool:
        return self.status is Inclusion.INCLUDED

    @property
    def block_number(self) -> int | None:
        """The block holding the whole bundle, when it was included."""
        return next(iter(self.blocks.values())) if self.included else None


def track_inclusion(
    web3: Web3,
    tx_hashes: Sequence[bytes | str],
    until_block: int,
    *,
    confirmations: int = 0,
    poll_interval: float = 0.25,
    timeout: float = 120.0,
) -> InclusionResult:
    """Wait until all of ``tx_hashes`` are included or the chain has passed ``until_block``.

    A receipt counts only if its block is canonical (its hash is the block hash at
    its height) and has ``confirmations`` blocks on top. Returns as soon as every
    transaction is in; otherwise once ``until_block`` plus ``confirmations`` is
    reached, with whatever was found. Raises ``TimeoutError`` if the chain does not
    get there within ``timeout`` seconds.
    """
    hashes = [_hash(h) for h in tx_hashes]
    if not hashes:
        raise ValueError("no transactions to track")
    deadline = time.monotonic() + timeout
    while True:
        head = web3.eth.block_number
        found, reverted = _receipts(web3, hashes, head, confirmations)
        final = head >= until_block + confirmations
        if len(found) == len(hashes) or final:
            if len(found) == len(hashes) and len(set(found.values())) == 1:
                status = Inclusion.INCLUDED
            elif found:
                status = Inclusion.PARTIAL
            else:
                status = Inclusion.NOT_INCLUDED
            return InclusionResult(status=status, blocks=found, reverted=tuple(reverted), checked_through=head)
        if time.monotonic() >= deadline:
            raise TimeoutError(f"the chain did not reach block {until_block + confirmations} within {timeout:.0f}s")
        time.sleep(poll_interval)


def _receipts(web3: Web3, hashes: list[str], head: int, confirmations: int) -> tuple[dict[str, int], list[str]]:
    found: dict[str, int] = {}
    reverted: list[str] = []
    canonical: dict[int, bytes] = {}
    for h in hashes:
        try:
            receipt = web3.eth.get_transaction_receipt(h)
        except TransactionNotFound:
            continue
        number = receipt["blockNumber"]
        if number is None or head - number < confirmations:
            continue
        if number not in canonical:
            try:
                canonical[number] = bytes(web3.eth.get_block(number)["hash"])
            except Exception:  # the block went away between the two reads (a reorg, a rolled-back trial)
                continue
        if canonical[number] != bytes(receipt["blockHash"]):
            continue
        found[h] = number
        if receipt["status"] != 1:
            reverted.append(h)
    return found, reverted
