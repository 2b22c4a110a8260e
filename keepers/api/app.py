"""The FastAPI application: routers, the dashboard's static files, the live feed's poller."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from requests.exceptions import RequestException

from keepers.api.context import ApiContext
from keepers.api.errors import validation_failed
from keepers.api.events import EventBus
from keepers.api.metrics import registry
from keepers.api.routes import chain, control, journal, live, mm, quote, rewards, status, views
from keepers.body_limit import BodyLimit
from keepers.chain.client import NodeUnavailable

STATIC = Path(__file__).with_name("static")


def create_app(ctx: ApiContext) -> FastAPI:
    """The API over `ctx`; the live feed polls while the app runs (lifespan). Request bodies over
    `api.max_body_bytes` are refused (413), and refusals never echo more than an excerpt of the input."""
    events = EventBus(ctx, ctx.settings.api.poll_interval)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        poller = asyncio.create_task(events.run(), name="events")
        try:
            yield
        finally:
            poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poller

    app = FastAPI(
        title="Lapidary operator API",
        version="1",
        description="Keeper status and control, balances read from chain, the journal, rewards proofs. "
        "Amounts are decimal strings of base units.",
        lifespan=lifespan,
        docs_url=None,  # Swagger UI and ReDoc load from a CDN; the dashboard works offline
        redoc_url=None,
    )
    app.state.context = ctx
    app.state.events = events
    app.state.metrics = registry(ctx)
    app.add_middleware(BodyLimit, max_bytes=ctx.settings.api.max_body_bytes)
    app.add_exception_handler(RequestValidationError, validation_failed)
    for router in (
        status.router,
        chain.router,
        control.router,
        journal.router,
        rewards.router,
        mm.router,
        quote.router,
        views.router,
        live.router,
    ):
        app.include_router(router)

    @app.exception_handler(NodeUnavailable)
    @app.exception_handler(ConnectionError)
    @app.exception_handler(RequestException)  # web3's HTTP provider: the node went away
    async def node_away(request: Request, err: Exception) -> JSONResponse:
        return JSONResponse({"detail": f"the node does not answer: {type(err).__name__}"}, status_code=503)

    @app.get("/", include_in_schema=False)
    def dashboard() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
