"""FastAPI dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from keepers.api.context import ApiContext


def context(request: Request) -> ApiContext:
    return request.app.state.context


Context = Annotated[ApiContext, Depends(context)]
