"""Travelling exhibitions, for operators: name one, pick photos for it (approved photos whose
contributor ticked print), download its print-ready package.

- `GET  /api/console/print-photos?limit&offset` → the picker: approved, print-consented photos,
  newest first, with thumbnails.
- `GET  /api/console/exhibitions` → every exhibition; `POST` `{"name"}` → a new one (201).
- `GET  /api/console/exhibitions/{id}` → it and its photos now; `DELETE` → gone (204).
- `PUT` / `DELETE /api/console/exhibitions/{id}/photos/{photo_id}` → picked / unpicked.
- `GET  /api/console/exhibitions/{id}/package?job=J` → the .zip, streamed (`console.package`);
  `GET .../progress?job=J` → how far that download is (the console polls it).
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict

from console.credits import credit_entries, slug
from console.deps import ConsoleDep, ConsoleServices
from console.package import CatalogueHeading, PackagePlan, Progress, package_stream
from console.speakers import speaker_label
from staff import texts as staff_texts
from staff.auth import CurrentOperator
from wall.domain import Photo, PhotoStatus, RenditionKind, utcnow
from wall.errors import ApiError, request_language
from wall.schemas import media_url
from wall.storage.base import (
    Exhibition,
    ExhibitionExists,
    ExhibitionFull,
    ExhibitionNotFound,
    NotPrintable,
    PhotoNotFound,
)

router = APIRouter()

# A catalogue holds one page per photo in memory while fpdf2 assembles it (~200 kB each):
# 200 photos is a large travelling exhibition and ~40 MB at most.
MAX_PHOTOS = 200
NAME_MAX = 80
PICKER_PAGE_MAX = 200
PROGRESS_KIND = "exhibition-export"
# A download's progress is kept this long after its last step (the console polls each second).
PROGRESS_MAX_AGE_S = 600.0
_JOB = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class ExhibitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str


def _exhibition_out(exhibition: Exhibition) -> dict[str, Any]:
    return {
        "id": exhibition.id,
        "name": exhibition.name,
        "created_at": exhibition.created_at.isoformat(),
        "created_by": exhibition.created_by,
        "photo_count": exhibition.photo_count,
    }


def _photo_out(photo: Photo, lang: str) -> dict[str, Any]:
    thumb = RenditionKind.THUMB if RenditionKind.THUMB in photo.renditions else None
    printed = photo.renditions.get(RenditionKind.PRINT)
    return {
        "id": photo.id,
        "status": photo.status.value,
        "caption": photo.caption,
        "author": photo.author,
        "source": photo.source,
        "created_at": photo.created_at.isoformat(),
        "speaker": photo.speaker.value,
        "speaker_label": speaker_label(photo.speaker.value, lang),
        "speaker_in_credit": photo.speaker_in_credit,
        "thumb_url": media_url(photo, thumb) if thumb else None,
        "print_size": [printed.width, printed.height] if printed else None,
    }


def _checked_id(value: str, what: str) -> str:
    if not _ID.match(value):
        raise ApiError(404, what)
    return value


async def _exhibition(services: ConsoleServices, exhibition_id: str) -> Exhibition:
    found = await services.store.exhibitions.get(_checked_id(exhibition_id, "exhibition_not_found"))
    if found is None:
        raise ApiError(404, "exhibition_not_found")
    return found


@router.get("/api/console/print-photos")
async def print_photos(
    request: Request,
    _: CurrentOperator,
    services: ConsoleDep,
    limit: Annotated[int, Query(ge=1, le=PICKER_PAGE_MAX)] = 60,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    page = await services.store.exhibitions.candidates(limit, offset)
    lang = request_language(request)
    return {"photos": [_photo_out(p, lang) for p in page.photos], "total": page.total}


@router.get("/api/console/exhibitions")
async def list_exhibitions(_: CurrentOperator, services: ConsoleDep) -> dict[str, Any]:
    found = await services.store.exhibitions.list_all()
    return {"exhibitions": [_exhibition_out(e) for e in found], "max_photos": MAX_PHOTOS}


@router.post("/api/console/exhibitions", status_code=201)
async def create_exhibition(
    body: ExhibitionIn, operator: CurrentOperator, services: ConsoleDep
) -> dict[str, Any]:
    name = " ".join(body.name.split())
    if not name or len(name) > NAME_MAX or not name.isprintable():
        raise ApiError(400, "invalid_field", field="name")
    exhibition_id = secrets.token_urlsafe(9)
    try:
        created = await services.store.exhibitions.create(exhibition_id, name, operator.username)
    except ExhibitionExists:
        raise ApiError(409, "exhibition_exists") from None
    return _exhibition_out(created)


@router.get("/api/console/exhibitions/{exhibition_id}")
async def get_exhibition(
    request: Request, exhibition_id: str, _: CurrentOperator, services: ConsoleDep
) -> dict[str, Any]:
    exhibition = await _exhibition(services, exhibition_id)
    photos = await services.store.exhibitions.photos(exhibition.id)
    lang = request_language(request)
    return {
        **_exhibition_out(exhibition),
        "photos": [_photo_out(p, lang) for p in photos],
        "max_photos": MAX_PHOTOS,
    }


@router.delete("/api/console/exhibitions/{exhibition_id}", status_code=204)
async def delete_exhibition(
    exhibition_id: str, operator: CurrentOperator, services: ConsoleDep
) -> Response:
    try:
        await services.store.exhibitions.remove(
            _checked_id(exhibition_id, "exhibition_not_found"), operator.username
        )
    except ExhibitionNotFound:
        raise ApiError(404, "exhibition_not_found") from None
    return Response(status_code=204)


@router.put("/api/console/exhibitions/{exhibition_id}/photos/{photo_id}")
async def pick_photo(
    exhibition_id: str, photo_id: str, operator: CurrentOperator, services: ConsoleDep
) -> dict[str, Any]:
    """Only approved photos whose contributor ticked print; picking one twice changes nothing."""
    repo = services.store.exhibitions
    try:
        await repo.add_photo(
            _checked_id(exhibition_id, "exhibition_not_found"),
            _checked_id(photo_id, "not_found"),
            operator.username,
            MAX_PHOTOS,
        )
    except ExhibitionNotFound:
        raise ApiError(404, "exhibition_not_found") from None
    except PhotoNotFound:
        raise ApiError(404, "not_found") from None
    except NotPrintable as exc:
        code = "not_print_consented" if exc.reason == "no_print_consent" else "not_approved"
        raise ApiError(409, code) from None
    except ExhibitionFull:
        raise ApiError(409, "exhibition_full") from None
    return _exhibition_out(await _exhibition(services, exhibition_id))


@router.delete("/api/console/exhibitions/{exhibition_id}/photos/{photo_id}")
async def unpick_photo(
    exhibition_id: str, photo_id: str, _: CurrentOperator, services: ConsoleDep
) -> dict[str, Any]:
    try:
        await services.store.exhibitions.drop_photo(
            _checked_id(exhibition_id, "exhibition_not_found"), _checked_id(photo_id, "not_found")
        )
    except ExhibitionNotFound:
        raise ApiError(404, "exhibition_not_found") from None
    return _exhibition_out(await _exhibition(services, exhibition_id))


def _job(value: str) -> str:
    if not _JOB.match(value):
        raise ApiError(400, "invalid_field", field="job")
    return value


def _printable_check(services: ConsoleServices) -> Callable[[str], Awaitable[bool]]:
    """Asked again just before each photo goes in: not deleted since, print rendition there."""

    async def check(photo_id: str) -> bool:
        photo = await services.store.photos.get(photo_id)
        if photo is None or photo.status not in (PhotoStatus.APPROVED, PhotoStatus.REMOVED):
            return False
        return RenditionKind.PRINT in photo.renditions

    return check


def _file_name(exhibition: Exhibition, at: datetime) -> str:
    return f"exposition-{slug(exhibition.name) or exhibition.id}-{at.date().isoformat()}.zip"


@router.get("/api/console/exhibitions/{exhibition_id}/package")
async def download_package(
    request: Request,
    exhibition_id: str,
    operator: CurrentOperator,
    services: ConsoleDep,
    job: str = "",
) -> StreamingResponse:
    """The print-ready .zip, streamed; audit-logged (who, when, which, how many photos)."""
    exhibition = await _exhibition(services, exhibition_id)
    job_key = _job(job) if job else secrets.token_urlsafe(12)
    lang = request_language(request)
    zone = ZoneInfo(services.settings.schedule.timezone)
    photos = await services.store.exhibitions.photos(exhibition.id)
    labels = staff_texts.photo_source_labels(lang)
    entries = credit_entries(photos, zone, lang, labels)
    at = utcnow().astimezone(zone)
    await services.store.exhibitions.record_export(exhibition.id, operator.username, len(entries))
    heading = CatalogueHeading(services.settings.wall.name, exhibition.name, at)
    glimpses = services.store.glimpses

    async def progress(step: Progress) -> None:
        value = {"phase": step.phase, "done": step.done, "total": step.total}
        await glimpses.put(PROGRESS_KIND, job_key, json.dumps(value).encode())

    stream = package_stream(
        PackagePlan(entries, heading, lang),
        services.store.media,
        _printable_check(services),
        progress,
    )
    return StreamingResponse(
        stream,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{_file_name(exhibition, at)}"',
            "Cache-Control": "no-store",
            "X-Export-Photos": str(len(entries)),
            # Behind nginx: passed on as it is written, not spooled to the proxy's disk first.
            "X-Accel-Buffering": "no",
        },
    )


@router.get("/api/console/exhibitions/{exhibition_id}/progress")
async def package_progress(
    exhibition_id: str, _: CurrentOperator, services: ConsoleDep, job: str = ""
) -> dict[str, Any]:
    """How far the download started with `job` is: 404 `not_started` until its first step."""
    _checked_id(exhibition_id, "exhibition_not_found")
    found = await services.store.glimpses.get(PROGRESS_KIND, _job(job), PROGRESS_MAX_AGE_S)
    if found is None:
        raise ApiError(404, "not_started")
    return dict(json.loads(found.value))
