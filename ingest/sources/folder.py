"""A watched folder (reporters' cards, shared drives): polled, each file taken whole and once.

Polling with `os.scandir` rather than inotify: no dependency, and it works on SMB/NFS mounts,
where change notifications from other machines never arrive. A file is read only once its
size and mtime have not moved across two scans at least `STABLE_S` apart, so a copy still
in progress is not read half-written. What was taken (imported or refused) is remembered by
relative path, size and mtime, so a restart repeats nothing and an edited file is seen again.
The files are never moved or deleted: the folder belongs to the people who fill it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import Refused, too_large
from ingest.service import Submission
from ingest.sources.base import Source, SourceContext
from ingest.workers import PoolBusy
from wall.config import FolderSource, Settings
from wall.domain import PhotoStatus

log = logging.getLogger(__name__)

POLL_S = 1.0  # "within seconds" for a reporter; a scandir of a few thousand entries is cheap
STABLE_S = 1.0  # a copy in progress moves size or mtime well within a second, even over SMB
# Names copy tools and editors write before the real file exists, or next to it.
TEMP_PREFIXES = ("~",)  # hidden names (".part", ".~lock.x#") are skipped as hidden
TEMP_SUFFIXES = (".part", ".partial", ".crdownload", ".download", ".tmp", ".swp")
IGNORED_NAMES = frozenset({"thumbs.db", "desktop.ini"})


class FileChanged(Exception):
    """The file moved, grew or was replaced between the scan and the end of the read."""


@dataclass(frozen=True, slots=True)
class FileSig:
    """What says a file is the same one: size and mtime; the inode only spots renames."""

    size: int
    mtime_ns: int
    inode: tuple[int, int] = (0, 0)  # (device, inode); (0, 0) where the filesystem has none

    def key(self) -> str:
        return f"{self.size}:{self.mtime_ns}"

    @classmethod
    def of(cls, stat: os.stat_result) -> FileSig:
        return cls(stat.st_size, stat.st_mtime_ns, (stat.st_dev, stat.st_ino))


def is_candidate(name: str) -> bool:
    """Hidden files, editors' locks and half-downloaded temporaries are never photos."""
    lowered = name.lower()
    return not (
        name.startswith(".")
        or name.startswith(TEMP_PREFIXES)
        or lowered.endswith(TEMP_SUFFIXES)
        or lowered in IGNORED_NAMES
    )


def scan(root: Path) -> dict[str, FileSig]:
    """Every candidate file under `root` by POSIX relative path; entries vanishing mid-scan
    are skipped (seen again next time), but a missing root is the source's error."""
    if not root.is_dir():
        raise FileNotFoundError(f"watched folder {root} is missing (a drive not mounted?)")
    found: dict[str, FileSig] = {}
    folders = [root]
    while folders:
        folder = folders.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:  # removed or unreadable since listed: the next scan tells
            continue
        for entry in entries:
            if not is_candidate(entry.name):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):  # no symlink loops on a shared drive
                    folders.append(Path(entry.path))
                elif entry.is_file():
                    relative = Path(entry.path).relative_to(root).as_posix()
                    found[relative] = FileSig.of(entry.stat())
            except OSError:
                continue
    return found


class StabilityTracker:
    """Which files have kept one size and mtime across scans at least `stable_s` apart."""

    def __init__(self, stable_s: float = STABLE_S) -> None:
        self.stable_s = stable_s
        self._since: dict[str, tuple[FileSig, float]] = {}

    def update(self, files: dict[str, FileSig], now: float) -> list[str]:
        """The stable files of this scan, in name order; any change restarts a file's wait."""
        since: dict[str, tuple[FileSig, float]] = {}
        stable: list[str] = []
        for relative, sig in files.items():
            previous = self._since.get(relative)
            if previous is not None and previous[0] == sig:
                since[relative] = previous
                if now - previous[1] >= self.stable_s:
                    stable.append(relative)
            else:
                since[relative] = (sig, now)
        self._since = since  # files gone from the folder are forgotten with this
        return sorted(stable)


def read_unchanged(path: Path, sig: FileSig, max_bytes: int) -> bytes:
    """The file's bytes, if it is still the file the scan saw once the read is over.

    Raises `FileChanged` if it grew or was replaced, `FileNotFoundError` if it was renamed or
    deleted meanwhile (then it is seen again under its new name), `Refused` if too large.
    """
    with path.open("rb") as file:
        opened = FileSig.of(os.fstat(file.fileno()))
        if opened != sig:
            raise FileChanged(f"{path} changed since the scan")
        if opened.size > max_bytes:
            raise too_large(f"{opened.size} bytes")
        data = file.read(max_bytes + 1)
    if FileSig.of(path.stat()) != sig or len(data) != sig.size:
        raise FileChanged(f"{path} changed while being read")
    return data


