"""Ingest service: run the pipeline in the pool, store files, then commit the row.

Order matters for durability: rendition files are written (atomically) before the row
that names them is committed, and the caller hears "accepted" only after the commit.
A crash in between leaves only unreferenced files, which start-up recovery removes.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from ingest import safety
from ingest.faces import FaceDetector
from ingest.pipeline import PipelineSpec, Processed, process
from ingest.triage import Triage
from ingest.workers import WorkerPool
from wall.config import Settings
from wall.domain import (
    HELD_FLAG,
    Consent,
    ConsentScope,
    NewPhoto,
    Photo,
    PhotoStatus,
    Rendition,
    Speaker,
)
from wall.events import EventBus, PhotoCreated
from wall.storage.base import DuplicateIdempotencyKey, MediaStore, Store

log = logging.getLogger(__name__)

PHOTO_ID_BYTES = 12  # 96 random bits: ids of pending photos cannot be guessed


@dataclass(frozen=True, slots=True)
class Submission:
    """Who sent a photo and what they said about it, checked by the caller."""

    source: str
    caption: str = ""
    author: str = ""
    contributor: str = ""
    receipt_hash: str = ""
    consent: Consent | None = None
    source_ref: str = ""
    idempotency_key: str = ""  # already bound to the contributor by the caller
    extra_flags: tuple[str, ...] = ()  # the source's own warnings, e.g. a post marked sensitive
    speaker: Speaker = Speaker.UNSAID  # the visitor's one-tap "who is speaking"
    speaker_in_credit: bool = False

    @property
    def keeps_print(self) -> bool:
        """Only a photo whose contributor consented to prints gets a print rendition."""
        return self.consent is not None and ConsentScope.PRINT in self.consent.scopes


def new_photo_id() -> str:
    return secrets.token_urlsafe(PHOTO_ID_BYTES)


def pipeline_spec(settings: Settings) -> PipelineSpec:
    ingest, upload = settings.ingest, settings.upload
    return PipelineSpec(
        max_bytes=upload.max_bytes,
        max_pixels=upload.max_pixels,
        display_long_edge=ingest.display_long_edge,
        thumb_long_edge=ingest.thumb_long_edge,
        tile_size=ingest.tile_size,
        jpeg_quality=ingest.jpeg_quality,
        detect_faces=ingest.detect_faces,
        safety_check=settings.moderation.safety_check,
    )


def _store_renditions(processed: Processed, media: MediaStore) -> tuple[Rendition, ...]:
    """Writes the renditions, in a thread of its own rather than a pipeline worker's: writing
    is mostly waiting (an fsync, an object store's round trips), and a worker waiting on it
    would leave its core idle while the next photo waits."""
    return tuple(
        Rendition(
            kind=r.kind,
            key=media.put(r.data, "jpg"),
            width=r.width,
            height=r.height,
            size=len(r.data),
        )
        for r in processed.renditions
    )


def _arrival_status(status: PhotoStatus, flags: tuple[str, ...]) -> PhotoStatus:
    """A trusted source's photo that the safety check held back waits for a moderator."""
    if status is PhotoStatus.APPROVED and HELD_FLAG in flags:
        return PhotoStatus.PENDING
    return status


class IngestService:
    def __init__(
        self,
        store: Store,
        bus: EventBus,
        pool: WorkerPool,
        spec: PipelineSpec,
        triage: Triage,
        detector: FaceDetector | None,
    ) -> None:
        self.store = store
        self.bus = bus
        self.pool = pool
        self.spec = spec
        self.triage = triage
        self.detector = detector
        if spec.safety_check:
            safety.installed_model()  # a missing or wrong model stops the start, not a photo
        self._in_flight: dict[str, asyncio.Future[Photo]] = {}

    async def ingest(self, read: Callable[[], bytes], submission: Submission) -> Photo:
        """Raises `Refused` (the file's fault) or `PoolBusy` (ours: try again later).

        A retry carrying the idempotency key of an upload already taken (its reply was lost
        on a weak network) gets that photo back, with the retry's receipt, instead of being
        refused as its own duplicate.
        """
        key = submission.idempotency_key
        if not key:
            return await self._ingest(read, submission)
        if key in self._in_flight:
            photo = await asyncio.shield(self._in_flight[key])
            return await self._replayed(photo, submission)
        existing = await self.store.photos.find_by_idempotency_key(key)
        if existing is not None:
            return await self._replayed(existing, submission)
        try:
            return await self._first_try(read, submission, key)
        except DuplicateIdempotencyKey:
            # Another process took the same retry meanwhile: its photo is this one.
            existing = await self.store.photos.find_by_idempotency_key(key)
            if existing is None:
                raise
            return await self._replayed(existing, submission)

    async def _first_try(
        self, read: Callable[[], bytes], submission: Submission, key: str
    ) -> Photo:
        future: asyncio.Future[Photo] = asyncio.get_running_loop().create_future()
        self._in_flight[key] = future
        try:
            photo = await self._ingest(read, submission)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: a lone first try must not log "never retrieved"
            raise
        else:
            future.set_result(photo)
        finally:
            del self._in_flight[key]
        return photo

    async def _replayed(self, photo: Photo, submission: Submission) -> Photo:
        if submission.receipt_hash:
            await self.store.photos.set_receipt_hash(photo.id, submission.receipt_hash)
        return photo

    async def _ingest(self, read: Callable[[], bytes], submission: Submission) -> Photo:
        keep_print = submission.keeps_print
        processed = await self.pool.run(
            lambda: process(read(), self.spec, self.detector, keep_print)
        )
        stored = await asyncio.to_thread(_store_renditions, processed, self.store.media)
        # Bytes an original already has are stored as a duplicate by `add` itself, inside
        # its transaction: two processes taking the same photo at once cannot both win.
        checked = self.triage.flags(
            processed.signals, submission.caption, submission.author, processed.phash
        )  # a source's own warning may say what a check said: each flag once
        flags = tuple(dict.fromkeys(checked + tuple(f for f in submission.extra_flags if f)))
        status, reason = _arrival_status(self.triage.initial_status(submission.source), flags), ""
        new = NewPhoto(
            id=new_photo_id(),
            source=submission.source,
            caption=submission.caption,
            author=submission.author,
            contributor=submission.contributor,
            sha256=processed.sha256,
            phash=processed.phash,
            mean_lab=processed.mean_lab,
            signals=processed.signals,
            flags=flags,
            renditions=stored,
            receipt_hash=submission.receipt_hash,
            consent=submission.consent,
            source_ref=submission.source_ref,
            idempotency_key=submission.idempotency_key,
            status=status,
            reason=reason,
            speaker=submission.speaker,
            speaker_in_credit=submission.speaker_in_credit,
        )
        async with self.store.media_refs:
            photo = await self.store.photos.add(new, actor=f"{submission.source}:{new.contributor}")
            await self._restore_missing(processed, tuple(photo.renditions.values()))
        if photo.status is not PhotoStatus.REJECTED:
            self.triage.remember(photo.id, photo.phash)
        self.bus.announce(PhotoCreated(photo=photo))
        return photo

    async def _restore_missing(self, processed: Processed, stored: tuple[Rendition, ...]) -> None:
        """A delete of an identical photo may have unlinked a file we found existing."""
        media = self.store.media
        encoded = {r.kind: r.data for r in processed.renditions}

        def restore() -> None:  # in a thread: `exists` is a HEAD request on an object store
            for r in stored:
                if not media.exists(r.key):
                    media.put(encoded[r.kind], "jpg")

        await asyncio.to_thread(restore)
