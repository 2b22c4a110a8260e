"""`keepers run api`: the API and dashboard under uvicorn, on 127.0.0.1 unless configured otherwise."""

from __future__ import annotations

import socket
from collections.abc import Callable

import uvicorn

from keepers.api.app import create_app
from keepers.api.context import build_context
from keepers.config import LapidarySettings


def serve(settings: LapidarySettings, on_ready: Callable[[str], None] | None = None) -> None:
    """Serve until SIGINT / SIGTERM (uvicorn's own handlers stop it cleanly); `on_ready` gets the URL."""
    ctx = build_context(settings)
    try:
        family = socket.AF_INET6 if ":" in settings.api.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((settings.api.host, settings.api.port))  # port 0: the OS picks, and we can say which
        except OSError as err:
            sock.close()
            raise ConnectionError(f"cannot listen on {settings.api.host}:{settings.api.port}: {err.strerror}") from None
        host, port = sock.getsockname()[:2]
        config = uvicorn.Config(
            create_app(ctx),
            log_level="warning",
            access_log=False,
            ws="websockets-sansio",
            ws_max_size=settings.api.max_body_bytes,  # the live feed reads nothing from clients: no more than a body
            timeout_graceful_shutdown=5,
        )
        if on_ready is not None:
            on_ready(f"http://{host}:{port}")
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        ctx.close()
