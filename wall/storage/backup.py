"""The embedded store checked at start-up, backed up while the show runs, and restored.

A summer on an SD card can end with a damaged database (a power cut mid-write on a card that
lies about its flushes). The server checks the file before anything else (`PRAGMA
quick_check`: seconds for a season) and, when it is damaged, stops with a message that says
how to restore, instead of a traceback and a crash loop. `wall backup DEST` copies the
database with SQLite's online backup (consistent while the server writes), then the media
files and the wall's secrets; `wall restore SRC` checks a backup and puts it in place, the
damaged files kept aside, never deleted.
"""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

DATABASE = "wall.sqlite3"
MEDIA = "media"
SECRETS = ("instance.secret", "display.token")
QUICK_CHECK_ROWS = 5  # what the message quotes of SQLite's findings


class DamagedDatabase(Exception):
    def __init__(self, path: Path, findings: str) -> None:
        super().__init__(f"{path}: {findings}")
        self.path = path
        self.findings = findings


def check_database(path: Path) -> None:
    """Raises `DamagedDatabase` when the file is not a sound SQLite database; a missing file
    is fine (a new wall)."""
    if not path.exists():
        return
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10) as db:
            rows = db.execute(f"PRAGMA quick_check({QUICK_CHECK_ROWS})").fetchall()
    except sqlite3.DatabaseError as exc:
        raise DamagedDatabase(path, str(exc)) from exc
    findings = [str(row[0]) for row in rows]
    if findings != ["ok"]:
        raise DamagedDatabase(path, "; ".join(findings))


@dataclass(frozen=True, slots=True)
class BackupReport:
    photos_files: int
    database_bytes: int


def backup(data_dir: Path, destination: Path) -> BackupReport:
    """A consistent copy of the database (online: the server may write meanwhile), then the
    media files not yet in `destination` (content-addressed: a file of a name never
    changes) and the secrets. Run it again into the same folder to bring it up to date."""
    source = data_dir / DATABASE
    check_database(source)
    destination.mkdir(parents=True, exist_ok=True)
    partial = destination / f"{DATABASE}.partial"
    with sqlite3.connect(source, timeout=30) as live, sqlite3.connect(partial) as copy:
        live.backup(copy)
    partial.replace(destination / DATABASE)
    copied = 0
    for media_file in sorted((data_dir / MEDIA).glob("??/??/*")):
        if media_file.name.startswith("."):
            continue  # a file being written: the next backup takes it
        target = destination / MEDIA / media_file.relative_to(data_dir / MEDIA)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(media_file, target)
            copied += 1
    for name in SECRETS:
        if (data_dir / name).is_file():
            shutil.copy2(data_dir / name, destination / name)
    return BackupReport(copied, (destination / DATABASE).stat().st_size)


def restore(backup_dir: Path, data_dir: Path) -> Path | None:
    """Puts a backup in place of the data directory's database, media and secrets (the
    server stopped). What was there is moved aside into `data_dir/damaged-<time>/`, whose
    path is returned (None when there was nothing)."""
    check_database(backup_dir / DATABASE)
    if not (backup_dir / DATABASE).is_file():
        raise FileNotFoundError(backup_dir / DATABASE)
    data_dir.mkdir(parents=True, exist_ok=True)
    aside = data_dir / f"damaged-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    moved = False
    for name in (DATABASE, f"{DATABASE}-wal", f"{DATABASE}-shm", *SECRETS):
        if (data_dir / name).exists():
            aside.mkdir(exist_ok=True)
            (data_dir / name).replace(aside / name)
            moved = True
    shutil.copy2(backup_dir / DATABASE, data_dir / DATABASE)
    for name in SECRETS:
        if (backup_dir / name).is_file():
            shutil.copy2(backup_dir / name, data_dir / name)
    for media_file in sorted((backup_dir / MEDIA).glob("??/??/*")):
        target = data_dir / MEDIA / media_file.relative_to(backup_dir / MEDIA)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(media_file, target)
    return aside if moved else None
