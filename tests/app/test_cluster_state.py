"""A cluster's wall lives in its database and object store, not in a process's data dir: a
new process with an empty `data_dir` serves the wall as it was (real PostgreSQL, real
SeaweedFS, real `wall serve` processes)."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from typing import Any

import asyncpg

from tests.helpers.accounts import add_account, login
from tests.helpers.images import jpeg, textured
from tests.helpers.postgres import PostgresServer
from tests.helpers.seaweed import SeaweedServer
from tests.helpers.server import LiveServer
from tests.helpers.wall_display import Moderator
from wall.instance import DISPLAY_TOKEN_NAME

PASSWORD = "cluster-password-1"


def _cluster_display_token(dsn: str, wall_id: str) -> str:
    """The display token the first process generated, as the cluster keeps it."""

    async def read() -> str:
        conn = await asyncpg.connect(dsn, timeout=10)
        try:
            value = await conn.fetchval(
                "SELECT value FROM instance_secrets WHERE wall_id = $1 AND name = $2",
                wall_id,
                DISPLAY_TOKEN_NAME,
            )
        finally:
            await conn.close()
        assert value, "no display token in the cluster's secrets"
        return str(value)

    return asyncio.run(read())


def _snapshot(server: LiveServer, token: str) -> list[dict[str, Any]]:
    with server.client() as display:
        answer = display.get("/api/wall/photos", params={"token": token})
    assert answer.status_code == 200, answer.text
    return list(answer.json()["photos"])


def _display_rendition(server: LiveServer, photo_id: str, token: str) -> bytes:
    with server.client() as display:
        answer = display.get(f"/media/display/{photo_id}.jpg", params={"token": token})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "image/jpeg"
    return answer.content


def test_a_new_process_with_an_empty_data_dir_serves_the_wall_as_it_was(
    postgres_server: PostgresServer,
    seaweed: SeaweedServer,
    make_process_server: Callable[..., LiveServer],
) -> None:
    dsn = postgres_server.fresh_database()
    prefix = f"state-{secrets.token_hex(6)}"
    sections: dict[str, Any] = {
        # No display token configured: the first process makes one, the cluster keeps it.
        "wall": {"id": "brive", "display_token": ""},
        "storage": {
            "database": dsn,
            **seaweed.storage_section(prefix),
            "s3_access_key_id": seaweed.access_key,
            "s3_secret_access_key": seaweed.secret_key,
        },
    }
    first = make_process_server(**sections)
    add_account(first, "olga", "operator", PASSWORD)
    photo_id = Moderator(first).publish(jpeg(textured((1200, 900), (200, 90, 40), seed=12)))
    token = _cluster_display_token(dsn, "brive")
    assert [p["id"] for p in _snapshot(first, token)] == [photo_id]
    shown_by_first = _display_rendition(first, photo_id, token)
    with first.client() as phone:
        phone.get("/")
        device = phone.cookies.get("wall_device")
    assert device
    first.stop()

    second = make_process_server(**sections)
    assert second.data_dir != first.data_dir
    assert not any(
        path.is_file() and path.stat().st_size and path.suffix == ".jpg"
        for path in second.data_dir.rglob("*")
    ), "the new process holds no photo of its own"

    assert [p["id"] for p in _snapshot(second, token)] == [photo_id]
    assert _display_rendition(second, photo_id, token) == shown_by_first
    with login(second, "olga", PASSWORD) as operator:  # an account made before
        assert operator.get("/api/console/status").status_code == 200
    with second.client(cookies={"wall_device": device}) as same_phone:
        page = same_phone.get("/")
        assert page.status_code == 200
        assert "wall_device" not in page.headers.get("set-cookie", "")  # recognised, not new


def test_a_contributors_delete_through_either_process_removes_the_objects(
    postgres_server: PostgresServer,
    seaweed: SeaweedServer,
    make_process_server: Callable[..., LiveServer],
) -> None:
    """Upload through one process, erase through the other: within 2 s no object of the
    photo is left in the store (the privacy promise), and the wall no longer lists it."""
    dsn = postgres_server.fresh_database()
    prefix = f"erase-{secrets.token_hex(6)}"
    sections: dict[str, Any] = {
        "wall": {"id": "brive", "display_token": "brive-token"},
        "storage": {
            "database": dsn,
            **seaweed.storage_section(prefix),
            "s3_access_key_id": seaweed.access_key,
            "s3_secret_access_key": seaweed.secret_key,
        },
    }
    one, two = make_process_server(**sections), make_process_server(**sections)
    store = seaweed.media_store(prefix)
    with one.client() as visitor:
        answer = visitor.post(
            "/api/photos",
            files={"file": ("p.jpg", jpeg(textured((1200, 900), (30, 90, 200), seed=3)))},
            data={"consent": "true"},
        )
    assert answer.status_code == 201, answer.text
    uploaded = answer.json()
    assert len(list(store.keys())) == 3  # display, thumb and tile
    with two.client() as contributor:
        erased = contributor.delete(
            f"/api/photos/{uploaded['id']}", params={"token": uploaded["receipt_token"]}
        )
    assert erased.status_code in (200, 204), erased.text
    deadline = time.monotonic() + 2.0
    while list(store.keys()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(store.keys()) == []
    with one.client() as visitor:
        gone = visitor.get(
            f"/api/photos/{uploaded['id']}", params={"token": uploaded["receipt_token"]}
        )
    assert gone.status_code == 404
