"""A visitor on a weak network retries; the server must neither lose nor double the photo."""

from tests.conftest import SAMPLES_DIR
from tests.helpers.app_server import AppServer
from tests.helpers.server import LiveServer


def _post(client, data: bytes, key: str | None = None):  # type: ignore[no-untyped-def]
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(
        "/api/photos",
        files={"file": ("p.jpg", data, "image/jpeg")},
        data={"consent": "true", "lang": "en"},
        headers=headers,
    )


def test_retry_with_the_same_key_returns_the_same_photo(app_server: AppServer) -> None:
    photo = (SAMPLES_DIR / "chelsea.jpg").read_bytes()
    with app_server.client() as client:
        first = _post(client, photo, "k-123")
        retry = _post(client, photo, "k-123")
        assert first.status_code == retry.status_code == 201
        assert retry.json()["id"] == first.json()["id"]
        assert retry.json()["status"] == "pending"
        photo_id = first.json()["id"]
        # The retry's receipt is the one that works now: the first reply was lost.
        fresh = client.get(
            f"/api/photos/{photo_id}", params={"token": retry.json()["receipt_token"]}
        )
        assert fresh.status_code == 200
        stale = client.get(
            f"/api/photos/{photo_id}", params={"token": first.json()["receipt_token"]}
        )
        assert stale.status_code == 404
        # Without the key, the same file is what it is: a duplicate.
        again = _post(client, photo)
        assert again.json()["status"] == "rejected"
        assert again.json()["reason"] == "duplicate"


def test_receipt_tokens_never_reach_the_log(live_server: LiveServer) -> None:
    """uvicorn's access log is the one that would hold them: a real `wall serve`."""
    with live_server.client() as client:
        created = _post(client, (SAMPLES_DIR / "rocket.jpg").read_bytes()).json()
        client.get(f"/api/photos/{created['id']}", params={"token": created["receipt_token"]})
    log = live_server.log()
    assert f"/api/photos/{created['id']}" in log
    assert created["receipt_token"] not in log


def test_versioned_static_files_are_cached_for_the_season(app_server: AppServer) -> None:
    with app_server.client() as client:
        versioned = client.get("/static/ingest/visitor.css", params={"v": "abc"})
        plain = client.get("/static/ingest/visitor.css")
    assert "immutable" in versioned.headers["cache-control"]
    assert "immutable" not in plain.headers.get("cache-control", "")
