"""Bearer-token check for control endpoints: missing -> 401, wrong (or none configured) -> 403.

The check runs before the request's body is read (`TokenRoute`): a caller without the token learns
nothing about how its body would have been parsed, and makes the API parse nothing.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Depends, HTTPException, Request, Response, status
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from keepers.api.models import ErrorBody

bearer = HTTPBearer(auto_error=False, description="LAPIDARY_API__TOKEN")

# What every `TokenRoute` may answer before its own handler runs (documented in each route's schema).
TOKEN_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "no bearer token (checked before the body is read)"},
    403: {"model": ErrorBody, "description": "wrong token, or control disabled (no token configured)"},
    413: {"model": ErrorBody, "description": "body over api.max_body_bytes"},
}


def check_token(request: Request, credentials: HTTPAuthorizationCredentials | None) -> None:
    """Raise 401 / 403 unless `credentials` carry the configured token."""
    if credentials is None or not credentials.credentials:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"}
        )
    configured = request.app.state.context.settings.api.token
    if configured is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "control is disabled: no LAPIDARY_API__TOKEN is configured")
    if not hmac.compare_digest(credentials.credentials.encode(), configured.get_secret_value().encode()):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "wrong token")


class TokenRoute(APIRoute):
    """A route that requires the bearer token, checked before anything else: `APIRouter(route_class=...)`.

    Not a dependency: FastAPI reads and parses a declared body before it runs any dependency, so a
    caller without a token would still get a 422 for malformed JSON. `bearer` is added as a dependency
    only so that the OpenAPI document declares the scheme; it checks nothing.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any):
        kwargs["dependencies"] = [*(kwargs.get("dependencies") or []), Depends(bearer)]
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def checked(request: Request) -> Response:
            check_token(request, await bearer(request))
            return await handler(request)

        return checked
