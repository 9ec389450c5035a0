"""The sockets' messages as types: what `/ws/display` and `/ws/moderation` send, one model each.

Both sides use these: the server builds them, the display validates what it reads with
`DISPLAY_MESSAGE` (one `TypeAdapter` over a union told apart by `type`), so the two cannot
drift apart. `encode` keeps the bytes on the wire what they were when the messages were
plain dicts (`json.dumps` of the JSON-mode dump): a client written against the contract's
JSON sees no change.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    Field,
    SerializerFunctionWrapHandler,
    TypeAdapter,
    model_serializer,
)

from wall.announcements import Announcement, Window, clock_text
from wall.domain import Photo, ShowState
from wall.schemas import WallPhoto, credited_speaker, media_urls

# --- the display socket ----------------------------------------------------------------


class Snapshot(BaseModel):
    """Every approved photo: the first message of each connection."""

    type: Literal["snapshot"] = "snapshot"
    photos: list[WallPhoto]


class PhotoApproved(BaseModel):
    type: Literal["photo.approved"] = "photo.approved"
    photo: WallPhoto


class PhotoRemoved(BaseModel):
    """Removed, rejected or deleted: off the wall at once."""

    type: Literal["photo.removed"] = "photo.removed"
    photo_id: str


class ShowWindow(BaseModel):
    """The show state as the server sees it. Moments stay ISO 8601 strings, written by the
    server as `datetime.isoformat` does, so the bytes are the contract's."""

    lit: bool
    reason: str
    start: str | None = None
    end: str | None = None
    upcoming: list[tuple[str, str]] = []

    @classmethod
    def of(cls, state: ShowState) -> ShowWindow:
        return cls.model_validate(state.as_json())


class ShowMessage(BaseModel):
    """`show.start` when the wall must light up, `show.stop` for true black."""

    type: Literal["show.start", "show.stop"]
    show: ShowWindow

    @classmethod
    def of(cls, state: ShowState) -> ShowMessage:
        return cls(type="show.start" if state.lit else "show.stop", show=ShowWindow.of(state))


class WallConfig(BaseModel):
    """What the wall says: its name, hashtag, QR target and call to action."""

    wall_name: str
    hashtag: str
    qr_target: str
    cta_fr: str
    cta_en: str


class ConfigChanged(BaseModel):
    type: Literal["config.changed"] = "config.changed"
    config: WallConfig


class LiveWindow(BaseModel):
    """A webcam shown live: its MJPEG stream (`url`, on this server, display token) and the
    place's name, the window's caption."""

    name: str
    place: str
    url: str
    fps: float


class LiveWindows(BaseModel):
    """The live windows this wall offers: sent on every connection (possibly none)."""

    type: Literal["live.windows"] = "live.windows"
    windows: list[LiveWindow]


def announcement_image_path(key: str) -> str:
    """Where a display fetches a slide's image (display token): named by its content, so a
    replaced image is a new file and a cached one never goes stale."""
    return f"/api/wall/announcement-images/{key}"


class WallAnnouncement(BaseModel):
    """An announcement as the display sees it: what to draw, and when (days and "HH:MM"
    times on the wall's clock: the message's `timezone`)."""

    id: str
    version: int
    kind: Literal["image", "text"]
    title_fr: str = ""
    title_en: str = ""
    text_fr: str = ""
    text_en: str = ""
    image_id: str = ""  # the image's content hash: the display caches it under this name
    image_url: str = ""
    image_width: int = 0
    image_height: int = 0
    first_day: date
    last_day: date
    start: str
    end: str
    every_minutes: int | None = None  # None: once between two layouts
    seconds: int

    @classmethod
    def of(cls, announcement: Announcement) -> WallAnnouncement:
        image, window = announcement.image, announcement.window
        return cls(
            id=announcement.id,
            version=announcement.version,
            kind=announcement.kind.value,
            title_fr=announcement.title_fr,
            title_en=announcement.title_en,
            text_fr=announcement.text_fr,
            text_en=announcement.text_en,
            image_id=image.key.partition(".")[0] if image else "",
            image_url=announcement_image_path(image.key) if image else "",
            image_width=image.width if image else 0,
            image_height=image.height if image else 0,
            first_day=window.first_day,
            last_day=window.last_day,
            start=clock_text(window.start),
            end=clock_text(window.end),
            every_minutes=announcement.every_minutes,
            seconds=announcement.seconds,
        )

    def window(self) -> Window:
        """ValueError if a time is not "HH:MM"."""
        return Window(
            self.first_day,
            self.last_day,
            time.fromisoformat(self.start),
            time.fromisoformat(self.end),
        )


