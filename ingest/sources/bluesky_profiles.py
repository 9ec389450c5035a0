"""Who posted: a DID's handle and display name from the AppView, for the photo's credit.

A firehose event names its author by DID only. The wall credits people by the name they
chose, so each author is looked up once (`app.bsky.actor.getProfile`) and kept for an hour
in a bounded cache: a busy hashtag costs one request per new author, not one per photo.
When the AppView cannot answer, the photo is still imported, with no name (the wall then
credits the hashtag and the network only: a DID means nothing to the public), and the
lookup is tried again for the next post.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import httpx

from ingest.sources.bluesky_records import BLOCKING_LABELS, NO_UNAUTHENTICATED

log = logging.getLogger(__name__)

CACHE_SIZE = 2_000  # authors of a busy evening; each entry is a few hundred bytes
CACHE_TTL_S = 3_600.0  # a renamed account is credited by its new name within the hour
LOOKUP_TIMEOUT_S = 10.0  # a profile is small: slower means the AppView is struggling
AUTHOR_MAX = 60  # the contract's author limit


@dataclass(frozen=True, slots=True)
class Profile:
    did: str
    handle: str = ""
    display_name: str = ""
    labels: frozenset[str] = frozenset()
    found: bool = True  # False: the AppView did not answer; no name to credit

    @property
    def author(self) -> str:
        """The credit: the name the person chose, else their handle; empty when unknown."""
        shown = " ".join(self.display_name.split())
        if shown:
            return shown[:AUTHOR_MAX]
        return f"@{self.handle}"[:AUTHOR_MAX] if self.handle else ""

    @property
    def keeps_off_walls(self) -> bool:
        """The account asked to stay hidden from logged-out viewers, or is labelled (by
        itself or by Bluesky's moderation) as adult or graphic content."""
        return NO_UNAUTHENTICATED in self.labels or bool(self.labels & BLOCKING_LABELS)


class Profiles:
    """A bounded, expiring cache of profiles in front of one AppView."""

    def __init__(self, client: httpx.AsyncClient, appview: str) -> None:
        self._client = client
        self._url = appview.rstrip("/") + "/xrpc/app.bsky.actor.getProfile"
        self._cache: OrderedDict[str, tuple[float, Profile]] = OrderedDict()
        self.failures = 0

    async def get(self, did: str) -> Profile:
        now = time.monotonic()
        cached = self._cache.get(did)
        if cached is not None and now - cached[0] < CACHE_TTL_S:
            self._cache.move_to_end(did)
            return cached[1]
        profile = await self._lookup(did)
        if profile.found:  # a failed lookup is tried again next time
            self._cache[did] = (now, profile)
            self._cache.move_to_end(did)
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return profile

    def __len__(self) -> int:
        return len(self._cache)

    async def _lookup(self, did: str) -> Profile:
        try:
            response = await self._client.get(
                self._url, params={"actor": did}, timeout=LOOKUP_TIMEOUT_S
            )
            body = response.json() if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError) as exc:
            return self._failed(did, type(exc).__name__)
        if not isinstance(body, dict) or body.get("did") != did:
            return self._failed(did, f"HTTP {response.status_code}")
        raw_labels = body.get("labels")
        labels: list[Any] = raw_labels if isinstance(raw_labels, list) else []
        return Profile(
            did=did,
            handle=_text(body.get("handle")).removesuffix("handle.invalid"),
            display_name=_text(body.get("displayName")),
            labels=frozenset(
                label["val"]
                for label in labels
                if isinstance(label, dict) and isinstance(label.get("val"), str)
            ),
        )

    def _failed(self, did: str, reason: str) -> Profile:
        self.failures += 1
        log.info("bluesky: no profile for %s from the AppView (%s)", did, reason)
        return Profile(did=did, found=False)


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""
