"""`PhotoRepository.gallery_page` on both backends (SQLite and a real PostgreSQL): approved
photos whose consent covers `ONLINE`, newest first, after a cursor; and with 10,000 photos
the first page is one statement that walks the arrival index (its time is measured and
printed, not asserted: `-s` shows it)."""

from __future__ import annotations

import secrets
import sqlite3
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from tests.helpers.stores import run_on
from wall.domain import (
    Consent,
    ConsentScope,
    NewPhoto,
    PhotoStatus,
    Rendition,
    RenditionKind,
    Signals,
)
from wall.storage.base import Store
from wall.storage.pg_photos import PgPhotoRepository

SIGNALS = Signals(800, 600, 100.0, 50.0, 0.0, 0.0, 0, 0.0)
ONLINE = frozenset({ConsentScope.WALL, ConsentScope.ONLINE})
WALL_ONLY = frozenset({ConsentScope.WALL})
SEASON = datetime(2027, 7, 1, 21, 0, tzinfo=UTC)
MANY = 10_000
PAGE = 48


def _photo(scopes: frozenset[ConsentScope] | None, caption: str) -> NewPhoto:
    sha = secrets.token_hex(32)
    consent = None
    if scopes is not None:
        consent = Consent(SEASON, "v-test", "fr", scopes=scopes)
    return NewPhoto(
        id=secrets.token_urlsafe(12),
        source="upload",
        caption=caption,
        author="Ana",
        contributor="phone",
        sha256=sha,
        phash=1,
        mean_lab=(50.0, 0.0, 0.0),
        signals=SIGNALS,
        flags=(),
        renditions=(
            Rendition(RenditionKind.DISPLAY, f"{sha}-d.jpg", 1920, 1440, 250_000),
            Rendition(RenditionKind.THUMB, f"{sha}-t.jpg", 400, 300, 12_000),
        ),
        consent=consent,
    )


async def _approved(store: Store, scopes: frozenset[ConsentScope] | None, caption: str) -> str:
    photo = await store.photos.add(_photo(scopes, caption), "upload:phone")
    await store.photos.transition(photo.id, PhotoStatus.APPROVED, "mod")
    return photo.id


def test_gallery_page_filters_orders_and_pages(any_store: Store) -> None:
    async def scenario(store: Store) -> None:
        online = [await _approved(store, ONLINE, f"online {n}") for n in range(3)]
        await _approved(store, WALL_ONLY, "wall only")  # consent without online publication
        await _approved(store, None, "no consent")  # a source's photo: no visitor consent
        waiting = await store.photos.add(_photo(ONLINE, "pending"), "upload:phone")
        removed = await _approved(store, ONLINE, "removed")
        await store.photos.transition(removed, PhotoStatus.REMOVED, "mod")
        deleted = await _approved(store, ONLINE, "deleted")
        await store.photos.delete(deleted, "upload:phone", "contributor")

        first = await store.photos.gallery_page(10)
        assert [p.id for p in first] == online[::-1]  # newest arrival first
        assert waiting.id not in {p.id for p in first}
        newest = first[0]
        assert newest.caption == "online 2"
        assert newest.renditions[RenditionKind.THUMB].width == 400
        assert newest.renditions[RenditionKind.DISPLAY].height == 1440
        assert ConsentScope.ONLINE in newest.consent.scopes  # type: ignore[union-attr]

        two = await store.photos.gallery_page(2)
        rest = await store.photos.gallery_page(2, (two[-1].created_at, two[-1].id))
        assert [p.id for p in two + rest] == online[::-1]
        assert await store.photos.gallery_page(2, (rest[-1].created_at, rest[-1].id)) == []

    run_on(any_store, scenario)


def test_gallery_page_breaks_ties_by_id(any_store: Store) -> None:
    """Photos arriving in the same microsecond (an import) page without loss or repeat."""

    async def scenario(store: Store) -> None:
        ids = [await _approved(store, ONLINE, f"n{n}") for n in range(5)]
        await _rows(store, "UPDATE photos SET created_at = ?", [SEASON])
        order = sorted(ids, reverse=True)  # by code point, as the cursor compares
        seen: list[str] = []
        before = None
        while page := await store.photos.gallery_page(2, before):
            seen += [p.id for p in page]
            before = (page[-1].created_at, page[-1].id)
        assert seen == order

    run_on(any_store, scenario)


def test_ten_thousand_photos_first_page_is_one_indexed_query(any_store: Store) -> None:
    async def scenario(store: Store) -> None:
        await _seed(store, MANY)
        statements = _count_statements(store)
        best = float("inf")
        for _ in range(5):
            statements.clear()
            started = time.perf_counter()
            page = await store.photos.gallery_page(PAGE + 1)
            best = min(best, time.perf_counter() - started)
        assert len(page) == PAGE + 1
        assert len(statements) == 1, statements
        assert all(ConsentScope.ONLINE in p.consent.scopes for p in page)  # type: ignore[union-attr]
        assert [p.created_at for p in page] == sorted((p.created_at for p in page), reverse=True)
        plan = await _plan(store, statements[0])
        assert _walks_arrival_index(plan), plan
        backend = "postgresql" if isinstance(store.photos, PgPhotoRepository) else "sqlite"
        # The measurement is this test's output (`-s`); the plan above is its assertion.
        print(  # noqa: T201
            f"\ngallery first page of {PAGE + 1} among {MANY} photos, {backend}: "
            f"{best * 1000:.2f} ms (best of 5)\n{plan}"
        )

    run_on(any_store, scenario)


