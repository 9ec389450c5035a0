"""The gallery's paging cursor: where the last page ended, as an opaque token.

A cursor names a photo's place in the order (arrival time, then id), not an offset: a page
asked for after new photos arrived, or after some were taken down, neither repeats nor skips
a photo. It is plain data in url-safe base64 (nothing secret: the photos are public).
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime

from wall.domain import Photo

SEPARATOR = "|"
# Ids are url-safe base64 today; anything else cannot name one of ours.
PHOTO_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_CURSOR_CHARS = 200  # an ISO moment and an id, encoded: far under this


class InvalidCursor(ValueError):
    """Not a cursor this server wrote: the caller answers 400."""


Position = tuple[datetime, str]  # (created_at, id): the photo the next page starts after


def position_of(photo: Photo) -> Position:
    return photo.created_at, photo.id


def encode(position: Position) -> str:
    created_at, photo_id = position
    raw = f"{created_at.isoformat()}{SEPARATOR}{photo_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(token: str) -> Position:
    """Raises `InvalidCursor` for anything `encode` did not write."""
    if not token or len(token) > MAX_CURSOR_CHARS:
        raise InvalidCursor(token[:40])
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        moment, photo_id = raw.split(SEPARATOR)
        created_at = datetime.fromisoformat(moment)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidCursor(token[:40]) from exc
    if created_at.tzinfo is None or not PHOTO_ID.fullmatch(photo_id):
        raise InvalidCursor(token[:40])
    return created_at, photo_id
