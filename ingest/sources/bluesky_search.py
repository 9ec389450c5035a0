"""Bluesky's hashtag search with an account's app password (`app.bsky.feed.searchPosts`).

The login-free way is the firehose (`bluesky`). A wall with an account may prefer the
search: a few requests a minute instead of a continuous stream (a venue's thin uplink), and
the posts from before the wall was switched on. The account signs in with an app password
(`com.atproto.server.createSession`), never its main password; a session that expires is
opened again. Each poll walks the newest posts back to the last one seen (`indexedAt`,
stored as the cursor once a post is in) and imports them oldest first.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx

from ingest.sources.base import SourceContext
from ingest.sources.bluesky_import import PostImporter
from ingest.sources.bluesky_profiles import Profiles
from ingest.sources.bluesky_records import BlueskyPost, post_from_view
from ingest.sources.http_fetch import media_client
from wall.config import BlueskySource

log = logging.getLogger(__name__)

PAGE_SIZE = 50
MAX_PAGES = 4  # 200 posts a poll: bounds a first run on a busy tag's history
API_TIMEOUT_S = 20.0
FIRST_BACKOFF_S = 5.0
MAX_BACKOFF_S = 600.0
CDN_TIMEOUT_S = 20.0


class SearchFailed(Exception):
    """The search or the sign-in failed this time: try again later (`code` for the console)."""

    def __init__(self, message: str, code: str = "bad_answer", **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


class LoginRefused(Exception):
    """The PDS refuses the identifier or the app password: the staff must fix the config."""

    code = "login_refused"


class SearchPoller:
    """A `Source` searching one hashtag every `interval_s` with an app password."""

    kind = "bluesky"

    def __init__(self, config: BlueskySource, max_bytes: int) -> None:
        self.name = config.name
        self.tag = config.tag.lstrip("#")
        self.pds = config.pds.rstrip("/")
        self.appview = config.appview
        self.cdn = config.cdn
        self.interval_s = config.interval_s
        self.max_bytes = max_bytes
        self._identifier = config.identifier
        self._password = config.app_password
        self._token = ""

    async def run(self, context: SourceContext) -> None:
        api = httpx.AsyncClient(
            base_url=self.pds,
            timeout=httpx.Timeout(API_TIMEOUT_S),
            headers={"User-Agent": "mur-participatif (photo wall)"},
        )
        async with api, media_client(CDN_TIMEOUT_S) as http:
            importer = PostImporter(
                self.name, Profiles(http, self.appview), http, self.cdn, self.max_bytes
            )
            failures = 0
            while True:
                try:
                    await self.poll(context, api, importer)
                except SearchFailed as exc:
                    failures += 1
                    wait = min(MAX_BACKOFF_S, FIRST_BACKOFF_S * 2 ** (failures - 1))
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
        self, context: SourceContext, api: httpx.AsyncClient, importer: PostImporter
    ) -> None:
        """Imports every tagged post newer than the cursor, oldest first."""
        since = await context.recall("indexed_at") or ""
        found = await self._newer_than(api, since)
        for indexed_at, post in sorted(found, key=lambda pair: pair[0]):
            if post.image_cids and post.tagged(self.tag):
                await importer.import_post(context, post)
            await context.remember("indexed_at", indexed_at)
            context.health.extra["cursor"] = indexed_at

    async def _newer_than(
        self, api: httpx.AsyncClient, since: str
    ) -> list[tuple[str, BlueskyPost]]:
        found: dict[str, tuple[str, BlueskyPost]] = {}
        cursor = ""
        for _ in range(MAX_PAGES):
            body = await self._search(api, cursor)
            raw_views = body.get("posts")
            views: list[Any] = raw_views if isinstance(raw_views, list) else []
            older_seen = False
            for view in views:
                post = post_from_view(view)
                indexed_at = view.get("indexedAt") if isinstance(view, dict) else None
                if post is None or not isinstance(indexed_at, str):
                    continue
                if since and indexed_at <= since:
                    older_seen = True
                    continue
                found[post.at_uri] = (indexed_at, post)
            next_cursor = body.get("cursor")
            cursor = next_cursor if isinstance(next_cursor, str) else ""
            if older_seen or not cursor or not views:
                break
        return list(found.values())

    async def _search(self, api: httpx.AsyncClient, cursor: str) -> dict[str, Any]:
        params = {"q": f"#{self.tag}", "tag": self.tag, "sort": "latest", "limit": PAGE_SIZE}
        if cursor:
            params["cursor"] = cursor
        for attempt in (1, 2):  # a second time with a new session when the token expired
            if not self._token:
                self._token = await self._login(api)
            response = await self._get(api, params)
            if response.status_code in (400, 401) and _error(response) in (
                "ExpiredToken",
                "InvalidToken",
                "AuthenticationRequired",
            ):
                self._token = ""
                if attempt == 1:
                    continue
            if response.status_code == 429:
                raise SearchFailed("search rate limited (429)", "rate_limited")
            if response.status_code >= 500:
                status = response.status_code
                raise SearchFailed(f"search answered {status}", "server_error", status=status)
            if response.status_code != 200:
                raise SearchFailed(f"search answered {response.status_code}: {_error(response)}")
            try:
                body = response.json()
            except ValueError:
                raise SearchFailed("malformed JSON from the search") from None
            if not isinstance(body, dict):
                raise SearchFailed("malformed search answer")
            return body
        raise SearchFailed("the session expired again at once")

    async def _get(self, api: httpx.AsyncClient, params: dict[str, Any]) -> httpx.Response:
        try:
            return await api.get(
                "/xrpc/app.bsky.feed.searchPosts",
                params=params,
                headers={"Authorization": f"Bearer {self._token}"},
            )
        except httpx.TimeoutException:
            raise SearchFailed("search timed out", "timeout") from None
        except httpx.TransportError as exc:
            raise SearchFailed(f"PDS unreachable ({type(exc).__name__})", "unreachable") from None

    async def _login(self, api: httpx.AsyncClient) -> str:
        """A session's access token; `LoginRefused` when the credentials are wrong."""
        try:
            response = await api.post(
                "/xrpc/com.atproto.server.createSession",
                json={"identifier": self._identifier, "password": self._password},
            )
        except httpx.HTTPError as exc:
            raise SearchFailed(f"sign-in failed ({type(exc).__name__})", "unreachable") from None
        if response.status_code == 401:
            raise LoginRefused(
                f"{self.pds} refuses the sign-in of {self._identifier}: check identifier and "
                "app_password in [[sources.bluesky]]"
            )
        token = None
        if response.status_code == 200:
            try:
                token = response.json().get("accessJwt")
            except (ValueError, AttributeError):
                token = None
        if not isinstance(token, str) or not token:
            raise SearchFailed(f"sign-in answered {response.status_code}: {_error(response)}")
        return token


def _error(response: httpx.Response) -> str:
    """XRPC's error name (`{"error": "ExpiredToken", ...}`), or empty."""
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("error") or "") if isinstance(body, dict) else ""
