"""The gallery's public API: `GET /api/gallery/photos` (pages, newest first, by cursor) and
`WS /ws/gallery` (what joins and leaves the gallery, live). No account: only public data,
read-only. Mounted only when `[gallery] enabled` (the app), so a wall without a gallery
answers 404 here as anywhere."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Query, WebSocket
from pydantic import BaseModel

from gallery import cursor
from gallery.deps import GalleryDep, GalleryServices
from gallery.live import gallery_photos
from gallery.schemas import GalleryHello, GalleryPage
from wall.display_feed import source_credits
from wall.errors import ApiError

router = APIRouter()

PAGE_SIZE = 48  # a phone's few screens of thumbnails; the grid asks for more as it scrolls
MAX_PAGE_SIZE = 96


async def gallery_page(services: GalleryServices, before: str | None, limit: int) -> GalleryPage:
    """One page: one query for `limit` + 1 photos (the extra one says whether more follow)."""
    try:
        position = cursor.decode(before) if before is not None else None
    except cursor.InvalidCursor:
        raise ApiError(400, "invalid_field", field="before") from None
    found = await services.store.photos.gallery_page(limit + 1, position)
    page = found[:limit]
    following = cursor.encode(cursor.position_of(page[-1])) if len(found) > limit else None
    return GalleryPage(
        photos=gallery_photos(page, source_credits(services.settings)), next=following
    )


@router.get("/api/gallery/photos", response_model=GalleryPage)
async def list_photos(
    services: GalleryDep,
    before: Annotated[str | None, Query(max_length=cursor.MAX_CURSOR_CHARS)] = None,
    limit: Annotated[int, Query(description=f"photos per page, 1 to {MAX_PAGE_SIZE}")] = PAGE_SIZE,
) -> GalleryPage:
    """The gallery's photos, newest first; `before`: the previous page's `next`."""
    if not 1 <= limit <= MAX_PAGE_SIZE:  # checked here: the refusal names "limit" in words
        raise ApiError(400, "invalid_field", field="limit")
    return await gallery_page(services, before, limit)


@router.websocket("/ws/gallery")
async def gallery_socket(websocket: WebSocket) -> None:
    """Anyone may listen: it carries only what the gallery page shows."""
    services: GalleryServices = websocket.app.state.services
    await websocket.accept()

    async def hello() -> Sequence[BaseModel]:
        return [GalleryHello()]

    await services.gallery_feed.serve(websocket, hello)
