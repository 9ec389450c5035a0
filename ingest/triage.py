"""What ingest asks of moderation, and no more: ingest defines it, moderation's `Policy`
implements it, and the app package hands one to `IngestService`. Ingest never imports
moderation, and the near-duplicate index stays the policy's own.
"""

from __future__ import annotations

from typing import Protocol

from wall.domain import PhotoStatus, Signals


class Triage(Protocol):
    def initial_status(self, source: str) -> PhotoStatus:
        """The verdict on arrival: approved for trusted sources, else pending."""
        ...

    def flags(
        self, signals: Signals, caption: str = "", author: str = "", phash: int = 0
    ) -> tuple[str, ...]:
        """What a moderator should look at (blurry, faces, blocklist, near_duplicate,
        sensitive...); `held` (wall.domain.HELD_FLAG) among them keeps the photo from being
        approved by anyone but a moderator, whatever `initial_status` said."""
        ...

    def remember(self, photo_id: str, phash: int) -> None:
        """An accepted photo: its near-copies are flagged from now on."""
        ...

    def forget(self, photo_id: str) -> None:
        """An erased photo: it is nobody's near-duplicate any more."""
        ...
