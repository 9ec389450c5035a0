"""Turns the pipeline's measurements into flags a moderator reads, and decides who skips
the queue. Flags inform; only exact duplicates are refused outright."""

from __future__ import annotations

from wall.config import ModerationSection
from wall.domain import PhotoStatus, Signals

FACE_HEAVY_AREA = 0.15  # faces cover this share of the picture: a portrait, not a view


class Policy:
    def __init__(self, settings: ModerationSection) -> None:
        self.settings = settings

    def flags(self, signals: Signals) -> tuple[str, ...]:
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
        return tuple(found)

    def initial_status(self, source: str) -> PhotoStatus:
        if source in self.settings.auto_approve_sources:
            return PhotoStatus.APPROVED
        return PhotoStatus.PENDING
