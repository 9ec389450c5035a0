"""Storage: the interface (`base`), the embedded default backend (SQLite + files) and the
cluster's (PostgreSQL + an S3-compatible store), chosen by `[storage]`."""

from __future__ import annotations

import os
from pathlib import Path

from wall.config import Settings, StorageSection
from wall.glimpses import MemoryGlimpses
from wall.ratelimit import MemoryRateLimits
from wall.storage.base import ClusterHooks, MediaStore, Store
from wall.storage.file_secrets import FileSecretRepository
from wall.storage.media import FileMediaStore
from wall.storage.sqlite_accounts import SqliteAccountRepository
from wall.storage.sqlite_announcements import SqliteAnnouncementRepository
from wall.storage.sqlite_db import Database
from wall.storage.sqlite_exhibitions import SqliteExhibitionRepository
from wall.storage.sqlite_figures import SqliteFiguresRepository
from wall.storage.sqlite_photos import SqlitePhotoRepository
from wall.storage.sqlite_shown import SqliteShownRepository
from wall.storage.sqlite_sources import SqliteSourceStateRepository


def open_embedded_store(data_dir: Path, media: MediaStore | None = None) -> Store:
    """SQLite database and media files under `data_dir`: the default, and the demo's."""
    db = Database(data_dir / "wall.sqlite3")
    return Store(
        photos=SqlitePhotoRepository(db),
        media=media or FileMediaStore(data_dir / "media"),
        accounts=SqliteAccountRepository(db),
        sources=SqliteSourceStateRepository(db),
        shown=SqliteShownRepository(db),
        figures=SqliteFiguresRepository(db),
        exhibitions=SqliteExhibitionRepository(db),
        announcements=SqliteAnnouncementRepository(db),
        secrets=FileSecretRepository(data_dir),
        limits=MemoryRateLimits(),
        glimpses=MemoryGlimpses(),
    )


def open_media(storage: StorageSection, data_dir: Path) -> MediaStore:
    if not storage.media:
        return FileMediaStore(data_dir / "media")
    from wall.storage.s3_media import open_s3_media  # only a cluster loads the S3 client

    return open_s3_media(
        storage.media,
        endpoint=storage.s3_endpoint,
        region=storage.s3_region,
        access_key=storage.s3_access_key_id or os.environ.get("AWS_ACCESS_KEY_ID"),
        secret_key=storage.s3_secret_access_key or os.environ.get("AWS_SECRET_ACCESS_KEY"),
    )


def open_cluster_store(storage: StorageSection, wall_id: str, data_dir: Path) -> Store:
    """PostgreSQL rows of one wall; media in the S3 store (or, for a cluster of one
    machine, files). Built without I/O: `Store.open` connects and migrates."""
    from wall.storage.pg_accounts import PgAccountRepository
    from wall.storage.pg_announcements import PgAnnouncementRepository
    from wall.storage.pg_db import PgDatabase
    from wall.storage.pg_events import PgEventRelay
    from wall.storage.pg_exhibitions import PgExhibitionRepository
    from wall.storage.pg_figures import PgFiguresRepository
    from wall.storage.pg_glimpses import PgGlimpses
    from wall.storage.pg_leader import PgLeadership
    from wall.storage.pg_limits import PgRateLimits
    from wall.storage.pg_photos import PgPhotoRepository
    from wall.storage.pg_secrets import PgSecretRepository
    from wall.storage.pg_shown import PgShownRepository
    from wall.storage.pg_sources import PgSourceStateRepository

    db = PgDatabase(storage.database, wall_id)
    return Store(
        photos=PgPhotoRepository(db),
        media=open_media(storage, data_dir),
        accounts=PgAccountRepository(db),
        sources=PgSourceStateRepository(db),
        shown=PgShownRepository(db),
        figures=PgFiguresRepository(db),
        exhibitions=PgExhibitionRepository(db),
        announcements=PgAnnouncementRepository(db),
        secrets=PgSecretRepository(db),
        limits=PgRateLimits(db),
        glimpses=PgGlimpses(db),
        cluster=ClusterHooks(
            relay=lambda bus: PgEventRelay(db, bus),
            leadership=lambda job: PgLeadership(db, job),
        ),
    )


def open_store(storage: StorageSection, wall_id: str, data_dir: Path) -> Store:
    """The store `[storage]` names: the embedded one when `database` is empty."""
    if storage.database:
        return open_cluster_store(storage, wall_id, data_dir)
    return open_embedded_store(data_dir, open_media(storage, data_dir))


def store_from_settings(settings: Settings) -> Store:
    """The wall's store as `wall.toml` describes it (built, not yet opened)."""
    return open_store(settings.storage, settings.wall.id, settings.data_dir)
