"""Every approved photo the server told us about, shared by the feed and download threads.

The list is saved next to the cache, so a display restarted while the server is down still
knows what it may show. Removal and "ready" announcements are posted under the catalog's
lock: a download that finishes just as its photo is removed can never re-announce it after
its removal.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from display.cache import is_safe_id
from display.commands import Command, CommandSink, PhotoGone, Resync
from wall.atomicfile import write_json_atomic
from wall.schemas import WallPhoto

log = logging.getLogger(__name__)

CATALOG_FILE = "catalog.json"
# Events may come every second; rewriting a 2,000-photo list (about 1 MB) that often is
# waste. Losing the last two seconds of changes at a power cut only delays a catch-up.
SAVE_INTERVAL_S = 2.0


class Catalog:
    """Thread-safe map of approved photos, persisted to `<cache_dir>/catalog.json`."""

    def __init__(self, folder: Path, post: CommandSink) -> None:
        self._path = folder / CATALOG_FILE
        self._post = post
        self._lock = threading.Lock()
        self._photos: dict[str, WallPhoto] = {}
        self._dirty = False
        self._saved_at = 0.0
        self.has_history = False  # a list known before: new ids in a snapshot are fresh

    def load(self) -> list[WallPhoto]:
        """The list saved by the last run; a damaged file is ignored, never fatal."""
        try:
            raw = json.loads(self._path.read_text(encoding="utf-8"))
            photos = [WallPhoto.model_validate(item) for item in raw["photos"]]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, KeyError, TypeError, ValidationError) as exc:
            log.warning("display catalog %s unreadable (%s); starting empty", self._path, exc)
            return []
        with self._lock:
            self._photos = {p.id: p for p in photos if is_safe_id(p.id)}
            self.has_history = True
            return list(self._photos.values())

    def get(self, photo_id: str) -> WallPhoto | None:
        with self._lock:
            return self._photos.get(photo_id)

    def is_live(self, photo_id: str) -> bool:
        with self._lock:
            return photo_id in self._photos

    def photos(self) -> list[WallPhoto]:
        with self._lock:
            return list(self._photos.values())

    def approve(self, photo: WallPhoto) -> bool:
        """Adds or refreshes one photo; True when it is new to us."""
        if not is_safe_id(photo.id):
            log.warning("ignoring a photo with an unsafe id %r", photo.id)
            return False
        with self._lock:
            new = photo.id not in self._photos
            self._photos[photo.id] = photo
            self._dirty = True
            return new

    def remove(self, photo_id: str) -> bool:
        """Drops it and tells the render loop at once (under the lock: see the module doc)."""
        with self._lock:
            known = self._photos.pop(photo_id, None) is not None
            self._dirty = True
            self._post(PhotoGone(photo_id))
            return known

    def post_if_live(self, photo_id: str, command: Command) -> bool:
        with self._lock:
            if photo_id not in self._photos:
                return False
            self._post(command)
            return True

    def reconcile(self, snapshot: Iterable[WallPhoto]) -> tuple[list[WallPhoto], list[str]]:
        """Makes the catalog equal to a server snapshot; returns (new photos, removed ids)."""
        incoming = {p.id: p for p in snapshot if is_safe_id(p.id)}
        with self._lock:
            gone = [photo_id for photo_id in self._photos if photo_id not in incoming]
            new = [p for photo_id, p in incoming.items() if photo_id not in self._photos]
            self._photos = incoming
            self._dirty = True
            for photo_id in gone:
                self._post(PhotoGone(photo_id))
            self._post(Resync(frozenset(incoming)))
            self.has_history = True
        return new, gone

    def save(self, force: bool = False) -> None:
        """Writes the list atomically when it changed (at most every SAVE_INTERVAL_S)."""
        now = time.monotonic()
        with self._lock:
            if not self._dirty or (not force and now - self._saved_at < SAVE_INTERVAL_S):
                return
            payload = {"photos": [p.model_dump(mode="json") for p in self._photos.values()]}
            self._dirty = False
            self._saved_at = now
        try:
            self._write(payload)
        except OSError as exc:
            log.warning("could not save the display catalog %s: %s", self._path, exc)
            with self._lock:
                self._dirty = True

    def _write(self, payload: dict[str, Any]) -> None:
        write_json_atomic(self._path, payload)
