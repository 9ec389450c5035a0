"""Content-addressed media in an S3-compatible object store (AWS, SeaweedFS, MinIO…).

An S3 PUT is atomic (an object is whole or absent), so there are no temporaries; every
`put` writes, even an existing key, so that its Last-Modified is the age the orphan
collection's grace counts from. Every failure of the store but "no such object" comes
out as `MediaUnavailable`, for callers to answer 503.

The calls are obstore's blocking ones, run in worker threads; `open` hands them to
`asyncio.to_thread`. (obstore's own coroutines, on Python 3.11, can abort the interpreter
at exit after a failed request: a Rust thread touches Python while it finalises.)
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit

import obstore
from obstore.exceptions import BaseError as ObstoreError
from obstore.store import S3Store

from wall.storage.base import MediaBody, MediaEntry, MediaUnavailable
from wall.storage.media import _KEY, check_key, media_key

if TYPE_CHECKING:
    from obstore import GetResult
    from obstore.store import ClientConfig, RetryConfig, S3Config

T = TypeVar("T")

# A store that is down must fail an upload in seconds, not the 3 minutes of the defaults.
CONNECT_TIMEOUT = timedelta(seconds=2)
REQUEST_TIMEOUT = timedelta(seconds=30)  # a whole rendition, a few hundred kB
MAX_RETRIES = 2
RETRY_TIMEOUT = timedelta(seconds=5)
STREAM_CHUNK_BYTES = 64 * 1024
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def _guard(what: str, call: Callable[[], T]) -> T:
    """`call`, with the store's failures as `MediaUnavailable` ("not found" stays itself)."""
    try:
        return call()
    except FileNotFoundError:
        raise
    except (ObstoreError, OSError) as exc:
        raise MediaUnavailable(f"media store: {what} failed: {type(exc).__name__}") from exc


class S3MediaStore:
    def __init__(self, store: S3Store, where: str = "") -> None:
        """`store` carries the bucket and prefix; `where` names them in messages."""
        self.store = store
        self.where = where

    def __repr__(self) -> str:
        return f"S3MediaStore({self.where!r})"

    def put(self, data: bytes, ext: str) -> str:
        key = media_key(data, ext)
        _guard(f"PUT {key}", lambda: obstore.put(self.store, key, data))
        return key

    def read(self, key: str) -> bytes:
        check_key(key)
        return _guard(f"GET {key}", lambda: bytes(obstore.get(self.store, key).bytes()))

    def local_path(self, key: str) -> Path | None:
        check_key(key)
        return None

    async def open(self, key: str) -> MediaBody:
        check_key(key)
        result: GetResult = await asyncio.to_thread(
            _guard, f"GET {key}", lambda: obstore.get(self.store, key)
        )
        return MediaBody(size=result.meta["size"], chunks=self._chunks(key, result))

    def _chunks(self, key: str, result: GetResult) -> Iterator[bytes]:
        stream = iter(result.stream(min_chunk_size=STREAM_CHUNK_BYTES))
        while True:
            chunk = _guard(f"GET {key} (body)", lambda: next(stream, None))
            if chunk is None:
                return
            yield chunk

    def exists(self, key: str) -> bool:
        check_key(key)
        try:
            _guard(f"HEAD {key}", lambda: obstore.head(self.store, key))
        except FileNotFoundError:
            return False
        return True

    def delete(self, key: str) -> None:
        check_key(key)
        _guard(f"DELETE {key}", lambda: obstore.delete(self.store, key))

    def keys(self) -> Iterator[str]:
        for entry in self.entries():
            yield entry.key

    def entries(self) -> Iterator[MediaEntry]:
        batches = iter(obstore.list(self.store))
        while True:
            batch = _guard("LIST", lambda: next(batches, None))
            if batch is None:
                return
            for meta in batch:
                name = meta["path"]
                if _KEY.match(name):  # whatever else lives under the prefix is not ours
                    yield MediaEntry(name, meta["last_modified"])

    def sweep_temporaries(self, older_than: datetime) -> int:  # noqa: ARG002
        return 0  # a PUT is atomic: nothing half-written to sweep


def parse_media_url(url: str) -> tuple[str, str]:
    """`s3://bucket/prefix` → (bucket, prefix); raises ValueError with a sentence."""
    parts = urlsplit(url.strip())
    bucket, prefix = parts.netloc, parts.path.strip("/")
    if parts.scheme != "s3" or not bucket or parts.query or parts.fragment:
        raise ValueError(f"[storage] media must read s3://bucket/prefix, not {url!r}")
    if not _BUCKET.match(bucket):
        raise ValueError(
            f"[storage] media names the bucket {bucket!r}: a bucket name is 3 to 63 "
            "lowercase letters, digits, dots and hyphens"
        )
    if "//" in prefix:
        raise ValueError(f"[storage] media has an empty folder in its prefix: {url!r}")
    return bucket, prefix


def open_s3_media(
    url: str,
    endpoint: str = "",
    region: str = "",
    access_key: str | None = None,
    secret_key: str | None = None,
) -> S3MediaStore:
    """The store `[storage] media = "s3://bucket/prefix"` names. An empty `endpoint` is
    AWS; credentials left None come from obstore's usual places (AWS_* variables, an
    instance role). Builds a client only: nothing is sent until the first request."""
    bucket, prefix = parse_media_url(url)
    client: ClientConfig = {
        "connect_timeout": CONNECT_TIMEOUT,
        "timeout": REQUEST_TIMEOUT,
        "allow_http": endpoint.startswith("http://"),
    }
    retry: RetryConfig = {"max_retries": MAX_RETRIES, "retry_timeout": RETRY_TIMEOUT}
    # obstore takes no None: a value left out is looked up in its usual places.
    config: S3Config = {}
    if endpoint:
        config["endpoint"] = endpoint
    if region:
        config["region"] = region
    if access_key:
        config["access_key_id"] = access_key
    if secret_key:
        config["secret_access_key"] = secret_key
    store = S3Store(
        bucket, prefix=prefix or None, config=config, client_options=client, retry_config=retry
    )
    return S3MediaStore(store, f"s3://{bucket}/{prefix}" if prefix else f"s3://{bucket}")
