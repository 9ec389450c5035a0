"""The display feed's HTTP half: every approved photo, for a display's snapshot."""

from __future__ import annotations

from fastapi import APIRouter, Request

from wall.api.media import is_display
from wall.deps import ServicesDep
from wall.display_feed import source_credits
from wall.domain import PhotoStatus
from wall.errors import ApiError
from wall.schemas import WallPhoto, WallSnapshot

router = APIRouter()

SNAPSHOT_LIMIT = 100_000


@router.get("/api/wall/photos", response_model=WallSnapshot)
async def wall_photos(request: Request, services: ServicesDep) -> WallSnapshot:
    if not is_display(request, services):
        raise ApiError(401, "unauthorized")
    page = await services.store.photos.list(PhotoStatus.APPROVED, limit=SNAPSHOT_LIMIT)
    credits = source_credits(services.settings)
    return WallSnapshot(photos=[WallPhoto.of(p, credits) for p in page.photos])
