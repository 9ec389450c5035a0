"""What the gallery sends: a photo as the public sees it online, a page of them, and the live
socket's messages. Only public data: no contributor key, hash, signal or flag."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from wall.domain import Photo, RenditionKind
from wall.schemas import SourceCredit, credited_speaker, media_url


class Image(BaseModel):
    """One rendition: the page sets `width`/`height` so the grid never jumps as images load."""

    url: str
    width: int
    height: int


class GalleryPhoto(BaseModel):
    id: str
    caption: str
    author: str
    created_at: datetime
    thumb: Image  # what the grid loads (lazily)
    display: Image | None  # the large rendition: the srcset's wide entry and the enlarged view
    # The credit, as the wall writes it: "mastodon"/"pixelfed"/"bluesky" with the tag
    # followed, "webcam" with its place; empty for the upload page and imports.
    source_kind: str = ""
    source_label: str = ""
    source_url: str = ""  # the original public post, where a network gave one
    # Who is speaking ("visiting", "resident", "newcomer"), only when the visitor ticked
    # "show it with my name"; "" otherwise.
    speaker: str = ""

    @classmethod
    def of(cls, photo: Photo, credits: Mapping[str, SourceCredit]) -> GalleryPhoto | None:
        """None for a photo without a thumbnail (nothing to show)."""
        thumb = _image(photo, RenditionKind.THUMB)
        if thumb is None:
            return None
        credit = credits.get(photo.source, SourceCredit())
        return cls(
            id=photo.id,
            caption=photo.caption,
            author=photo.author,
            created_at=photo.created_at,
            thumb=thumb,
            display=_image(photo, RenditionKind.DISPLAY),
            source_kind=credit.kind,
            source_label=credit.label,
            source_url=_post_link(photo.source_ref),
            speaker=credited_speaker(photo),
        )


def _post_link(source_ref: str) -> str:
    """A network's public post (its `https://` link, without the image's `#n`); a folder's
    or an import's internal reference is not a link and stays private."""
    return source_ref.split("#", 1)[0] if source_ref.startswith("https://") else ""


def _image(photo: Photo, kind: RenditionKind) -> Image | None:
    rendition = photo.renditions.get(kind)
    if rendition is None:
        return None
    return Image(url=media_url(photo, kind), width=rendition.width, height=rendition.height)


class GalleryPage(BaseModel):
    """`next`: the cursor of the following (older) page, null at the end."""

    photos: list[GalleryPhoto]
    next: str | None


class GalleryHello(BaseModel):
    """First message of each connection: the page (re)loads its newest photos after it, so
    nothing that happened while it was away is missed."""

    type: Literal["hello"] = "hello"


class GalleryAdded(BaseModel):
    """A photo joined the gallery: approved, and its consent covers online publication."""

    type: Literal["gallery.added"] = "gallery.added"
    photo: GalleryPhoto


class GalleryRemoved(BaseModel):
    """Off the gallery at once: removed by a moderator, or deleted by its contributor."""

    type: Literal["gallery.removed"] = "gallery.removed"
    photo_id: str
