"""The operator console's live half: show state and the blank switch, the wall's preview,
the backlog. The night's figures are in `night_api`, projectors in `projectors_api`."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict

from console.deps import ConsoleDep, ConsoleServices
from console.night import NIGHT_TURN
from show.preview import PREVIEW_MAX_BYTES, PREVIEW_STALE_S, InvalidPreview
from staff.accounts import FAILURE_WINDOW, GUESSING_KIND
from staff.auth import CurrentOperator
from wall.display_feed import is_display
from wall.domain import PhotoStatus
from wall.errors import ApiError
from wall.schedule import NightPlan

router = APIRouter()

SHOWN_HEADER = "x-wall-shown"
# A display reports at most this many photos per preview (it sends one a second).
MAX_SHOWN_PER_PREVIEW = 500
_PHOTO_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# The rate the display keeps, "declared/configured" fps: "30/60" when its frames do not fit.
FPS_HEADER = "x-wall-fps"
_FPS = re.compile(r"^([1-9][0-9]{0,2})/([1-9][0-9]{0,2})$")


class BlankIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    blanked: bool


def _night_payload(plan: NightPlan, zone: ZoneInfo) -> dict[str, Any]:
    """One line of the programme; `day_at` (noon, the wall's time) names a night off's day."""
    return {
        "night": plan.night.isoformat(),
        "kind": plan.kind,
        "day_at": datetime.combine(plan.night, NIGHT_TURN, zone).isoformat(),
        "start": plan.show.start.isoformat() if plan.show else None,
        "end": plan.show.end.isoformat() if plan.show else None,
    }


def _show_payload(services: ConsoleServices) -> dict[str, Any]:
    show = services.show
    zone = ZoneInfo(services.settings.schedule.timezone)
    return {
        "schedule_enabled": show.schedule_enabled,
        "blanked": show.blanked,
        "timezone": services.settings.schedule.timezone,
        "state": show.state.as_json(),
        "upcoming": [
            {"start": s.start.isoformat(), "end": s.end.isoformat()} for s in show.upcoming()
        ],
        # The same shows, with the nights off between them and special nights named.
        "nights": [_night_payload(plan, zone) for plan in show.upcoming_nights()],
    }


@router.get("/api/console/show")
async def show_state(_: CurrentOperator, services: ConsoleDep) -> dict[str, Any]:
    return _show_payload(services)


@router.post("/api/console/blank")
async def blank(body: BlankIn, operator: CurrentOperator, services: ConsoleDep) -> dict[str, Any]:
    """The "blank the wall now" switch: true black on the wall within a second, until lifted."""
    await services.show.set_blanked(body.blanked, operator.username)
    return _show_payload(services)


@router.get("/api/console/status")
async def status(_: CurrentOperator, services: ConsoleDep) -> dict[str, Any]:
    """What the console polls each second: is the display alive, how long is the queue."""
    latest = await services.preview.latest()
    age = None if latest is None else latest.age_s
    pending = await services.store.photos.list(PhotoStatus.PENDING, limit=1)
    oldest = pending.photos[0].created_at.isoformat() if pending.photos else None
    return {
        "preview": {
            "at": latest.received_at.isoformat() if latest else None,
            "age_s": None if age is None else round(age, 1),
            "stale": age is None or age > PREVIEW_STALE_S,
            "stale_after_s": PREVIEW_STALE_S,
        },
        "displays_connected": await services.displays.total(),
        "frame_rate": _frame_rate(await services.preview.frame_rate()),
        "backlog": {"pending": pending.total, "oldest_at": oldest},
        "show": services.show.state.as_json(),
        "sign_in_guessing": await _guessing(services),
    }


async def _guessing(services: ConsoleServices) -> list[dict[str, Any]]:
    """Names someone has been guessing at lately (the accounts' alarm), most tries first."""
    alarms = await services.store.glimpses.get_all(GUESSING_KIND, FAILURE_WINDOW.total_seconds())
    found = [{"name": name, "failures": int(g.value)} for name, g in alarms.items()]
    return sorted(found, key=lambda a: -a["failures"])


def _frame_rate(rate: tuple[int, int] | None) -> dict[str, Any] | None:
    if rate is None:
        return None
    declared, configured = rate
    return {"declared": declared, "configured": configured, "reduced": declared < configured}


def _declared_rate(request: Request) -> tuple[int, int] | None:
    raw = request.headers.get(FPS_HEADER)
    if raw is None:
        return None
    found = _FPS.match(raw.strip())
    if found is None:
        raise ApiError(400, "invalid_field", field=FPS_HEADER)
    return int(found[1]), int(found[2])


@router.get("/api/console/preview.jpg")
async def preview_image(_: CurrentOperator, services: ConsoleDep) -> Response:
    latest = await services.preview.latest()
    if latest is None:
        raise ApiError(404, "no_preview")
    return Response(latest.jpeg, media_type="image/jpeg", headers={"Cache-Control": "no-store"})


def _shown_ids(request: Request) -> list[str]:
    raw = request.headers.get(SHOWN_HEADER, "")
    ids = [part.strip() for part in raw.split(",") if part.strip()]
    if len(ids) > MAX_SHOWN_PER_PREVIEW or not all(_PHOTO_ID.match(i) for i in ids):
        raise ApiError(400, "invalid_field", field=SHOWN_HEADER)
    return ids


@router.post("/api/display/preview", status_code=204)
async def receive_preview(request: Request, services: ConsoleDep) -> Response:
    """From `wall display`: a small JPEG of the wall, and the photos that came on screen."""
    if not is_display(request, services.secrets.display_token):
        raise ApiError(401, "unauthorized")
    declared = request.headers.get("content-length", "")
    if not (declared.isascii() and declared.isdigit()) or int(declared) > PREVIEW_MAX_BYTES:
        raise ApiError(413, "too_large")
    shown = _shown_ids(request)
    rate = _declared_rate(request)
    data = await request.body()
    try:
        await services.preview.put(data)
    except InvalidPreview:
        raise ApiError(422, "invalid_preview") from None
    await services.preview.note_shown(shown)
    if rate is not None:
        await services.preview.note_rate(*rate)
    if shown:
        await services.store.shown.record_shown(shown, datetime.now(UTC))
    return Response(status_code=204)
