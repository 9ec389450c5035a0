"""The SQLite implementation of `FiguresRepository`: a night's sums in a handful of range scans.

Every stored time is UTC in one ISO format, so ranges compare as text and ride the indexes
on `photos.created_at`, `audit.at` and `shown.shown_at` (migration 0005). Counts come back
per source and UTC quarter hour (at most 96 per source a night), never row by row.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from wall.domain import Photo
from wall.storage.base import NightCounts, QuarterCount, SpeakerCount
from wall.storage.sqlite_db import Database
from wall.storage.sqlite_photos import _load_rows

T = TypeVar("T")

# An undo comes within seconds of its decision (10 s for the moderators); reading the audit
# this far past the range's end sees the undo of a decision taken just before the end.
UNDO_LOOKAHEAD = timedelta(hours=1)

# The first 16 characters of a stored time, minutes floored to the quarter: "…T22:45".
_QUARTER = "substr({col}, 1, 14) || printf('%02d', CAST(substr({col}, 15, 2) AS INTEGER) / 15 * 15)"

_RECEIVED = f"""
SELECT source, {_QUARTER.format(col="created_at")} AS quarter, COUNT(*)
FROM photos WHERE created_at >= :start AND created_at < :end
GROUP BY source, quarter
"""

# Each decision with the action that followed it on the same photo; a decision whose next
# step is an undo was taken back. Decisions on photos since deleted still count (the audit
# row outlives the photo's content), under the source the tombstone keeps.
_STANDING = """
WITH steps AS (
    SELECT photo_id, action, to_status, at,
           LEAD(action) OVER (PARTITION BY photo_id ORDER BY id) AS next_action
    FROM audit
    WHERE at >= :start AND at < :lookahead AND photo_id IS NOT NULL
),
standing AS (
    SELECT photo_id, to_status, MIN(at) AS first_at
    FROM steps
    WHERE at < :end
      AND to_status IN ('approved', 'rejected', 'removed')
      AND action NOT LIKE 'undo:%'
      AND (next_action IS NULL OR next_action NOT LIKE 'undo:%')
    GROUP BY photo_id, to_status
)
"""

_DECISIONS = f"""{_STANDING}
SELECT standing.to_status, photos.source, {_QUARTER.format(col="standing.first_at")} AS quarter,
       COUNT(*)
FROM standing JOIN photos ON photos.id = standing.photo_id
GROUP BY standing.to_status, photos.source, quarter
"""

# Who is speaking: arrivals and their contributors, and standing approvals, per speaker.
_SPEAKERS_ARRIVED = """
SELECT speaker, COUNT(*), COUNT(DISTINCT NULLIF(contributor, ''))
FROM photos WHERE created_at >= :start AND created_at < :end
GROUP BY speaker
"""

_SPEAKERS_APPROVED = f"""{_STANDING}
SELECT photos.speaker, COUNT(*)
FROM standing JOIN photos ON photos.id = standing.photo_id
WHERE standing.to_status = 'approved'
GROUP BY photos.speaker
"""

_DELETED = """
SELECT COUNT(DISTINCT photo_id) FROM audit
WHERE at >= :start AND at < :end AND action = 'delete'
"""

_SHOWN = "SELECT COUNT(DISTINCT photo_id) FROM shown WHERE shown_at >= :start AND shown_at < :end"

# A deleted photo's contributor is erased with the rest: it no longer counts.
_CONTRIBUTORS = """
SELECT COUNT(DISTINCT contributor) FROM photos
WHERE created_at >= :start AND created_at < :end AND contributor != ''
"""

_APPROVED_PHOTOS = """
SELECT photos.* FROM photos
JOIN (
    SELECT DISTINCT photo_id FROM audit
    WHERE at >= :start AND at < :end AND to_status = 'approved'
) AS decided ON decided.photo_id = photos.id
WHERE photos.status = 'approved'
ORDER BY photos.created_at, photos.id
"""


def _quarter(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _bounds(start: datetime, end: datetime) -> dict[str, str]:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("figures: give aware datetimes (with their timezone)")
    return {
        "start": start.astimezone(UTC).isoformat(),
        "end": end.astimezone(UTC).isoformat(),
        "lookahead": (end + UNDO_LOOKAHEAD).astimezone(UTC).isoformat(),
    }


def _snapshot(conn: sqlite3.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
    """Several statements in one read transaction: sums that agree with one another."""
    conn.execute("BEGIN")
    try:
        return fn(conn)
    finally:
        conn.execute("COMMIT")


def _counts(conn: sqlite3.Connection, bounds: dict[str, str]) -> NightCounts:
    received = [
        QuarterCount(source, _quarter(quarter), count)
        for source, quarter, count in conn.execute(_RECEIVED, bounds)
    ]
    decided: dict[str, list[QuarterCount]] = {"approved": [], "rejected": [], "removed": []}
    for status, source, quarter, count in conn.execute(_DECISIONS, bounds):
        decided[status].append(QuarterCount(source, _quarter(quarter), count))

    def scalar(sql: str) -> int:
        return int(conn.execute(sql, bounds).fetchone()[0])

    return NightCounts(
        received=received,
        approved=decided["approved"],
        rejected=decided["rejected"],
        removed=sum(c.count for c in decided["removed"]),
        deleted=scalar(_DELETED),
        shown=scalar(_SHOWN),
        contributors=scalar(_CONTRIBUTORS),
        speakers=_speakers(conn, bounds),
    )


def _speakers(conn: sqlite3.Connection, bounds: dict[str, str]) -> list[SpeakerCount]:
    approved: dict[str, int] = dict(conn.execute(_SPEAKERS_APPROVED, bounds).fetchall())
    arrived = {
        speaker: (n, people) for speaker, n, people in conn.execute(_SPEAKERS_ARRIVED, bounds)
    }
    counts = []
    for speaker in sorted(set(arrived) | set(approved)):
        received, contributors = arrived.get(speaker, (0, 0))
        counts.append(SpeakerCount(speaker, received, approved.get(speaker, 0), contributors))
    return counts


class SqliteFiguresRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def counts(self, start: datetime, end: datetime) -> NightCounts:
        bounds = _bounds(start, end)
        return await self.db.read(lambda conn: _snapshot(conn, lambda c: _counts(c, bounds)))

    async def approved_between(self, start: datetime, end: datetime) -> list[Photo]:
        bounds = _bounds(start, end)

        def query(conn: sqlite3.Connection) -> list[Photo]:
            return _load_rows(conn, conn.execute(_APPROVED_PHOTOS, bounds).fetchall())

        return await self.db.read(lambda conn: _snapshot(conn, query))