class AnnouncementsMessage(BaseModel):
    """Every announcement of the wall, sent on each connection and whenever one changes (a
    display older than this message ignores its unknown `type`)."""

    type: Literal["announcements"] = "announcements"
    timezone: str
    announcements: list[WallAnnouncement]


class ResyncMessage(BaseModel):
    """The client fell behind (its queue overflowed): it must reload a snapshot."""

    type: Literal["resync"] = "resync"


DisplayMessage = Annotated[
    Snapshot
    | PhotoApproved
    | PhotoRemoved
    | ShowMessage
    | ConfigChanged
    | LiveWindows
    | AnnouncementsMessage
    | ResyncMessage,
    Field(discriminator="type"),
]
DISPLAY_MESSAGE: TypeAdapter[DisplayMessage] = TypeAdapter(DisplayMessage)

# --- the moderation socket -------------------------------------------------------------


class TextPart(BaseModel):
    """A stretch of a caption or name; `blocked` when a blocklisted word was written there."""

    text: str
    blocked: bool


class SimilarPhoto(BaseModel):
    """The photo a near-duplicate resembles, so the moderator can compare the two."""

    id: str
    status: str
    urls: dict[str, str]


class ModPhoto(BaseModel):
    id: str
    status: str
    source: str
    caption: str
    author: str
    flags: list[str]
    urls: dict[str, str]
    version: int
    created_at: datetime
    updated_at: datetime
    reason: str
    source_ref: str
    signals: dict[str, Any]
    # Filled for flagged photos only (moderation.present): the blocklisted words in place,
    # the caption/author in parts ([] when nothing is blocked); the photo it resembles.
    caption_parts: list[TextPart] = []
    author_parts: list[TextPart] = []
    similar: SimilarPhoto | None = None
    # Who is speaking, as the wall's credit will say it ("" when the visitor did not let it).
    speaker: str = ""

    @classmethod
    def of(cls, photo: Photo) -> ModPhoto:
        """The photo's own fields; `moderation.present` adds what the policy knows."""
        signals = photo.signals
        return cls(
            id=photo.id,
            status=photo.status.value,
            source=photo.source,
            caption=photo.caption,
            author=photo.author,
            flags=list(photo.flags),
            urls=media_urls(photo),
            version=photo.version,
            created_at=photo.created_at,
            updated_at=photo.updated_at,
            reason=photo.reason,
            source_ref=photo.source_ref,
            signals={k: getattr(signals, k) for k in signals.__dataclass_fields__}
            if signals
            else {},
            speaker=credited_speaker(photo),
        )


class Hello(BaseModel):
    """The greeting: how many photos wait, before any event."""

    type: Literal["hello"] = "hello"
    backlog: int


class PhotoPending(BaseModel):
    """In the queue: new, or put back by an undo (then `by` names who undid)."""

    type: Literal["photo.pending"] = "photo.pending"
    photo: ModPhoto
    by: str | None = None
    backlog: int

    @model_serializer(mode="wrap")
    def _without_missing_actor(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """A new photo has no actor: the key is absent, as it always was on the wire."""
        data: dict[str, Any] = handler(self)
        if data.get("by") is None:
            data.pop("by", None)
        return data


class PhotoDecided(BaseModel):
    """Approved, rejected or removed, by a moderator or by the policy (`by`: "policy")."""

    type: Literal["photo.decided"] = "photo.decided"
    photo: ModPhoto
    by: str
    backlog: int


class PhotoErased(BaseModel):
    """Deleted by its contributor or by retention."""

    type: Literal["photo.deleted"] = "photo.deleted"
    photo_id: str
    backlog: int


ModerationMessage = Annotated[
    Hello | PhotoPending | PhotoDecided | PhotoErased | ResyncMessage,
    Field(discriminator="type"),
]
MODERATION_MESSAGE: TypeAdapter[ModerationMessage] = TypeAdapter(ModerationMessage)


def encode(message: BaseModel) -> str:
    """The text frame: `json.dumps` of the JSON-mode dump, as the dicts were sent before."""
    return json.dumps(message.model_dump(mode="json"))
