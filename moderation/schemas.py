"""What the moderation API and socket say about a photo: everything a moderator weighs."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# A photo as the queue and the socket show it: a wire model of the core (`wall.wire`).
from wall.wire import ModPhoto as ModPhoto
from wall.wire import SimilarPhoto as SimilarPhoto
from wall.wire import TextPart as TextPart

MAX_REASON = 200


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
