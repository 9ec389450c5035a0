"""The display feed's live half: `WS /ws/display`, authenticated by the display token.

A display that (re)connects gets a full snapshot and the show state (`show.start` or
`show.stop`), what the wall says (`config.changed`), its live windows (`live.windows`) and
its announcements (`announcements`), then `photo.approved` / `photo.removed`, show changes and
new `announcements` as they happen: a removed photo is off the wall as soon as the renderer
reads the event.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, WebSocket

from app.services import Services
from wall.display_feed import (
    announcements_message,
    approved_photos,
    config_message,
    is_display,
    live_windows_message,
    show_message,
)
from wall.wire import DisplayMessage, Snapshot

router = APIRouter()

CLOSE_UNAUTHORIZED = 4401


@router.websocket("/ws/display")
async def display_socket(websocket: WebSocket) -> None:
    services: Services = websocket.app.state.services
    if not is_display(websocket, services.secrets.display_token):
        # Accepted, then closed with the contract's code: a refusal at the handshake would
        # be a bare 403 that a client cannot tell from a proxy's.
        await websocket.accept()
        await websocket.close(code=CLOSE_UNAUTHORIZED)
        return
    await websocket.accept()

    async def snapshot() -> Sequence[DisplayMessage]:
        return [
            Snapshot(photos=await approved_photos(services.store, services.settings)),
            show_message(services.show.state),
            config_message(services.settings),
            live_windows_message(services.settings),
            announcements_message(
                await services.store.announcements.all(), services.settings.schedule.timezone
            ),
        ]

    await services.display_feed.serve(websocket, snapshot)
