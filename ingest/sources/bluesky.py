"""Bluesky posts with the wall's hashtag, read from Jetstream (no account needed).

Bluesky's AppView stopped answering anonymous hashtag searches in 2025; Jetstream, its
public JSON firehose, still streams every new post to anyone. The source subscribes to posts
only (`wantedCollections=app.bsky.feed.post`) and keeps, on our side, those that carry the
wall's hashtag and images (`bluesky_records`); their photos go through the same pipeline
as every other source (`bluesky_import`).

Nothing missed, nothing twice: events are handled one after the other, and Jetstream's
cursor (the event's `time_us`, microseconds) is stored once an event is fully handled (at
once after a tagged post, every few seconds otherwise), so a restart resumes with
`cursor=<time_us>` where the last run left off; a replayed post is recognised by its
`source_ref`. A connection that fails or drops is retried with a growing, jittered delay on
the next configured Jetstream host, the cursor rewound a few seconds (Jetstream's own
advice: hosts are not in lockstep).

With `identifier` and `app_password`, `bluesky_search` polls the search API instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit, urlunsplit

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from ingest.sources.base import Source, SourceContext
from ingest.sources.bluesky_import import PostImporter
from ingest.sources.bluesky_profiles import Profiles
from ingest.sources.bluesky_records import POST_COLLECTION, post_from_event
from ingest.sources.http_fetch import media_client
from wall.config import BlueskySource, Settings

log = logging.getLogger(__name__)

OPEN_TIMEOUT_S = 15.0  # the TLS and WebSocket handshake of a distant host
IDLE_TIMEOUT_S = 120.0  # the whole network's posts never pause this long: the host is stuck
PING_S = 20.0  # a dead TCP path is noticed within ~40 s
MAX_MESSAGE_BYTES = 1_000_000  # asked of Jetstream too, so one huge event cannot wedge us
CURSOR_SAVE_S = 5.0  # untagged events: the cursor is written at most this often
REWIND_US = 3_000_000  # on another host, start a little earlier (its clock is not ours)
FIRST_RETRY_S = 1.0
MAX_RETRY_S = 60.0  # four public hosts: one of them is usually up within a minute
JITTER = 0.25  # walls reconnecting after one outage must not stampede a host
USER_AGENT = "mur-participatif (photo wall)"
CDN_TIMEOUT_S = 20.0


def retry_delay(failures: int) -> float:
    base = min(MAX_RETRY_S, FIRST_RETRY_S * 2 ** max(0, failures - 1))
    return base * (1 + random.uniform(-JITTER, JITTER))


def subscribe_url(url: str, cursor: int | None) -> str:
    """The subscription: posts only, our size cap, and the cursor to resume from. A host
    given without a path gets Jetstream's `/subscribe`."""
    parts = urlsplit(url)
    path = parts.path if parts.path not in ("", "/") else "/subscribe"
    query = [("wantedCollections", POST_COLLECTION), ("maxMessageSizeBytes", MAX_MESSAGE_BYTES)]
    if cursor is not None:
        query.append(("cursor", cursor))
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(query), ""))


def cursor_time(time_us: int) -> str:
    """The cursor as a time the staff can read (the console shows the source's extras)."""
    return datetime.fromtimestamp(time_us / 1e6, UTC).isoformat(timespec="seconds")


