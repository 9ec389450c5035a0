"""Domain types of the wall: plain frozen dataclasses, free of HTTP and SQL."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime

# Photo.source of a visitor's upload; every other source is named in the config.
UPLOAD_SOURCE = "upload"
# The image-safety check's flags (moderation.policy sets them, ingest obeys the second): a
# score past `[moderation] safety_flag_threshold` asks a moderator to look ("sensitive", the
# code a Mastodon post marked sensitive also carries); past `safety_hold_threshold`, the
# photo is never approved without one, whatever its source ("held").
SENSITIVE_FLAG = "sensitive"
HELD_FLAG = "held"


def utcnow() -> datetime:
    """One clock for every timestamp we store, so ordering never depends on local time."""
    return datetime.now(UTC)


class PhotoStatus(enum.StrEnum):
    """The photo lifecycle of the contract: pending → approved → removed; → rejected; → deleted."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    REMOVED = "removed"
    DELETED = "deleted"


class RenditionKind(enum.StrEnum):
    """A photo's re-encoded copies: never the original. All but PRINT are served."""

    DISPLAY = "display"
    THUMB = "thumb"
    TILE = "tile"
    # Full resolution, metadata stripped, sRGB; only for PRINT-consented photos; NEVER
    # served over HTTP (the exhibition package is the one way out).
    PRINT = "print"

    @property
    def served(self) -> bool:
        """Whether `/media/<kind>/...` may answer with it."""
        return self is not RenditionKind.PRINT


@dataclass(frozen=True, slots=True)
class Rendition:
    kind: RenditionKind
    key: str  # content address in the media store
    width: int
    height: int
    size: int
    mime: str = "image/jpeg"

    @property
    def ext(self) -> str:
        return "jpg" if self.mime == "image/jpeg" else self.mime.split("/")[-1]


class ConsentScope(enum.StrEnum):
    """What a contributor's consent covers; recorded with the text version they saw."""

    WALL = "wall"  # projection on the wall: always part of the consent
    ONLINE = "online"  # the online gallery: named in the consent text when [gallery] enabled
    PRINT = "print"  # prints for the office's travelling exhibitions: a second, optional tick


class Speaker(enum.StrEnum):
    """Who is speaking: an optional one-tap choice on the visitor page."""

    UNSAID = ""
    VISITING = "visiting"
    RESIDENT = "resident"
    NEWCOMER = "newcomer"


@dataclass(frozen=True, slots=True)
class Consent:
    """What the contributor agreed to, and when: the proof a city needs if asked."""

    given_at: datetime
    text_version: str
    language: str
    scopes: frozenset[ConsentScope] = frozenset({ConsentScope.WALL})


def scopes_to_text(scopes: frozenset[ConsentScope]) -> str:
    """The stored form of a consent's scopes: comma-separated, sorted (one spelling)."""
    return ",".join(sorted(scope.value for scope in scopes))


def scopes_from_text(text: str | None) -> frozenset[ConsentScope]:
    """The scopes of a stored row; unknown words are dropped (a newer server's scope means
    nothing here, and consent is never widened by reading)."""
    known = {scope.value for scope in ConsentScope}
    return frozenset(ConsentScope(w) for w in (text or "").split(",") if w in known)


@dataclass(frozen=True, slots=True)
class Signals:
    """Measurements of the image that moderation policy turns into flags."""

    width: int  # of the decoded, upright original
    height: int
    sharpness: float  # variance of the Laplacian on the thumb
    brightness: float  # mean L* (0..100)
    clipped_dark: float  # share of near-black pixels
    clipped_bright: float  # share of near-white pixels
    face_count: int
    face_area: float  # share of the picture covered by faces
    # open_nsfw's score (0..1) on the thumb (ingest.safety); None: not checked (the check
    # was off, or the row is older than it: stored signals without the key read as None).
    nsfw_score: float | None = None


@dataclass(frozen=True, slots=True)
class Photo:
    id: str
    status: PhotoStatus
    version: int
    source: str
    caption: str
    author: str
    created_at: datetime
    updated_at: datetime
    contributor: str = ""  # who sent it: an upload's device pseudonym (ingest/visitors), a handle
    sha256: str = ""
    phash: int = 0
    mean_lab: tuple[float, float, float] = (0.0, 0.0, 0.0)
    signals: Signals | None = None
    flags: tuple[str, ...] = ()
    reason: str = ""
    consent: Consent | None = None
    source_ref: str = ""  # link to the original post, for credit
    renditions: dict[RenditionKind, Rendition] = field(default_factory=dict)
    speaker: Speaker = Speaker.UNSAID
    speaker_in_credit: bool = False  # shown in the credit only if the visitor ticked it

    @property
    def is_public(self) -> bool:
        return self.status is PhotoStatus.APPROVED

    @property
    def held(self) -> bool:
        """The safety check held it back: only a moderator may approve it."""
        return HELD_FLAG in self.flags


@dataclass(frozen=True, slots=True)
class NewPhoto:
    """A processed photo ready to be committed, with its renditions already in the media store."""

    id: str
    source: str
    caption: str
    author: str
    contributor: str
    sha256: str
    phash: int
    mean_lab: tuple[float, float, float]
    signals: Signals
    flags: tuple[str, ...]
    renditions: tuple[Rendition, ...]
    receipt_hash: str = ""
    consent: Consent | None = None
    source_ref: str = ""
    idempotency_key: str = ""
    status: PhotoStatus = PhotoStatus.PENDING
    reason: str = ""
    speaker: Speaker = Speaker.UNSAID
    speaker_in_credit: bool = False  # shown in the credit only if the visitor ticked it


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """Who did what to which photo, when and why: what an operator reviews after a night."""

    at: datetime
    photo_id: str
    actor: str
    action: str
    from_status: str
    to_status: str
    reason: str


class ShowReason(enum.StrEnum):
    """Why the wall is lit or dark: the console says it in words, the display obeys `lit`."""

    ALWAYS = "always"  # no schedule: lit whenever the display runs (the demo, a trade fair)
    SHOW = "show"  # a scheduled show is running
    BETWEEN_SHOWS = "between_shows"  # daytime, a night off, the off-season
    BLANKED = "blanked"  # an operator pressed "blank the wall now"


@dataclass(frozen=True, slots=True)
class ShowState:
    """Whether the wall is lit now and why, with the coming shows so that a display that
    loses the server can still start and stop on time."""

    lit: bool
    reason: ShowReason
    start: datetime | None = None  # the running show's, when there is one
    end: datetime | None = None
    upcoming: tuple[tuple[datetime, datetime], ...] = ()

    def as_json(self) -> dict[str, object]:
        def stamp(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment else None

        return {
            "lit": self.lit,
            "reason": self.reason.value,
            "start": stamp(self.start),
            "end": stamp(self.end),
            "upcoming": [[s.isoformat(), e.isoformat()] for s, e in self.upcoming],
        }
