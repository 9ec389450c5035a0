"""The storage interface: all that ingest, moderation and display may ask of storage.

Kept narrow on purpose so that a PostgreSQL + object-store backend is one new module:
rows go through `PhotoRepository`, bytes through `MediaStore`; nothing else leaks out.
"""

from __future__ import annotations

import asyncio
import builtins
import logging
import unicodedata
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from wall.domain import AuditEntry, NewPhoto, Photo, PhotoStatus
from wall.events import EventBus

if TYPE_CHECKING:  # its module builds on this one's StorageError
    from wall.storage.announcement_repo import AnnouncementRepository

log = logging.getLogger(__name__)


class StorageError(Exception):
    """Base of the errors a repository raises for callers to map to HTTP codes."""


class StorageUnavailable(StorageError):
    """The database cannot be reached now: answer 503, retry later."""


class PhotoNotFound(StorageError):
    pass


class VersionConflict(StorageError):
    """Someone else changed the photo first (optimistic concurrency on `version`)."""


class InvalidTransition(StorageError):
    pass


class DuplicateIdempotencyKey(StorageError):
    """Another request (in this process or another) already stored a photo under this
    idempotency key: the caller replays that photo instead."""


DUPLICATE_REASON = "duplicate"


def as_duplicate(new: NewPhoto) -> NewPhoto:
    """What `add` stores when an original with the same bytes exists: rejected, no files."""
    return replace(new, status=PhotoStatus.REJECTED, reason=DUPLICATE_REASON, renditions=())


@dataclass(frozen=True, slots=True)
class LastDecision:
    """A moderator's latest act, read from the audit log (so every process of a cluster
    sees the same): what it changed, when, and whether anyone touched the photo since."""

    photo_id: str
    action: str  # "approved", "rejected", "removed", "undo:pending", "delete"…
    before: PhotoStatus
    at: datetime
    version: int  # the photo's version now
    superseded: bool  # the photo changed again after it


@dataclass(frozen=True, slots=True)
class PhotoPage:
    photos: list[Photo]
    total: int


class PhotoRepository(Protocol):
    async def open(self) -> None:
        """Connects (and migrates) a remote database; the embedded one is ready at once."""
        ...

    async def add(self, new: NewPhoto, actor: str) -> Photo:
        """Stores the photo, its renditions and the audit row in one transaction.

        Checked inside that transaction, so two processes racing cannot both win: an
        idempotency key already used raises `DuplicateIdempotencyKey`; bytes an original
        (not deleted) already has are stored `as_duplicate`.
        """
        ...

    async def get(self, photo_id: str) -> Photo | None: ...

    async def receipt_hash(self, photo_id: str) -> str | None: ...

    async def find_by_sha256(self, sha256: str) -> Photo | None: ...

    async def find_by_idempotency_key(self, key: str) -> Photo | None: ...

    async def set_receipt_hash(self, photo_id: str, receipt_hash: str) -> None:
        """A retried upload gets a fresh receipt: the first reply never reached anyone."""
        ...

    async def transition(
        self,
        photo_id: str,
        to: PhotoStatus,
        actor: str,
        reason: str = "",
        expected_version: int | None = None,
        undo: bool = False,
    ) -> tuple[Photo, Photo]:
        """Returns (before, after); the audit row is written in the same transaction.

        `undo` allows the way back of a decision (approved/rejected → pending,
        removed → approved), which no fresh decision may take.
        """
        ...

    async def delete(self, photo_id: str, actor: str, reason: str) -> tuple[Photo, list[str]]:
        """Tombstones the photo; returns it as it was and the media keys no longer used."""
        ...

    # `list` names this method inside the class: annotations below it say `builtins.list`.
    async def list(
        self,
        status: PhotoStatus | None,
        limit: int,
        offset: int = 0,
        source: str | None = None,
        flag: str | None = None,
        newest_first: bool = False,
    ) -> PhotoPage: ...

    async def gallery_page(
        self, limit: int, before: tuple[datetime, str] | None = None
    ) -> builtins.list[Photo]:
        """The online gallery's photos: approved, their consent covering `ONLINE`, newest
        first by arrival (then id, descending by code point), those after `before` (the
        (created_at, id) of the previous page's last photo) only; one query, renditions
        included."""
        ...

    async def expired(
        self, arrived_before: datetime, rejected_before: datetime, limit: int
    ) -> builtins.list[str]:
        """Photos (not yet deleted) past their retention, oldest first: every photo that
        arrived before `arrived_before`, and rejected ones decided before `rejected_before`."""
        ...

    async def pending_count(self, contributor: str) -> int:
        """Photos of one contributor still waiting: a flood shows here first."""
        ...

    async def perceptual_hashes(self) -> builtins.list[tuple[str, int]]:
        """(id, pHash) of every photo not deleted: the near-duplicate index is built from it."""
        ...

    async def audit_log(self, limit: int, offset: int = 0) -> builtins.list[AuditEntry]: ...

    async def last_decision(self, actor: str) -> LastDecision | None:
        """The latest audit row `actor` wrote about a photo still here, or None."""
        ...

    async def media_keys_in_use(self) -> set[str]: ...

    async def wipe_unused(
        self, keys: Sequence[str], wipe: Callable[[builtins.list[str]], Awaitable[None]]
    ) -> None:
        """Calls `wipe` with those of `keys` no row names now, and lets no `add` that would
        name one of them commit until `wipe` is done (in a cluster: per-key locks that
        every process takes). An `add` that waited finds its file gone and puts it back."""
        ...

    async def close(self) -> None: ...


