"""Photos stored before the image-safety check existed read back on both backends: their
signals (JSON in SQLite, JSONB in PostgreSQL) have no `nsfw_score`, and no migration adds one.
Such a row is rewritten here as the older code wrote it, in each database's own SQL."""

from __future__ import annotations

import secrets
import sqlite3
from pathlib import Path

import asyncpg
import pytest

from tests.helpers.postgres import PostgresServer
from tests.helpers.stores import BACKENDS, open_backend, run_on
from wall.domain import NewPhoto, PhotoStatus, Rendition, RenditionKind, Signals
from wall.storage.base import Store

SIGNALS = Signals(1600, 1200, 240.5, 61.0, 0.01, 0.0, 1, 0.04, nsfw_score=0.4321)


def _photo() -> NewPhoto:
    sha = secrets.token_hex(32)
    return NewPhoto(
        id=secrets.token_urlsafe(12),
        source="upload",
        caption="Le quai, ce soir",
        author="Ana",
        contributor="phone-a",
        sha256=sha,
        phash=0x1234_ABCD,
        mean_lab=(52.5, -3.25, 10.0),
        signals=SIGNALS,
        flags=("sensitive",),
        renditions=(Rendition(RenditionKind.THUMB, f"{sha}.jpg", 400, 300, 12_000),),
    )


async def _strip_on_sqlite(data_dir: Path, photo_id: str) -> None:
    with sqlite3.connect(data_dir / "wall.sqlite3") as db:
        db.execute(
            "UPDATE photos SET signals = json_remove(signals, '$.nsfw_score') WHERE id = ?",
            (photo_id,),
        )


async def _strip_on_postgres(dsn: str, photo_id: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "UPDATE photos SET signals = signals - 'nsfw_score' WHERE id = $1", photo_id
        )
    finally:
        await conn.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_row_without_the_score_reads_back_unscored(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    postgres: PostgresServer | None = None
    dsn = ""
    if backend == "cluster":
        postgres = request.getfixturevalue("postgres_server")
        dsn = postgres.fresh_database()
    store = open_backend(backend, data_dir, postgres, dsn=dsn or None)
    scored, older = _photo(), _photo()

    async def scenario(store: Store) -> None:
        for new in (scored, older):
            await store.photos.add(new, actor="upload:phone-a")
        if backend == "cluster":
            await _strip_on_postgres(dsn, older.id)
        else:
            await _strip_on_sqlite(data_dir, older.id)
        kept, stripped = await store.photos.get(scored.id), await store.photos.get(older.id)
        assert kept is not None and kept.signals == SIGNALS
        assert stripped is not None and stripped.signals is not None
        assert stripped.signals.nsfw_score is None
        assert stripped.signals.face_count == 1 and stripped.signals.sharpness == 240.5
        page = await store.photos.list(PhotoStatus.PENDING, limit=10)
        listed = {p.id: p.signals for p in page.photos}
        assert listed[older.id] == stripped.signals and listed[scored.id] == SIGNALS

    run_on(store, scenario)
