"""The operators' announcements through the real app, in-process: create, list, preview, edit,
delete, each in the audit log and in what the displays read; clear refusals for every bad
input; the uploaded image made safe (no metadata, upright, fitted to the wall) and wiped when
no slide names it any more."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image

from tests.helpers.accounts import add_account, login
from tests.helpers.app_server import AppServer
from tests.helpers.images import distinctive_jpeg, oriented_gps_jpeg
from tests.helpers.wall_display import colour_share

PASSWORD = "correct horse battery"
TODAY = date.today()
CONCERT = {
    "kind": "text",
    "title_fr": "Concert ce soir 🎺",
    "title_en": "Concert tonight",
    "text_fr": "Place de la Halle, 21 h 30",
    "text_en": "Market square, 9:30 pm",
    "first_day": (TODAY - timedelta(days=1)).isoformat(),
    "last_day": (TODAY + timedelta(days=1)).isoformat(),
    "start": "00:00",
    "end": "00:00",  # the whole day: "on" whenever the test runs
    "cadence": "every",
    "every_minutes": "15",
    "seconds": "10",
}
ORANGE = (240, 140, 20)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    root = tmp_path_factory.mktemp("announcements")
    running = AppServer(root, display={"size": "1280x720"}).start()
    add_account(running, "olga", "operator", PASSWORD)
    add_account(running, "mia", "moderator", PASSWORD)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def operator(server: AppServer) -> Iterator[httpx.Client]:
    with login(server, "olga", PASSWORD) as client:
        yield client


def display_get(server: AppServer, path: str) -> httpx.Response:
    with server.client(headers={"Authorization": f"Bearer {server.display_token}"}) as client:
        return client.get(path)


def create(client: httpx.Client, image: bytes | None = None, **fields: Any) -> httpx.Response:
    files = {"image": ("photo.jpg", image, "image/jpeg")} if image is not None else None
    return client.post("/api/console/announcements", data={**CONCERT, **fields}, files=files)


def test_an_announcement_is_created_listed_previewed_and_reaches_the_displays(
    server: AppServer, operator: httpx.Client
) -> None:
    made = create(operator, distinctive_jpeg(ORANGE, (1600, 1200)))
    assert made.status_code == 201, made.text
    slide = made.json()
    assert slide["state"] == "on" and slide["has_image"] and slide["version"] == 1
    listed = operator.get("/api/console/announcements").json()
    assert slide["id"] in [a["id"] for a in listed["announcements"]]
    assert listed["timezone"] == "Europe/Paris"

    preview = operator.get(slide["preview_url"])
    assert preview.status_code == 200 and preview.headers["content-type"] == "image/jpeg"
    picture = Image.open(io.BytesIO(preview.content)).convert("RGB")
    assert picture.size == (640, 360)  # the 1280×720 wall at half scale
    pixels = np.asarray(picture)
    assert colour_share(pixels, (0, 0, 0)) < 0.9  # the photo, darkened, under the words
    assert (pixels.min(axis=2) > 200).mean() > 0.003  # and white words on it

    seen = display_get(server, "/api/wall/announcements").json()
    mine = next(a for a in seen["announcements"] if a["id"] == slide["id"])
    assert mine["title_fr"] == "Concert ce soir 🎺" and mine["every_minutes"] == 15
    image = display_get(server, mine["image_url"])
    assert image.status_code == 200
    stored = Image.open(io.BytesIO(image.content))
    assert stored.size == (960, 720)  # fitted to the wall, never the upload's 1600×1200
    assert not stored.getexif() and "icc_profile" not in stored.info
    with server.client() as stranger:
        assert stranger.get(mine["image_url"]).status_code == 401

    audit = operator.get("/api/moderation/audit").json()["entries"]
    assert any(
        e["action"] == "announcement.create" and e["actor"] == "olga" and slide["id"] in e["reason"]
        for e in audit
    )


def test_the_image_is_made_safe_upright_and_stripped(
    server: AppServer, operator: httpx.Client
) -> None:
    made = create(operator, oriented_gps_jpeg((640, 480), 6), kind="image", title_fr="")
    assert made.status_code == 201, made.text
    seen = display_get(server, "/api/wall/announcements").json()["announcements"]
    url = next(a["image_url"] for a in seen if a["id"] == made.json()["id"])
    stored = Image.open(io.BytesIO(display_get(server, url).content))
    assert stored.size == (480, 640)  # the EXIF rotation applied to the pixels
    assert not stored.getexif()  # no orientation, no GPS: nothing of the file's metadata
    rgb = stored.convert("RGB")
    right, left = rgb.getpixel((475, 320)), rgb.getpixel((10, 320))
    assert right[0] > 180 and right[2] < 80  # the stored top band is now on the right
    assert left[0] < 80 and left[2] > 180


@pytest.mark.parametrize(
    ("fields", "image", "status", "code", "field"),
    [
        (
            {"last_day": (TODAY - timedelta(days=2)).isoformat()},
            None,
            400,
            "window_backwards",
            "last_day",
        ),
        ({"title_fr": "   "}, None, 400, "text_empty", "title_fr"),
        ({"text_en": "x" * 241}, None, 400, "text_too_long", "text_en"),
        ({"title_fr": "y" * 81}, None, 400, "text_too_long", "title_fr"),
        ({"start": "9h30"}, None, 400, "invalid_field", "start"),
        ({"first_day": "14/07/2027"}, None, 400, "invalid_field", "first_day"),
        ({"every_minutes": "0"}, None, 400, "invalid_field", "every_minutes"),
        ({"kind": "image", "title_fr": ""}, None, 400, "image_required", "image"),
        ({}, b"%PDF-1.4 not a picture", 415, "unsupported_type", "image"),
        ({}, distinctive_jpeg(ORANGE)[:400], 422, "undecodable", "image"),
    ],
)
def test_bad_input_is_refused_clearly(
    operator: httpx.Client,
    fields: dict[str, str],
    image: bytes | None,
    status: int,
    code: str,
    field: str,
) -> None:
    before = len(operator.get("/api/console/announcements").json()["announcements"])
    answer = create(operator, image, **fields)
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code and error["field"] == field
    assert error["message"] and "internal" not in error["message"].lower()
    again = operator.post(
        "/api/console/announcements?lang=en",
        data={**CONCERT, **fields},
        files={"image": ("p.jpg", image, "image/jpeg")} if image else None,
    )
    assert again.json()["error"]["message"] != error["message"]  # French, then English
    assert len(operator.get("/api/console/announcements").json()["announcements"]) == before


def test_edit_replace_the_image_and_delete(server: AppServer, operator: httpx.Client) -> None:
    slide = create(operator, distinctive_jpeg(ORANGE, (800, 600), seed=7)).json()
    first_image = next(
        a["image_url"]
        for a in display_get(server, "/api/wall/announcements").json()["announcements"]
        if a["id"] == slide["id"]
    )
    path = f"/api/console/announcements/{slide['id']}"
    changed = operator.put(
        path,
        data={**CONCERT, "cadence": "between", "version": "1", "keep_image": "true"},
        files={"image": ("new.png", _png((30, 60, 200)), "image/png")},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["every_minutes"] is None and changed.json()["version"] == 2
    assert display_get(server, first_image).status_code == 404  # the old file is wiped
    stale = operator.put(path, data={**CONCERT, "version": "1"})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "conflict"
    dropped = operator.put(path, data={**CONCERT, "version": "2", "keep_image": "false"})
    assert dropped.status_code == 200 and not dropped.json()["has_image"]

    assert operator.delete(path).status_code == 204
    assert operator.delete(path).status_code == 404
    ids = [a["id"] for a in display_get(server, "/api/wall/announcements").json()["announcements"]]
    assert slide["id"] not in ids
    actions = [
        e["action"]
        for e in operator.get("/api/moderation/audit").json()["entries"]
        if e["reason"].startswith(slide["id"])
    ]
    assert actions[:4] == [
        "announcement.delete",
        "announcement.edit",
        "announcement.edit",
        "announcement.create",
    ]


def test_a_draft_is_previewed_before_it_is_saved(operator: httpx.Client) -> None:
    answer = operator.post(
        "/api/console/announcements/preview",
        data={**CONCERT, "kind": "image"},
        files={"image": ("p.jpg", distinctive_jpeg(ORANGE, (400, 400)), "image/jpeg")},
    )
    assert answer.status_code == 200, answer.text
    pixels = np.asarray(Image.open(io.BytesIO(answer.content)).convert("RGB"))
    assert colour_share(pixels, ORANGE) > 0.4  # the image whole, on black beside it
    assert pixels[:, :60].max() < 40
    refused = operator.post("/api/console/announcements/preview", data={**CONCERT, "title_fr": ""})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "text_empty"


def test_only_operators_with_their_csrf_token(server: AppServer, tmp_path: Path) -> None:
    del tmp_path
    with login(server, "mia", PASSWORD) as moderator:
        assert moderator.get("/api/console/announcements").status_code == 403
        assert create(moderator).status_code == 403
    with login(server, "olga", PASSWORD) as operator:
        del operator.headers["X-CSRF-Token"]
        refused = create(operator)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf"
    with server.client() as stranger:
        assert stranger.get("/api/console/announcements").status_code == 401


def _png(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), colour).save(buffer, "PNG")
    return buffer.getvalue()
