"""The SQLite implementation of `ShownRepository`: what came on the wall, by quarter hour."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime

from wall.storage.sqlite_db import Database

QUARTER_MINUTES = 15  # every timezone's offset is a whole number of quarter hours


def quarter_of(moment: datetime) -> datetime:
    """The UTC quarter hour `moment` falls in: the unit a photo is recorded once per."""
    if moment.tzinfo is None:
        raise ValueError("shown: give an aware datetime (with its timezone)")
    utc = moment.astimezone(UTC)
    return utc.replace(minute=utc.minute - utc.minute % QUARTER_MINUTES, second=0, microsecond=0)


class SqliteShownRepository:
    """Writes only what is new: the display reports the same photos every second, so the
    ids already recorded in the current quarter are remembered and skip the writer."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._slot = ""
        self._recorded: set[str] = set()

    async def record_shown(self, photo_ids: Sequence[str], at: datetime) -> None:
        slot = quarter_of(at).isoformat()
        if slot != self._slot:
            self._slot, self._recorded = slot, set()
        fresh = sorted(set(photo_ids) - self._recorded)
        if not fresh:
            return
        shown_at = at.astimezone(UTC).isoformat()

        def insert(conn: sqlite3.Connection) -> None:
            # Through a SELECT on photos: an id the display still caches after a delete, or
            # one it made up, leaves no row.
            conn.executemany(
                "INSERT OR IGNORE INTO shown (photo_id, slot, shown_at)"
                " SELECT id, ?, ? FROM photos WHERE id = ? AND status != 'deleted'",
                [(slot, shown_at, photo_id) for photo_id in fresh],
            )

        await self.db.write(insert)
        if slot == self._slot:  # a report from another quarter may have come in meanwhile
            self._recorded.update(fresh)

    async def last_shown(self, photo_id: str) -> datetime | None:
        def query(conn: sqlite3.Connection) -> str | None:
            row = conn.execute(
                "SELECT MAX(shown_at) FROM shown WHERE photo_id = ?", (photo_id,)
            ).fetchone()
            return row[0] if row else None

        found = await self.db.read(query)
        return datetime.fromisoformat(found) if found else None
