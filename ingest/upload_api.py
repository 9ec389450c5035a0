"""The visitor's API: post a photo, read its status with the receipt, delete it."""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
import unicodedata
from datetime import datetime
from typing import BinaryIO
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from python_multipart.exceptions import MultipartParseError
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException

from ingest import choices
from ingest.deps import IngestDep
from ingest.errors import Refused, too_large
from ingest.service import Submission
from ingest.visitors import DEVICE_COOKIE, UploadGate, Visitor, identify, keep_device
from ingest.workers import PoolBusy
from wall.bodylimit import BodyTooLarge, BodyTooSlow
from wall.domain import UPLOAD_SOURCE, Consent, Photo, PhotoStatus, utcnow
from wall.errors import ApiError, request_language
from wall.i18n import consent_version, normalise_language
from wall.instance import token_hash, token_matches
from wall.schemas import PhotoStatusOut, UploadAccepted
from wall.storage.base import MEDIA_RETRY_AFTER_S, MediaUnavailable, PhotoNotFound

log = logging.getLogger(__name__)
router = APIRouter()

MAX_CAPTION = 280
MAX_AUTHOR = 60
MAX_FIELD_BYTES = 16 * 1024
MAX_FORM_FIELDS = 12
CONSENT_YES = frozenset({"true", "on", "1", "yes"})
RECEIPT_TOKEN_BYTES = 24
BUSY_RETRY_AFTER_S = "5"  # the pool drains ~30 photos in that time on two cores
FLOOD_RETRY_AFTER_S = "300"  # until moderators catch up with this visitor's photos
AT_ONCE_RETRY_AFTER_S = "5"  # one of the device's uploads in flight ends soon
SHORT_FIELD = 32  # consent_version, lang
MAX_IDEMPOTENCY_KEY = 128
PROGRESS_HEADER = "X-Progress-Key"


class UploadProgressOut(BaseModel):
    received: int  # body bytes the server has read so far
    total: int  # the Content-Length announced; 0 when unknown


def clean_text(raw: str, limit: int, field: str) -> str:
    """NFC, no control characters but newlines, trimmed; longer than `limit` is refused."""
    text = unicodedata.normalize("NFC", raw)
    text = "".join(c for c in text if c == "\n" or unicodedata.category(c)[0] != "C").strip()
    if len(text) > limit:
        raise ApiError(400, "invalid_field", field=field)
    return text


def _text_field(form: FormData, name: str, limit: int) -> str:
    value = form.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ApiError(400, "invalid_field", field=name)
    return clean_text(value, limit, name)


def _short_field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip()[:SHORT_FIELD] if isinstance(value, str) else ""


def _consent(form: FormData, request_lang: str, gallery_on: bool) -> Consent:
    """What was agreed to: the text version and the language the page showed it in, and
    what it covers (the wall; the online gallery, prints)."""
    value = form.get("consent")
    if not isinstance(value, str) or value.strip().lower() not in CONSENT_YES:
        raise ApiError(400, "consent_required", field="consent")
    # A client that does not say which text it showed agreed to the one the page shows now.
    text_version = _short_field(form, "consent_version") or consent_version(gallery_on)
    return Consent(
        given_at=utcnow(),
        text_version=text_version,
        language=normalise_language(_short_field(form, "lang")) or request_lang,
        scopes=choices.consent_scopes(form, text_version, gallery_on),
    )


def idempotency_key(request: Request, contributor: str, header: str = "Idempotency-Key") -> str:
    """The client's Idempotency-Key (or another key header), bound to the client so that keys
    cannot collide."""
    raw = request.headers.get(header, "").strip()
    if not raw:
        return ""
    if len(raw) > MAX_IDEMPOTENCY_KEY or not raw.isprintable():
        raise ApiError(400, "invalid_field", field=header)
    return _bound_key(contributor, raw)


def _bound_key(contributor: str, raw: str) -> str:
    return hashlib.sha256(f"{contributor}\0{raw}".encode()).hexdigest()


def _reader(upload: UploadFile, max_bytes: int) -> bytes:
    """Runs in the worker: read the spooled file, refusing past the limit."""
    handle: BinaryIO = upload.file
    handle.seek(0)
    data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_large(f"over {max_bytes} bytes")
    return data


