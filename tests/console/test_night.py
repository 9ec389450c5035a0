"""The night's figures and contact sheet through the real server: uploads from several
visitors, a trusted folder, moderators' decisions (one undone), the display's reports of
what it showed, a contributor's delete; then the numbers and the sheets' pixels."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import httpx
import numpy as np
import pytest
from PIL import Image, PdfParser

from console.api import SHOWN_HEADER
from console.contact_sheet import HEADER_HEIGHT, MARGIN
from tests.helpers.accounts import add_account, login
from tests.helpers.app_server import AppServer
from tests.helpers.images import distinctive_jpeg, jpeg
from tests.helpers.wall_display import colour_share

PASSWORD = "correct horse battery"
OPERATOR, MODERATOR = "olga", "mia"
FOLDER_SOURCE = "festival"
WAIT_S = 30.0  # the folder is scanned each second; a file must sit still a second first
# A thumbnail box on the sheet is 262 × 196 px; a photo "is on the sheet" when this many
# pixels carry its colour, and "is not" under the second bound (text and edges stay far).
PRESENT_PX = 20_000
ABSENT_PX = 2_000

RED = (220, 30, 30)
GREEN = (30, 200, 60)
BLUE = (30, 60, 220)
YELLOW = (230, 210, 30)
MAGENTA = (220, 40, 200)
CYAN = (40, 210, 220)


def midnight_zone(now: datetime) -> str:
    """A fixed-offset zone where it is now between 00:00 and 00:59: the night's edges (noon)
    are 11 hours away on either side, so no test run straddles two nights."""
    offset = -now.astimezone(UTC).hour % 24
    if offset > 11:
        offset -= 24
    # POSIX-style names: "Etc/GMT-9" is nine hours ahead of UTC.
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


def expected_night(zone: str, now: datetime) -> str:
    local = now.astimezone(ZoneInfo(zone))
    day = local.date() if local.hour >= 12 else local.date() - timedelta(days=1)
    return day.isoformat()


def wait_for(condition: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"not within {WAIT_S} s: {what}")


class Wall(NamedTuple):
    server: AppServer
    zone: str
    folder: Path  # a trusted folder source: what lands there is approved by itself


@pytest.fixture
def wall(make_app_server: Callable[..., AppServer], tmp_path: Path) -> Wall:
    folder = tmp_path / "drop"
    folder.mkdir()
    zone = midnight_zone(datetime.now(UTC))
    server: AppServer = make_app_server(
        server={"trusted_proxies": ["127.0.0.1"]},
        schedule={"timezone": zone},
        sources={"folder": [{"path": str(folder), "source": FOLDER_SOURCE, "approve": True}]},
    )
    add_account(server, OPERATOR, "operator", PASSWORD)
    add_account(server, MODERATOR, "moderator", PASSWORD)
    return Wall(server, zone, folder)


@contextmanager
def phones(server: AppServer, addresses: dict[str, str]) -> Iterator[dict[str, httpx.Client]]:
    """Visitors' phones behind the trusted proxy, by name: each loads the upload page first,
    which gives it its device token; several may share one address (a venue's Wi-Fi)."""
    with ExitStack() as stack:
        found = {}
        for name, address in addresses.items():
            client = stack.enter_context(server.client(headers={"X-Forwarded-For": address}))
            assert client.get("/").status_code == 200
            found[name] = client
        yield found


def upload(phone: httpx.Client, data: bytes, author: str = "") -> dict[str, Any]:
    """One photo from a visitor's phone: one contributor per phone, whatever its address."""
    answer = phone.post(
        "/api/photos",
        files={"file": ("p.jpg", data, "image/jpeg")},
        data={"consent": "true", "author": author},
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


@contextmanager
def signed_in(server: AppServer, name: str) -> Iterator[httpx.Client]:
    with login(server, name, PASSWORD) as client:
        yield client


def decide(moderator: httpx.Client, photo_id: str, decision: str) -> None:
    found = moderator.get("/api/moderation/queue?status=pending&limit=100").json()["photos"]
    found += moderator.get("/api/moderation/queue?status=approved&limit=100").json()["photos"]
    (photo,) = [p for p in found if p["id"] == photo_id]
    answer = moderator.post(
        f"/api/moderation/photos/{photo_id}/decision",
        json={"decision": decision, "version": photo["version"]},
    )
    assert answer.status_code == 200, answer.text


def report_shown(server: AppServer, photo_ids: list[str]) -> None:
    """What `wall display` sends each second: a small picture and the photos on screen."""
    with server.client() as display:
        answer = display.post(
            "/api/display/preview",
            content=jpeg(Image.new("RGB", (64, 36), (10, 10, 10))),
            headers={
                "Authorization": f"Bearer {server.display_token}",
                "Content-Type": "image/jpeg",
                SHOWN_HEADER: ",".join(photo_ids),
            },
        )
    assert answer.status_code == 204, answer.text


def figures(operator: httpx.Client, night: str | None = None) -> dict[str, Any]:
    answer = operator.get("/api/console/night", params={"night": night} if night else {})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def sheet(operator: httpx.Client, night: str, fmt: str) -> bytes:
    answer = operator.get("/api/console/contact-sheet", params={"night": night, "format": fmt})
    assert answer.status_code == 200, answer.text
    extension = {"jpeg": "jpg", "pdf": "pdf"}[fmt]
    expected = f'attachment; filename="wall-{night}.{extension}"'
    assert answer.headers["content-disposition"] == expected
    return answer.content


def colour_pixels(image: Image.Image, colour: tuple[int, int, int]) -> int:
    frame = np.asarray(image.convert("RGB"))
    return int(round(colour_share(frame, colour) * frame.shape[0] * frame.shape[1]))


def colours_on(image: Image.Image, palette: dict[str, tuple[int, int, int]]) -> set[str]:
    """The names of the palette's photos on the sheet; a colour half there fails the test."""
    present = set()
    for name, colour in palette.items():
        pixels = colour_pixels(image, colour)
        assert pixels >= PRESENT_PX or pixels < ABSENT_PX, (name, pixels)
        if pixels >= PRESENT_PX:
            present.add(name)
    return present


def pdf_pages(data: bytes) -> list[Image.Image]:
    """Each page's picture, read back with Pillow's PDF parser (no PDF library involved)."""
    assert data.startswith(b"%PDF-")
    raw_pages = re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data)
    pdf = PdfParser.PdfParser(buf=data)
    assert len(pdf.pages) == len(raw_pages)
    pictures: list[Image.Image] = []
    for ref in pdf.pages:
        page = pdf.read_indirect(ref)
        stream = pdf.read_indirect(page[b"Resources"][b"XObject"][b"image"])
        pictures.append(Image.open(io.BytesIO(bytes(stream.buf)), formats=["JPEG"]))
    return pictures


def test_the_nights_figures_and_sheet_follow_what_happened(wall: Wall) -> None:
    server, zone = wall.server, wall.zone
    started = datetime.now(UTC)
    night = expected_night(zone, started)
    # Ana and Bruno share the venue's Wi-Fi: two phones, one address, two contributors.
    addresses = {"ana": "10.0.0.1", "bruno": "10.0.0.1", "chloe": "10.0.0.3"}
    with phones(server, addresses) as phone:
        photo = {
            "red": upload(phone["ana"], distinctive_jpeg(RED, seed=1), "Ana"),
            "green": upload(phone["ana"], distinctive_jpeg(GREEN, seed=2)),
            "blue": upload(phone["bruno"], distinctive_jpeg(BLUE, seed=3), "Bruno"),
            "yellow": upload(phone["chloe"], distinctive_jpeg(YELLOW, seed=4)),
            "magenta": upload(phone["bruno"], distinctive_jpeg(MAGENTA, seed=5)),
        }
        # The same bytes again: refused on arrival by policy, an automatic rejection.
        copy = upload(phone["chloe"], distinctive_jpeg(RED, seed=1))
    assert copy["status"] == "rejected"
    (wall.folder / "cyan.jpg").write_bytes(distinctive_jpeg(CYAN, seed=6))
    ids = {name: p["id"] for name, p in photo.items()}

    with signed_in(server, MODERATOR) as moderator:
        for name in ("red", "green", "blue", "magenta"):
            decide(moderator, ids[name], "approve")
        decide(moderator, ids["yellow"], "approve")
        assert moderator.post("/api/moderation/undo").status_code == 200  # taken back at once
        decide(moderator, ids["yellow"], "reject")
        decide(moderator, ids["magenta"], "remove")

    with signed_in(server, OPERATOR) as operator:
        wait_for(lambda: figures(operator)["approved"] == 5, "the folder's photo, approved")
        report_shown(server, [ids["red"], ids["green"], ids["blue"], "no-such-photo"])
        report_shown(server, [ids["red"], ids["green"]])  # the same ones again: counted once

        now = figures(operator)
        finished = datetime.now(UTC)
        assert now["night"] == night
        assert now["timezone"] == zone
        assert {k: now[k] for k in ("received", "approved", "rejected", "removed")} == {
            "received": 7,  # five uploads, the copy, the folder's photo
            "approved": 5,  # red, green, blue, magenta (removed later), cyan; not yellow
            "rejected": 2,  # yellow by a moderator, the copy by policy
            "removed": 1,
        }
        assert (now["deleted"], now["shown"], now["contributors"]) == (0, 3, 3)
        assert now["by_source"] == [
            {"source": "upload", "received": 6, "approved": 4, "rejected": 2},
            {"source": FOLDER_SOURCE, "received": 1, "approved": 1, "rejected": 0},
        ]
        check_hours(now["by_hour"], zone, started, finished, received=7, approved=5)

        palette = {
            "red": RED,
            "green": GREEN,
            "blue": BLUE,
            "yellow": YELLOW,
            "magenta": MAGENTA,
            "cyan": CYAN,
        }
        on_wall = {"red", "green", "blue", "cyan"}
        tall = Image.open(io.BytesIO(sheet(operator, night, "jpeg")), formats=["JPEG"])
        assert colours_on(tall, palette) == on_wall
        (page,) = pdf_pages(sheet(operator, night, "pdf"))
        assert colours_on(page, palette) == on_wall

        # Green's contributor deletes it: gone from what was shown and from the sheet.
        with server.client() as visitor:
            gone = visitor.delete(
                f"/api/photos/{ids['green']}", params={"token": photo["green"]["receipt_token"]}
            )
        assert gone.status_code == 204
        after = figures(operator, night)
        assert (after["deleted"], after["shown"], after["received"]) == (1, 2, 7)
        assert after["contributors"] == 3  # Ana's phone still sent red
        tall = Image.open(io.BytesIO(sheet(operator, night, "jpeg")), formats=["JPEG"])
        assert colours_on(tall, palette) == on_wall - {"green"}
        (page,) = pdf_pages(sheet(operator, night, "pdf"))
        assert colours_on(page, palette) == on_wall - {"green"}


def check_hours(
    hours: list[dict[str, int]],
    zone: str,
    started: datetime,
    finished: datetime,
    received: int,
    approved: int,
) -> None:
    """24 local hours from noon; everything in the hours the test ran through."""
    assert [h["hour"] for h in hours] == [*range(12, 24), *range(12)]
    first = started.astimezone(ZoneInfo(zone)).hour
    last = finished.astimezone(ZoneInfo(zone)).hour
    busy = {h["hour"] for h in hours if h["received"] or h["approved"]}
    assert busy and busy <= {first, last}, (busy, first, last)
    assert sum(h["received"] for h in hours) == received
    assert sum(h["approved"] for h in hours) == approved


def test_an_empty_night_and_a_night_of_many_pages(wall: Wall) -> None:
    server = wall.server
    night = expected_night(wall.zone, datetime.now(UTC))
    count = 21  # one more than a page holds
    for index in range(count):
        colour = (40 + index * 9, 200 - index * 7, 60 + index * 8)
        (wall.folder / f"{index:02}.jpg").write_bytes(distinctive_jpeg(colour, seed=index))

    with signed_in(server, OPERATOR) as operator:
        wait_for(lambda: figures(operator)["approved"] == count, f"{count} folder photos")
        pages = pdf_pages(sheet(operator, night, "pdf"))
        assert len(pages) == 2
        assert all(p.size == (1240, 1754) for p in pages)
        tall = Image.open(io.BytesIO(sheet(operator, night, "jpeg")), formats=["JPEG"])
        assert tall.width == 1240 and tall.height < 12_000

        before = (datetime.fromisoformat(night) - timedelta(days=1)).date().isoformat()
        empty = figures(operator, before)
        assert empty["night"] == before
        assert [empty[k] for k in ("received", "approved", "rejected", "shown")] == [0] * 4
        assert empty["by_source"] == []
        assert len(empty["by_hour"]) == 24
        assert not any(h["received"] or h["approved"] for h in empty["by_hour"])
        (blank,) = pdf_pages(sheet(operator, before, "pdf"))
        tall = Image.open(io.BytesIO(sheet(operator, before, "jpeg")), formats=["JPEG"])
        for empty_sheet in (blank, tall):
            assert_says_empty(empty_sheet)


def assert_says_empty(image: Image.Image) -> None:
    """Below the heading: a line of dark text, and no photo (nothing coloured)."""
    pixels = np.asarray(image.convert("RGB")).astype(np.int16)
    below = pixels[MARGIN + HEADER_HEIGHT :]
    assert (below.max(axis=2) < 128).sum() > 500  # the sentence saying so
    assert (below.max(axis=2) - below.min(axis=2)).max() < 40  # greys only: no thumbnail


BAD_QUERIES = [
    ({"night": "2027-02-30"}, "night"),
    ({"night": "tonight"}, "night"),
    ({"night": "9999-12-31"}, "night"),  # its end, the next noon, is past the calendar
    ({"night": "2027-07-14", "format": "png"}, "format"),
]
# What each message must show the person who typed the query (French: no Accept-Language).
MESSAGE_HINTS = {"night": "AAAA-MM-JJ", "format": "jpeg"}


def test_operators_only_and_bad_queries_named(app_server: AppServer) -> None:
    add_account(app_server, OPERATOR, "operator", PASSWORD)
    add_account(app_server, MODERATOR, "moderator", PASSWORD)
    paths = ["/api/console/night", "/api/console/contact-sheet"]
    with app_server.client() as anonymous:
        for path in paths:
            answer = anonymous.get(path, params={"night": "tonight"})  # who, before what
            assert answer.status_code == 401
            assert answer.json()["error"]["code"] == "unauthorized"
    with signed_in(app_server, MODERATOR) as moderator:
        for path in paths:
            answer = moderator.get(path)
            assert answer.status_code == 403
            assert answer.json()["error"]["code"] == "forbidden"
    with signed_in(app_server, OPERATOR) as operator:
        for params, field in BAD_QUERIES:
            for path in paths[1:] if field == "format" else paths:
                answer = operator.get(path, params=params)
                assert answer.status_code == 400, (params, answer.text)
                error = answer.json()["error"]
                assert (error["code"], error["field"]) == ("invalid_field", field)
                assert MESSAGE_HINTS[field] in error["message"], error
