"""The display feed's HTTP half: every approved photo, for a display's snapshot."""

from __future__ import annotations

from fastapi import APIRouter, Request

from app.deps import ServicesDep
from wall.display_feed import approved_photos, is_display
from wall.errors import ApiError
from wall.schemas import WallSnapshot

router = APIRouter()


@router.get("/api/wall/photos", response_model=WallSnapshot)
async def wall_photos(request: Request, services: ServicesDep) -> WallSnapshot:
    if not is_display(request, services.secrets.display_token):
        raise ApiError(401, "unauthorized")
    return WallSnapshot(photos=await approved_photos(services.store, services.settings))
