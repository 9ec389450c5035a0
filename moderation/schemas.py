"""What the moderation API and socket say about a photo: everything a moderator weighs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from wall.domain import Photo
from wall.schemas import media_urls

MAX_REASON = 200


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
        )


class QueuePage(BaseModel):
    photos: list[ModPhoto]
    total: int


class DecisionIn(BaseModel):
    decision: Literal["approve", "reject", "remove"]
    reason: str = Field("", max_length=MAX_REASON)
    version: int = Field(ge=1)


class AuditEntryOut(BaseModel):
    """An `AuditEntry` on the wire (read from its attributes)."""

    model_config = ConfigDict(from_attributes=True)

    at: datetime
    photo_id: str
    actor: str
    action: str
    from_status: str
    to_status: str
    reason: str


class AuditPage(BaseModel):
    entries: list[AuditEntryOut]
