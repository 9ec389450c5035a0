"""A tagged Bluesky post's images into the pipeline, whichever way the post was found.

Shared by the firehose reader and the search poller. Each image is one photo keyed by the
post's bsky.app link and the image's place (`source_ref`), so a post delivered twice (a
replay after a restart, a failover that rewinds the cursor) is imported once. A post its
author labelled as adult or graphic content, or from an account that keeps away from
logged-out viewers, is never imported. An image the CDN does not have (404) or that is
larger than the upload limit is skipped with a note in the source's health; a CDN that is
down is asked a few times, then the image is skipped too: one post never stops the stream.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from ingest.errors import Refused
from ingest.service import Submission
from ingest.sources.base import SourceContext, SourceHealth
from ingest.sources.bluesky_profiles import Profile, Profiles
from ingest.sources.bluesky_records import BlueskyPost
from ingest.sources.http_fetch import FetchFailed, TooLarge, fetch_capped
from ingest.workers import PoolBusy

log = logging.getLogger(__name__)

BLOB_DEADLINE_S = 60.0  # a full-size image is at most ~1 MB on Bluesky's CDN
BLOB_TRIES = 3  # a CDN hiccup (5xx, timeout) is asked again; a 404 or a huge body is not
BLOB_RETRY_S = 1.0  # doubled after each try
POOL_BUSY_RETRY_S = 2.0  # the workers are full of visitors' uploads: they go first

# One lock per photo key across the process's Bluesky sources: two sources on one tag (a
# firehose and a search) must not both pass `already_imported` before either commits.
_claims: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()


@asynccontextmanager
async def _claim(ref: str) -> AsyncIterator[None]:
    lock = _claims.get(ref)
    if lock is None:
        lock = _claims[ref] = asyncio.Lock()
    async with lock:
        yield


def blob_url(template: str, did: str, cid: str) -> str:
    """The CDN's URL of one image (`{did}` and `{cid}` replaced, any other brace kept)."""
    return template.replace("{did}", did).replace("{cid}", cid)


class PostImporter:
    """Imports the images of the posts one source found."""

    def __init__(
        self,
        source: str,
        profiles: Profiles,
        media: httpx.AsyncClient,
        cdn: str,
        max_bytes: int,
    ) -> None:
        self.source = source
        self.profiles = profiles
        self._media = media
        self._cdn = cdn
        self._max_bytes = max_bytes

    async def import_post(self, context: SourceContext, post: BlueskyPost) -> int:
        """The post's new photos, handed to the pipeline; how many were taken."""
        health = context.health
        if post.blocked_by_label:
            _count(health, "label_skipped")
            log.info(
                "source %s: %s not imported: self-labelled %s",
                self.source,
                post.at_uri,
                ", ".join(sorted(post.labels)),
            )
            return 0
        refs = [post.link(index) for index in range(len(post.image_cids))]
        if all([await context.already_imported(ref) for ref in refs]):
            return 0  # a replayed post: not even its author is looked up again
        profile = await self.profiles.get(post.did)
        if not profile.found:
            health.extra["profile_failures"] = str(self.profiles.failures)
        if profile.keeps_off_walls:
            _count(health, "label_skipped")
            log.info(
                "source %s: %s not imported: the account keeps off walls", self.source, post.at_uri
            )
            return 0
        taken = 0
        for ref, cid in zip(refs, post.image_cids, strict=True):
            taken += await self._import_image(context, post, profile, ref, cid)
        return taken

    async def _import_image(
        self, context: SourceContext, post: BlueskyPost, profile: Profile, ref: str, cid: str
    ) -> int:
        async with _claim(ref):
            if await context.already_imported(ref):
                return 0
            data = await self._download(context.health, ref, blob_url(self._cdn, post.did, cid))
            if data is None:
                return 0
            submission = Submission(
                source=self.source,
                caption=post.caption,
                author=profile.author,
                contributor=f"bluesky:{post.did}",  # opaque and stable: fair share of screen
                source_ref=ref,
            )
            while True:
                try:
                    await context.ingest(lambda: data, submission)
                    return 1
                except Refused as refused:
                    skipped(context.health, ref, f"refused: {refused.code}")
                    return 0
                except PoolBusy:
                    await asyncio.sleep(POOL_BUSY_RETRY_S)

    async def _download(self, health: SourceHealth, ref: str, url: str) -> bytes | None:
        """The image's bytes, at most the upload limit; None (and a note) when not had."""
        wait = BLOB_RETRY_S
        for attempt in range(1, BLOB_TRIES + 1):
            try:
                return await fetch_capped(self._media, url, self._max_bytes, BLOB_DEADLINE_S)
            except TooLarge as failed:
                skipped(health, ref, failed.reason)
                return None
            except FetchFailed as failed:
                final = failed.status is not None and failed.status < 500 and failed.status != 429
                if final or attempt == BLOB_TRIES:
                    skipped(health, ref, failed.reason)
                    return None
                await asyncio.sleep(wait)
                wait *= 2
        return None


def skipped(health: SourceHealth, ref: str, reason: str) -> None:
    """An image left out: counted and shown in the source's health; the stream goes on."""
    _count(health, "media_skipped")
    health.extra["last_media_error"] = f"{ref}: {reason}"[:300]
    log.info("source %s: skipped %s: %s", health.name, ref, reason)


def _count(health: SourceHealth, key: str) -> None:
    health.extra[key] = str(int(health.extra.get(key, "0")) + 1)
