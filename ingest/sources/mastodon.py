"""Hashtag poller for Mastodon and Pixelfed (same API: `GET /api/v1/timelines/tag/{tag}`).

Each poll walks the timeline newest first, from the newest post back to the stored cursor
(`since_id`, paging older with `max_id`), then imports the new posts oldest first and moves
the cursor past each post only once its photos are in: a restart neither misses nor repeats
a post. Photos are keyed by the post's `uri` (shared by every federated copy) and the
attachment's index, so a post seen through two instances is imported once.

Faults of one post's media (404, redirect loop, HTML, a huge body) skip that attachment and
are recorded in the source's health; faults of the instance (5xx, timeouts, 429, malformed
JSON) retry the poll later with backoff; a refusal of the timeline itself (unknown instance,
tag timeline closed to anonymous readers) is raised to the supervisor, which logs it.

More and more instances close hashtag timelines to anonymous readers (Mastodon 4.4's
`timelines_access` in `/api/v2/instance`). A source then takes an `access_token`, sent to the
instance's API only (never to media hosts), and a refusal says in the source's health which
of the two the staff must fix: a token to add, or a token the instance refused.
"""

from __future__ import annotations

import asyncio
import email.utils
import html
import logging
import re
import time
import weakref
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx

from ingest.errors import Refused
from ingest.service import Submission
from ingest.sources.base import Source, SourceContext, SourceHealth
from ingest.sources.http_fetch import FetchFailed, fetch_capped, media_client
from ingest.workers import PoolBusy
from wall.config import MastodonSource, Settings

log = logging.getLogger(__name__)

TIMELINE_LIMIT = 40  # Mastodon's largest page: fewest requests against the rate limit
MAX_PAGES_PER_POLL = 10  # 400 posts a poll; bounds a first run on a busy tag's history
FIRST_BACKOFF_S = 5.0  # a 5xx or a timeout is mostly an instance restarting: try again soon
MAX_BACKOFF_S = 600.0  # an instance down for maintenance: look again every ten minutes
DEFAULT_RETRY_AFTER_S = 60.0  # a 429 without Retry-After: Mastodon's windows are minutes
MAX_RATE_WAIT_S = 900.0  # never trust a reset more than 15 min away (a clock gone wrong)
POOL_BUSY_RETRY_S = 2.0  # the workers are full of visitors' uploads: they go first
API_TIMEOUT_S = 20.0  # a timeline page is small; longer means the instance is struggling
CAPTION_MAX = 280  # the contract's caption limit
AUTHOR_MAX = 60  # the contract's author limit


class Transient(Exception):
    """The instance failed this time (5xx, timeout, 429, bad JSON): poll again later."""

    def __init__(
        self, message: str, wait_s: float | None = None, code: str = "bad_answer", **params: object
    ) -> None:
        super().__init__(message)
        self.wait_s = wait_s
        self.code = code  # the console's words: `source_error_<code>`
        self.params = params


class TimelineRefused(Exception):
    """The instance refuses the timeline (401/403/404...): a configuration to fix, not a blip.

    `code` names the fix for the console: `token_needed`, `token_refused`, `feeds_disabled`,
    or `refused` when the instance says nothing more."""

    def __init__(self, message: str, code: str = "refused") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Image:
    index: int  # position among the post's attachments: part of the photo's key
    url: str
    preview_url: str


@dataclass(frozen=True, slots=True)
class Post:
    id: str
    ref: str  # the post's uri, shared by all federated copies
    public: bool
    sensitive: bool
    caption: str
    author: str
    handle: str
    images: tuple[Image, ...]


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:  # noqa: ARG002 (HTMLParser's signature)
        if tag in ("br", "p"):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(markup: str, limit: int = CAPTION_MAX) -> str:
    """A post's HTML as the plain caption the wall shows: tags dropped, breaks kept, cut."""
    parser = _TextOnly()
    parser.feed(markup)
    parser.close()
    lines = (re.sub(r"\s+", " ", line).strip() for line in "".join(parser.parts).split("\n"))
    text = html.unescape("\n".join(line for line in lines if line))
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def id_key(post_id: str) -> tuple[int, int, str]:
    """Ids are numeric strings of growing length (snowflakes): compare them as numbers."""
    return (0, int(post_id), "") if post_id.isascii() and post_id.isdigit() else (1, 0, post_id)


