"""The server starts, serves its health check and takes a photo."""

from tests.conftest import SAMPLES_DIR
from tests.helpers.server import LiveServer


def test_upload_then_status_then_delete(live_server: LiveServer) -> None:
    with live_server.client() as client:
        photo = (SAMPLES_DIR / "coffee.jpg").read_bytes()
        created = client.post(
            "/api/photos",
            files={"file": ("c.jpg", photo, "image/jpeg")},
            data={"consent": "true", "caption": "Café", "author": "Ana"},
        )
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["status"] == "pending"
        status = client.get(f"/api/photos/{body['id']}", params={"token": body["receipt_token"]})
        assert status.json()["caption"] == "Café"
        assert client.get(f"/api/photos/{body['id']}", params={"token": "wrong"}).status_code == 404
        deleted = client.delete(
            f"/api/photos/{body['id']}", params={"token": body["receipt_token"]}
        )
        assert deleted.status_code == 204
        again = client.get(f"/api/photos/{body['id']}", params={"token": body["receipt_token"]})
        assert again.status_code == 404
