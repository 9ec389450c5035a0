"""`GET /api/sources` (operators): each source's state, last success, last error, photos."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from console.deps import ConsoleDep
from staff.auth import CurrentOperator

router = APIRouter()


class SourceHealthOut(BaseModel):
    name: str
    kind: str
    state: str
    last_success: datetime | None
    last_error: str  # English, as logged; the console words the code instead
    last_error_code: str  # `source_error_<code>` in console/texts.py; "" before any
    last_error_params: dict[str, str]
    last_error_at: datetime | None
    imported: int
    refused: int
    extra: dict[str, str]


class SourcesOut(BaseModel):
    sources: list[SourceHealthOut]


@router.get("/api/sources", response_model=SourcesOut)
async def sources(_: CurrentOperator, services: ConsoleDep) -> SourcesOut:
    return SourcesOut(
        sources=[
            SourceHealthOut.model_validate(health)
            for health in await services.sources.current_health()
        ]
    )
