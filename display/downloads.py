"""A small pool of threads that copies renditions from the server into the display cache.

Fresh photos jump the queue (a visitor waits to see their photo); a snapshot's backlog
follows. Nothing here retries in a loop: the feed re-asks for what is missing when it
reconnects and every SWEEP interval, so a dead server costs one refused connection per photo.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading

import httpx

from display.cache import RenditionCache
from display.catalog import Catalog
from display.commands import PhotoReady
from wall.schemas import WallPhoto

log = logging.getLogger(__name__)

# The display rendition first: it alone makes a photo showable; thumb and tile only make
# small slots cheaper to decode.
DOWNLOAD_ORDER = ("display", "thumb", "tile")
# Three connections keep a LAN busy without starving the render thread of the 2 cores.
DOWNLOAD_WORKERS = 3
# A rendition is at most a few MB; anything far larger is not one of ours.
MAX_RENDITION_BYTES = 32 * 1024 * 1024
# Connect fast (a dead server must not hold a worker), read patiently (a busy one).
TIMEOUT = httpx.Timeout(20.0, connect=3.0)

FRESH, BACKLOG, STOP = 0, 1, -1  # queue priorities: lower first


class Downloader:
    """Fetches the renditions a photo lacks, then announces it ready if it is still live."""

    def __init__(
        self,
        base_url: str,
        token: str,
        cache: RenditionCache,
        catalog: Catalog,
        workers: int = DOWNLOAD_WORKERS,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._cache = cache
        self._catalog = catalog
        self._workers = workers
        self._client = httpx.Client(
            timeout=TIMEOUT,
            headers={"Authorization": f"Bearer {token}"},
            limits=httpx.Limits(max_connections=workers),
        )
        self._queue: queue.PriorityQueue[tuple[int, int, str, bool]] = queue.PriorityQueue()
        self._order = itertools.count()
        self._pending: set[str] = set()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for index in range(self._workers):
            thread = threading.Thread(target=self._work, name=f"display-download-{index}")
            thread.daemon = True  # a download stuck in a socket must not hold up exit
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        for _ in self._threads:
            self._queue.put((STOP, next(self._order), "", False))
        for thread in self._threads:
            thread.join(timeout=TIMEOUT.read or 5.0)
        self._client.close()

    def want(self, photo: WallPhoto, fresh: bool) -> None:
        """Queues a photo once; when its display rendition is cached it is announced."""
        with self._lock:
            if photo.id in self._pending:
                return
            self._pending.add(photo.id)
        self._queue.put((FRESH if fresh else BACKLOG, next(self._order), photo.id, fresh))

    def _work(self) -> None:
        while True:
            priority, _order, photo_id, fresh = self._queue.get()
            if priority == STOP:
                return
            try:
                self._fetch(photo_id, fresh)
            except Exception:  # one bad photo must not end a worker
                log.exception("download of photo %s failed", photo_id)
            finally:
                with self._lock:
                    self._pending.discard(photo_id)

    def _fetch(self, photo_id: str, fresh: bool) -> None:
        photo = self._catalog.get(photo_id)
        if photo is None:
            return  # removed while it waited
        for kind in DOWNLOAD_ORDER:
            url = photo.urls.get(kind)
            if url and not self._cache.has(photo.id, kind):
                data = self._get(url)
                if data is None:
                    if kind == "display":
                        return  # cannot show it yet; the next sweep asks again
                    continue
                self._cache.put(photo.id, kind, data)
            if kind == "display":
                if not self._catalog.post_if_live(photo.id, PhotoReady(photo, fresh)):
                    self._cache.discard(photo.id)  # removed during the download
                    return
        if not self._catalog.is_live(photo.id):
            self._cache.discard(photo.id)

    def _get(self, url: str) -> bytes | None:
        try:
            with self._client.stream("GET", self._base_url + url) as response:
                if response.status_code != 200:
                    log.warning("GET %s: HTTP %d", url, response.status_code)
                    return None
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > MAX_RENDITION_BYTES:
                        log.warning("GET %s: larger than %d bytes; refused", url, size)
                        return None
                    chunks.append(chunk)
                return b"".join(chunks)
        except httpx.HTTPError as exc:
            log.debug("GET %s failed: %s", url, exc.__class__.__name__)
            return None
