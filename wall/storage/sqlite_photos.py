"""The SQLite implementation of `PhotoRepository`."""

from __future__ import annotations

import builtins
import json
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from wall.domain import (
    AuditEntry,
    Consent,
    NewPhoto,
    Photo,
    PhotoStatus,
    Rendition,
    RenditionKind,
    Signals,
    Speaker,
    scopes_from_text,
    scopes_to_text,
    utcnow,
)
from wall.storage.base import (
    DuplicateIdempotencyKey,
    InvalidTransition,
    LastDecision,
    PhotoNotFound,
    PhotoPage,
    VersionConflict,
    as_duplicate,
)
from wall.storage.sqlite_db import Database
from wall.storage.transitions import allowed_next

SQLITE_MAX_VARIABLES = 900  # under SQLite's oldest default limit of 999 bound parameters


def _signals_from(raw: str | None) -> Signals | None:
    return Signals(**json.loads(raw)) if raw else None


def _row_to_photo(row: sqlite3.Row, renditions: list[sqlite3.Row]) -> Photo:
    consent = None
    if row["consent_at"]:
        consent = Consent(
            given_at=datetime.fromisoformat(row["consent_at"]),
            text_version=row["consent_version"] or "",
            language=row["consent_lang"] or "",
            scopes=scopes_from_text(row["consent_scopes"]),
        )
    lab = json.loads(row["mean_lab"])
    return Photo(
        id=row["id"],
        status=PhotoStatus(row["status"]),
        version=row["version"],
        source=row["source"],
        caption=row["caption"],
        author=row["author"],
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        contributor=row["contributor"],
        sha256=row["sha256"],
        phash=row["phash"] & 0xFFFF_FFFF_FFFF_FFFF,
        mean_lab=(lab[0], lab[1], lab[2]),
        signals=_signals_from(row["signals"]),
        flags=tuple(json.loads(row["flags"])),
        reason=row["reason"],
        consent=consent,
        source_ref=row["source_ref"],
        renditions={
            RenditionKind(r["kind"]): Rendition(
                kind=RenditionKind(r["kind"]),
                key=r["key"],
                width=r["width"],
                height=r["height"],
                size=r["size"],
                mime=r["mime"],
            )
            for r in renditions
        },
        speaker=Speaker(row["speaker"]),
        speaker_in_credit=bool(row["speaker_in_credit"]),
    )


def _load(conn: sqlite3.Connection, photo_id: str) -> Photo | None:
    row = conn.execute("SELECT * FROM photos WHERE id = ?", (photo_id,)).fetchone()
    if row is None:
        return None
    rends = conn.execute("SELECT * FROM renditions WHERE photo_id = ?", (photo_id,)).fetchall()
    return _row_to_photo(row, rends)


