"""A moderator's last decision may be undone for a few seconds. It is read from the audit log,
not kept in a process's memory: behind a load balancer the undo may reach another process
than the decision did, and both read the same log."""

from __future__ import annotations

from datetime import datetime, timedelta

from wall.domain import utcnow
from wall.storage.base import LastDecision, PhotoRepository

UNDO_WINDOW_S = 10.0  # long enough to see the mistake on a toast, short enough to be "just now"
DECISIONS = frozenset({"approved", "rejected", "removed"})  # what the undo button takes back


class UndoExpired(Exception):
    pass


class UndoSuperseded(Exception):
    """Someone changed the photo after the decision: undoing now would undo theirs."""


async def undoable(
    photos: PhotoRepository, username: str, now: datetime | None = None
) -> LastDecision | None:
    """The decision to undo, or None when the moderator's last act was none (or an undo);
    raises `UndoExpired` past the window, `UndoSuperseded` when the photo moved on."""
    last = await photos.last_decision(username)
    if last is None or last.action not in DECISIONS:
        return None
    if (now or utcnow()) - last.at > timedelta(seconds=UNDO_WINDOW_S):
        raise UndoExpired(last.photo_id)
    if last.superseded:
        raise UndoSuperseded(last.photo_id)
    return last