class FolderWatcher:
    """One `[[sources.folder]]`: its files, in name order, into the pipeline."""

    kind = "folder"

    def __init__(self, config: FolderSource, max_bytes: int, poll_s: float = POLL_S) -> None:
        self.name = config.source
        self.root = Path(config.path).expanduser()
        self.approve = config.approve
        self.max_bytes = max_bytes
        self.poll_s = poll_s
        self._tracker = StabilityTracker()
        self._taken: dict[str, FileSig] = {}  # this run's imported and refused files
        self._taken_inodes: dict[tuple[int, int, int, int], str] = {}  # to spot renames
        self._last_file = ""

    async def run(self, context: SourceContext) -> None:
        while True:
            await self.scan_once(context, time.monotonic())
            context.health.succeeded()
            await asyncio.sleep(self.poll_s)

    async def scan_once(self, context: SourceContext, now: float) -> None:
        files = await asyncio.to_thread(scan, self.root)
        stable = self._tracker.update(files, now)
        self._show(context, files, stable)
        for relative in stable:
            sig = files[relative]
            if self._taken.get(relative) == sig:
                continue
            try:
                await self._consider(context, relative, sig, files)
            except PoolBusy:  # visitors' uploads have the pipeline: the next scan tries again
                log.info(
                    "folder %s: pipeline busy, %s waits for the next scan", self.name, relative
                )
                return
            self._show(context, files, stable)

    def _show(self, context: SourceContext, files: dict[str, FileSig], stable: list[str]) -> None:
        context.health.extra.update(
            files_seen=str(len(files)),
            pending=str(len(files) - len(stable)),
            last_file=self._last_file,
        )

    async def _consider(
        self, context: SourceContext, relative: str, sig: FileSig, files: dict[str, FileSig]
    ) -> None:
        """Imports one stable file unless it was taken before, here or in an earlier run."""
        moved_from = self._taken_inodes.get((*sig.inode, sig.size, sig.mtime_ns))
        if sig.inode != (0, 0) and moved_from is not None and moved_from not in files:
            log.info(
                "folder %s: %s renamed to %s, not imported again", self.name, moved_from, relative
            )
            await self._taken_as(context, relative, sig, "renamed")
            return
        remembered = await context.recall(_state_key(relative))
        if remembered is not None and remembered.split(" ", 1)[0] == sig.key():
            self._mark_taken(relative, sig)
            return
        source_ref = f"folder:{self.name}:{relative}:{sig.size}:{sig.mtime_ns}"
        if await context.already_imported(source_ref):  # stopped after the commit last time
            await self._taken_as(context, relative, sig, "imported")
            return
        outcome = await self._import(context, relative, sig, source_ref)
        if outcome:
            await self._taken_as(context, relative, sig, outcome)

    async def _import(
        self, context: SourceContext, relative: str, sig: FileSig, source_ref: str
    ) -> str:
        """What became of the file, or "" when it moved under us (then it is not taken)."""
        path = self.root / relative
        submission = Submission(source=self.name, source_ref=source_ref)
        try:
            photo = await context.ingest(
                lambda: read_unchanged(path, sig, self.max_bytes), submission
            )
        except Refused as refused:
            log.warning("folder %s: %s refused (%s)", self.name, relative, refused.code)
            context.health.note_error(
                f"refused {relative}: {refused.code}", "file_refused", file=relative
            )
            return f"refused:{refused.code}"
        except (FileChanged, FileNotFoundError) as exc:
            log.info(
                "folder %s: %s moved while read (%s); seen again later", self.name, relative, exc
            )
            return ""
        except OSError as exc:  # unreadable (permissions): not remembered, so a fix is seen
            log.warning("folder %s: cannot read %s: %s", self.name, relative, exc)
            context.health.note_error(
                f"unreadable {relative}: {exc.strerror}", "file_unreadable", file=relative
            )
            self._taken[relative] = sig  # not retried each second, nor remembered
            return ""
        self._last_file = relative
        if photo.status is PhotoStatus.REJECTED:
            return "duplicate"
        if self.approve and photo.status is PhotoStatus.PENDING and not photo.held:
            await context.approve(photo.id)
        elif photo.held:
            log.info("folder %s: %s held back for a moderator (safety check)", self.name, relative)
        log.info("folder %s: imported %s as %s", self.name, relative, photo.id)
        return "imported"

    async def _taken_as(
        self, context: SourceContext, relative: str, sig: FileSig, outcome: str
    ) -> None:
        await context.remember(_state_key(relative), f"{sig.key()} {outcome}")
        self._mark_taken(relative, sig)

    def _mark_taken(self, relative: str, sig: FileSig) -> None:
        self._taken[relative] = sig
        self._taken_inodes[(*sig.inode, sig.size, sig.mtime_ns)] = relative


def _state_key(relative: str) -> str:
    return f"file:{relative}"


def create(config: FolderSource, settings: Settings) -> Source:
    return FolderWatcher(config, settings.upload.max_bytes)
