"""Everything a posted request must pass before the relayer spends anything on it.

The checks run cheapest first and stop at the first failure, which comes back as a `Rejection`
with a stable machine-readable `code`, a sentence for people, and the HTTP status it goes out with:

1. body size and JSON schema (`parse`): `payload_too_large`, `malformed_json`, `invalid_request`;
2. the client's IP budget (`admit_client`): `rate_limited`;
3. the request itself: `wrong_target` (not this diamond), `selector_not_allowed`, `value_not_supported`,
   `gas_out_of_range`, `payload_too_large` (inner calldata), `expired` (against the chain's clock);
4. the signature: `bad_signature` (not a valid secp256k1 signature), `wrong_signer` (valid, but not
   by `from` over this request, this chain id and this diamond: tampered fields and signatures made
   for another chain or diamond land here);
5. the signer's budget: `rate_limited` (counted for the recovered signer only, so nobody can spend
   someone else's budget with forged requests);
6. the nonce against the chain and the requests already in flight: `nonce_used`, `nonce_pending`,
   `nonce_too_far`.

Nothing here does I/O: chain facts come through a `ChainView` (a cache in production) and time
through an injected clock, so the whole pipeline is testable and measurable alone.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Protocol

from pydantic import ValidationError

from keepers.gasless.request import (
    ForwardRequest,
    SignatureInvalid,
    SignedRequest,
    domain_separator,
    eip712_digest,
    recover,
)


class Rejection(Exception):
    """A request refused, with its error code, a human explanation and its HTTP status."""

    def __init__(self, code: str, detail: str | list, status: int = 422, retry_after: float | None = None):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.status = status
        self.retry_after = retry_after


class ChainView(Protocol):
    """What validation needs to know about the chain (served from a cache in the service)."""

    def timestamp(self) -> int:
        """The latest block's timestamp: deadlines are judged by the chain's clock, not ours."""

    def signer_nonce(self, signer: str) -> int:
        """`nonces(signer)` on the diamond at the latest block."""

    def relayable(self, selector: bytes) -> bool:
        """`relayable(selector)` on the diamond."""


@dataclass
class TokenBucket:
    """`burst` tokens, refilled at `rate` per second; a request takes one."""

    rate: float
    burst: int
    tokens: float
    at: float

    def take(self, now: float) -> float | None:
        """None if a token was taken, else the seconds until one is available."""
        self.tokens = min(float(self.burst), self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return None
        return (1.0 - self.tokens) / self.rate


class RateLimiter:
    """One token bucket per key (a signer, an IP), the least recently used forgotten past `max_keys`."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000):
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str) -> float | None:
        """None if `key` may go on, else the seconds it should wait."""
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = TokenBucket(self.rate, self.burst, float(self.burst), now)
                if len(self._buckets) > self.max_keys:
                    self._buckets.popitem(last=False)
            else:
                self._buckets.move_to_end(key)
            return bucket.take(now)


@dataclass(frozen=True)
class RelayPolicy:
    """What this relayer accepts. `selectors` empty: whatever the diamond's `relayable` allows."""

    chain_id: int
    diamond: str
    selectors: frozenset[bytes] = frozenset()
    max_body_bytes: int = 16_384
    max_data_bytes: int = 8_192
    max_request_gas: int = 1_000_000
    min_deadline_seconds: int = 30
    max_nonce_ahead: int = 16


@dataclass(frozen=True)
class ValidRequest:
    """A request that passed every check: who signed it, and its digest."""

    signed: SignedRequest
    signer: str
    digest: bytes

    @property
    def request(self) -> ForwardRequest:
        return self.signed.request


