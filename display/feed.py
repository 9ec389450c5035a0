"""The display's link to the server: `/ws/display` on a thread of its own, never the render's.

Snapshot first, then events, applied to the catalog; renditions fetched by the downloader;
removals posted to the render loop the moment they arrive (the contract: off the wall within
2 s); show changes posted to the loop and saved for a restart without the server; the live
windows the server offers handed to their readers (`display.live`). When
the link drops, the show plays on from the cache while this thread reconnects with backoff;
the next snapshot reconciles what changed meanwhile.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from pathlib import Path

import httpx
from pydantic import ValidationError
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.sync.client import ClientConnection, connect

from display.announcement_feed import AnnouncementFeed
from display.cache import RenditionCache
from display.catalog import Catalog
from display.commands import CommandSink, ShowUpdate, TextsUpdate
from display.downloads import Downloader
from display.live import LiveWindows
from display.overlays import CallToAction
from display.show import ShowPlan, load_plan, save_plan
from display.wall_texts import cta_from_config, load_texts, save_texts
from wall.config import Settings
from wall.schemas import WallPhoto, WallSnapshot
from wall.wire import (
    DISPLAY_MESSAGE,
    AnnouncementsMessage,
    ConfigChanged,
    DisplayMessage,
    PhotoApproved,
    PhotoRemoved,
    ResyncMessage,
    ShowMessage,
    Snapshot,
)
from wall.wire import (
    LiveWindows as LiveWindowsMessage,
)

log = logging.getLogger(__name__)

# Reconnect quickly after a blip (a server restart takes a second or two), back off to a
# polite pace while it stays down, with jitter so a dozen displays do not knock in step.
INITIAL_RETRY_DELAY_S = 1.0
MAX_RETRY_DELAY_S = 30.0
RETRY_JITTER = 0.25  # each wait is the delay ±25 %
# A snapshot lists every approved photo (about 600 bytes each): room for 100,000.
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
OPEN_TIMEOUT_S = 5.0
# recv wakes this often to save the catalog and sweep for missing files: a timer, not a poll.
HOUSEKEEPING_INTERVAL_S = 1.0
# Missing renditions (a failed download, an evicted file) are asked for again this often.
SWEEP_INTERVAL_S = 30.0
CLOSE_UNAUTHORIZED = 4401  # app/api/display_ws.py
MAX_IMAGE_BYTES = 32 * 1024 * 1024  # a slide's image is one display rendition, a few MB


def _log_unreadable(exc: ValidationError) -> None:
    """An unknown `type` (a newer server) is quietly ignored; a malformed message is a warning."""
    if any(error["type"] == "union_tag_invalid" for error in exc.errors()):
        log.debug("display feed: ignoring a message of unknown type (%s)", exc)
    else:
        log.warning("display feed: unreadable message, skipped (%s)", exc)


def websocket_url(server_url: str) -> str:
    base = server_url.rstrip("/")
    if base.startswith("https://"):
        return "wss://" + base.removeprefix("https://") + "/ws/display"
    return "ws://" + base.removeprefix("http://") + "/ws/display"


def display_token(settings: Settings) -> str:
    """The configured token, else the one `wall serve` generated in a shared data dir."""
    if settings.wall.display_token:
        return settings.wall.display_token
    path = Path(settings.wall.data_dir) / "display.token"
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        log.warning("no [wall] display_token and no %s: the server will refuse us", path)
        return ""


class DisplayFeed:
    """Owns the socket thread, the catalog and the downloader; posts commands to the loop."""

    def __init__(
        self,
        server_url: str,
        token: str,
        cache: RenditionCache,
        cache_dir: Path,
        post: CommandSink,
        live: LiveWindows | None = None,
        announcements: AnnouncementFeed | None = None,
    ) -> None:
        self._server_url = server_url.rstrip("/")
        self._announcements = announcements
        self._live = live
        self._token = token
        self._cache = cache
        self._cache_dir = cache_dir
        self._post = post
        self.catalog = Catalog(cache_dir, post)
        self._downloader = Downloader(self._server_url, token, cache, self.catalog)
        self._stop = threading.Event()
        self._socket: ClientConnection | None = None
        self._thread: threading.Thread | None = None
        self._last_sweep = 0.0
        self.connected = threading.Event()

    def start(self) -> None:
        """Replays the saved catalog from the cache first: the show starts without a server."""
        self._downloader.start()
        plan = load_plan(self._cache_dir)
        if plan is not None:
            self._post(ShowUpdate(plan))
        texts = load_texts(self._cache_dir)
        if texts is not None:
            self._post(TextsUpdate(texts))
        if self._announcements is not None:
            self._announcements.load()
        for photo in self.catalog.load():
            self._downloader.want(photo, fresh=False)
        self._thread = threading.Thread(target=self._run, name="display-feed", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        socket = self._socket
        if socket is not None:
            socket.close()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
        self._downloader.stop()
        self.catalog.save(force=True)

    def refetch(self, photo_id: str, kind: str) -> None:
        """A cached file proved corrupt: forget it and fetch it again if the photo is live.

        Called from decoder threads; everything it touches is thread-safe.
        """
        self._cache.discard(photo_id, kind)
        photo = self.catalog.get(photo_id)
        if photo is not None:
            self._downloader.want(photo, fresh=False)

    def _run(self) -> None:
        delay = INITIAL_RETRY_DELAY_S
        while not self._stop.is_set():
            try:
                self._session()
                delay = INITIAL_RETRY_DELAY_S  # it worked for a while: next drop, retry fast
            except ConnectionClosed as exc:
                if exc.rcvd is not None and exc.rcvd.code == CLOSE_UNAUTHORIZED:
                    log.error("the server refused the display token; check [wall] display_token")
                    delay = MAX_RETRY_DELAY_S
                else:
                    log.warning("display feed closed: %s", exc)
            except (OSError, TimeoutError, InvalidHandshake, InvalidURI, httpx.HTTPError) as exc:
                log.warning("display feed unreachable (%s): playing from the cache", exc)
            except Exception:  # the feed must outlive any surprise; the show goes on
                log.exception("display feed failed")
            finally:
                self.connected.clear()
                self._socket = None
                self.catalog.save(force=True)
            if self._stop.is_set():
                return
            wait = delay * random.uniform(1 - RETRY_JITTER, 1 + RETRY_JITTER)
            log.info("display feed: reconnecting in %.1f s", wait)
            self._stop.wait(wait)
            delay = min(delay * 2, MAX_RETRY_DELAY_S)

    def _session(self) -> None:
        """One connection: snapshot, then events until it closes or we stop."""
        with connect(
            websocket_url(self._server_url),
            additional_headers={"Authorization": f"Bearer {self._token}"},
            open_timeout=OPEN_TIMEOUT_S,
            close_timeout=1.0,
            max_size=MAX_MESSAGE_BYTES,
            proxy=None,  # the server is on the wall's network, never behind a proxy
        ) as socket:
            self._socket = socket
            if self._stop.is_set():
                return
            log.info("display feed connected to %s", self._server_url)
            while not self._stop.is_set():
                try:
                    text = socket.recv(timeout=HOUSEKEEPING_INTERVAL_S)
                except TimeoutError:
                    self._housekeeping()
                    continue
                self._handle(text)

    def _handle(self, text: str | bytes) -> None:
        """One message, validated against the wire contract; anything else is logged and
        skipped: a bad or unknown message never ends the feed, nor the show."""
        try:
            message = DISPLAY_MESSAGE.validate_json(text)
        except ValidationError as exc:
            _log_unreadable(exc)
            return
        try:
            self._apply(message)
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("display feed: unusable %s message (%s)", message.type, exc)

    def _apply(self, message: DisplayMessage) -> None:
        if isinstance(message, Snapshot):
            self._reconcile(message.photos)
            self.connected.set()
        elif isinstance(message, PhotoApproved):
            self.catalog.approve(message.photo)
            self._downloader.want(message.photo, fresh=True)
        elif isinstance(message, PhotoRemoved):
            self._remove(message.photo_id)
        elif isinstance(message, ResyncMessage):
            self._resync()
        elif isinstance(message, ShowMessage):
            self._show(ShowPlan.of(message.show))
        elif isinstance(message, ConfigChanged):
            self._texts(cta_from_config(message.config.model_dump()))
        elif isinstance(message, LiveWindowsMessage) and self._live is not None:
            self._live.configure(message.windows)
        elif isinstance(message, AnnouncementsMessage) and self._announcements is not None:
            self._announcements.apply(message, self._fetch)

    def _fetch(self, path: str) -> bytes | None:
        """A slide's image from the server (display token); None when it cannot be had."""
        try:
            answer = httpx.get(
                self._server_url + path,
                headers={"Authorization": f"Bearer {self._token}"},
                timeout=OPEN_TIMEOUT_S * 4,
            )
        except httpx.HTTPError as exc:
            log.warning("GET %s failed: %s", path, exc.__class__.__name__)
            return None
        if answer.status_code != 200 or len(answer.content) > MAX_IMAGE_BYTES:
            log.warning("GET %s: HTTP %d, %d bytes", path, answer.status_code, len(answer.content))
            return None
        return answer.content

    def _show(self, plan: ShowPlan) -> None:
        """On screen first, then on disk for a restart without the server."""
        self._post(ShowUpdate(plan))
        save_plan(self._cache_dir, plan)
        log.info("display feed: wall %s (%s)", "lit" if plan.lit else "dark", plan.reason)

    def _texts(self, cta: CallToAction) -> None:
        self._post(TextsUpdate(cta))
        save_texts(self._cache_dir, cta)

    def _remove(self, photo_id: str) -> None:
        self.catalog.remove(photo_id)  # posts PhotoGone first: the screen before the disk
        self._cache.discard(photo_id)

    def _reconcile(self, photos: list[WallPhoto]) -> None:
        """Photos approved while we were away come in (fresh); removed ones go."""
        had_history = self.catalog.has_history
        new, gone = self.catalog.reconcile(photos)
        live = {p.id for p in photos}
        for photo_id in set(gone) | (self._cache.photo_ids() - live):
            self._cache.discard(photo_id)  # removed while we were away: its files go too
        new_ids = {p.id for p in new}
        for photo in photos:
            if photo.id in new_ids or not self._cache.has(photo.id, "display"):
                self._downloader.want(photo, fresh=had_history and photo.id in new_ids)
        self.catalog.save(force=True)
        log.info(
            "display feed: %d approved photos (%d new, %d gone)", len(photos), len(new), len(gone)
        )

    def _resync(self) -> None:
        """We fell behind the server's feed: reload the whole list over HTTP."""
        answer = httpx.get(
            f"{self._server_url}/api/wall/photos",
            headers={"Authorization": f"Bearer {self._token}"},
            timeout=OPEN_TIMEOUT_S * 4,
        )
        answer.raise_for_status()
        self._reconcile(WallSnapshot.model_validate_json(answer.content).photos)
        if self._announcements is not None:
            slides = httpx.get(
                f"{self._server_url}/api/wall/announcements",
                headers={"Authorization": f"Bearer {self._token}"},
                timeout=OPEN_TIMEOUT_S * 4,
            )
            slides.raise_for_status()
            message = AnnouncementsMessage.model_validate_json(slides.content)
            self._announcements.apply(message, self._fetch)

    def _housekeeping(self) -> None:
        self.catalog.save()
        now = time.monotonic()
        if now - self._last_sweep < SWEEP_INTERVAL_S:
            return
        self._last_sweep = now
        if self._announcements is not None:
            self._announcements.sweep(self._fetch)
        for photo in self.catalog.photos():
            if not self._cache.has(photo.id, "display"):
                self._downloader.want(photo, fresh=False)
