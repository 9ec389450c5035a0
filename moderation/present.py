"""What a moderator is shown about a photo beyond its own fields: the blocklisted words in
place, and for a near-duplicate, the photo it resembles (its id, status and thumbnail).

Worked out when the photo is shown, from the policy's blocklist and near-duplicate index,
so nothing extra is stored and an erased look-alike simply stops being shown.
"""

from __future__ import annotations

from collections.abc import Iterable

from moderation.policy import Policy
from moderation.schemas import ModPhoto, SimilarPhoto, TextPart
from wall.domain import Photo, PhotoStatus
from wall.schemas import media_urls
from wall.storage.base import Store

BLOCKLIST_FLAG = "blocklist"
NEAR_DUPLICATE_FLAG = "near_duplicate"


def text_parts(text: str, spans: list[tuple[int, int]]) -> list[TextPart]:
    """`text` cut at the blocked spans; [] when there are none (the text shows as it is)."""
    if not spans:
        return []
    parts: list[TextPart] = []
    at = 0
    for start, end in spans:
        if start > at:
            parts.append(TextPart(text=text[at:start], blocked=False))
        parts.append(TextPart(text=text[start:end], blocked=True))
        at = end
    if at < len(text):
        parts.append(TextPart(text=text[at:], blocked=False))
    return parts


class Presenter:
    """Turns stored photos into what the moderation API and socket send."""

    def __init__(self, store: Store, policy: Policy) -> None:
        self.store = store
        self.policy = policy

    async def photo(self, photo: Photo) -> ModPhoto:
        shown = ModPhoto.of(photo)
        if BLOCKLIST_FLAG in photo.flags:
            spans = self.policy.blocklist.spans
            shown.caption_parts = text_parts(photo.caption, spans(photo.caption))
            shown.author_parts = text_parts(photo.author, spans(photo.author))
        if NEAR_DUPLICATE_FLAG in photo.flags:
            shown.similar = await self._similar(photo)
        return shown

    async def photos(self, photos: Iterable[Photo]) -> list[ModPhoto]:
        return [await self.photo(photo) for photo in photos]

    async def _similar(self, photo: Photo) -> SimilarPhoto | None:
        other_id = self.policy.resembles(photo.id, photo.phash)
        other = await self.store.photos.get(other_id) if other_id else None
        if other is None or other.status is PhotoStatus.DELETED:
            return None
        return SimilarPhoto(id=other.id, status=other.status.value, urls=media_urls(other))
