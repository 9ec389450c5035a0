"""How `wall serve` listens: the one uvicorn configuration, shared by the command and by the
tests that run the real server on a loopback socket inside their own process."""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI

from app.httpguard import HeaderDeadlineProtocol
from wall.config import Settings

KEEP_ALIVE_S = 5  # an idle kept-alive connection is closed after this
# Connections and requests at once. Each is a file descriptor: the units raise LimitNOFILE
# far above it, so a crowd gets a clear 503, never "too many open files" for everyone.
MAX_CONNECTIONS = 2000


def uvicorn_config(app: FastAPI, settings: Settings) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=settings.server.host,
        port=settings.server.port,
        log_level="info",
        proxy_headers=False,
        http=HeaderDeadlineProtocol,  # headers within 10 s: no slowloris
        timeout_keep_alive=KEEP_ALIVE_S,
        limit_concurrency=MAX_CONNECTIONS,  # past it: 503 at once, not a stalled queue
    )