class JetstreamSource:
    """A `Source` following one hashtag on Bluesky's firehose, through configured hosts."""

    kind = "bluesky"

    def __init__(self, config: BlueskySource, max_bytes: int) -> None:
        self.name = config.name
        self.tag = config.tag.lstrip("#")
        self.hosts = list(config.jetstream)
        self.appview = config.appview
        self.cdn = config.cdn
        self.max_bytes = max_bytes
        self._cursor: int | None = None  # time_us of the last event fully handled
        self._cursor_host = ""  # the host that cursor came from
        self._host = ""  # the host followed now
        self._saved: int | None = None
        self._saved_host = ""
        self._saved_at = 0.0
        self._received = 0  # events on the current connection

    async def run(self, context: SourceContext) -> None:
        stored = await context.recall("cursor")
        self._cursor = self._saved = int(stored) if stored and stored.isdigit() else None
        self._cursor_host = self._saved_host = await context.recall("host") or ""
        if self._cursor is not None:
            context.health.extra["cursor"] = str(self._cursor)
        async with media_client(CDN_TIMEOUT_S) as http:
            importer = PostImporter(
                self.name, Profiles(http, self.appview), http, self.cdn, self.max_bytes
            )
            try:
                await self._follow_hosts(context, importer)
            except asyncio.CancelledError:
                await self._save_on_the_way_out(context)
                raise

    async def _follow_hosts(self, context: SourceContext, importer: PostImporter) -> None:
        index = self.hosts.index(self._cursor_host) if self._cursor_host in self.hosts else 0
        failures = 0
        while True:
            host = self.hosts[index]
            self._received = 0
            try:
                await self._follow(context, importer, host)
                reason = "closed by the host"
            except ConnectionClosed as exc:
                reason = f"closed ({exc.rcvd.code if exc.rcvd else 'no close frame'})"
            except TimeoutError:
                reason = "no answer in time"
            except (OSError, InvalidHandshake, InvalidURI) as exc:
                reason = f"{type(exc).__name__}: {exc}"
            # A connection that brought events dropped; one that brought none never worked.
            # Back to the first delay after the former.
            code = "jetstream_dropped" if self._received else "jetstream_unreachable"
            failures = 1 if self._received else failures + 1
            wait = retry_delay(failures)
            index = (index + 1) % len(self.hosts)
            netloc = urlsplit(host).netloc
            context.health.failed(
                f"Jetstream {netloc}: {reason}; next try in {wait:.0f} s on "
                f"{urlsplit(self.hosts[index]).netloc}",
                code,
                host=netloc,
                wait=f"{wait:.0f}",
            )
            log.warning("source %s: Jetstream %s: %s", self.name, host, reason)
            await asyncio.sleep(wait)

    async def _follow(self, context: SourceContext, importer: PostImporter, host: str) -> None:
        """Reads one connection's events until it ends (returns) or fails (raises)."""
        cursor = self._cursor
        if cursor is not None and self._cursor_host and host != self._cursor_host:
            cursor -= REWIND_US
        url = subscribe_url(host, cursor)
        async with connect(
            url,
            open_timeout=OPEN_TIMEOUT_S,
            ping_interval=PING_S,
            ping_timeout=PING_S,
            max_size=2 * MAX_MESSAGE_BYTES,
            user_agent_header=USER_AGENT,
        ) as socket:
            log.info("source %s: following %s from cursor %s", self.name, host, cursor)
            context.health.succeeded()
            context.health.extra["host"] = urlsplit(host).netloc
            self._host = host
            while True:
                async with asyncio.timeout(IDLE_TIMEOUT_S):
                    message = await socket.recv()
                self._received += 1
                await self._handle(context, importer, message)

    async def _handle(
        self, context: SourceContext, importer: PostImporter, message: str | bytes
    ) -> None:
        try:
            event = json.loads(message)
        except ValueError:
            context.health.extra["malformed_events"] = str(
                int(context.health.extra.get("malformed_events", "0")) + 1
            )
            return
        time_us = event.get("time_us") if isinstance(event, dict) else None
        post = post_from_event(event)
        if post is not None and post.image_cids and post.tagged(self.tag):
            await importer.import_post(context, post)
            context.health.extra["tagged_posts"] = str(
                int(context.health.extra.get("tagged_posts", "0")) + 1
            )
            self._cursor, self._cursor_host = post.time_us, self._host
            await self._save_cursor(context)  # that post is in: never fetched again
        elif isinstance(time_us, int):
            self._cursor, self._cursor_host = time_us, self._host
            if time.monotonic() - self._saved_at >= CURSOR_SAVE_S:
                await self._save_cursor(context)
        context.health.succeeded()

    async def _save_cursor(self, context: SourceContext) -> None:
        self._saved_at = time.monotonic()
        if self._cursor is None or self._cursor == self._saved:
            return
        if self._cursor_host != self._saved_host:  # whose clock the cursor reads
            await context.remember("host", self._cursor_host)
            self._saved_host = self._cursor_host
        await context.remember("cursor", str(self._cursor))
        self._saved = self._cursor
        context.health.extra["cursor"] = str(self._cursor)
        context.health.extra["cursor_time"] = cursor_time(self._cursor)

    async def _save_on_the_way_out(self, context: SourceContext) -> None:
        """A stop keeps the events read since the last save from being read again."""
        with contextlib.suppress(Exception):
            async with asyncio.timeout(2.0):
                await self._save_cursor(context)


def create(config: BlueskySource, settings: Settings) -> Source:
    if config.identifier:
        from ingest.sources.bluesky_search import SearchPoller

        return SearchPoller(config, settings.upload.max_bytes)
    return JetstreamSource(config, settings.upload.max_bytes)
