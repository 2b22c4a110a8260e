"""The relayer's HTTP API from the other side: submit a signed request, read what became of it.

`keepers run gasless` serves it (`keepers.gasless.service`); the demo's campaign participant and the
market maker's gasless claims use this client, so both speak to it one way.
"""

from __future__ import annotations

import httpx
from pydantic import BaseModel

from keepers.gasless.request import SignedRequest


class GaslessUnavailable(Exception):
    """The relayer did not take the request (down, refused it, or answered nonsense); says which."""


class GaslessStatus(BaseModel):
    """What `GET /v1/requests/{id}` answers (the fields a client acts on)."""

    id: str
    status: str  # queued | submitted | mined | failed
    tx_hash: str | None = None
    reason: str | None = None

    @property
    def ended(self) -> bool:
        return self.status in ("mined", "failed")


class GaslessClient:
    """A relayer at `url` (``http://127.0.0.1:8700``, say)."""

    def __init__(self, url: str, timeout: float = 5.0):
        self.url, self.timeout = url.rstrip("/"), timeout

    def submit(self, signed: SignedRequest) -> str:
        """The accepted request's id; GaslessUnavailable when it was not accepted."""
        try:
            response = httpx.post(f"{self.url}/v1/requests", json=signed.to_json(), timeout=self.timeout)
        except httpx.HTTPError as err:
            raise GaslessUnavailable(f"the relayer at {self.url} is unreachable ({type(err).__name__})") from None
        if response.status_code != 202:
            detail = response.text[:200]
            raise GaslessUnavailable(f"the relayer refused the request: HTTP {response.status_code} {detail}")
        try:
            return str(response.json()["id"])
        except (ValueError, KeyError, TypeError):
            raise GaslessUnavailable("the relayer accepted the request without an id") from None

    def status(self, request_id: str) -> GaslessStatus | None:
        """What became of a request; None when the relayer cannot say now (try again later)."""
        try:
            response = httpx.get(f"{self.url}/v1/requests/{request_id}", timeout=self.timeout)
            return GaslessStatus.model_validate(response.json()) if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            return None
