"""Which status may follow which: one table for every backend."""

from __future__ import annotations

from wall.domain import PhotoStatus

ALLOWED = {
    PhotoStatus.PENDING: {PhotoStatus.APPROVED, PhotoStatus.REJECTED},
    PhotoStatus.APPROVED: {PhotoStatus.REMOVED},
    PhotoStatus.REMOVED: {PhotoStatus.APPROVED},
    PhotoStatus.REJECTED: {PhotoStatus.APPROVED},
    PhotoStatus.DELETED: set(),
}
# The way back of a decision (the moderators' undo), which no fresh decision may take.
UNDO = {
    PhotoStatus.APPROVED: {PhotoStatus.PENDING},
    PhotoStatus.REJECTED: {PhotoStatus.PENDING},
    PhotoStatus.REMOVED: {PhotoStatus.APPROVED},
}


def allowed_next(current: PhotoStatus, undo: bool) -> set[PhotoStatus]:
    return (UNDO if undo else ALLOWED).get(current, set())
