"""Renditions in an S3-compatible store (a real SeaweedFS): written by the upload, streamed by
the media route, removed by the contributor's delete; with the store down, an upload is
refused with 503 and nothing stored, and the media route answers 503 (the display keeps the
photo it has and asks again)."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from typing import Any

import obstore
import pytest

from tests.helpers.app_server import AppServer
from tests.helpers.images import jpeg, textured
from tests.helpers.seaweed import SeaweedServer
from tests.helpers.uploads import accepted, assert_refused, fetch_rendition, post
from wall.storage.base import MEDIA_RETRY_AFTER_S
from wall.storage.s3_media import S3MediaStore, open_s3_media


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _storage(seaweed: SeaweedServer, prefix: str, endpoint: str = "") -> dict[str, str]:
    section = seaweed.storage_section(prefix)
    section["s3_endpoint"] = endpoint or seaweed.endpoint
    section["s3_access_key_id"] = seaweed.access_key
    section["s3_secret_access_key"] = seaweed.secret_key
    return section


def _media(server: AppServer) -> S3MediaStore:
    assert server.app is not None
    media = server.app.state.services.store.media
    assert isinstance(media, S3MediaStore)
    return media


@pytest.fixture
def photo() -> bytes:
    return jpeg(textured((1200, 900), (90, 140, 200), seed=7))


def test_renditions_go_to_the_bucket_and_come_back(
    make_app_server: Callable[..., AppServer], seaweed: SeaweedServer, photo: bytes
) -> None:
    server = make_app_server(storage=_storage(seaweed, "app-roundtrip"))
    bucket = seaweed.media_store("app-roundtrip")
    with server.client() as client:
        photo_id, token = accepted(post(client, photo))
        keys = set(bucket.keys())
        assert len(keys) >= 2  # display and thumbnail at least
        served = fetch_rendition(client, photo_id, token)
        assert any(bucket.read(key) == served for key in keys)

        deleted = client.delete(f"/api/photos/{photo_id}", params={"token": token})
        assert deleted.status_code in (200, 204), deleted.text
        assert set(bucket.keys()) == set()  # the contributor's delete removes the objects


def test_a_store_down_refuses_the_upload_and_stores_nothing(
    make_app_server: Callable[..., AppServer], seaweed: SeaweedServer, photo: bytes
) -> None:
    closed = f"http://127.0.0.1:{_closed_port()}"
    server = make_app_server(storage=_storage(seaweed, "app-down", endpoint=closed))
    with server.client() as client:
        response = post(client, photo)
        assert_refused(response, 503, "unavailable")
        assert response.headers["retry-after"] == MEDIA_RETRY_AFTER_S
        assert server.app is not None
        store = server.app.state.services.store
        page = server.call(store.photos.list(None, 10))
        assert page.total == 0


def test_the_media_route_answers_503_while_the_store_is_down(
    make_app_server: Callable[..., AppServer], seaweed: SeaweedServer, photo: bytes
) -> None:
    server = make_app_server(storage=_storage(seaweed, "app-route"))
    with server.client() as client:
        photo_id, token = accepted(post(client, photo))
        media = _media(server)
        reachable = media.store
        down = open_s3_media("s3://wall-tests/app-route", f"http://127.0.0.1:{_closed_port()}")
        media.store = down.store
        response = client.get(f"/media/display/{photo_id}.jpg", params={"token": token})
        assert_refused(response, 503, "unavailable")
        assert response.headers["retry-after"] == MEDIA_RETRY_AFTER_S
        media.store = reachable  # back: the next try of the display gets it
        assert fetch_rendition(client, photo_id, token)


def test_a_slow_store_does_not_block_the_loop(
    make_app_server: Callable[..., AppServer], seaweed: SeaweedServer, photo: bytes
) -> None:
    """While `open` waits on the store, the loop goes on: a ticking task keeps running."""
    server = make_app_server(storage=_storage(seaweed, "app-loop"))
    with server.client() as client:
        accepted(post(client, photo))
    media = _media(server)
    key = next(iter(media.keys()))
    real_get = obstore.get

    def slow_get(store: Any, path: str, **options: Any) -> Any:
        time.sleep(0.5)  # a slow store, in a worker thread: the loop must not notice
        return real_get(store, path, **options)

    async def ticks_while_reading() -> int:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        task = asyncio.create_task(tick())
        try:
            body = await media.open(key)
            assert body.size > 0
            return ticks
        finally:
            task.cancel()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(obstore, "get", slow_get)
        assert server.call(ticks_while_reading()) >= 20  # ~50 in 0.5 s