def next_max_id(link: str | None) -> str | None:
    """`max_id` of the `rel="next"` page in a Link header, if the server sent one."""
    for part in (link or "").split(","):
        if 'rel="next"' in part and "<" in part and ">" in part:
            query = parse_qs(urlsplit(part[part.index("<") + 1 : part.index(">")]).query)
            return query.get("max_id", [None])[0]
    return None


def _seconds_until(value: str, now: float) -> float | None:
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        pass
    else:
        return number - now if number > 1e9 else number  # epoch seconds or a delay
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp() - now


def rate_limit_wait(headers: Mapping[str, str], now: float) -> float:
    """Seconds to wait before the next request: until the reset once nothing remains."""
    if headers.get("x-ratelimit-remaining", "").strip() != "0":
        return 0.0
    wait = _seconds_until(headers.get("x-ratelimit-reset", ""), now)
    return min(MAX_RATE_WAIT_S, max(0.0, DEFAULT_RETRY_AFTER_S if wait is None else wait))


def retry_after(headers: Mapping[str, str], now: float) -> float:
    wait = _seconds_until(headers.get("retry-after", ""), now)
    return min(MAX_RATE_WAIT_S, max(0.0, DEFAULT_RETRY_AFTER_S if wait is None else wait))


def backoff(failures: int) -> float:
    return min(MAX_BACKOFF_S, FIRST_BACKOFF_S * 2 ** max(0, failures - 1))


def parse_post(raw: Any, host: str) -> Post:
    """One status of the timeline; raises `Transient` when it is not a status at all."""
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not raw["id"]:
        raise Transient("malformed timeline: a post without an id")
    account: dict[str, Any] = raw["account"] if isinstance(raw.get("account"), dict) else {}
    username = str(account.get("username") or "")
    acct = str(account.get("acct") or username)
    handle = f"@{acct}" if "@" in acct else f"@{acct}@{host}"
    shown = str(account.get("display_name") or username).strip()
    images = tuple(
        Image(index, str(media.get("url") or ""), str(media.get("preview_url") or ""))
        for index, media in enumerate(raw.get("media_attachments") or [])
        if isinstance(media, dict) and media.get("type") == "image"
    )
    return Post(
        id=raw["id"],
        ref=str(raw.get("uri") or raw.get("url") or f"https://{host}/statuses/{raw['id']}"),
        public=raw.get("visibility") == "public",
        sensitive=raw.get("sensitive") is True,
        caption=html_to_text(str(raw.get("content") or "")),
        author=f"{shown} {handle}".strip()[:AUTHOR_MAX],
        handle=handle,
        images=images,
    )


# One lock per photo key across all pollers of the process: two instances delivering the
# same federated post at once must not both pass `already_imported` before either commits.
_claims: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()


@asynccontextmanager
async def _claim(ref: str) -> AsyncIterator[None]:
    lock = _claims.get(ref)
    if lock is None:
        lock = _claims[ref] = asyncio.Lock()
    async with lock:
        yield


