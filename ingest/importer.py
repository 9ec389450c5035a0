"""`wall import`: a photographer's card or a folder into the wall, with progress and a report."""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ingest.errors import Refused, too_large
from ingest.inbox import HandOff, hand_off, outcome
from ingest.service import IngestService, Submission
from ingest.workers import WorkerPool
from wall.config import Settings
from wall.domain import HELD_FLAG, PhotoStatus
from wall.i18n import cli_text, error_message, terminal_language
from wall.lifecycle import PhotoLifecycle
from wall.storage.base import Store

IMPORT_ACTOR = "import"


@dataclass
class ImportReport:
    accepted: int = 0
    duplicates: int = 0
    held: int = 0  # accepted, but held back for a moderator by the safety check
    refused: list[tuple[Path, str]] = field(default_factory=list)

    def reasons(self) -> Counter[str]:
        return Counter(code for _, code in self.refused)


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files as given, and folders walked in name order; hidden entries skipped."""
    for path in paths:
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        yield Path(root) / name
        else:
            yield path


def _reader(path: Path, max_bytes: int) -> bytes:
    if path.stat().st_size > max_bytes:
        raise too_large(f"{path.stat().st_size} bytes")
    return path.read_bytes()


async def _import_one(
    services: ImportServices, path: Path, source: str, approve: bool, report: ImportReport
) -> None:
    max_bytes = services.settings.upload.max_bytes
    try:
        photo = await services.ingest.ingest(
            lambda: _reader(path, max_bytes), Submission(source=source, source_ref=path.name)
        )
    except Refused as refused:
        report.refused.append((path, refused.code))
        return
    except OSError:
        report.refused.append((path, "unreadable"))
        return
    if photo.status is PhotoStatus.REJECTED:
        report.duplicates += 1
        return
    if photo.held:  # the safety check: a moderator decides, `--approve` or not
        report.held += 1
    elif approve and photo.status is PhotoStatus.PENDING:
        await services.lifecycle.transition(photo.id, PhotoStatus.APPROVED, IMPORT_ACTOR, "import")
    report.accepted += 1


def _print_report(console: Console, report: ImportReport) -> None:
    lang = terminal_language()
    console.print(
        f"accepted: {report.accepted}, duplicates: {report.duplicates},"
        f" refused: {len(report.refused)}"
    )
    if report.held:
        console.print(cli_text("import_held", lang, count=str(report.held)))
    for code, count in report.reasons().most_common():
        console.print(f"  {count} × {code}: {error_message(code, lang)}")
    for path, code in report.refused:
        console.print(f"  refused {path} ({code})", style="dim")


class ImportServices(Protocol):
    """What an import uses of the app's services: no projectors, show or sources run."""

    settings: Settings
    store: Store
    pool: WorkerPool
    ingest: IngestService
    lifecycle: PhotoLifecycle

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


async def run_import(
    services: ImportServices,
    paths: list[Path],
    source: str,
    approve: bool,
    console: Console | None = None,
) -> ImportReport:
    console = console or Console(stderr=True)
    files = list(iter_files(paths))
    report = ImportReport()
    await services.start()
    try:
        with Progress(*_columns(), console=console) as progress:
            task = progress.add_task("import", total=len(files))
            pending = iter(files)

            async def worker() -> None:
                for path in pending:  # shared iterator: each file is taken once
                    progress.update(task, description=path.name[:32])
                    await _import_one(services, path, source, approve, report)
                    progress.advance(task)

            # Enough feeders to keep every pipeline worker busy while files are read.
            await asyncio.gather(*(worker() for _ in range(services.pool.workers + 1)))
    finally:
        await services.stop()
    _print_report(console, report)
    return report


async def seed_samples(build: Callable[[], ImportServices], samples: Path) -> None:
    """The demo's first start: put the shipped sample photos on the wall."""
    services = build()
    await services.start()
    try:
        page = await services.store.photos.list(None, limit=1)
        if page.total:
            return
    finally:
        await services.stop()
    await run_import(build(), [samples], "demo", approve=True)


HAND_OFF_PATIENCE_S = 300.0  # no outcome for this long: the server is stopped or stuck


async def run_hand_off(
    data_dir: Path,
    paths: list[Path],
    source: str,
    approve: bool,
    console: Console | None = None,
) -> ImportReport:
    """`wall import` while `wall serve` owns the data directory: the files are queued for the
    server (`ingest.inbox`), which takes them as it takes uploads; the report is the same."""
    console = console or Console(stderr=True)
    lang = terminal_language()
    console.print(cli_text("import_handed_off", lang, data_dir=str(data_dir)))
    report = ImportReport()
    waiting: dict[str, tuple[Path, HandOff]] = {}
    with Progress(*_columns(), console=console) as progress:
        task = progress.add_task("import", total=0)
        for path in iter_files(paths):
            try:
                handed = hand_off(data_dir, path, source, approve)
            except OSError:
                report.refused.append((path, "unreadable"))
                continue
            waiting[handed.id] = (path, handed)
            progress.update(task, total=len(waiting), description=path.name[:32])
        last_progress = time.monotonic()
        while waiting and time.monotonic() - last_progress < HAND_OFF_PATIENCE_S:
            for handed_id, (path, handed) in list(waiting.items()):
                result = outcome(data_dir, handed)
                if result is None:
                    continue
                del waiting[handed_id]
                last_progress = time.monotonic()
                _count(report, path, result)
                progress.update(task, description=path.name[:32])
                progress.advance(task)
            await asyncio.sleep(0.2)
    if waiting:
        console.print(cli_text("import_still_queued", lang, count=str(len(waiting))))
    _print_report(console, report)
    return report


def _count(report: ImportReport, path: Path, result: dict[str, str]) -> None:
    if result["outcome"] == "accepted":
        report.accepted += 1
        if result.get("code") == HELD_FLAG:
            report.held += 1
    elif result["outcome"] == "duplicate":
        report.duplicates += 1
    else:
        report.refused.append((path, result.get("code", "internal")))


def _columns() -> tuple[TextColumn | BarColumn | MofNCompleteColumn | TimeRemainingColumn, ...]:
    return (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