def _accepted(photo: Photo, token: str) -> JSONResponse:
    body = UploadAccepted(
        id=photo.id,
        status=photo.status.value,
        reason=photo.reason or None,
        receipt_token=token,
        status_url=f"/api/photos/{photo.id}?token={token}",
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=201,
        headers={"Location": f"/api/photos/{photo.id}"},
    )


async def _ingest_form(
    services: IngestDep, form: FormData, contributor: str, lang: str, idempotency: str
) -> JSONResponse:
    consent = _consent(form, lang, services.settings.gallery.enabled)
    caption = _text_field(form, "caption", MAX_CAPTION)
    author = _text_field(form, "author", MAX_AUTHOR)
    speaker, speaker_in_credit = choices.speaker(form)
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise ApiError(400, "invalid_field", field="file")
    token = secrets.token_urlsafe(RECEIPT_TOKEN_BYTES)
    submission = Submission(
        source=UPLOAD_SOURCE,
        caption=caption,
        author=author,
        contributor=contributor,
        receipt_hash=token_hash(token),
        consent=consent,
        idempotency_key=idempotency,
        speaker=speaker,
        speaker_in_credit=speaker_in_credit,
    )
    max_bytes = services.settings.upload.max_bytes
    photo = await services.ingest.ingest(lambda: _reader(upload, max_bytes), submission)
    return _accepted(photo, token)


async def _admit(services: IngestDep, visitor: Visitor) -> None:
    """429 over the device's allowance, the address's ceiling, or its photos waiting."""
    settings = services.settings
    wait = await services.upload_gate.admit(visitor)
    if wait:
        services.metrics.uploads.labels("rate_limited").inc()
        raise ApiError(429, "rate_limited", {"Retry-After": UploadGate.retry_after(wait)})
    if (
        await services.store.photos.pending_count(visitor.contributor)
        >= settings.upload.max_pending_per_contributor
    ):
        services.metrics.uploads.labels("flood").inc()
        raise ApiError(429, "rate_limited", {"Retry-After": FLOOD_RETRY_AFTER_S})


async def _counted(request: Request, services: IngestDep, visitor: Visitor) -> Request:
    """The request, its body counted as it arrives under its X-Progress-Key (one per try:
    a retry's figures start from zero), for the page to ask how far it got."""
    progress_key = idempotency_key(request, visitor.contributor, PROGRESS_HEADER)
    if not progress_key:
        return request
    try:
        total = max(0, int(request.headers.get("content-length", "0")))
    except ValueError:
        total = 0
    receive = await services.upload_progress.counting(progress_key, total, request.receive)
    return Request(request.scope, receive)


@router.post("/api/photos", status_code=201, response_model=UploadAccepted)
async def upload_photo(request: Request, services: IngestDep) -> JSONResponse:
    visitor = identify(request, services.devices, services.settings)
    with services.upload_gate.one_of_few(visitor) as admitted:
        if not admitted:
            services.metrics.uploads.labels("too_many_at_once").inc()
            raise ApiError(429, "rate_limited", {"Retry-After": AT_ONCE_RETRY_AFTER_S})
        return await _take_upload(request, services, visitor)


