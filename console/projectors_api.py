"""`GET /api/projectors` (operators): each projector's power, input, errors and lamp hours."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from console.deps import ConsoleDep
from staff.auth import CurrentOperator

router = APIRouter()


class ProjectorOut(BaseModel):
    name: str
    host: str
    port: int
    reachable: bool
    power: Literal["off", "on", "cooling", "warming", "unknown"]
    input: str
    av_mute: bool | None
    errors: dict[str, Literal["ok", "warning", "error"]]
    lamp_hours: list[int]
    model: str
    last_error: str  # English, as logged; the console shows the code's words instead
    last_error_code: str  # "" when fine; `projector_error_<code>` in console/texts.py
    last_error_params: dict[str, str]  # the values its words name ({"input": "32"})
    last_error_at: datetime | None
    last_seen: datetime | None
    wanted_power: Literal["on", "off"] | None  # None: no schedule, left as the staff set it


class ProjectorsOut(BaseModel):
    projectors: list[ProjectorOut]


@router.get("/api/projectors", response_model=ProjectorsOut)
async def projectors(_: CurrentOperator, services: ConsoleDep) -> ProjectorsOut:
    return ProjectorsOut(
        projectors=[
            ProjectorOut.model_validate(state)
            for state in await services.projectors.current_states()
        ]
    )
