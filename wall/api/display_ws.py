"""The display feed's live half: `WS /ws/display`, authenticated by the display token.

A display that (re)connects gets a full snapshot and the show state (`show.start` or
`show.stop`), then `photo.approved` / `photo.removed` and show changes as they happen:
a removed photo is off the wall as soon as the renderer reads the event.
"""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, WebSocket

from wall.display_feed import config_message, show_message, source_credits
from wall.domain import PhotoStatus
from wall.schemas import WallPhoto
from wall.services import Services

router = APIRouter()

CLOSE_UNAUTHORIZED = 4401
SNAPSHOT_LIMIT = 100_000


def _token(websocket: WebSocket) -> str:
    header = websocket.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return websocket.query_params.get("token", "")


@router.websocket("/ws/display")
async def display_socket(websocket: WebSocket) -> None:
    services: Services = websocket.app.state.services
    token = _token(websocket)
    if not token or not hmac.compare_digest(token, services.secrets.display_token):
        await websocket.close(code=CLOSE_UNAUTHORIZED)
        return
    await websocket.accept()

    async def snapshot() -> list[dict[str, Any]]:
        page = await services.store.photos.list(PhotoStatus.APPROVED, limit=SNAPSHOT_LIMIT)
        credits = source_credits(services.settings)
        photos = [WallPhoto.of(p, credits).model_dump(mode="json") for p in page.photos]
        return [
            {"type": "snapshot", "photos": photos},
            show_message(services.show.state),
            config_message(services.settings),
        ]

    await services.display_feed.serve(websocket, snapshot)