# --- the backends' own SQL: seeding 10,000 rows in one transaction, counting statements ---


def _seed_rows(count: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every third photo without online consent and every seventh pending: the query must
    step over them."""
    photos, renditions = [], []
    for n in range(count):
        pid = f"p{n:05d}"
        status = "pending" if n % 7 == 0 else "approved"
        scopes = "wall" if n % 3 == 0 else "online,wall"
        at = SEASON + timedelta(seconds=n)
        photos.append((pid, status, "upload", at, at, at, "v-test", "fr", scopes))
        renditions.append((pid, "thumb", f"{pid}-t", 400, 300, 12_000, "image/jpeg"))
        renditions.append((pid, "display", f"{pid}-d", 1920, 1440, 250_000, "image/jpeg"))
    return photos, renditions


async def _seed(store: Store, count: int) -> None:
    photos, renditions = _seed_rows(count)
    repo = store.photos
    if isinstance(repo, PgPhotoRepository):
        wall = repo.wall

        async def insert(conn: asyncpg.Connection) -> None:
            await conn.executemany(
                "INSERT INTO photos (wall_id, id, status, source, created_at, updated_at,"
                " consent_at, consent_version, consent_lang, consent_scopes)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                [(wall, *row) for row in photos],
            )
            await conn.executemany(
                "INSERT INTO renditions (wall_id, photo_id, kind, key, width, height, size, mime)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                [(wall, *row) for row in renditions],
            )
            await conn.execute("ANALYZE photos")

        await repo.db.write(insert)
        return

    def insert_sqlite(conn: sqlite3.Connection) -> None:
        conn.executemany(
            "INSERT INTO photos (id, status, source, created_at, updated_at, consent_at,"
            " consent_version, consent_lang, consent_scopes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(*row[:3], *(t.isoformat() for t in row[3:6]), *row[6:]) for row in photos],
        )
        conn.executemany(
            "INSERT INTO renditions (photo_id, kind, key, width, height, size, mime)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            renditions,
        )

    await repo.db.write(insert_sqlite)  # type: ignore[attr-defined]


async def _rows(store: Store, sql: str, args: list[Any]) -> None:
    """One UPDATE in either dialect (`?` placeholders written as `$n` for PostgreSQL)."""
    repo = store.photos
    if isinstance(repo, PgPhotoRepository):
        for n in range(1, len(args) + 1):
            sql = sql.replace("?", f"${n}", 1)

        async def run(conn: asyncpg.Connection) -> None:
            await conn.execute(sql, *args)

        await repo.db.write(run)
        return
    plain = [a.isoformat() if isinstance(a, datetime) else a for a in args]
    await repo.db.write(lambda conn: conn.execute(sql, plain))  # type: ignore[attr-defined]


def _count_statements(store: Store) -> list[Any]:
    """Every statement the repository's reads send from now on: SQLite's trace callback, or
    asyncpg's query logger, around each `read`."""
    statements: list[Any] = []
    db = store.photos.db  # type: ignore[attr-defined]
    read = db.read
    if isinstance(store.photos, PgPhotoRepository):

        async def traced_pg(fn: Callable[[Any], Awaitable[Any]]) -> Any:
            async def logged(conn: asyncpg.Connection) -> Any:
                conn.add_query_logger(statements.append)
                try:
                    return await fn(conn)
                finally:
                    conn.remove_query_logger(statements.append)

            return await read(logged)

        db.read = traced_pg
        return statements

    async def traced_sqlite(fn: Callable[[sqlite3.Connection], Any]) -> Any:
        def logged(conn: sqlite3.Connection) -> Any:
            conn.set_trace_callback(statements.append)
            try:
                return fn(conn)
            finally:
                conn.set_trace_callback(None)

        return await read(logged)

    db.read = traced_sqlite
    return statements


def _walks_arrival_index(plan: str) -> bool:
    """The plan reads photos down an index in arrival order and stops at the page: no scan of
    the table, no sort of every approved photo (PostgreSQL's incremental sort of rows already
    in arrival order only breaks ties)."""
    lines = [line.strip().lstrip("-> ") for line in plan.splitlines()]
    full_sort = any(line.startswith("Sort  (") for line in lines)  # a node, not "Sort Key:"
    if any(line.startswith("Limit") for line in lines):  # PostgreSQL's EXPLAIN
        return not full_sort and any(
            line.startswith("Index Scan Backward using photos_") for line in lines
        )
    photos = [line for line in lines if " photos" in line and "renditions" not in line]
    return all("USING INDEX photos_" in line for line in photos) and not any(
        "TEMP B-TREE" in line and "photos" in line for line in lines
    )


async def _plan(store: Store, statement: Any) -> str:
    """The query plan of a traced statement, as text."""
    db = store.photos.db  # type: ignore[attr-defined]
    if isinstance(store.photos, PgPhotoRepository):

        async def explain(conn: asyncpg.Connection) -> str:
            rows = await conn.fetch("EXPLAIN " + statement.query, *statement.args)
            return "\n".join(row[0] for row in rows)

        return str(await db.read(explain))

    def explain_sqlite(conn: sqlite3.Connection) -> str:
        rows = conn.execute("EXPLAIN QUERY PLAN " + statement).fetchall()
        return "\n".join(str(row[-1]) for row in rows)

    return str(await db.read(explain_sqlite))
