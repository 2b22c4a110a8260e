"""How the API words a refused request: FastAPI's 422 shape, but never the caller's input at length.

Pydantic puts the offending value in `input`, and sometimes in `msg`, `ctx` or `loc` too (a
discriminator's tag, an unknown field's name); echoed whole, a 64 KiB value comes back as a 64 KiB
error. Every one of those is cut to a short excerpt here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

EXCERPT = 64  # characters of an offending value echoed back
MESSAGE = 200  # characters of a message, which may quote the value


def excerpt(value: Any, limit: int = EXCERPT) -> Any:
    """`value` as JSON when that is at most `limit` characters long; else the start of its text,
    `limit` characters and an ellipsis."""
    if value is None or isinstance(value, bool | float):
        return value
    if isinstance(value, str):
        text = value
    elif isinstance(value, bytes):  # a body that was not JSON
        text = value.decode("utf-8", "replace")
    else:
        try:
            text = json.dumps(value, default=str, ensure_ascii=False)
        except ValueError:  # an int past Python's digit limit for str()
            return f"<{type(value).__name__}>"
        if len(text) <= limit:
            return json.loads(text)
    return text if len(text) <= limit else text[:limit] + "…"


def brief(error: Mapping[str, Any]) -> dict[str, Any]:
    """One pydantic error with every part the caller wrote cut to an excerpt."""
    ctx = error.get("ctx") or {}
    msg = str(error["msg"])
    for value in ctx.values():  # a message quotes the value it names in ctx (a discriminator's tag)
        if isinstance(value, str) and len(value) > EXCERPT:
            msg = msg.replace(value, excerpt(value))
    out: dict[str, Any] = {
        "type": error["type"],
        "loc": [part if isinstance(part, int) else excerpt(str(part)) for part in error["loc"]],
        "msg": excerpt(msg, MESSAGE),
    }
    if "input" in error:
        out["input"] = excerpt(error["input"])
    if ctx:
        out["ctx"] = {str(key): excerpt(value) for key, value in ctx.items()}
    return out


async def validation_failed(_request: Request, err: RequestValidationError) -> JSONResponse:
    """The 422 of a request that does not validate (`app.exception_handler(RequestValidationError)`)."""
    return JSONResponse({"detail": [brief(error) for error in err.errors()]}, status_code=422)
