"""What a source is, and what it may use: the pipeline, its own remembered state, its health.

A source is a long-running coroutine. It never touches the database or the pipeline
directly: it hands bytes to `SourceContext.ingest` and keeps its cursors with
`remember`/`recall`, so a new network is one new module.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from ingest.errors import Refused
from ingest.live_windows import LiveHub
from ingest.service import IngestService, Submission
from wall.domain import Photo, utcnow
from wall.storage.base import SourceStateRepository


@dataclass
class SourceHealth:
    """What the console shows for one source."""

    name: str
    kind: str
    state: str = "starting"  # starting | ok | retrying | stopped
    last_success: datetime | None = None
    last_error: str = ""  # English, as logged
    last_error_code: str = ""  # what the console words: `source_error_<code>` (console_texts)
    last_error_params: dict[str, str] = field(default_factory=dict)  # the values it names
    last_error_at: datetime | None = None
    imported: int = 0
    refused: int = 0
    extra: dict[str, str] = field(default_factory=dict)

    def succeeded(self) -> None:
        self.state = "ok"
        self.last_success = utcnow()

    def failed(self, error: str, code: str = "failed", **params: object) -> None:
        """The source will try again; see `note_error`."""
        self.state = "retrying"
        self.note_error(error, code, **params)

    def note_error(self, error: str, code: str = "failed", **params: object) -> None:
        """`error` is English for the log and the API; `code` and `params` are what the
        console words in the staff's language (a French console must not read English)."""
        self.last_error = error[:500]
        self.last_error_code = code
        self.last_error_params = {key: str(value)[:200] for key, value in params.items()}
        self.last_error_at = utcnow()


# Puts a photo on the wall for a trusted source: (photo id, actor) → the lifecycle's transition.
Approver = Callable[[str, str], Awaitable[object]]


class SourceContext:
    def __init__(
        self,
        name: str,
        ingest: IngestService,
        state: SourceStateRepository,
        health: SourceHealth,
        approver: Approver | None = None,
        live: LiveHub | None = None,
    ) -> None:
        self.name = name
        self._ingest = ingest
        self._state = state
        self._approver = approver
        self.health = health
        self.live = live or LiveHub()  # where a live camera's blurred frames go

    async def ingest(self, read: Callable[[], bytes], submission: Submission) -> Photo:
        """Raises `Refused` for a file the pipeline will not take (counted, then re-raised)."""
        try:
            photo = await self._ingest.ingest(read, submission)
        except Refused:
            self.health.refused += 1
            raise
        self.health.imported += 1
        return photo

    async def approve(self, photo_id: str) -> None:
        """A trusted source (`approve = true`) skips the queue, through the audited lifecycle."""
        if self._approver is None:
            raise RuntimeError(f"source {self.name}: no approver wired")
        await self._approver(photo_id, f"source:{self.name}")

    async def recall(self, key: str) -> str | None:
        return await self._state.get(self.name, key)

    async def remember(self, key: str, value: str) -> None:
        await self._state.set(self.name, key, value)

    async def already_imported(self, source_ref: str) -> bool:
        """A post seen through two instances, or a file seen twice, is imported once."""
        return await self._state.has_source_ref(source_ref)


class Source(Protocol):
    name: str
    kind: str

    async def run(self, context: SourceContext) -> None:
        """Runs until cancelled; an exception is logged and the source restarted with backoff."""
        ...
