"""`wall import` while the server runs: the photos are handed to the server, which owns the
data directory, instead of a second process writing to it behind its back.

The importer copies each file into `<data_dir>/inbox/queue/` (written under a temporary name
in `inbox/incoming/`, then renamed: the server never sees half a file), named with what the
server needs (a hand-off id, the source, whether to approve). The server's `InboxWatcher`
takes them in order through the same ingest service as an upload, so they reach the live
moderation and display sockets, writes each outcome to `inbox/results/<id>.json` and removes
the copy. The importer waits for the outcomes and prints the same report as a direct import.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import Refused, too_large
from ingest.service import IngestService, Submission
from ingest.workers import PoolBusy
from wall.atomicfile import write_atomic
from wall.domain import HELD_FLAG, PhotoStatus

log = logging.getLogger(__name__)

INBOX = "inbox"
POLL_S = 0.5  # how soon a handed-off file is taken
SEPARATOR = "__"

ApproveFn = Callable[[str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class HandOff:
    """One queued file: `<id>__<a|p>__<source>__<original name>`."""

    id: str
    approve: bool
    source: str
    name: str

    @property
    def file_name(self) -> str:
        flag = "a" if self.approve else "p"
        return SEPARATOR.join((self.id, flag, self.source, self.name))

    @classmethod
    def parse(cls, file_name: str) -> HandOff | None:
        parts = file_name.split(SEPARATOR, 3)
        if len(parts) != 4 or parts[1] not in ("a", "p") or not parts[0].isalnum():
            return None
        return cls(parts[0], parts[1] == "a", parts[2], parts[3])


def _folders(data_dir: Path) -> tuple[Path, Path, Path]:
    root = data_dir / INBOX
    return root / "incoming", root / "queue", root / "results"


def hand_off(data_dir: Path, path: Path, source: str, approve: bool) -> HandOff:
    """Queues a copy of `path` for the running server; returns what to wait for."""
    incoming, queue, results = _folders(data_dir)
    for folder in (incoming, queue, results):
        folder.mkdir(parents=True, exist_ok=True)
    safe_source = source.replace(SEPARATOR, "_") or "import"
    handed = HandOff(secrets.token_hex(8), approve, safe_source, path.name)
    temporary = incoming / handed.id
    shutil.copyfile(path, temporary)
    temporary.rename(queue / handed.file_name)
    return handed


def outcome(data_dir: Path, handed: HandOff) -> dict[str, str] | None:
    """The server's outcome for a hand-off (`{"outcome": "accepted"|"duplicate"|"refused",
    "code": ...}`), or None while it is still queued."""
    path = _folders(data_dir)[2] / f"{handed.id}.json"
    try:
        result: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    path.unlink(missing_ok=True)
    return result


class InboxWatcher:
    """The server's side: takes what `wall import` queued, one file at a time, in order."""

    def __init__(
        self,
        data_dir: Path,
        ingest: IngestService,
        approve: ApproveFn,
        max_bytes: int,
    ) -> None:
        self._incoming, self._queue, self._results = _folders(data_dir)
        self._ingest = ingest
        self._approve = approve
        self._max_bytes = max_bytes
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="import-inbox")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.take_queued()
            except Exception:  # the inbox must not take the server down; the next poll retries
                log.exception("import inbox: a pass failed")
            await asyncio.sleep(POLL_S)

    async def take_queued(self) -> int:
        """Takes every queued file now; the number taken."""
        if not self._queue.is_dir():
            return 0
        taken = 0
        for path in sorted(self._queue.iterdir(), key=lambda p: p.stat().st_mtime_ns):
            handed = HandOff.parse(path.name)
            if handed is None:
                log.warning("import inbox: %s is not a hand-off; left alone", path.name)
                continue
            try:
                result = await self._take(path, handed)
            except PoolBusy:  # visitors' uploads have the pipeline: the next pass tries again
                return taken
            self._results.mkdir(parents=True, exist_ok=True)
            write_atomic(self._results / f"{handed.id}.json", json.dumps(result).encode())
            path.unlink(missing_ok=True)
            taken += 1
        return taken

    async def _take(self, path: Path, handed: HandOff) -> dict[str, str]:
        submission = Submission(source=handed.source, source_ref=handed.name)
        try:
            photo = await self._ingest.ingest(lambda: self._read(path), submission)
        except Refused as refused:
            return {"outcome": "refused", "code": refused.code}
        except OSError:
            return {"outcome": "refused", "code": "unreadable"}
        if photo.status is PhotoStatus.REJECTED:
            return {"outcome": "duplicate", "code": photo.reason}
        if handed.approve and photo.status is PhotoStatus.PENDING and not photo.held:
            await self._approve(photo.id)
        log.info("import inbox: %s taken as %s", handed.name, photo.id)
        return {"outcome": "accepted", "code": HELD_FLAG if photo.held else ""}

    def _read(self, path: Path) -> bytes:
        size = path.stat().st_size
        if size > self._max_bytes:
            raise too_large(f"{size} bytes")
        return path.read_bytes()
