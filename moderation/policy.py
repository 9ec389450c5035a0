"""Turns the pipeline's measurements into flags a moderator reads, and decides who skips
the queue. Flags inform; only exact duplicates are refused outright."""

from __future__ import annotations

from collections.abc import AsyncIterable

from moderation.blocklist import Blocklist, builtin_terms
from moderation.near_duplicates import NearDuplicateIndex
from wall.config import ModerationSection
from wall.domain import HELD_FLAG, SENSITIVE_FLAG, PhotoStatus, Signals
from wall.events import Event, PhotoCreated, PhotoDeleted

FACE_HEAVY_AREA = 0.15  # faces cover this share of the picture: a portrait, not a view


class Policy:
    """Implements ingest's `Triage`, and is the one owner of the near-duplicate index: the
    app loads it at start, ingest adds to it, the lifecycle forgets erased photos, and the
    moderation views ask it what a photo resembles."""

    def __init__(self, settings: ModerationSection) -> None:
        self.settings = settings
        terms = list(settings.caption_blocklist)
        if settings.builtin_blocklist:
            terms += builtin_terms()
        self.blocklist = Blocklist(terms)
        self.near_duplicates = NearDuplicateIndex()

    def quality_flags(self, signals: Signals) -> list[str]:
        s = self.settings
        found = []
        if signals.sharpness < s.blur_threshold:
            found.append("blurry")
        if signals.brightness < s.dark_threshold:
            found.append("dark")
        if max(signals.width, signals.height) < s.min_long_edge:
            found.append("tiny")
        if signals.face_count:
            found.append("faces")
        if signals.face_area >= FACE_HEAVY_AREA:
            found.append("face_heavy")
        return found + self.safety_flags(signals)

    def safety_flags(self, signals: Signals) -> list[str]:
        """The image-safety check's verdict: `sensitive` from the flag threshold, and `held`
        too from the hold threshold (ingest then lets no source approve it by itself). A
        photo never scored (the check off, an older row) gets neither."""
        score, s = signals.nsfw_score, self.settings
        if score is None or score < s.safety_flag_threshold:
            return []
        return [SENSITIVE_FLAG, HELD_FLAG] if score >= s.safety_hold_threshold else [SENSITIVE_FLAG]

    def flags(
        self, signals: Signals, caption: str = "", author: str = "", phash: int = 0
    ) -> tuple[str, ...]:
        found = self.quality_flags(signals)
        if self.blocklist.matches(caption) or self.blocklist.matches(author):
            found.append("blocklist")
        nearest = self.near_duplicates.nearest(phash) if phash else None
        if nearest is not None and nearest[1] <= self.settings.duplicate_distance:
            found.append("near_duplicate")
        return tuple(found)

    def resembles(self, photo_id: str, phash: int) -> str | None:
        """The other photo that `photo_id` is a near-duplicate of, for the moderator to
        compare; None when none is close enough any more (it was erased)."""
        nearest = self.near_duplicates.nearest(phash, exclude=photo_id) if phash else None
        if nearest is None or nearest[1] > self.settings.duplicate_distance:
            return None
        return nearest[0]

    def remember(self, photo_id: str, phash: int) -> None:
        """Index an accepted photo, so that its near-copies are flagged from now on."""
        if phash:
            self.near_duplicates.add(photo_id, phash)

    def forget(self, photo_id: str) -> None:
        """An erased photo is nobody's near-duplicate any more."""
        self.near_duplicates.forget(photo_id)

    def load(self, pairs: list[tuple[str, int]]) -> None:
        """At start: every kept photo's perceptual hash, from the store."""
        self.near_duplicates.load(pairs)

    async def follow(self, events: AsyncIterable[Event]) -> None:
        """In a cluster, photos arrive and leave through the wall's other processes too: the
        index follows the wall's events (a local photo comes back here: adding it twice is
        a no-op). Runs until cancelled."""
        async for event in events:
            if isinstance(event, PhotoCreated) and event.photo.status is not PhotoStatus.REJECTED:
                self.remember(event.photo.id, event.photo.phash)
            elif isinstance(event, PhotoDeleted):
                self.forget(event.photo_id)

    def initial_status(self, source: str) -> PhotoStatus:
        if source in self.settings.auto_approve_sources:
            return PhotoStatus.APPROVED
        return PhotoStatus.PENDING
