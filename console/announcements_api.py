"""The operators' announcements over HTTP (operators only; CSRF on every change).

- `GET /api/console/announcements` → `{"timezone", "announcements": [...]}`, each with its
  `state` now: `on` (inside its window), `coming`, `past`.
- `POST /api/console/announcements` (multipart: the slide's fields and an optional `image`)
  → `201` the announcement; `PUT /api/console/announcements/{id}` (the same, with `version`
  and `keep_image`) → `200`; `DELETE …/{id}` → `204`. Every change is audit-logged and on the
  displays' socket at once.
- `GET …/{id}/preview.jpg`, and `POST /api/console/announcements/preview` (an unsaved
  draft, the same fields): the slide drawn by the display's own code, as the wall shows it.

A bad field is `400` with the field named (`text_empty`, `text_too_long`, `window_backwards`,
`image_required`, `invalid_field`); a bad image is refused as a visitor's photo is (`413
too_large`, `415 unsupported_type`, `422 undecodable`, `422 too_many_pixels`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any, Protocol
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, File, Form, Response, UploadFile

from console.announcements import AnnouncementService, ImageRefused
from staff.auth import CurrentOperator
from wall.announcements import (
    SECONDS_DEFAULT,
    Announcement,
    AnnouncementDraft,
    AnnouncementInvalid,
    SlideKind,
    Window,
    check_draft,
    clock_text,
)
from wall.config import Settings
from wall.deps import services_of
from wall.errors import ApiError
from wall.storage.announcement_repo import AnnouncementConflict, AnnouncementNotFound
from wall.wire import WallAnnouncement

router = APIRouter()


class AnnouncementServices(Protocol):
    settings: Settings
    announcements: AnnouncementService


AnnouncementsDep = Annotated[AnnouncementServices, Depends(services_of)]


class DraftForm:
    """The slide's fields as the console's form sends them (multipart, every value a string)."""

    def __init__(
        self,
        kind: Annotated[str, Form()] = "text",
        title_fr: Annotated[str, Form()] = "",
        title_en: Annotated[str, Form()] = "",
        text_fr: Annotated[str, Form()] = "",
        text_en: Annotated[str, Form()] = "",
        first_day: Annotated[str, Form()] = "",
        last_day: Annotated[str, Form()] = "",
        start: Annotated[str, Form()] = "",
        end: Annotated[str, Form()] = "",
        cadence: Annotated[str, Form()] = "every",
        every_minutes: Annotated[str, Form()] = "15",
        seconds: Annotated[str, Form()] = str(SECONDS_DEFAULT),
        image: Annotated[UploadFile | None, File()] = None,
    ) -> None:
        self.fields = {
            "kind": kind,
            "title_fr": title_fr,
            "title_en": title_en,
            "text_fr": text_fr,
            "text_en": text_en,
            "first_day": first_day,
            "last_day": last_day,
            "start": start,
            "end": end,
            "cadence": cadence,
            "every_minutes": every_minutes,
            "seconds": seconds,
        }
        self.image = image

    def draft(self) -> AnnouncementDraft:
        """The typed draft; `ApiError(400, invalid_field)` naming the first unreadable field."""
        f = self.fields
        if f["cadence"] not in ("every", "between"):
            raise ApiError(400, "invalid_field", field="cadence")
        try:
            kind = SlideKind(f["kind"])
        except ValueError:
            raise ApiError(400, "invalid_field", field="kind") from None
        return AnnouncementDraft(
            kind=kind,
            title_fr=f["title_fr"],
            title_en=f["title_en"],
            text_fr=f["text_fr"],
            text_en=f["text_en"],
            window=Window(
                _parsed(date.fromisoformat, f["first_day"], "first_day"),
                _parsed(date.fromisoformat, f["last_day"], "last_day"),
                _parsed(_clock, f["start"], "start"),
                _parsed(_clock, f["end"], "end"),
            ),
            every_minutes=_parsed(int, f["every_minutes"], "every_minutes")
            if f["cadence"] == "every"
            else None,
            seconds=_parsed(int, f["seconds"], "seconds"),
        )

    async def upload(self, max_bytes: int) -> bytes | None:
        if self.image is None or not self.image.filename:
            return None
        data = await self.image.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise ApiError(413, "too_large", field="image")
        return data or None


def _clock(text: str) -> time:
    if len(text) != 5 or text[2] != ":":
        raise ValueError(text)
    return time.fromisoformat(text)


def _parsed(parse: Any, text: str, field: str) -> Any:
    try:
        return parse(text.strip())
    except (ValueError, TypeError):
        raise ApiError(400, "invalid_field", field=field) from None


def _state(announcement: Announcement, now: datetime, zone: ZoneInfo) -> str:
    if announcement.window.contains(now, zone):
        return "on"
    return "past" if announcement.window.ended(now, zone) else "coming"


def _out(announcement: Announcement, zone: ZoneInfo) -> dict[str, Any]:
    window = announcement.window
    return {
        "id": announcement.id,
        "version": announcement.version,
        "kind": announcement.kind.value,
        "title_fr": announcement.title_fr,
        "title_en": announcement.title_en,
        "text_fr": announcement.text_fr,
        "text_en": announcement.text_en,
        "first_day": window.first_day.isoformat(),
        "last_day": window.last_day.isoformat(),
        "start": clock_text(window.start),
        "end": clock_text(window.end),
        "every_minutes": announcement.every_minutes,
        "seconds": announcement.seconds,
        "has_image": announcement.image is not None,
        "state": _state(announcement, datetime.now(UTC), zone),
        "created_by": announcement.created_by,
        "updated_at": announcement.updated_at.isoformat(),
        "updated_by": announcement.updated_by,
        "preview_url": f"/api/console/announcements/{announcement.id}/preview.jpg"
        f"?v={announcement.version}",
    }


def _zone(services: AnnouncementServices) -> ZoneInfo:
    return ZoneInfo(services.settings.schedule.timezone)


def _refused(exc: AnnouncementInvalid | ImageRefused) -> ApiError:
    if isinstance(exc, ImageRefused):
        return ApiError(exc.status, exc.code, field="image")
    return ApiError(400, exc.code, field=exc.field)


@router.get("/api/console/announcements")
async def list_announcements(_: CurrentOperator, services: AnnouncementsDep) -> dict[str, Any]:
    zone = _zone(services)
    found = await services.announcements.all()
    return {
        "timezone": services.settings.schedule.timezone,
        "announcements": [_out(a, zone) for a in found],
    }


@router.post("/api/console/announcements", status_code=201)
async def create_announcement(
    operator: CurrentOperator,
    services: AnnouncementsDep,
    form: Annotated[DraftForm, Depends()],
) -> dict[str, Any]:
    draft = form.draft()
    upload = await form.upload(services.settings.upload.max_bytes)
    try:
        made = await services.announcements.create(draft, upload, operator.username)
    except (AnnouncementInvalid, ImageRefused) as exc:
        raise _refused(exc) from None
    return _out(made, _zone(services))


@router.put("/api/console/announcements/{announcement_id}")
async def update_announcement(
    announcement_id: str,
    operator: CurrentOperator,
    services: AnnouncementsDep,
    form: Annotated[DraftForm, Depends()],
    version: Annotated[str, Form()] = "",
    keep_image: Annotated[str, Form()] = "true",
) -> dict[str, Any]:
    draft = form.draft()
    expected = _parsed(int, version, "version")
    upload = await form.upload(services.settings.upload.max_bytes)
    try:
        changed = await services.announcements.update(
            announcement_id, draft, upload, keep_image == "true", expected, operator.username
        )
    except (AnnouncementInvalid, ImageRefused) as exc:
        raise _refused(exc) from None
    except AnnouncementNotFound:
        raise ApiError(404, "not_found") from None
    except AnnouncementConflict:
        raise ApiError(409, "conflict") from None
    return _out(changed, _zone(services))


@router.delete("/api/console/announcements/{announcement_id}", status_code=204)
async def delete_announcement(
    announcement_id: str, operator: CurrentOperator, services: AnnouncementsDep
) -> Response:
    try:
        await services.announcements.delete(announcement_id, operator.username)
    except AnnouncementNotFound:
        raise ApiError(404, "not_found") from None
    return Response(status_code=204)


def _jpeg(data: bytes) -> Response:
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "no-store"})


@router.get("/api/console/announcements/{announcement_id}/preview.jpg")
async def stored_preview(
    announcement_id: str, _: CurrentOperator, services: AnnouncementsDep
) -> Response:
    found = await services.announcements.get(announcement_id)
    if found is None:
        raise ApiError(404, "not_found")
    image = await services.announcements.image_bytes(found.image) if found.image else None
    return _jpeg(await services.announcements.preview(WallAnnouncement.of(found), image))


@router.post("/api/console/announcements/preview")
async def draft_preview(
    _: CurrentOperator,
    services: AnnouncementsDep,
    form: Annotated[DraftForm, Depends()],
    from_id: Annotated[str, Form()] = "",
) -> Response:
    """An unsaved slide as the wall would show it: checked as a save is, the image made safe
    (never stored); `from_id`: without a new image, the saved slide's own."""
    draft = form.draft()
    upload = await form.upload(services.settings.upload.max_bytes)
    service = services.announcements
    image: bytes | None = None
    try:
        if upload is not None:
            image = (await service.safe_upload(upload)).jpeg
        elif from_id and (saved := await service.get(from_id)) and saved.image:
            image = await service.image_bytes(saved.image)
        draft = check_draft(draft, image is not None)
    except (AnnouncementInvalid, ImageRefused) as exc:
        raise _refused(exc) from None
    slide = WallAnnouncement(
        id="draft",
        version=0,
        kind=draft.kind.value,
        title_fr=draft.title_fr,
        title_en=draft.title_en,
        text_fr=draft.text_fr,
        text_en=draft.text_en,
        image_id="draft" if image else "",
        first_day=draft.window.first_day,
        last_day=draft.window.last_day,
        start=clock_text(draft.window.start),
        end=clock_text(draft.window.end),
        every_minutes=draft.every_minutes,
        seconds=draft.seconds,
    )
    return _jpeg(await service.preview(slide, image))
