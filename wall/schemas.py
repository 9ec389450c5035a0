"""Wire schemas: what crosses HTTP and WebSockets. The display imports only these.

Kept apart from the domain dataclasses so the contract cannot drift when the model does.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from pydantic import BaseModel

from wall.domain import Photo, RenditionKind


def media_url(photo: Photo, kind: RenditionKind) -> str:
    rendition = photo.renditions[kind]
    return f"/media/{kind.value}/{photo.id}.{rendition.ext}"


def media_urls(photo: Photo) -> dict[str, str]:
    """Every served rendition's URL (never the print rendition's: it has none)."""
    return {kind.value: media_url(photo, kind) for kind in photo.renditions if kind.served}


class UploadAccepted(BaseModel):
    id: str
    status: str
    reason: str | None = None
    receipt_token: str
    status_url: str


class PhotoStatusOut(BaseModel):
    """The receipt: the contract's five fields, then what the contributor's page shows."""

    id: str
    status: str
    caption: str
    author: str
    created_at: datetime
    reason: str | None = None  # why it was rejected ("duplicate"), when policy says
    # The thumbnail, seen with the receipt token (`?token=`); None once the files are wiped.
    thumb_url: str | None = None
    on_wall_now: bool = False  # the display reported it on screen moments ago
    shown_at: datetime | None = None  # when it last came on the wall, in the wall's timezone
    timezone: str = ""  # the wall's, to write `shown_at` as the clock on the square reads
    # What the contributor consented to ("wall", "online", "print"), and who they said is
    # speaking ("" unsaid) and whether the credit says it: the receipt page shows them.
    consent_scopes: list[str] = []
    speaker: str = ""
    speaker_in_credit: bool = False

    @classmethod
    def of(
        cls,
        photo: Photo,
        on_wall_now: bool = False,
        shown_at: datetime | None = None,
        timezone: str = "",
    ) -> PhotoStatusOut:
        thumb = RenditionKind.THUMB
        return cls(
            id=photo.id,
            status=photo.status.value,
            caption=photo.caption,
            author=photo.author,
            created_at=photo.created_at,
            reason=photo.reason or None,
            thumb_url=media_url(photo, thumb) if thumb in photo.renditions else None,
            on_wall_now=on_wall_now,
            shown_at=shown_at,
            timezone=timezone,
            consent_scopes=sorted(photo.consent.scopes) if photo.consent else [],
            speaker=photo.speaker.value,
            speaker_in_credit=photo.speaker_in_credit,
        )


class SourceCredit(BaseModel):
    """What the wall says of a configured source: its kind and its public name."""

    kind: str = ""
    label: str = ""


class WallPhoto(BaseModel):
    """A photo as the display sees it: enough to show and credit it, nothing private."""

    id: str
    caption: str
    author: str
    source: str
    contributor: str  # an opaque key, for fair share of the screen
    created_at: datetime
    approved_at: datetime
    width: int
    height: int
    mean_lab: tuple[float, float, float]
    urls: dict[str, str]
    # How the public knows the source, for the credit: "mastodon", "pixelfed" or "bluesky"
    # with the hashtag followed, "webcam" with its place; empty for the upload page and imports.
    source_kind: str = ""
    source_label: str = ""
    # Who is speaking ("visiting", "resident", "newcomer"), only when the visitor ticked
    # "show it with my name"; "" otherwise, and from a server that predates it.
    speaker: str = ""

    @classmethod
    def of(cls, photo: Photo, credits: Mapping[str, SourceCredit] | None = None) -> WallPhoto:
        """`credits`: the configured sources by name (`wall.display_feed.source_credits`)."""
        display = photo.renditions.get(RenditionKind.DISPLAY)
        credit = (credits or {}).get(photo.source, SourceCredit())
        return cls(
            id=photo.id,
            caption=photo.caption,
            author=photo.author,
            source=photo.source,
            source_kind=credit.kind,
            source_label=credit.label,
            contributor=photo.contributor or f"{photo.source}:{photo.id}",
            created_at=photo.created_at,
            approved_at=photo.updated_at,
            width=display.width if display else 0,
            height=display.height if display else 0,
            mean_lab=photo.mean_lab,
            urls=media_urls(photo),
            speaker=credited_speaker(photo),
        )


def credited_speaker(photo: Photo) -> str:
    """Who is speaking, for a credit: only what the visitor let the credit say."""
    return photo.speaker.value if photo.speaker_in_credit else ""


class WallSnapshot(BaseModel):
    photos: list[WallPhoto]
