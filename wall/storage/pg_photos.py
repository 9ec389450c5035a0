"""The PostgreSQL implementation of `PhotoRepository`, for one wall of a cluster.

Reads are set-based: a photo comes with its renditions in one row (`jsonb_agg`), so a page
or the display's snapshot of 10,000 photos is one query, not one per photo.
"""

from __future__ import annotations

import builtins
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

import asyncpg

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
from wall.storage.pg_db import PgDatabase, notify
from wall.storage.transitions import allowed_next

UNSIGNED_64 = 0xFFFF_FFFF_FFFF_FFFF

# Every column of a photo plus its renditions as one JSON array.
PHOTO_SELECT = """
SELECT p.*, COALESCE((
    SELECT jsonb_agg(jsonb_build_object('kind', r.kind, 'key', r.key, 'width', r.width,
                                        'height', r.height, 'size', r.size, 'mime', r.mime))
    FROM renditions r WHERE r.wall_id = p.wall_id AND r.photo_id = p.id
), '[]'::jsonb) AS rends
FROM photos p
"""


def _signed64(value: int) -> int:
    """BIGINT is signed; perceptual hashes are unsigned 64-bit."""
    return value - (1 << 64) if value >= 1 << 63 else value


def row_to_photo(row: asyncpg.Record) -> Photo:
    consent = None
    if row["consent_at"] is not None:
        consent = Consent(
            given_at=row["consent_at"],
            text_version=row["consent_version"] or "",
            language=row["consent_lang"] or "",
            scopes=scopes_from_text(row["consent_scopes"]),
        )
    lab = row["mean_lab"]
    return Photo(
        id=row["id"],
        status=PhotoStatus(row["status"]),
        version=row["version"],
        source=row["source"],
        caption=row["caption"],
        author=row["author"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        contributor=row["contributor"],
        sha256=row["sha256"],
        phash=row["phash"] & UNSIGNED_64,
        mean_lab=(lab[0], lab[1], lab[2]),
        signals=Signals(**row["signals"]) if row["signals"] else None,
        flags=tuple(row["flags"]),
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
            for r in row["rends"]
        },
        speaker=Speaker(row["speaker"]),
        speaker_in_credit=row["speaker_in_credit"],
    )


async def load_photo(conn: asyncpg.Connection, wall: str, photo_id: str) -> Photo | None:
    row = await conn.fetchrow(f"{PHOTO_SELECT} WHERE p.wall_id = $1 AND p.id = $2", wall, photo_id)
    return row_to_photo(row) if row else None


async def load_photos(
    conn: asyncpg.Connection, wall: str, where: str, args: Sequence[Any], tail: str = ""
) -> list[Photo]:
    """Photos of one wall matching `where` (placeholders from $2), in one query."""
    sql = f"{PHOTO_SELECT} WHERE p.wall_id = $1 AND ({where}) {tail}"
    rows = await conn.fetch(sql, wall, *args)
    return [row_to_photo(row) for row in rows]


async def write_audit(
    conn: asyncpg.Connection,
    wall: str,
    photo_id: str,
    actor: str,
    action: str,
    before: str | None,
    after: str | None,
    reason: str = "",
) -> None:
    await conn.execute(
        "INSERT INTO audit (wall_id, at, photo_id, actor, action, from_status, to_status, reason)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        wall, utcnow(), photo_id, actor, action, before, after, reason,
    )  # fmt: skip


async def lock_media_keys(conn: asyncpg.Connection, keys: Sequence[str]) -> None:
    """Transaction-scoped locks on media keys, taken in one order everywhere: a wipe and an
    add naming the same object take turns across every process of the cluster (media are
    shared by all walls)."""
    for key in sorted(set(keys)):
        await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 1))", key)


# Media objects some row of any wall names: photos' renditions and announcements' images.
KEYS_IN_USE = (
    "SELECT key FROM renditions UNION SELECT image_key AS key FROM announcements"
    " WHERE image_key != ''"
)


