"""Bearer-token check for control endpoints: missing -> 401, wrong (or none configured) -> 403."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

bearer = HTTPBearer(auto_error=False, description="LAPIDARY_API__TOKEN")


def require_token(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> None:
    if credentials is None or not credentials.credentials:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"}
        )
    configured = request.app.state.context.settings.api.token
    if configured is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "control is disabled: no LAPIDARY_API__TOKEN is configured")
    if not hmac.compare_digest(credentials.credentials.encode(), configured.get_secret_value().encode()):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "wrong token")
