"""The media store's contract, the same tests on both backends: files under the data dir and
an S3 bucket on a real S3-compatible server (SeaweedFS, see `tests.helpers.seaweed`)."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import obstore
import pytest

from tests.helpers.seaweed import SeaweedServer
from wall.atomicfile import TEMP_PREFIX
from wall.storage.base import (
    ORPHAN_GRACE,
    MediaStore,
    MediaUnavailable,
    Store,
)
from wall.storage.media import BadMediaKey, FileMediaStore
from wall.storage.s3_media import S3MediaStore, open_s3_media, parse_media_url

BACKENDS = ("files", "s3")
BAD_KEYS = (
    "../../etc/passwd",
    "a" * 64 + ".JPG",
    "A" * 64 + ".jpg",
    "a" * 63 + ".jpg",
    "a" * 64 + ".toolong",
    "a" * 64,
    "",
)


@pytest.fixture(params=BACKENDS)
def media(request: pytest.FixtureRequest, tmp_path: Path) -> MediaStore:
    if request.param == "files":
        return FileMediaStore(tmp_path / "media")
    server: SeaweedServer = request.getfixturevalue("seaweed")
    return server.media_store()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Rows:
    """The one thing `Store.recover` asks of the photo rows."""

    def __init__(self, in_use: set[str]) -> None:
        self.in_use = in_use

    async def media_keys_in_use(self) -> set[str]:
        return self.in_use

    async def wipe_unused(
        self, keys: Sequence[str], wipe: Callable[[list[str]], Awaitable[None]]
    ) -> None:
        await wipe([key for key in keys if key not in self.in_use])


def _store(media: MediaStore, in_use: set[str]) -> Store:
    """A store of these media and rows; what `recover` does not touch is left None."""
    others = {
        f.name: None
        for f in dataclasses.fields(Store)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    others.update(photos=_Rows(in_use), media=media)
    return Store(**cast(dict[str, Any], others))


def _read_all(media: MediaStore, key: str) -> tuple[int, bytes]:
    async def whole() -> tuple[int, bytes]:
        body = await media.open(key)
        return body.size, b"".join(body.chunks)

    return asyncio.run(whole())


def test_put_read_exists_delete(media: MediaStore) -> None:
    data = secrets.token_bytes(1000)
    key = media.put(data, "jpg")
    assert key.endswith(".jpg") and len(key) == 64 + 4
    assert media.exists(key)
    assert media.read(key) == data
    assert list(media.keys()) == [key]
    media.delete(key)
    assert not media.exists(key)
    assert list(media.keys()) == []
    media.delete(key)  # already gone: no error


def test_identical_bytes_are_one_object(media: MediaStore) -> None:
    data = secrets.token_bytes(500)
    first, second = media.put(data, "jpg"), media.put(data, "jpg")
    other = media.put(data, "png")
    assert first == second != other
    assert sorted(media.keys()) == sorted({first, other})


def test_missing_object_is_file_not_found(media: MediaStore) -> None:
    key = secrets.token_hex(32) + ".jpg"
    assert not media.exists(key)
    with pytest.raises(FileNotFoundError):
        media.read(key)
    with pytest.raises(FileNotFoundError):
        _read_all(media, key)


@pytest.mark.parametrize("key", BAD_KEYS)
def test_bad_keys_are_refused(media: MediaStore, key: str) -> None:
    for call in (media.read, media.exists, media.delete, media.local_path):
        with pytest.raises(BadMediaKey):
            call(key)
    with pytest.raises(BadMediaKey):
        _read_all(media, key)


@pytest.mark.parametrize("ext", ["JPG", "jp/g", "", "toolong"])
def test_bad_extensions_are_refused(media: MediaStore, ext: str) -> None:
    with pytest.raises(BadMediaKey):
        media.put(b"x", ext)
    assert list(media.keys()) == []


def test_open_streams_the_bytes(media: MediaStore) -> None:
    data = secrets.token_bytes(300_000)  # several chunks
    key = media.put(data, "jpg")
    assert _read_all(media, key) == (len(data), data)


def test_entries_tell_when_written(media: MediaStore) -> None:
    before = datetime.now(UTC) - timedelta(seconds=2)  # S3 keeps whole seconds
    key = media.put(b"entry", "jpg")
    (entry,) = media.entries()
    assert entry.key == key
    assert before <= entry.modified <= datetime.now(UTC) + timedelta(seconds=2)


def test_orphans_are_collected_after_their_grace_only(media: MediaStore) -> None:
    orphan = media.put(b"no row names me", "jpg")
    used = media.put(b"a row names me", "jpg")
    store = _store(media, {used})

    # Just written: another process may be about to commit the row that names it.
    now = datetime.now(UTC)
    assert asyncio.run(store.recover(now))["orphans"] == 0
    assert media.exists(orphan)

    later = now + ORPHAN_GRACE + timedelta(minutes=1)
    assert asyncio.run(store.recover(later)) == {"temporaries": 0, "orphans": 1}
    assert not media.exists(orphan)
    assert media.exists(used)


def test_file_temporaries_get_the_grace_too(tmp_path: Path) -> None:
    media = FileMediaStore(tmp_path / "media")
    key = media.put(b"x", "jpg")
    folder = media.root / key[:2] / key[2:4]
    fresh, stale = folder / f"{TEMP_PREFIX}fresh", folder / f"{TEMP_PREFIX}stale"
    fresh.write_bytes(b"being written")
    stale.write_bytes(b"cut short")
    old = time.time() - ORPHAN_GRACE.total_seconds() - 60
    os.utime(stale, (old, old))
    assert asyncio.run(_store(media, {key}).recover()) == {"temporaries": 1, "orphans": 0}
    assert fresh.exists() and not stale.exists()


def test_a_file_put_again_is_young_again(tmp_path: Path) -> None:
    media = FileMediaStore(tmp_path / "media")
    key = media.put(b"shared", "jpg")
    path = media.local_path(key)
    assert path is not None
    old = time.time() - 2 * ORPHAN_GRACE.total_seconds()
    os.utime(path, (old, old))
    assert media.put(b"shared", "jpg") == key  # an identical upload
    assert asyncio.run(_store(media, set()).recover())["orphans"] == 0


def test_prefixes_do_not_see_each_other(seaweed: SeaweedServer) -> None:
    one, two = seaweed.media_store(), seaweed.media_store()
    key = one.put(b"mine", "jpg")
    assert list(two.keys()) == []
    assert not two.exists(key)
    assert list(one.keys()) == [key]


def test_foreign_objects_under_the_prefix_are_not_keys(s3_media: S3MediaStore) -> None:
    obstore.put(s3_media.store, "notes.txt", b"someone else's")
    key = s3_media.put(b"ours", "jpg")
    assert list(s3_media.keys()) == [key]
    store = _store(s3_media, set())
    later = datetime.now(UTC) + 2 * ORPHAN_GRACE
    assert asyncio.run(store.recover(later))["orphans"] == 1
    assert obstore.head(s3_media.store, "notes.txt")["size"] == len(b"someone else's")


def _down_store() -> S3MediaStore:
    endpoint = f"http://127.0.0.1:{_closed_port()}"
    return open_s3_media("s3://wall-tests/down", endpoint, "us-east-1", "key", "secret")


@pytest.mark.parametrize("operation", ["put", "read", "exists", "delete", "keys", "open"])
def test_a_store_down_is_media_unavailable_and_fast(operation: str) -> None:
    media = _down_store()
    key = secrets.token_hex(32) + ".jpg"
    calls = {
        "put": lambda: media.put(b"x", "jpg"),
        "read": lambda: media.read(key),
        "exists": lambda: media.exists(key),
        "delete": lambda: media.delete(key),
        "keys": lambda: list(media.keys()),
        "open": lambda: _read_all(media, key),
    }
    started = time.monotonic()
    with pytest.raises(MediaUnavailable):
        calls[operation]()
    assert time.monotonic() - started < 5  # retries bounded: an upload is refused at once


def test_recovery_with_the_store_down_leaves_the_orphans_for_later() -> None:
    """A server must start while the store is down: uploads then answer 503."""
    recovered = asyncio.run(_store(_down_store(), set()).recover())
    assert recovered == {"temporaries": 0, "orphans": 0, "media_unavailable": 1}


def test_wrong_credentials_are_media_unavailable(seaweed: SeaweedServer) -> None:
    media = open_s3_media(
        seaweed.media_url("creds"), seaweed.endpoint, seaweed.region, seaweed.access_key, "nope"
    )
    with pytest.raises(MediaUnavailable):
        media.put(b"x", "jpg")


def test_another_bucket_is_created_on_first_put(seaweed: SeaweedServer) -> None:
    bucket = f"wall-{secrets.token_hex(4)}"
    media = open_s3_media(
        f"s3://{bucket}", seaweed.endpoint, seaweed.region, seaweed.access_key, seaweed.secret_key
    )
    key = media.put(b"first", "jpg")
    assert media.read(key) == b"first"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("s3://wall-media", ("wall-media", "")),
        ("s3://wall-media/", ("wall-media", "")),
        ("s3://wall-media/quais/2025", ("wall-media", "quais/2025")),
    ],
)
def test_media_urls(url: str, expected: tuple[str, str]) -> None:
    assert parse_media_url(url) == expected


@pytest.mark.parametrize(
    "url",
    ["", "wall-media", "http://wall-media/x", "s3://", "s3:///prefix", "s3://Wall_Media/x",
     "s3://wall-media/a//b", "s3://wall-media/x?versionId=1"],
)  # fmt: skip
def test_bad_media_urls_say_what_is_wrong(url: str) -> None:
    with pytest.raises(ValueError, match=r"\[storage\] media"):
        open_s3_media(url)
