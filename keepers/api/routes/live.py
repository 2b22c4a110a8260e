"""WebSocket /ws (the live feed) and GET /metrics (Prometheus)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

router = APIRouter(tags=["live"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text format"}},
    summary="Prometheus metrics: keeper processes, heartbeats, journal counts, realized profit",
)
async def metrics(request: Request) -> Response:
    body = await asyncio.to_thread(generate_latest, request.app.state.metrics)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


@router.websocket("/ws")
async def live(websocket: WebSocket) -> None:
    """Status (now, then on change), new opportunities, trades and log events, as JSON messages."""
    bus = websocket.app.state.events
    await websocket.accept()
    queue = bus.subscribe()
    try:
        if bus.status is not None:
            await websocket.send_json({"type": "status", "data": bus.status})
        while True:
            await websocket.send_json(await queue.get())
    except (WebSocketDisconnect, RuntimeError):
        pass  # the client went away
    finally:
        bus.unsubscribe(queue)