class MastodonPoller:
    """A `Source` polling one hashtag on one instance every `interval_s`."""

    kind = "mastodon"

    def __init__(self, config: MastodonSource, max_bytes: int) -> None:
        instance = config.instance.rstrip("/")
        self.instance = instance if "://" in instance else f"https://{instance}"
        self.host = urlsplit(self.instance).hostname or self.instance
        self.name = config.name or self.host
        self.tag = config.tag.lstrip("#")
        self.interval_s = config.interval_s
        self.max_bytes = max_bytes
        self._token = config.access_token
        self._not_before = 0.0  # monotonic time before which the rate limit forbids a request

    async def run(self, context: SourceContext) -> None:
        headers = {"Accept": "application/json", "User-Agent": "mur-participatif"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        api = httpx.AsyncClient(
            base_url=self.instance, timeout=httpx.Timeout(API_TIMEOUT_S), headers=headers
        )
        async with api, media_client() as media:
            failures = 0
            while True:
                try:
                    await self.poll(context, api, media)
                except Transient as exc:
                    failures += 1
                    wait = exc.wait_s if exc.wait_s is not None else backoff(failures)
                    context.health.failed(
                        f"{exc}; next try in {wait:.0f} s",
                        exc.code,
                        wait=f"{wait:.0f}",
                        **exc.params,
                    )
                    log.warning("source %s: %s; next try in %.0f s", self.name, exc, wait)
                    await asyncio.sleep(wait)
                    continue
                failures = 0
                context.health.succeeded()
                await asyncio.sleep(self.interval_s)

    async def poll(
        self, context: SourceContext, api: httpx.AsyncClient, media: httpx.AsyncClient
    ) -> None:
        """Import every post newer than the cursor, oldest first, moving the cursor after each."""
        cursor = await context.recall("since_id")
        if cursor:
            context.health.extra["cursor"] = cursor
        posts = await self._new_posts(api, cursor, context.health)
        for post in sorted(posts, key=lambda p: id_key(p.id)):
            if post.public:
                for image in post.images:
                    await self._import_image(context, media, post, image)
            await context.remember("since_id", post.id)
            context.health.extra["cursor"] = post.id

    async def _new_posts(
        self, api: httpx.AsyncClient, cursor: str | None, health: SourceHealth
    ) -> list[Post]:
        found: dict[str, Post] = {}
        max_id: str | None = None
        for _ in range(MAX_PAGES_PER_POLL):
            params: dict[str, str | int] = {"limit": TIMELINE_LIMIT}
            if cursor:
                params["since_id"] = cursor
            if max_id:
                params["max_id"] = max_id
            page, link = await self._page(api, params, health)
            fresh = [p for p in page if cursor is None or id_key(p.id) > id_key(cursor)]
            found.update((p.id, p) for p in fresh)
            if not fresh:
                return list(found.values())
            oldest = min((p.id for p in fresh), key=id_key)
            following = next_max_id(link) or oldest
            if max_id is not None and id_key(following) >= id_key(max_id):
                return list(found.values())  # a server that pages in circles: stop here
            max_id = following
        # More than a bound of pages since the last poll (a first run on a busy tag, or a
        # flood): the newest posts win; the older ones beyond the bound are left out.
        health.extra["pages_capped"] = str(MAX_PAGES_PER_POLL)
        log.warning("source %s: over %d pages of new posts", self.name, MAX_PAGES_PER_POLL)
        return list(found.values())

    async def _page(
        self, api: httpx.AsyncClient, params: dict[str, str | int], health: SourceHealth
    ) -> tuple[list[Post], str | None]:
        delay = self._not_before - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            response = await api.get(f"/api/v1/timelines/tag/{quote(self.tag)}", params=params)
        except httpx.TimeoutException:
            raise Transient("timeline timed out", code="timeout") from None
        except httpx.TransportError as exc:
            message = f"timeline unreachable ({type(exc).__name__})"
            raise Transient(message, code="unreachable") from None
        status = response.status_code
        health.extra["last_status"] = str(status)
        wait = rate_limit_wait(response.headers, time.time())
        if wait > 0:
            health.extra["rate_limit_wait_s"] = f"{wait:.0f}"
            self._not_before = time.monotonic() + wait
        if status == 429:
            wait = retry_after(response.headers, time.time())
            raise Transient("rate limited (429)", wait, code="rate_limited")
        if status >= 500:
            raise Transient(f"timeline answered {status}", code="server_error", status=status)
        if status != 200:
            refusal = await self._refusal(api, status)
            health.extra["error_code"] = refusal.code
            raise refusal
        health.extra.pop("error_code", None)
        try:
            body = response.json()
        except ValueError:
            raise Transient("malformed JSON from the timeline") from None
        if not isinstance(body, list):
            raise Transient("malformed timeline: not a list of posts")
        return [parse_post(raw, self.host) for raw in body], response.headers.get("link")

    async def _import_image(
        self, context: SourceContext, media: httpx.AsyncClient, post: Post, image: Image
    ) -> None:
        ref = f"{post.ref}#{image.index}"
        async with _claim(ref):
            if await context.already_imported(ref):
                return
            data = await self._download(context.health, media, ref, image)
            if data is None:
                return
            submission = Submission(
                source=self.name,
                caption=post.caption,
                author=post.author,
                contributor=post.handle,
                source_ref=ref,
                extra_flags=("sensitive",) if post.sensitive else (),
            )
            while True:
                try:
                    await context.ingest(lambda: data, submission)
                    return
                except Refused as refused:
                    _skipped(context.health, ref, f"refused: {refused.code}")
                    return
                except PoolBusy:
                    await asyncio.sleep(POOL_BUSY_RETRY_S)

    async def _download(
        self, health: SourceHealth, media: httpx.AsyncClient, ref: str, image: Image
    ) -> bytes | None:
        """The attachment, else its preview; None (and a note in health) when neither comes."""
        reasons = []
        for url in dict.fromkeys(u for u in (image.url, image.preview_url) if u):
            try:
                return await fetch_capped(media, url, self.max_bytes)
            except FetchFailed as failed:
                reasons.append(failed.reason)
        _skipped(health, ref, "; ".join(reasons) or "no media url")
        return None

    async def _refusal(self, api: httpx.AsyncClient, status: int) -> TimelineRefused:
        """Why the timeline is closed, from the instance's own `timelines_access` setting."""
        where = f"{self.host} refuses the #{self.tag} timeline ({status})"
        if status in (401, 403) and self._token:
            return TimelineRefused(
                f"{where}: the access_token was refused; check it or make a new one",
                "token_refused",
            )
        access = await hashtag_feeds_access(api)
        if "disabled" in access:
            return TimelineRefused(
                f"{where}: it has turned hashtag timelines off", "feeds_disabled"
            )
        if status in (401, 403) or "authenticated" in access:
            return TimelineRefused(
                f"{where}: it only shows hashtag timelines to signed-in accounts; add an"
                " access_token to this [[sources.mastodon]] table",
                "token_needed",
            )
        return TimelineRefused(where)


async def hashtag_feeds_access(api: httpx.AsyncClient) -> set[str]:
    """`configuration.timelines_access.hashtag_feeds` values ("public", "authenticated",
    "disabled"); empty for an instance that does not say (older Mastodon, Pixelfed)."""
    try:
        response = await api.get("/api/v2/instance")
        body = response.json() if response.status_code == 200 else {}
    except (httpx.HTTPError, ValueError):
        return set()
    feeds: Any = body
    for key in ("configuration", "timelines_access", "hashtag_feeds"):
        feeds = feeds.get(key) if isinstance(feeds, dict) else None
    if not isinstance(feeds, dict):
        return set()
    return {value for value in feeds.values() if isinstance(value, str)}


def _skipped(health: SourceHealth, ref: str, reason: str) -> None:
    """A bad attachment is left out, counted and shown; the poll goes on."""
    health.extra["media_skipped"] = str(int(health.extra.get("media_skipped", "0")) + 1)
    health.extra["last_media_error"] = f"{ref}: {reason}"[:300]
    log.info("source %s: skipped %s: %s", health.name, ref, reason)


def create(config: MastodonSource, settings: Settings) -> Source:
    return MastodonPoller(config, settings.upload.max_bytes)