def _load_rows(conn: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[Photo]:
    """Photos of these rows, in their order, with every rendition read in one query (a page
    or the display's snapshot of thousands of photos is two queries, not one per photo)."""
    if not rows:
        return []
    by_photo: dict[str, list[sqlite3.Row]] = {row["id"]: [] for row in rows}
    ids = list(by_photo)
    for start in range(0, len(ids), SQLITE_MAX_VARIABLES):
        chunk = ids[start : start + SQLITE_MAX_VARIABLES]
        marks = ",".join("?" * len(chunk))
        for rendition in conn.execute(
            f"SELECT * FROM renditions WHERE photo_id IN ({marks})", chunk
        ):
            by_photo[rendition["photo_id"]].append(rendition)
    return [_row_to_photo(row, by_photo[row["id"]]) for row in rows]


def _audit(
    conn: sqlite3.Connection,
    photo_id: str,
    actor: str,
    action: str,
    before: str | None,
    after: str | None,
    reason: str = "",
) -> None:
    conn.execute(
        "INSERT INTO audit (at, photo_id, actor, action, from_status, to_status, reason)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (utcnow().isoformat(), photo_id, actor, action, before, after, reason),
    )


def _signed64(value: int) -> int:
    """SQLite integers are signed 64-bit; perceptual hashes are unsigned."""
    return value - (1 << 64) if value >= 1 << 63 else value


def _is_taken(conn: sqlite3.Connection, sql: str, value: str) -> bool:
    return bool(value) and conn.execute(sql, (value,)).fetchone() is not None


def _insert(conn: sqlite3.Connection, new: NewPhoto, actor: str) -> Photo:
    # On the one writer thread: nothing can come between these checks and the insert.
    if _is_taken(
        conn,
        "SELECT 1 FROM photos WHERE idempotency_key = ? AND status != 'deleted'",
        new.idempotency_key,
    ):
        raise DuplicateIdempotencyKey(new.idempotency_key)
    if _is_taken(conn, "SELECT 1 FROM photos WHERE sha256 = ? AND status != 'deleted'", new.sha256):
        new = as_duplicate(new)
    now = utcnow().isoformat()
    consent = new.consent
    signals: dict[str, Any] = {
        name: getattr(new.signals, name) for name in new.signals.__dataclass_fields__
    }
    conn.execute(
        "INSERT INTO photos (id, status, source, source_ref, caption, author, contributor,"
        " created_at, updated_at, receipt_hash, consent_at, consent_version, consent_lang,"
        " sha256, phash, mean_lab, signals, flags, reason, idempotency_key, consent_scopes,"
        " speaker, speaker_in_credit)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            new.id,
            new.status.value,
            new.source,
            new.source_ref,
            new.caption,
            new.author,
            new.contributor,
            now,
            now,
            new.receipt_hash,
            consent.given_at.isoformat() if consent else None,
            consent.text_version if consent else None,
            consent.language if consent else None,
            new.sha256,
            _signed64(new.phash),
            json.dumps(list(new.mean_lab)),
            json.dumps(signals),
            json.dumps(list(new.flags)),
            new.reason,
            new.idempotency_key,
            scopes_to_text(consent.scopes) if consent else "",
            new.speaker.value,
            int(new.speaker_in_credit),
        ),
    )
    conn.executemany(
        "INSERT INTO renditions (photo_id, kind, key, width, height, size, mime)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(new.id, r.kind.value, r.key, r.width, r.height, r.size, r.mime) for r in new.renditions],
    )
    _audit(conn, new.id, actor, "create", None, new.status.value, new.reason)
    photo = _load(conn, new.id)
    assert photo is not None
    return photo


# Media files some row names: photos' renditions and announcements' images (migration 0008).
_KEYS_IN_USE = (
    "SELECT key FROM renditions UNION SELECT image_key FROM announcements WHERE image_key != ''"
)


class SqlitePhotoRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def open(self) -> None:
        """Opened and migrated when built: nothing to wait for."""

    async def add(self, new: NewPhoto, actor: str) -> Photo:
        return await self.db.write(lambda conn: _insert(conn, new, actor))

    async def get(self, photo_id: str) -> Photo | None:
        return await self.db.read(lambda conn: _load(conn, photo_id))

    async def receipt_hash(self, photo_id: str) -> str | None:
        def query(conn: sqlite3.Connection) -> str | None:
            row = conn.execute(
                "SELECT receipt_hash FROM photos WHERE id = ?", (photo_id,)
            ).fetchone()
            return row[0] if row else None

        return await self.db.read(query)

    async def find_by_sha256(self, sha256: str) -> Photo | None:
        def query(conn: sqlite3.Connection) -> Photo | None:
            row = conn.execute(
                "SELECT id FROM photos WHERE sha256 = ? AND status != 'deleted'"
                " ORDER BY created_at LIMIT 1",
                (sha256,),
            ).fetchone()
            return _load(conn, row[0]) if row else None

        return await self.db.read(query)

    async def find_by_idempotency_key(self, key: str) -> Photo | None:
        def query(conn: sqlite3.Connection) -> Photo | None:
            row = conn.execute(
                "SELECT id FROM photos WHERE idempotency_key = ? AND status != 'deleted'",
                (key,),
            ).fetchone()
            return _load(conn, row[0]) if row else None

        return await self.db.read(query)

    async def set_receipt_hash(self, photo_id: str, receipt_hash: str) -> None:
        def update(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE photos SET receipt_hash = ? WHERE id = ?", (receipt_hash, photo_id)
            )

        await self.db.write(update)

    async def transition(
        self,
        photo_id: str,
        to: PhotoStatus,
        actor: str,
        reason: str = "",
        expected_version: int | None = None,
        undo: bool = False,
    ) -> tuple[Photo, Photo]:
        def change(conn: sqlite3.Connection) -> tuple[Photo, Photo]:
            before = _load(conn, photo_id)
            if before is None or before.status is PhotoStatus.DELETED:
                raise PhotoNotFound(photo_id)
            if expected_version is not None and before.version != expected_version:
                raise VersionConflict(photo_id)
            if to not in allowed_next(before.status, undo):
                raise InvalidTransition(f"{before.status} → {to}")
            conn.execute(
                "UPDATE photos SET status = ?, version = version + 1, updated_at = ?, reason = ?"
                " WHERE id = ?",
                (to.value, utcnow().isoformat(), reason, photo_id),
            )
            action = f"undo:{to.value}" if undo else to.value
            _audit(conn, photo_id, actor, action, before.status.value, to.value, reason)
            after = _load(conn, photo_id)
            assert after is not None
            return before, after

        return await self.db.write(change)

    async def delete(self, photo_id: str, actor: str, reason: str) -> tuple[Photo, list[str]]:
        def tombstone(conn: sqlite3.Connection) -> tuple[Photo, list[str]]:
            before = _load(conn, photo_id)
            if before is None or before.status is PhotoStatus.DELETED:
                raise PhotoNotFound(photo_id)
            keys = [r.key for r in before.renditions.values()]
            conn.execute("DELETE FROM renditions WHERE photo_id = ?", (photo_id,))
            # When it was on the wall goes too: only the tombstone row remains.
            conn.execute("DELETE FROM shown WHERE photo_id = ?", (photo_id,))
            conn.execute(
                "UPDATE photos SET status = 'deleted', version = version + 1, updated_at = ?,"
                " reason = ?, caption = '', author = '', contributor = '', receipt_hash = '',"
                " sha256 = '', phash = 0, signals = NULL, flags = '[]', source_ref = '',"
                " speaker = '', speaker_in_credit = 0"
                " WHERE id = ?",
                (utcnow().isoformat(), reason, photo_id),
            )
            _audit(conn, photo_id, actor, "delete", before.status.value, "deleted", reason)
            # Who sent it goes too: the creation's actor kept its source, not its pseudonym.
            conn.execute(
                "UPDATE audit SET actor = substr(actor, 1, instr(actor, ':'))"
                " WHERE photo_id = ? AND action = 'create' AND instr(actor, ':') > 0",
                (photo_id,),
            )
            unused = [
                key
                for key in keys
                if conn.execute("SELECT 1 FROM renditions WHERE key = ?", (key,)).fetchone() is None
            ]
            return before, unused

        erased = await self.db.write(tombstone)
        await self.db.checkpoint()
        return erased

    async def list(
        self,
        status: PhotoStatus | None,
        limit: int,
        offset: int = 0,
        source: str | None = None,
        flag: str | None = None,
        newest_first: bool = False,
    ) -> PhotoPage:
        def query(conn: sqlite3.Connection) -> PhotoPage:
            where, args = [], []
            if status is not None:
                where.append("status = ?")
                args.append(status.value)
            if source is not None:
                where.append("source = ?")
                args.append(source)
            if flag is not None:
                where.append("EXISTS (SELECT 1 FROM json_each(photos.flags) WHERE value = ?)")
                args.append(flag)
            clause = f"WHERE {' AND '.join(where)}" if where else ""
            # Approved photos by the time they were approved; the queue by arrival.
            key = "updated_at" if status is PhotoStatus.APPROVED else "created_at"
            order = f"{key} DESC, id DESC" if newest_first else f"{key}, id"
            total = conn.execute(f"SELECT COUNT(*) FROM photos {clause}", args).fetchone()[0]
            rows = conn.execute(
                f"SELECT * FROM photos {clause} ORDER BY {order} LIMIT ? OFFSET ?",
                [*args, limit, offset],
            ).fetchall()
            return PhotoPage(photos=_load_rows(conn, rows), total=total)

        return await self.db.read(query)

    async def gallery_page(
        self, limit: int, before: tuple[datetime, str] | None = None
    ) -> builtins.list[Photo]:
        def query(conn: sqlite3.Connection) -> list[Photo]:
            # One statement: the page's photos (the arrival index walked backwards, the
            # consent read on each row it meets), each joined to its renditions.
            after, args = "", []
            if before is not None:
                moment = before[0].isoformat()
                after = "AND created_at <= ? AND (created_at < ? OR id < ?)"
                args = [moment, moment, before[1]]
            rows = conn.execute(
                "WITH page AS (SELECT * FROM photos WHERE status = 'approved'"
                " AND instr(',' || consent_scopes || ',', ',online,') > 0"
                f" {after} ORDER BY created_at DESC, id DESC LIMIT ?)"
                " SELECT page.*, r.kind, r.key, r.width, r.height, r.size, r.mime"
                " FROM page LEFT JOIN renditions r ON r.photo_id = page.id"
                " ORDER BY page.created_at DESC, page.id DESC",
                [*args, limit],
            ).fetchall()
            by_photo: dict[str, list[sqlite3.Row]] = {}
            for row in rows:
                renditions = by_photo.setdefault(row["id"], [])
                if row["kind"] is not None:
                    renditions.append(row)
            firsts = {row["id"]: row for row in reversed(rows)}
            return [_row_to_photo(firsts[pid], rends) for pid, rends in by_photo.items()]

        return await self.db.read(query)

    async def expired(
        self, arrived_before: datetime, rejected_before: datetime, limit: int
    ) -> builtins.list[str]:
        def query(conn: sqlite3.Connection) -> list[str]:
            rows = conn.execute(
                "SELECT id FROM photos WHERE status != 'deleted'"
                " AND (created_at < ? OR (status = 'rejected' AND updated_at < ?))"
                " ORDER BY created_at LIMIT ?",
                (arrived_before.isoformat(), rejected_before.isoformat(), limit),
            )
            return [photo_id for (photo_id,) in rows]

        return await self.db.read(query)

    async def pending_count(self, contributor: str) -> int:
        def query(conn: sqlite3.Connection) -> int:
            row = conn.execute(
                "SELECT COUNT(*) FROM photos WHERE contributor = ? AND status = 'pending'",
                (contributor,),
            ).fetchone()
            return int(row[0])

        return await self.db.read(query)

    async def perceptual_hashes(self) -> builtins.list[tuple[str, int]]:
        def query(conn: sqlite3.Connection) -> list[tuple[str, int]]:
            rows = conn.execute(
                "SELECT id, phash FROM photos WHERE status != 'deleted' AND sha256 != ''"
            )
            return [(pid, value & 0xFFFF_FFFF_FFFF_FFFF) for pid, value in rows]

        return await self.db.read(query)

    async def audit_log(self, limit: int, offset: int = 0) -> builtins.list[AuditEntry]:
        def query(conn: sqlite3.Connection) -> list[AuditEntry]:
            rows = conn.execute(
                "SELECT * FROM audit ORDER BY id DESC LIMIT ? OFFSET ?", (limit, offset)
            )
            return [
                AuditEntry(
                    at=datetime.fromisoformat(r["at"]),
                    photo_id=r["photo_id"] or "",
                    actor=r["actor"],
                    action=r["action"],
                    from_status=r["from_status"] or "",
                    to_status=r["to_status"] or "",
                    reason=r["reason"],
                )
                for r in rows
            ]

        return await self.db.read(query)

    async def last_decision(self, actor: str) -> LastDecision | None:
        def query(conn: sqlite3.Connection) -> LastDecision | None:
            row = conn.execute(
                "SELECT a.id, a.photo_id, a.action, a.from_status, a.at, p.version,"
                " EXISTS (SELECT 1 FROM audit later WHERE later.photo_id = a.photo_id"
                "         AND later.id > a.id) AS superseded"
                " FROM audit a JOIN photos p ON p.id = a.photo_id"
                " WHERE a.actor = ? AND a.from_status IS NOT NULL"
                " ORDER BY a.id DESC LIMIT 1",
                (actor,),
            ).fetchone()
            if row is None:
                return None
            return LastDecision(
                photo_id=row["photo_id"],
                action=row["action"],
                before=PhotoStatus(row["from_status"]),
                at=datetime.fromisoformat(row["at"]),
                version=row["version"],
                superseded=bool(row["superseded"]),
            )

        return await self.db.read(query)

    async def media_keys_in_use(self) -> set[str]:
        def query(conn: sqlite3.Connection) -> set[str]:
            return {row[0] for row in conn.execute(_KEYS_IN_USE)}

        return await self.db.read(query)

    async def wipe_unused(
        self, keys: Sequence[str], wipe: Callable[[builtins.list[str]], Awaitable[None]]
    ) -> None:
        """One process: the callers hold `Store.media_refs`, which every add holds too."""

        def used(conn: sqlite3.Connection) -> set[str]:
            marks = ",".join("?" * len(keys))
            rows = conn.execute(f"SELECT key FROM ({_KEYS_IN_USE}) WHERE key IN ({marks})", keys)
            return {row[0] for row in rows}

        in_use = await self.db.read(used) if keys else set()
        await wipe([key for key in keys if key not in in_use])

    async def close(self) -> None:
        self.db.close()
