"""The PostgreSQL implementation of `FiguresRepository`, for one wall of a cluster.

The same sums as `sqlite_figures`, statement for statement, in one repeatable-read snapshot:
ranges ride the `(wall_id, created_at)`, `(wall_id, at)` and `(wall_id, shown_at)` indexes,
and counts come back per source and UTC quarter hour, never row by row.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg

from wall.domain import Photo
from wall.storage.base import NightCounts, QuarterCount, SpeakerCount
from wall.storage.pg_db import PgDatabase
from wall.storage.pg_photos import load_photos
from wall.storage.sqlite_figures import UNDO_LOOKAHEAD

# A time floored to its UTC quarter hour (every timezone's offset is whole quarters).
_QUARTER = "date_bin('15 minutes', {col}, TIMESTAMPTZ '2000-01-01 00:00+00')"

# $1 the wall, $2 the start, $3 the end (excluded), $4 the end plus the undo lookahead.
_RECEIVED = f"""
SELECT source, {_QUARTER.format(col="created_at")} AS quarter, count(*) AS n
FROM photos WHERE wall_id = $1 AND created_at >= $2 AND created_at < $3
GROUP BY source, quarter
ORDER BY source, quarter
"""

# Each decision with the action that followed it on the same photo; a decision whose next
# step is an undo was taken back. Decisions on photos since deleted still count (the audit
# row outlives the photo's content), under the source the tombstone keeps.
_STANDING = """
WITH steps AS (
    SELECT photo_id, action, to_status, at,
           lead(action) OVER (PARTITION BY photo_id ORDER BY id) AS next_action
    FROM audit
    WHERE wall_id = $1 AND at >= $2 AND at < $4 AND photo_id IS NOT NULL
),
standing AS (
    SELECT photo_id, to_status, min(at) AS first_at
    FROM steps
    WHERE at < $3
      AND to_status IN ('approved', 'rejected', 'removed')
      AND action NOT LIKE 'undo:%'
      AND (next_action IS NULL OR next_action NOT LIKE 'undo:%')
    GROUP BY photo_id, to_status
)
"""

_DECISIONS = f"""{_STANDING}
SELECT standing.to_status, photos.source,
       {_QUARTER.format(col="standing.first_at")} AS quarter, count(*) AS n
FROM standing JOIN photos ON photos.wall_id = $1 AND photos.id = standing.photo_id
GROUP BY standing.to_status, photos.source, quarter
ORDER BY photos.source, quarter
"""

# Who is speaking: arrivals and their contributors, and standing approvals, per speaker.
_SPEAKERS_ARRIVED = """
SELECT speaker, count(*) AS n, count(DISTINCT NULLIF(contributor, '')) AS people
FROM photos WHERE wall_id = $1 AND created_at >= $2 AND created_at < $3
GROUP BY speaker
"""

_SPEAKERS_APPROVED = f"""{_STANDING}
SELECT photos.speaker, count(*) AS n
FROM standing JOIN photos ON photos.wall_id = $1 AND photos.id = standing.photo_id
WHERE standing.to_status = 'approved'
GROUP BY photos.speaker
"""

_DELETED = """
SELECT count(DISTINCT photo_id) FROM audit
WHERE wall_id = $1 AND at >= $2 AND at < $3 AND action = 'delete'
"""

_SHOWN = """
SELECT count(DISTINCT photo_id) FROM shown
WHERE wall_id = $1 AND shown_at >= $2 AND shown_at < $3
"""

# A deleted photo's contributor is erased with the rest: it no longer counts.
_CONTRIBUTORS = """
SELECT count(DISTINCT contributor) FROM photos
WHERE wall_id = $1 AND created_at >= $2 AND created_at < $3 AND contributor != ''
"""

# For `load_photos`: the wall is $1, the range $2 and $3.
_APPROVED_WHERE = """
p.status = 'approved' AND EXISTS (
    SELECT 1 FROM audit a
    WHERE a.wall_id = p.wall_id AND a.photo_id = p.id
      AND a.at >= $2 AND a.at < $3 AND a.to_status = 'approved'
)
"""
# Ids in byte order, as SQLite sorts them, whatever the database's locale.
_APPROVED_ORDER = 'ORDER BY p.created_at, p.id COLLATE "C"'


def _bounds(start: datetime, end: datetime) -> tuple[datetime, datetime, datetime]:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("figures: give aware datetimes (with their timezone)")
    return start.astimezone(UTC), end.astimezone(UTC), (end + UNDO_LOOKAHEAD).astimezone(UTC)


def _quarters(rows: list[asyncpg.Record]) -> list[QuarterCount]:
    return [QuarterCount(row["source"], row["quarter"], int(row["n"])) for row in rows]


def _speakers(arrived: list[asyncpg.Record], approved: list[asyncpg.Record]) -> list[SpeakerCount]:
    approvals = {row["speaker"]: int(row["n"]) for row in approved}
    arrivals = {row["speaker"]: (int(row["n"]), int(row["people"])) for row in arrived}
    counts = []
    for speaker in sorted(set(arrivals) | set(approvals)):
        received, contributors = arrivals.get(speaker, (0, 0))
        counts.append(SpeakerCount(speaker, received, approvals.get(speaker, 0), contributors))
    return counts


class PgFiguresRepository:
    def __init__(self, db: PgDatabase) -> None:
        self.db = db
        self.wall = db.wall_id

    async def counts(self, start: datetime, end: datetime) -> NightCounts:
        lower, upper, lookahead = _bounds(start, end)
        args: tuple[Any, ...] = (self.wall, lower, upper)

        async def query(conn: asyncpg.Connection) -> NightCounts:
            # Several statements in one snapshot: sums that agree with one another.
            async with conn.transaction(isolation="repeatable_read", readonly=True):
                received = _quarters(await conn.fetch(_RECEIVED, *args))
                decisions = await conn.fetch(_DECISIONS, *args, lookahead)
                deleted = await conn.fetchval(_DELETED, *args)
                shown = await conn.fetchval(_SHOWN, *args)
                contributors = await conn.fetchval(_CONTRIBUTORS, *args)
                arrived = await conn.fetch(_SPEAKERS_ARRIVED, *args)
                approved = await conn.fetch(_SPEAKERS_APPROVED, *args, lookahead)
            decided: dict[str, list[asyncpg.Record]] = {
                "approved": [],
                "rejected": [],
                "removed": [],
            }
            for row in decisions:
                decided[row["to_status"]].append(row)
            return NightCounts(
                received=received,
                approved=_quarters(decided["approved"]),
                rejected=_quarters(decided["rejected"]),
                removed=sum(int(row["n"]) for row in decided["removed"]),
                deleted=int(deleted),
                shown=int(shown),
                contributors=int(contributors),
                speakers=_speakers(arrived, approved),
            )

        return await self.db.read(query)

    async def approved_between(self, start: datetime, end: datetime) -> list[Photo]:
        lower, upper, _ = _bounds(start, end)

        async def query(conn: asyncpg.Connection) -> list[Photo]:
            return await load_photos(
                conn, self.wall, _APPROVED_WHERE, [lower, upper], _APPROVED_ORDER
            )

        return await self.db.read(query)