@dataclass
class Validator:
    policy: RelayPolicy
    chain: ChainView
    signer_limits: RateLimiter
    ip_limits: RateLimiter
    _separator: bytes = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._separator = domain_separator(self.policy.chain_id, self.policy.diamond)

    # -- 1 and 2: the envelope -------------------------------------------------------------------

    def parse(self, body: bytes) -> SignedRequest:
        """The request in a raw POST body (size, JSON, schema)."""
        if len(body) > self.policy.max_body_bytes:
            raise Rejection(
                "payload_too_large", f"the body is {len(body)} bytes, at most {self.policy.max_body_bytes}", 413
            )
        try:
            document = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise Rejection("malformed_json", f"the body is not JSON: {err}", 400) from None
        try:
            return SignedRequest.model_validate(document)
        except ValidationError as err:
            raise Rejection("invalid_request", schema_errors(err)) from None

    def admit_client(self, client: str) -> None:
        wait = self.ip_limits.take(client)
        if wait is not None:
            raise Rejection("rate_limited", f"too many requests from {client}; retry in {wait:.1f}s", 429, wait)

    # -- 3 to 6: the request ---------------------------------------------------------------------

    def validate(self, signed: SignedRequest, pending: Callable[[str], Collection[int]]) -> ValidRequest:
        """Every check of a parsed request; `pending(signer)` gives the nonces already in flight."""
        request, policy = signed.request, self.policy
        if request.to != policy.diamond:
            raise Rejection("wrong_target", f"`to` must be the diamond {policy.diamond}, got {request.to}")
        if len(request.data) > policy.max_data_bytes:
            raise Rejection(
                "payload_too_large", f"`data` is {len(request.data)} bytes, at most {policy.max_data_bytes}", 413
            )
        selector = request.selector
        if len(selector) < 4 or (policy.selectors and selector not in policy.selectors):
            raise Rejection("selector_not_allowed", f"selector 0x{selector.hex()} is not relayed here")
        if not self.chain.relayable(selector):
            raise Rejection("selector_not_allowed", f"selector 0x{selector.hex()} is not relayable on the diamond")
        if request.value != 0:
            raise Rejection("value_not_supported", "this relayer sends no ETH with requests: `value` must be 0")
        if not 21_000 <= request.gas <= policy.max_request_gas:
            raise Rejection("gas_out_of_range", f"`gas` must be between 21000 and {policy.max_request_gas}")
        now = self.chain.timestamp()
        if request.deadline < now + policy.min_deadline_seconds:
            raise Rejection(
                "expired",
                f"deadline {request.deadline} is past or within {policy.min_deadline_seconds}s of chain time {now}",
            )
        digest = eip712_digest(request, self._separator)
        try:
            signer = recover(digest, signed.signature)
        except SignatureInvalid as err:
            raise Rejection("bad_signature", str(err)) from None
        if signer != request.from_:
            raise Rejection(
                "wrong_signer",
                f"the signature is not by {request.from_} over this request for chain {policy.chain_id} "
                f"and diamond {policy.diamond}",
            )
        wait = self.signer_limits.take(signer)
        if wait is not None:
            raise Rejection("rate_limited", f"too many requests from {signer}; retry in {wait:.1f}s", 429, wait)
        check_nonce(request.nonce, self.chain.signer_nonce(signer), pending(signer), policy.max_nonce_ahead)
        return ValidRequest(signed, signer, digest)


def check_nonce(nonce: int, on_chain: int, in_flight: Collection[int], max_ahead: int) -> None:
    """A nonce is acceptable if unused on chain, not already in flight, and at most `max_ahead` past
    the next one the signer can use (the chain's, or the one after its last in-flight request)."""
    if nonce < on_chain:
        raise Rejection("nonce_used", f"nonce {nonce} is used; the signer's next nonce on chain is {on_chain}", 409)
    if nonce in in_flight:
        raise Rejection("nonce_pending", f"a request with nonce {nonce} from this signer is already in flight", 409)
    following = max(on_chain, max(in_flight, default=-1) + 1)
    if nonce > following + max_ahead:
        raise Rejection("nonce_too_far", f"nonce {nonce} is more than {max_ahead} past the next usable {following}")


def schema_errors(err: ValidationError) -> list[dict]:
    """Pydantic's errors as plain JSON: where and what, never the offending input echoed back whole."""
    return [
        {"loc": [str(part) for part in error["loc"]], "msg": error["msg"], "type": error["type"]}
        for error in err.errors(include_url=False, include_input=False, include_context=False)
    ]