def username_key(username: str) -> str:
    """The form names are compared in: "Ana", "ANA" and a decomposed "Ana" are one account."""
    return unicodedata.normalize("NFC", username).casefold()


class AccountExists(StorageError):
    pass


class AccountNotFound(StorageError):
    pass


@dataclass(frozen=True, slots=True)
class AccountRecord:
    """An account as stored; `role` is the role's value ("moderator" | "operator")."""

    username: str
    role: str
    password_hash: str
    created_at: datetime
    disabled: bool


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A live session joined with its (enabled) account: one read answers "who is this?"."""

    username: str
    role: str
    csrf_token: str
    created_at: datetime
    last_seen: datetime
    expires_at: datetime


class AccountRepository(Protocol):
    """Accounts, sessions and failed logins. Usernames compare case-insensitively (NFC,
    casefold); sessions are looked up by the hash of their cookie value, never the value."""

    async def add_account(self, username: str, role: str, password_hash: str) -> AccountRecord:
        """Raises `AccountExists` when the name is taken (in any case)."""
        ...

    async def get_account(self, username: str) -> AccountRecord | None: ...

    async def list_accounts(self) -> list[AccountRecord]: ...

    async def count_accounts(self) -> int: ...

    async def set_password_hash(self, username: str, password_hash: str) -> None: ...

    async def replace_password(
        self, username: str, password_hash: str, keep_session: str | None = None
    ) -> AccountRecord:
        """A new password ends the account's sessions, all but `keep_session` (the id hash of
        the one that changed it), in the same transaction. Raises `AccountNotFound`."""
        ...

    async def set_disabled(self, username: str, disabled: bool) -> AccountRecord:
        """Disabling also ends the account's sessions. Raises `AccountNotFound`."""
        ...

    async def add_session(
        self, id_hash: str, username: str, csrf_token: str, now: datetime, expires_at: datetime
    ) -> None:
        """Also forgets sessions already expired at `now`: the table stays small."""
        ...

    async def get_session(self, id_hash: str) -> SessionRecord | None:
        """None when unknown or its account is disabled; expiry is the caller's call."""
        ...

    async def touch_session(
        self, id_hash: str, last_seen: datetime, expires_at: datetime
    ) -> None: ...

    async def delete_session(self, id_hash: str) -> None: ...

    async def record_failure(
        self, keys: Sequence[str], at: datetime, forget_before: datetime
    ) -> int:
        """Marks one failed attempt under each key; returns the attempt's id. Marks older
        than `forget_before` are dropped on the way."""
        ...

    async def failures_since(self, key: str, since: datetime) -> list[datetime]:
        """The key's failure times at or after `since`, oldest first."""
        ...

    async def cancel_attempt(self, attempt: int) -> None: ...

    async def clear_failures(self, key: str) -> None:
        """Forgets the key's marks and those of the pairs it heads (`<key>|…`)."""
        ...


# An orphan (a media object no row names) younger than this is left alone: another
# process may have written the renditions of an upload whose row it has not committed
# yet. An upload takes seconds; an hour also covers clock skew between the app machines
# and the store, and a `put` of an existing key refreshes its age.
ORPHAN_GRACE = timedelta(hours=1)
MEDIA_RETRY_AFTER_S = "10"  # what a 503 says when the media store does not answer


