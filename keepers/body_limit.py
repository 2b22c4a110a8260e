"""The request-body size limit of our HTTP apps (the operator API, the gasless relayer): one mechanism.

A body over the limit is answered 413 by the app's own `HTTPException` handler, so each app words it
in its own error shape (the relayer's `{"error": "payload_too_large", ...}`, the API's `{"detail"}`):

- a declared `Content-Length` over the limit is refused before the app runs, on every endpoint;
- a body without one (chunked) is counted as it streams in, and reading past the limit raises
  `BodyTooLarge` inside the endpoint that reads it (FastAPI lets an `HTTPException` from a body read
  through). Nothing past the limit is ever buffered.

Not FastAPI's own `max_body_size`: for a declared length over its limit it sends a plain-text 413 of
its own in place of the app's answer, which would break the relayer's documented JSON refusals.
"""

from __future__ import annotations

import inspect

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(HTTPException):
    """A request body over `limit` bytes (413)."""

    def __init__(self, limit: int):
        super().__init__(413, f"the request body is over the {limit}-byte limit")


class BodyLimit:
    """ASGI middleware refusing request bodies over `max_bytes` (see the module docstring);
    `app.add_middleware(BodyLimit, max_bytes=...)`."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # WebSocket messages are bounded by the server (uvicorn's ws_max_size)
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            response = await _answer(scope, receive, BodyTooLarge(self.max_bytes))
            await response(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, limited, send)


async def _answer(scope: Scope, receive: Receive, error: HTTPException) -> Response:
    """What the app's exception handlers answer to `error`: by status code first, then by class, as
    Starlette's own exception middleware looks them up (Starlette puts the app in the scope)."""
    handlers = scope["app"].exception_handlers
    handler = handlers.get(error.status_code) or next(handlers[c] for c in type(error).__mro__ if c in handlers)
    response = handler(Request(scope, receive), error)
    return await response if inspect.isawaitable(response) else response
