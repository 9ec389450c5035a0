"""Storage: the interface (`base`) and the embedded default backend (SQLite + files)."""

from __future__ import annotations

from pathlib import Path

from wall.storage.base import Store
from wall.storage.media import FileMediaStore
from wall.storage.sqlite_accounts import SqliteAccountRepository
from wall.storage.sqlite_db import Database
from wall.storage.sqlite_figures import SqliteFiguresRepository
from wall.storage.sqlite_photos import SqlitePhotoRepository
from wall.storage.sqlite_shown import SqliteShownRepository
from wall.storage.sqlite_sources import SqliteSourceStateRepository


def open_embedded_store(data_dir: Path) -> Store:
    """SQLite database and media files under `data_dir`: the default, and the demo's."""
    db = Database(data_dir / "wall.sqlite3")
    return Store(
        photos=SqlitePhotoRepository(db),
        media=FileMediaStore(data_dir / "media"),
        accounts=SqliteAccountRepository(db),
        sources=SqliteSourceStateRepository(db),
        shown=SqliteShownRepository(db),
        figures=SqliteFiguresRepository(db),
    )
