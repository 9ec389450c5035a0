"""The feed's half of announcements: their list saved beside the catalog, their images cached.

Each `announcements` message replaces the list: the images it names are fetched into their own
cache (`<cache_dir>/announcements/`, named by content, so an edited image is a new file and a
cached one never goes stale), the ones no slide names any more are deleted, the list is saved
(`announcements.json`) and handed to the render loop. At start the saved list comes first:
a display that restarts without its server still shows the slides, from its cache.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from display.cache import RenditionCache, is_safe_id
from display.commands import AnnouncementsUpdate, CommandSink
from display.saved import load_saved, save
from wall.wire import AnnouncementsMessage

log = logging.getLogger(__name__)

ANNOUNCEMENTS_FILE = "announcements.json"
IMAGES_FOLDER = "announcements"
IMAGE_KIND = "display"
# A few slides' images: far more than a season's announcements need.
IMAGES_MAX_BYTES = 256 * 1024 * 1024

Fetch = Callable[[str], bytes | None]  # a server path → its bytes, None when unavailable


def slide_images(cache_dir: Path) -> RenditionCache:
    return RenditionCache(cache_dir / IMAGES_FOLDER, IMAGES_MAX_BYTES)


class AnnouncementFeed:
    """Called from the feed thread only."""

    def __init__(self, cache_dir: Path, images: RenditionCache, post: CommandSink) -> None:
        self._folder = cache_dir
        self.images = images
        self._post = post
        self._last: AnnouncementsMessage | None = None

    def load(self) -> None:
        """The list saved by the last run, if any, straight to the render loop."""
        data = load_saved(self._folder, ANNOUNCEMENTS_FILE)
        if data is None:
            return
        try:
            message = AnnouncementsMessage.model_validate(data)
        except ValidationError as exc:
            log.warning("ignoring the saved announcements: %s", exc)
            return
        self._last = message
        self._post(AnnouncementsUpdate(message))

    def sweep(self, fetch: Fetch) -> None:
        """Images that could not be fetched before (a server busy for a moment) are asked
        for again; the loop hears of it when one arrives."""
        message = self._last
        if message is None:
            return
        missing = [
            s
            for s in message.announcements
            if s.image_id and is_safe_id(s.image_id) and not self.images.has(s.image_id, IMAGE_KIND)
        ]
        if missing:
            self.apply(message, fetch)

    def apply(self, message: AnnouncementsMessage, fetch: Fetch) -> None:
        """The server's list: images first (a slide waits for its picture), then the loop."""
        named = set()
        for slide in message.announcements:
            image_id = slide.image_id
            if not image_id or not is_safe_id(image_id):
                continue
            named.add(image_id)
            if self.images.has(image_id, IMAGE_KIND):
                continue
            data = fetch(slide.image_url)
            if data is not None:
                self.images.put(image_id, IMAGE_KIND, data)
            else:  # the sweep of the feed asks again; meanwhile the slide waits for it
                log.warning("announcement %s: its image could not be fetched", slide.id)
        for image_id in self.images.photo_ids() - named:
            self.images.discard(image_id)
        self._last = message
        save(self._folder, ANNOUNCEMENTS_FILE, message.model_dump(mode="json"))
        self._post(AnnouncementsUpdate(message))
        log.info("display feed: %d announcements", len(message.announcements))