async def _take_upload(request: Request, services: IngestDep, visitor: Visitor) -> JSONResponse:
    settings = services.settings
    metrics = services.metrics
    await _admit(services, visitor)
    idempotency = idempotency_key(request, visitor.contributor)
    body = await _counted(request, services, visitor)
    started = time.perf_counter()
    metrics.ingest_in_flight.inc()
    try:
        async with body.form(
            max_files=1, max_fields=MAX_FORM_FIELDS, max_part_size=MAX_FIELD_BYTES
        ) as form:
            response = await _ingest_form(
                services, form, visitor.contributor, request_language(request), idempotency
            )
    except BodyTooLarge:
        metrics.uploads.labels("too_large").inc()
        raise ApiError(413, "too_large") from None
    except BodyTooSlow:
        metrics.uploads.labels("too_slow").inc()
        raise ApiError(408, "too_slow", {"Connection": "close"}) from None
    except (MultiPartException, MultipartParseError, UnicodeDecodeError):
        metrics.uploads.labels("invalid_field").inc()
        raise ApiError(400, "invalid_field") from None
    except Refused as refused:
        log.info("upload refused: %s", refused)
        metrics.uploads.labels(refused.code).inc()
        raise ApiError(refused.status, refused.code) from None
    except PoolBusy:
        metrics.uploads.labels("busy").inc()
        raise ApiError(503, "busy", {"Retry-After": BUSY_RETRY_AFTER_S}) from None
    except MediaUnavailable as exc:
        # The object store is down: no row was committed, every object is whole or absent
        # (one already written is an orphan the collection takes after its grace).
        log.warning("upload refused: %s", exc)
        metrics.uploads.labels("unavailable").inc()
        raise ApiError(503, "unavailable", {"Retry-After": MEDIA_RETRY_AFTER_S}) from None
    except ApiError as error:
        metrics.uploads.labels(error.code).inc()
        raise
    finally:
        metrics.ingest_in_flight.dec()
    metrics.uploads.labels("accepted").inc()
    metrics.ingest_seconds.observe(time.perf_counter() - started)
    keep_device(response, visitor, settings.wall.public_url)
    return response


@router.get("/api/uploads/{key}", response_model=UploadProgressOut)
async def upload_progress(request: Request, key: str, services: IngestDep) -> UploadProgressOut:
    """How many bytes of this device's upload (its X-Progress-Key) the server has received."""
    tokens = services.devices
    device_id = tokens.device_id(request.cookies.get(DEVICE_COOKIE))
    if device_id is None or not key or len(key) > MAX_IDEMPOTENCY_KEY:
        raise ApiError(404, "not_found")
    entry = await services.upload_progress.get(_bound_key(tokens.contributor(device_id), key))
    if entry is None:
        raise ApiError(404, "not_found")
    return UploadProgressOut(received=entry.received, total=entry.total)


async def _photo_for_receipt(services: IngestDep, photo_id: str, token: str) -> Photo:
    """404 alike for an unknown id and a wrong token: ids cannot be probed."""
    stored_hash = await services.store.photos.receipt_hash(photo_id)
    photo = await services.store.photos.get(photo_id) if stored_hash else None
    if photo is None or stored_hash is None or not token_matches(token, stored_hash):
        raise ApiError(404, "not_found")
    return photo


async def _last_came_on(services: IngestDep, photo: Photo) -> datetime | None:
    """The latest of the display's recent report (to the second) and the night's record
    (to the quarter hour's first report), in the wall's timezone."""
    if photo.status is not PhotoStatus.APPROVED and photo.status is not PhotoStatus.REMOVED:
        return None
    moments = [
        moment
        for moment in (
            await services.preview.came_on_at(photo.id),
            await services.store.shown.last_shown(photo.id),
        )
        if moment is not None
    ]
    if not moments:
        return None
    return max(moments).astimezone(ZoneInfo(services.settings.schedule.timezone))


@router.get("/api/photos/{photo_id}", response_model=PhotoStatusOut)
async def photo_status(photo_id: str, services: IngestDep, token: str = "") -> PhotoStatusOut:
    """The receipt page polls this: the status, and whether and when it was on the wall."""
    photo = await _photo_for_receipt(services, photo_id, token)
    on_wall = photo.status is PhotoStatus.APPROVED and await services.preview.on_wall_now(photo.id)
    return PhotoStatusOut.of(
        photo,
        on_wall_now=on_wall,
        shown_at=await _last_came_on(services, photo),
        timezone=services.settings.schedule.timezone,
    )


@router.delete("/api/photos/{photo_id}", status_code=204)
async def delete_photo(photo_id: str, services: IngestDep, token: str = "") -> Response:
    photo = await _photo_for_receipt(services, photo_id, token)
    if photo.status is PhotoStatus.DELETED:
        raise ApiError(404, "not_found")
    try:
        await services.lifecycle.delete(photo_id, actor="contributor", reason="contributor")
    except PhotoNotFound:
        raise ApiError(404, "not_found") from None
    return Response(status_code=204)