class PgPhotoRepository:
    def __init__(self, db: PgDatabase) -> None:
        self.db = db
        self.wall = db.wall_id

    async def open(self) -> None:
        await self.db.open()

    async def add(self, new: NewPhoto, actor: str) -> Photo:
        async def insert(conn: asyncpg.Connection) -> Photo:
            new_photo = await self._unless_duplicate(conn, new)
            await lock_media_keys(conn, [r.key for r in new_photo.renditions])
            await self._insert_row(conn, new_photo)
            await conn.executemany(
                "INSERT INTO renditions (wall_id, photo_id, kind, key, width, height, size, mime)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                [
                    (self.wall, new.id, r.kind.value, r.key, r.width, r.height, r.size, r.mime)
                    for r in new_photo.renditions
                ],
            )
            await write_audit(
                conn,
                self.wall,
                new.id,
                actor,
                "create",
                None,
                new_photo.status.value,
                new_photo.reason,
            )
            await notify(conn, self.wall, e="photo.created", id=new.id)
            photo = await load_photo(conn, self.wall, new.id)
            assert photo is not None
            return photo

        try:
            return await self.db.write(insert)
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name == "photos_idempotency":
                raise DuplicateIdempotencyKey(new.idempotency_key) from exc
            raise

    async def _unless_duplicate(self, conn: asyncpg.Connection, new: NewPhoto) -> NewPhoto:
        """Same bytes as an original: a duplicate. The transaction-scoped lock on the hash
        makes two processes taking the same photo at once take turns here."""
        if not new.sha256:
            return new
        await conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"{self.wall}/{new.sha256}"
        )
        original = await conn.fetchval(
            "SELECT 1 FROM photos WHERE wall_id = $1 AND sha256 = $2 AND status != 'deleted'",
            self.wall,
            new.sha256,
        )
        return as_duplicate(new) if original else new

    async def _insert_row(self, conn: asyncpg.Connection, new: NewPhoto) -> None:
        now = utcnow()
        consent = new.consent
        signals = {name: getattr(new.signals, name) for name in new.signals.__dataclass_fields__}
        await conn.execute(
            "INSERT INTO photos (wall_id, id, status, source, source_ref, caption, author,"
            " contributor, created_at, updated_at, receipt_hash, consent_at, consent_version,"
            " consent_lang, sha256, phash, mean_lab, signals, flags, reason, idempotency_key,"
            " consent_scopes, speaker, speaker_in_credit)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12, $13, $14, $15,"
            " $16, $17, $18, $19, $20, $21, $22, $23)",
            self.wall, new.id, new.status.value, new.source, new.source_ref, new.caption,
            new.author, new.contributor, now, new.receipt_hash,
            consent.given_at if consent else None,
            consent.text_version if consent else None,
            consent.language if consent else None,
            new.sha256, _signed64(new.phash), list(new.mean_lab), signals, list(new.flags),
            new.reason, new.idempotency_key,
            scopes_to_text(consent.scopes) if consent else "",
            new.speaker.value, new.speaker_in_credit,
        )  # fmt: skip

    async def get(self, photo_id: str) -> Photo | None:
        return await self.db.read(lambda conn: load_photo(conn, self.wall, photo_id))

    async def receipt_hash(self, photo_id: str) -> str | None:
        async def query(conn: asyncpg.Connection) -> str | None:
            value = await conn.fetchval(
                "SELECT receipt_hash FROM photos WHERE wall_id = $1 AND id = $2",
                self.wall,
                photo_id,
            )
            return str(value) if value is not None else None

        return await self.db.read(query)

    async def find_by_sha256(self, sha256: str) -> Photo | None:
        async def query(conn: asyncpg.Connection) -> Photo | None:
            found = await load_photos(
                conn,
                self.wall,
                "p.sha256 = $2 AND p.status != 'deleted'",
                [sha256],
                "ORDER BY p.created_at LIMIT 1",
            )
            return found[0] if found else None

        return await self.db.read(query)

    async def find_by_idempotency_key(self, key: str) -> Photo | None:
        async def query(conn: asyncpg.Connection) -> Photo | None:
            found = await load_photos(
                conn, self.wall, "p.idempotency_key = $2 AND p.status != 'deleted'", [key]
            )
            return found[0] if found else None

        return await self.db.read(query)

    async def set_receipt_hash(self, photo_id: str, receipt_hash: str) -> None:
        async def update(conn: asyncpg.Connection) -> None:
            await conn.execute(
                "UPDATE photos SET receipt_hash = $3 WHERE wall_id = $1 AND id = $2",
                self.wall,
                photo_id,
                receipt_hash,
            )

        await self.db.write(update)

    async def _locked(self, conn: asyncpg.Connection, photo_id: str) -> Photo:
        """The photo, its row locked until the transaction ends: two processes deciding on
        one photo at once are serialised, the second sees the first's version."""
        await conn.execute(
            "SELECT 1 FROM photos WHERE wall_id = $1 AND id = $2 FOR UPDATE", self.wall, photo_id
        )
        photo = await load_photo(conn, self.wall, photo_id)
        if photo is None or photo.status is PhotoStatus.DELETED:
            raise PhotoNotFound(photo_id)
        return photo

    async def transition(
        self,
        photo_id: str,
        to: PhotoStatus,
        actor: str,
        reason: str = "",
        expected_version: int | None = None,
        undo: bool = False,
    ) -> tuple[Photo, Photo]:
        async def change(conn: asyncpg.Connection) -> tuple[Photo, Photo]:
            before = await self._locked(conn, photo_id)
            if expected_version is not None and before.version != expected_version:
                raise VersionConflict(photo_id)
            if to not in allowed_next(before.status, undo):
                raise InvalidTransition(f"{before.status} → {to}")
            await conn.execute(
                "UPDATE photos SET status = $3, version = version + 1, updated_at = $4,"
                " reason = $5 WHERE wall_id = $1 AND id = $2",
                self.wall, photo_id, to.value, utcnow(), reason,
            )  # fmt: skip
            action = f"undo:{to.value}" if undo else to.value
            await write_audit(
                conn, self.wall, photo_id, actor, action, before.status.value, to.value, reason
            )
            await notify(
                conn,
                self.wall,
                e="photo.changed",
                id=photo_id,
                before=before.status.value,
                actor=actor,
                reason=reason,
            )
            after = await load_photo(conn, self.wall, photo_id)
            assert after is not None
            return before, after

        return await self.db.write(change)

    async def delete(self, photo_id: str, actor: str, reason: str) -> tuple[Photo, list[str]]:
        async def tombstone(conn: asyncpg.Connection) -> tuple[Photo, list[str]]:
            before = await self._locked(conn, photo_id)
            keys = [r.key for r in before.renditions.values()]
            await conn.execute(
                "DELETE FROM renditions WHERE wall_id = $1 AND photo_id = $2", self.wall, photo_id
            )
            # When it was on the wall goes too: only the tombstone row remains.
            await conn.execute(
                "DELETE FROM shown WHERE wall_id = $1 AND photo_id = $2", self.wall, photo_id
            )
            await conn.execute(
                "UPDATE photos SET status = 'deleted', version = version + 1, updated_at = $3,"
                " reason = $4, caption = '', author = '', contributor = '', receipt_hash = '',"
                " sha256 = '', phash = 0, signals = NULL, flags = '[]', source_ref = '',"
                " speaker = '', speaker_in_credit = FALSE"
                " WHERE wall_id = $1 AND id = $2",
                self.wall, photo_id, utcnow(), reason,
            )  # fmt: skip
            await write_audit(
                conn, self.wall, photo_id, actor, "delete", before.status.value, "deleted", reason
            )
            # Who sent it goes too: the creation's actor keeps its source, not its pseudonym.
            await conn.execute(
                "UPDATE audit SET actor = split_part(actor, ':', 1) || ':'"
                " WHERE wall_id = $1 AND photo_id = $2 AND action = 'create'"
                " AND strpos(actor, ':') > 0",
                self.wall,
                photo_id,
            )
            await notify(
                conn, self.wall, e="photo.deleted", id=photo_id, was_public=before.is_public
            )
            # Media are shared by every wall of the cluster's store: a key is unused only
            # when no rendition of any wall names it.
            still_used = await conn.fetch(
                "SELECT DISTINCT key FROM renditions WHERE key = ANY($1::text[])", keys
            )
            used = {row["key"] for row in still_used}
            return before, [key for key in keys if key not in used]

        return await self.db.write(tombstone)

    async def list(
        self,
        status: PhotoStatus | None,
        limit: int,
        offset: int = 0,
        source: str | None = None,
        flag: str | None = None,
        newest_first: bool = False,
    ) -> PhotoPage:
        where, args = ["TRUE"], []
        if status is not None:
            args.append(status.value)
            where.append(f"p.status = ${len(args) + 1}")
        if source is not None:
            args.append(source)
            where.append(f"p.source = ${len(args) + 1}")
        if flag is not None:
            args.append(flag)
            where.append(f"p.flags ? ${len(args) + 1}")
        clause = " AND ".join(where)
        # Approved photos by the time they were approved; the queue by arrival.
        key = "p.updated_at" if status is PhotoStatus.APPROVED else "p.created_at"
        order = f"{key} DESC, p.id DESC" if newest_first else f"{key}, p.id"
        tail = f"ORDER BY {order} LIMIT ${len(args) + 2} OFFSET ${len(args) + 3}"

        async def query(conn: asyncpg.Connection) -> PhotoPage:
            async with conn.transaction(isolation="repeatable_read", readonly=True):
                total = await conn.fetchval(
                    f"SELECT count(*) FROM photos p WHERE p.wall_id = $1 AND {clause}",
                    self.wall,
                    *args,
                )
                photos = await load_photos(conn, self.wall, clause, [*args, limit, offset], tail)
            return PhotoPage(photos=photos, total=int(total))

        return await self.db.read(query)

    async def gallery_page(
        self, limit: int, before: tuple[datetime, str] | None = None
    ) -> builtins.list[Photo]:
        # Ids compare by code point (COLLATE "C"), as SQLite's and the page's script do.
        where = (
            "p.status = 'approved' AND position(',online,' in ',' || p.consent_scopes || ',') > 0"
        )
        args: list[Any] = []
        if before is not None:
            where += ' AND p.created_at <= $2 AND (p.created_at < $2 OR p.id < $3 COLLATE "C")'
            args = [before[0], before[1]]
        tail = f'ORDER BY p.created_at DESC, p.id COLLATE "C" DESC LIMIT ${len(args) + 2}'

        async def query(conn: asyncpg.Connection) -> list[Photo]:
            return await load_photos(conn, self.wall, where, [*args, limit], tail)

        return await self.db.read(query)

    async def expired(
        self, arrived_before: datetime, rejected_before: datetime, limit: int
    ) -> builtins.list[str]:
        async def query(conn: asyncpg.Connection) -> list[str]:
            rows = await conn.fetch(
                "SELECT id FROM photos WHERE wall_id = $1 AND status != 'deleted'"
                " AND (created_at < $2 OR (status = 'rejected' AND updated_at < $3))"
                " ORDER BY created_at LIMIT $4",
                self.wall, arrived_before, rejected_before, limit,
            )  # fmt: skip
            return [row["id"] for row in rows]

        return await self.db.read(query)

    async def pending_count(self, contributor: str) -> int:
        async def query(conn: asyncpg.Connection) -> int:
            value = await conn.fetchval(
                "SELECT count(*) FROM photos WHERE wall_id = $1 AND contributor = $2"
                " AND status = 'pending'",
                self.wall,
                contributor,
            )
            return int(value)

        return await self.db.read(query)

    async def perceptual_hashes(self) -> builtins.list[tuple[str, int]]:
        async def query(conn: asyncpg.Connection) -> list[tuple[str, int]]:
            rows = await conn.fetch(
                "SELECT id, phash FROM photos WHERE wall_id = $1 AND status != 'deleted'"
                " AND sha256 != ''",
                self.wall,
            )
            return [(row["id"], row["phash"] & UNSIGNED_64) for row in rows]

        return await self.db.read(query)

    async def audit_log(self, limit: int, offset: int = 0) -> builtins.list[AuditEntry]:
        async def query(conn: asyncpg.Connection) -> list[AuditEntry]:
            rows = await conn.fetch(
                "SELECT * FROM audit WHERE wall_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3",
                self.wall,
                limit,
                offset,
            )
            return [
                AuditEntry(
                    at=r["at"],
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
        async def query(conn: asyncpg.Connection) -> LastDecision | None:
            row = await conn.fetchrow(
                "SELECT a.id, a.photo_id, a.action, a.from_status, a.at, p.version,"
                " EXISTS (SELECT 1 FROM audit later WHERE later.wall_id = a.wall_id"
                "         AND later.photo_id = a.photo_id AND later.id > a.id) AS superseded"
                " FROM audit a JOIN photos p ON p.wall_id = a.wall_id AND p.id = a.photo_id"
                " WHERE a.wall_id = $1 AND a.actor = $2 AND a.from_status IS NOT NULL"
                " ORDER BY a.id DESC LIMIT 1",
                self.wall,
                actor,
            )
            if row is None:
                return None
            return LastDecision(
                photo_id=row["photo_id"],
                action=row["action"],
                before=PhotoStatus(row["from_status"]),
                at=row["at"],
                version=row["version"],
                superseded=row["superseded"],
            )

        return await self.db.read(query)

    async def media_keys_in_use(self) -> set[str]:
        """Every wall's: the cluster's media store is shared, and so is its collection."""

        async def query(conn: asyncpg.Connection) -> set[str]:
            return {row["key"] for row in await conn.fetch(KEYS_IN_USE)}

        return await self.db.read(query)

    async def wipe_unused(
        self, keys: Sequence[str], wipe: Callable[[builtins.list[str]], Awaitable[None]]
    ) -> None:
        async def locked(conn: asyncpg.Connection) -> None:
            await lock_media_keys(conn, keys)
            rows = await conn.fetch(
                f"SELECT key FROM ({KEYS_IN_USE}) AS used WHERE key = ANY($1::text[])", list(keys)
            )
            in_use = {row["key"] for row in rows}
            await wipe([key for key in keys if key not in in_use])

        if keys:
            await self.db.write(locked)

    async def close(self) -> None:
        await self.db.close()
