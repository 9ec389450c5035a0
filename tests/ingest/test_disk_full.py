"""A full disk during the show: uploads are refused clearly (507 storage_full with
Retry-After, counted in /metrics), /healthz says so, nothing half-written stays, and once room
is made (contributors erase photos) uploads are taken again. The disk is a real one: a small
tmpfs mounted for the test (root only: the CI runs as root)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.images import jpeg, textured
from tests.helpers.server import LiveServer

DISK = "6m"
MOST_UPLOADS = 60  # far more than fit


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK}", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"a small disk needs mount rights here: {mounted.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def _photo(seed: int) -> bytes:
    return jpeg(textured((1600, 1200), (40 + seed % 180, 90, 160), seed=seed), quality=92)


def _upload(server: LiveServer, seed: int) -> Any:
    with server.client() as visitor:
        return visitor.post(
            "/api/photos",
            files={"file": ("p.jpg", _photo(seed), "image/jpeg")},
            data={"consent": "true"},
        )


def test_a_full_disk_refuses_uploads_clearly_and_recovers_when_room_is_made(
    small_disk: Path, make_server: Callable[..., LiveServer]
) -> None:
    server = make_server(wall={"data_dir": str(small_disk / "data")})
    accepted: list[dict[str, Any]] = []
    refused = None
    for seed in range(MOST_UPLOADS):
        answer = _upload(server, seed)
        if answer.status_code != 201:
            refused = answer
            break
        accepted.append(answer.json())
    assert refused is not None, "the small disk never filled"
    assert accepted, "not even one photo fitted"
    assert refused.status_code == 507, refused.text
    assert refused.json()["error"]["code"] == "storage_full"
    assert int(refused.headers["retry-after"]) >= 1
    with server.client() as watcher:
        health = watcher.get("/healthz")
        assert health.status_code in (200, 503)
        assert health.json()["status"] in ("disk_low", "storage_full")
        assert "wall_storage_full_total 1.0" in watcher.get("/metrics").text
    media = small_disk / "data" / "media"
    assert not [p for p in media.rglob("*") if p.name.startswith(".tmp-")]

    # Every photo answered 201 is whole; contributors erase a few: room again.
    with server.client() as contributor:
        for photo in accepted:
            status = contributor.get(
                f"/api/photos/{photo['id']}", params={"token": photo["receipt_token"]}
            )
            assert status.status_code == 200
        for photo in accepted[: max(2, len(accepted) // 2)]:
            erased = contributor.delete(
                f"/api/photos/{photo['id']}", params={"token": photo["receipt_token"]}
            )
            assert erased.status_code in (200, 204), erased.text
    again = _upload(server, 10_000)
    assert again.status_code == 201, again.text
    assert server.alive()