class MediaUnavailable(StorageError):
    """The media store did not answer (down, unreachable, refusing our credentials).

    Callers answer 503 with Retry-After: nothing was half-written (a file is renamed into
    place, an S3 PUT is whole or absent)."""


@dataclass(frozen=True, slots=True)
class MediaEntry:
    """One stored object: its key and when it was last written (aware)."""

    key: str
    modified: datetime


@dataclass(frozen=True, slots=True)
class MediaBody:
    """An object being read: its size, then its bytes in chunks.

    `chunks` is a plain iterator that may block: Starlette's `StreamingResponse` iterates
    it in its thread pool. A store that fails half-way raises `MediaUnavailable` from it."""

    size: int
    chunks: Iterator[bytes]


class MediaStore(Protocol):
    """Content-addressed bytes, keys `<sha256>.<ext>`.

    The plain methods block (disk or network): call them from a worker thread, as ingest
    does. `open` is the one meant for the event loop. Every method raises `BadMediaKey`
    (a `ValueError`) for a malformed key and `MediaUnavailable` when the store is down; a
    missing object is `FileNotFoundError`."""

    def put(self, data: bytes, ext: str) -> str:
        """Stores the bytes, returns their key. Storing an existing key again refreshes its
        modification time: the orphan grace counts from the last upload that wrote it."""
        ...

    def read(self, key: str) -> bytes: ...

    def local_path(self, key: str) -> Path | None:
        """A file to stream from, or None for a remote store (then `open` it)."""
        ...

    async def open(self, key: str) -> MediaBody:
        """Starts reading an object without blocking the loop; raises before any byte."""
        ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Removes the object; a missing one is no error."""
        ...

    def keys(self) -> Iterator[str]: ...

    def entries(self) -> Iterator[MediaEntry]:
        """Every object with its modification time, for the orphan collection."""
        ...

    def sweep_temporaries(self, older_than: datetime) -> int:
        """Removes half-written temporaries last touched before `older_than`; 0 where the
        store never leaves any (an S3 PUT is atomic)."""
        ...


class SourceStateRepository(Protocol):
    """Small remembered values per source: cursors, imported file names."""

    async def get(self, source: str, key: str) -> str | None: ...

    async def set(self, source: str, key: str, value: str) -> None: ...

    async def has_source_ref(self, source_ref: str) -> bool:
        """Whether a photo (not deleted) came from this post or file already."""
        ...


class ShownRepository(Protocol):
    """Which photos came on the wall, and when: the display reports them about once a second."""

    async def record_shown(self, photo_ids: Sequence[str], at: datetime) -> None:
        """Notes that these photos were on screen at `at` (aware). Idempotent per photo and
        quarter hour; unknown and deleted photos are ignored (a display's cache may lag)."""
        ...

    async def last_shown(self, photo_id: str) -> datetime | None:
        """When this photo last came on the wall (to the quarter hour's first report), for
        its contributor's receipt; None if it never did."""
        ...


@dataclass(frozen=True, slots=True)
class QuarterCount:
    """How many of something in one quarter hour (UTC start), for one source."""

    source: str
    quarter: datetime
    count: int


@dataclass(frozen=True, slots=True)
class NightCounts:
    """The raw counts of a time range, by source and quarter hour; `console.night` turns the
    quarters into the wall's local hours (a quarter lies within one local hour everywhere)."""

    received: list[QuarterCount]
    # A photo counts once per outcome, in the quarter of its first standing decision;
    # a decision undone at once (the moderators' 10 s undo) does not count.
    approved: list[QuarterCount]
    rejected: list[QuarterCount]
    removed: int
    deleted: int
    shown: int
    contributors: int
    # The same range by who is speaking (the visitor's one-tap choice, "" unsaid).
    speakers: list[SpeakerCount] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SpeakerCount:
    """A range's photos from one kind of speaker ("" unsaid): arrivals, approvals (standing
    decisions, as in `NightCounts`) and distinct contributors among the arrivals."""

    speaker: str
    received: int
    approved: int
    contributors: int


class FiguresRepository(Protocol):
    """Read-only sums over photos, the audit log and what was shown, for a time range."""

    async def counts(self, start: datetime, end: datetime) -> NightCounts: ...

    async def approved_between(self, start: datetime, end: datetime) -> list[Photo]:
        """Photos approved in [start, end) and still approved, in the order they arrived."""
        ...


class ExhibitionNotFound(StorageError):
    pass


class ExhibitionExists(StorageError):
    """Another exhibition of the wall has this name (compared as usernames are)."""


class ExhibitionFull(StorageError):
    """The exhibition holds as many photos as the caller allows."""


class NotPrintable(StorageError):
    """The photo may not join an exhibition; `reason` says why: "not_approved" (not on the
    wall now) or "no_print_consent" (its contributor did not tick print, or it has no print
    rendition)."""

    def __init__(self, photo_id: str, reason: str) -> None:
        super().__init__(f"{photo_id}: {reason}")
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Exhibition:
    """An operators' selection for the office's travelling exhibition."""

    id: str
    name: str
    created_at: datetime
    created_by: str
    photo_count: int  # photos printable now (see `ExhibitionRepository.photos`)


class ExhibitionRepository(Protocol):
    """Exhibitions and the photos picked for them, in picking order.

    A photo is printable while it is approved or removed (not deleted), its consent covers
    print and it has a print rendition. Only printable photos are ever listed or exported: a
    contributor's delete (or retention) takes the photo out of every exhibition in the delete's
    own transaction, and a photo that stops being printable drops out of the listings."""

    async def create(self, exhibition_id: str, name: str, actor: str) -> Exhibition:
        """Raises `ExhibitionExists` when the name is taken."""
        ...

    async def list_all(self) -> builtins.list[Exhibition]:
        """Newest first."""
        ...

    async def get(self, exhibition_id: str) -> Exhibition | None: ...

    async def remove(self, exhibition_id: str, actor: str) -> None:
        """Raises `ExhibitionNotFound`; the photos themselves stay."""
        ...

    async def add_photo(self, exhibition_id: str, photo_id: str, actor: str, limit: int) -> None:
        """Adds the photo at the end (again: no change). Checked in the insert's transaction:
        raises `ExhibitionNotFound`, `PhotoNotFound`, `NotPrintable` (only approved photos
        are picked) or `ExhibitionFull` at `limit` photos."""
        ...

    async def drop_photo(self, exhibition_id: str, photo_id: str) -> None:
        """Takes the photo out (no error when it was not in); raises `ExhibitionNotFound`."""
        ...

    async def photos(self, exhibition_id: str) -> builtins.list[Photo]:
        """The exhibition's printable photos now, in picking order."""
        ...

    async def candidates(self, limit: int, offset: int = 0) -> PhotoPage:
        """Approved, print-consented photos with a print rendition, newest first: the picker."""
        ...

    async def record_export(self, exhibition_id: str, actor: str, photo_count: int) -> None:
        """Writes the export in the audit log (who, when, which exhibition, how many photos)."""
        ...


class SecretRepository(Protocol):
    """The wall's secrets (signing key, display token): made once, the same for every
    process of the wall."""

    async def get_or_create(self, name: str, make: str) -> str:
        """The stored value, or `make` stored and returned when there is none yet."""
        ...


@dataclass(frozen=True, slots=True)
class Glimpse:
    """A short-lived value as last put, with how long ago (measured on one clock)."""

    value: bytes
    at: datetime  # when it was put, for people
    age_s: float


class GlimpseStore(Protocol):
    """Short-lived state every process of a wall must see (the display's latest picture,
    the bytes an upload has delivered, the photos on screen now): kept a while, bounded,
    never a record, lost without harm."""

    async def put(self, kind: str, key: str, value: bytes) -> None: ...

    async def put_many(self, kind: str, keys: Sequence[str], value: bytes) -> None: ...

    async def get(self, kind: str, key: str, max_age_s: float) -> Glimpse | None:
        """The value if put within `max_age_s`, else None."""
        ...

    async def get_all(self, kind: str, max_age_s: float) -> dict[str, Glimpse]:
        """Every key of `kind` put within `max_age_s` (e.g. each process's own report)."""
        ...


@dataclass(frozen=True, slots=True)
class Charge:
    """One token asked of one bucket: `kind` ("device", "address") names the allowance,
    `key` whose it is, `per_minute` its steady rate (and burst)."""

    kind: str
    key: str
    per_minute: int


class RateLimits(Protocol):
    """Token buckets shared by every process of a wall (a phone's next upload may reach
    another process behind the load balancer)."""

    async def spend_all(self, charges: Sequence[Charge]) -> float:
        """Spends one token in each bucket only if all of them allow it (a phone refused by
        its own limit must not use up its Wi-Fi's shared ceiling): 0 when spent, else the
        longest wait in seconds, nothing spent."""
        ...


class EventRelay(Protocol):
    """Publishes on this process's bus the events every process of the wall commits."""

    def start(self) -> None: ...

    async def stop(self) -> None: ...


class Leadership(Protocol):
    """Whether this process is the wall's leader for a job, held until its connection ends."""

    is_leader: bool

    def start(
        self, on_gain: Callable[[], Awaitable[None]], on_loss: Callable[[], Awaitable[None]]
    ) -> None: ...

    async def stop(self) -> None: ...


@dataclass(frozen=True, slots=True)
class ClusterHooks:
    """What only a cluster's store has: events that cross processes (PostgreSQL sends each
    photo event itself, in the change's transaction; `relay` publishes them on a process's
    bus) and one leader per wall for the jobs that must run once."""

    relay: Callable[[EventBus], EventRelay]
    leadership: Callable[[str], Leadership]


@dataclass(frozen=True, slots=True)
class Store:
    """What the app factory hands to the services."""

    photos: PhotoRepository
    media: MediaStore
    accounts: AccountRepository
    sources: SourceStateRepository
    shown: ShownRepository
    figures: FiguresRepository
    exhibitions: ExhibitionRepository
    announcements: AnnouncementRepository
    secrets: SecretRepository
    limits: RateLimits
    glimpses: GlimpseStore
    # Held while a row starts or stops naming media files: content-addressed files are
    # shared, so "is this key still used?" and "a new row uses it" must not interleave.
    media_refs: asyncio.Lock = field(default_factory=asyncio.Lock)
    cluster: ClusterHooks | None = None  # None: the embedded store, one process

    async def recover(
        self, now: datetime | None = None, sole_writer: bool = False
    ) -> dict[str, int]:
        """After a crash: drop half-written temp files and media no row refers to.

        Safe while uploads go on, here or in another process of the cluster: an upload
        writes its files first and commits its row last, so only objects older than
        `ORPHAN_GRACE` are collected. Runs off the event loop (the store may be remote).
        """
        cutoff = (now or datetime.now(UTC)) - ORPHAN_GRACE
        try:
            # At start-up as the data dir's one owner nobody is writing: every half-written
            # temporary is a crash's leftover. Otherwise a young one may be a write under way.
            swept_before = (now or datetime.now(UTC)) if sole_writer else cutoff
            temporaries = await asyncio.to_thread(self.media.sweep_temporaries, swept_before)
        except OSError as exc:  # a folder where a temporary should be: said, never fatal
            log.error("temporary media not swept: %s", exc)
            temporaries = 0
        # The rows first, then the objects: a row committed after this read names objects
        # written (or refreshed) moments before, which the cutoff spares.
        in_use = await self.photos.media_keys_in_use()

        def candidates() -> list[str]:
            return [
                e.key for e in self.media.entries() if e.modified < cutoff and e.key not in in_use
            ]

        def delete(keys: list[str]) -> None:
            for key in keys:
                self.media.delete(key)

        collected: list[str] = []

        async def wipe(keys: list[str]) -> None:
            await asyncio.to_thread(delete, keys)
            collected.extend(keys)

        try:
            # Checked again key by key under the media locks: an identical upload may have
            # come to name one since the listing.
            async with self.media_refs:
                await self.photos.wipe_unused(await asyncio.to_thread(candidates), wipe)
            orphans = len(collected)
        except OSError as exc:  # something odd in the media folder: said, never fatal
            log.error("orphan media not collected: %s", exc)
            return {"temporaries": temporaries, "orphans": 0, "media_error": 1}
        except MediaUnavailable as exc:
            # The store is down: the server starts all the same (uploads answer 503 until
            # it is back, the displays play from their caches); orphans wait for next time.
            log.warning("orphan media not collected: %s", exc)
            return {"temporaries": temporaries, "orphans": 0, "media_unavailable": 1}
        return {"temporaries": temporaries, "orphans": orphans}
