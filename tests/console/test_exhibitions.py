"""Travelling exhibitions through the app (in-process ASGI): visitors' uploads with and without
the print tick, a moderator's approvals, an operator's picks, the print package unzipped and
read back (the print JPEGs, credits.csv and .txt, the PDF catalogue), then a contributor's
delete and the package again: nothing of that photo is left in it."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from PIL import Image
from pypdf import PdfReader

from staff import texts as staff_texts
from tests.console.test_night import decide
from tests.helpers.accounts import add_account, login
from tests.helpers.app_server import AppServer
from tests.helpers.images import exif_with_gps, textured

PASSWORD = "correct horse battery"
OPERATOR, MODERATOR = "olga", "mia"
ZONE = "Europe/Paris"
PRINT_SIZE = (1600, 1200)  # what the visitor sent: the print rendition keeps it whole
UPLOAD_LABEL = staff_texts.photo_source_labels("fr")["upload"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """One wall for the module: building the app is what an API test pays for."""
    app = AppServer(tmp_path_factory.mktemp("exhibitions"), schedule={"timezone": ZONE}).start()
    add_account(app, OPERATOR, "operator", PASSWORD)
    add_account(app, MODERATOR, "moderator", PASSWORD)
    try:
        yield app
    finally:
        app.stop()


def photo_bytes(colour: tuple[int, int, int], seed: int) -> bytes:
    """A phone's JPEG, with the GPS position a phone writes into it."""
    out = io.BytesIO()
    textured(PRINT_SIZE, colour, seed).save(out, "JPEG", quality=90, exif=exif_with_gps(1))
    return out.getvalue()


def send(server: AppServer, seed: int, **fields: str) -> dict[str, Any]:
    with server.client() as phone:
        assert phone.get("/").status_code == 200  # the upload page gives the phone its token
        answer = phone.post(
            "/api/photos",
            files={"file": ("p.jpg", photo_bytes((40 + seed * 30, 120, 200 - seed * 20), seed))},
            data={"consent": "true", **fields},
        )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def package(operator: httpx.Client, exhibition: str, job: str) -> zipfile.ZipFile:
    answer = operator.get(f"/api/console/exhibitions/{exhibition}/package", params={"job": job})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zip"
    assert answer.headers["x-accel-buffering"] == "no"  # streamed through nginx as written
    assert re.fullmatch(
        r'attachment; filename="exposition-regards-d-ete-2027-\d{4}-\d{2}-\d{2}\.zip"',
        answer.headers["content-disposition"],
    )
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    assert archive.testzip() is None  # every entry's CRC checks out
    return archive


def credits_rows(archive: zipfile.ZipFile) -> list[list[str]]:
    text = archive.read("credits.csv").decode("utf-8")
    assert text.startswith("\ufeff")  # a spreadsheet then reads the accents
    return list(csv.reader(io.StringIO(text[1:])))


def pdf_pages(archive: zipfile.ZipFile) -> list[str]:
    reader = PdfReader(io.BytesIO(archive.read("catalogue.pdf")))
    return [
        " ".join((page.extract_text() or "").replace("\u00a0", " ").split())
        for page in reader.pages
    ]


def check_print_file(data: bytes) -> None:
    """The full-size print rendition: the visitor's pixels, none of their phone's metadata."""
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG" and image.mode == "RGB"
        assert image.size == PRINT_SIZE
        assert not image.getexif()  # no GPS, no camera, nothing
        assert not any(key in image.info for key in ("exif", "xmp", "XML:com.adobe.xmp"))
    assert b"Exif\x00\x00" not in data and b"GPS" not in data


def test_the_package_holds_exactly_the_consented_photos_and_nothing_after_a_delete(
    server: AppServer,
) -> None:
    lea = send(server, 1, consent_print="true", author="Léa Martin", speaker="resident",
               speaker_in_credit="true", caption="Coucher de soleil à la Collégiale")  # fmt: skip
    omar = send(server, 2, consent_print="true", author="عمر", speaker="visiting",
                caption="夕阳 sur la place")  # fmt: skip
    zoe = send(server, 3, author="Zoé")  # no print tick
    nameless = send(server, 4, consent_print="true", caption="=HYPERLINK(1)")
    waiting = send(server, 5, consent_print="true", author="Yann")
    with login(server, MODERATOR, PASSWORD) as moderator:
        for photo in (lea, omar, zoe, nameless):
            decide(moderator, photo["id"], "approve")

    with login(server, OPERATOR, PASSWORD) as operator:
        made = operator.post("/api/console/exhibitions", json={"name": "  Regards d'été   2027 "})
        assert made.status_code == 201, made.text
        exhibition = made.json()["id"]
        assert made.json()["name"] == "Regards d'été 2027"
        offered = operator.get("/api/console/print-photos").json()
        assert {p["id"] for p in offered["photos"]} == {lea["id"], omar["id"], nameless["id"]}
        assert offered["total"] == 3 and all(p["thumb_url"] for p in offered["photos"])

        path = f"/api/console/exhibitions/{exhibition}/photos"
        for photo in (lea, omar, nameless):
            picked = operator.put(f"{path}/{photo['id']}")
            assert picked.status_code == 200, picked.text
        assert picked.json()["photo_count"] == 3
        for photo, status, code in (
            (zoe, 409, "not_print_consented"),
            (waiting, 409, "not_approved"),
            ({"id": "no-such-photo"}, 404, "not_found"),
        ):
            refused = operator.put(f"{path}/{photo['id']}")
            assert (refused.status_code, refused.json()["error"]["code"]) == (status, code)
            assert refused.json()["error"]["message"]  # in words, for the operator

        archive = package(operator, exhibition, "job-before-delete")
        ids = [lea["id"], omar["id"], nameless["id"]]
        expected = [f"001_lea-martin_{ids[0]}.jpg", f"002_anonyme_{ids[1]}.jpg",
                    f"003_anonyme_{ids[2]}.jpg"]  # fmt: skip
        assert archive.namelist() == [*expected, "credits.csv", "credits.txt", "catalogue.pdf"]
        for name in expected:
            assert archive.getinfo(name).compress_type == zipfile.ZIP_STORED
            check_print_file(archive.read(name))
        day = datetime.now(UTC).astimezone(ZoneInfo(ZONE)).date().isoformat()
        assert credits_rows(archive) == [
            ["numéro", "fichier", "auteur", "légende", "date", "source", "qui parle"],
            ["1", expected[0], "Léa Martin", "Coucher de soleil à la Collégiale", day,
             UPLOAD_LABEL, "habite ici"],
            ["2", expected[1], "عمر", "夕阳 sur la place", day, UPLOAD_LABEL, ""],  # not ticked
            ["3", expected[2], "", "'=HYPERLINK(1)", day, UPLOAD_LABEL, ""],  # not a formula
        ]  # fmt: skip
        listing = archive.read("credits.txt").decode("utf-8").replace("\u00a0", " ")
        assert "Photo : Léa Martin · habite ici" in listing and expected[1] in listing
        pages = pdf_pages(archive)
        assert len(pages) == 4  # the cover, then a page per photo
        assert "Regards d'été 2027" in pages[0] and "3 photos" in pages[0]
        assert "Coucher de soleil à la Collégiale" in pages[1]
        assert "Photo : Léa Martin · habite ici" in pages[1]
        assert "夕阳" in pages[2] and "visiting" not in pages[2] and "passage" not in pages[2]
        progress = operator.get(
            f"/api/console/exhibitions/{exhibition}/progress", params={"job": "job-before-delete"}
        )
        assert progress.json() == {"phase": "done", "done": 3, "total": 3}

        with server.client() as phone:
            gone = phone.delete(
                f"/api/photos/{omar['id']}", params={"token": omar["receipt_token"]}
            )
        assert gone.status_code == 204
        now = operator.get(f"/api/console/exhibitions/{exhibition}").json()
        assert now["photo_count"] == 2 and [p["id"] for p in now["photos"]] == [ids[0], ids[2]]
        after = package(operator, exhibition, "job-after-delete")
        assert after.namelist() == [
            f"001_lea-martin_{ids[0]}.jpg", f"002_anonyme_{ids[2]}.jpg",
            "credits.csv", "credits.txt", "catalogue.pdf",
        ]  # fmt: skip
        assert [row[0] for row in credits_rows(after)[1:]] == ["1", "2"]
        pages = pdf_pages(after)
        assert len(pages) == 3 and not any("夕阳" in page for page in pages)
        for name in after.namelist():
            content = after.read(name)
            assert omar["id"].encode() not in content and "عمر".encode() not in content, name
        check_audit(operator)


def check_audit(operator: httpx.Client) -> None:
    """Each download is in the audit log operators read: who, when, which exhibition, how
    many photos."""
    entries = operator.get("/api/moderation/audit", params={"limit": 50}).json()["entries"]
    exports = [e for e in entries if e["action"] == "exhibition.export"]
    assert [(e["actor"], e["reason"].split(" (")[-1]) for e in exports] == [
        (OPERATOR, "2 photos)"),  # newest first: the package after the delete
        (OPERATOR, "3 photos)"),
    ]
    assert all("Regards d'été 2027" in e["reason"] and e["at"] for e in exports)


def test_operators_only_and_every_bad_input_named(server: AppServer) -> None:
    paths = ["/api/console/exhibitions", "/api/console/print-photos"]
    with server.client() as anonymous:
        for path in paths:
            assert anonymous.get(path).status_code == 401
    with login(server, MODERATOR, PASSWORD) as moderator:
        for path in paths:
            answer = moderator.get(path)
            assert (answer.status_code, answer.json()["error"]["code"]) == (403, "forbidden")
        assert moderator.post(paths[0], json={"name": "X"}).status_code == 403
    with login(server, OPERATOR, PASSWORD) as operator:
        for name in ("", "   ", "x" * 81, "bell\x07"):
            bad = operator.post(paths[0], json={"name": name})
            assert bad.status_code == 400 and bad.json()["error"]["field"] == "name", name
        assert operator.post(paths[0], json={"name": "Hiver"}).status_code == 201
        twice = operator.post(paths[0], json={"name": "HIVER"})
        assert (twice.status_code, twice.json()["error"]["code"]) == (409, "exhibition_exists")
        base = "/api/console/exhibitions/no-such-one"
        for method, path in (
            ("GET", base),
            ("DELETE", base),
            ("PUT", f"{base}/photos/abc"),
            ("GET", f"{base}/package"),
        ):
            answer = operator.request(method, path)
            assert (answer.status_code, answer.json()["error"]["code"]) == (
                404,
                "exhibition_not_found",
            ), (method, path)
        hiver = next(
            e for e in operator.get(paths[0]).json()["exhibitions"] if e["name"] == "Hiver"
        )
        progress = f"/api/console/exhibitions/{hiver['id']}/progress"
        assert operator.get(progress, params={"job": "bad job!"}).json()["error"]["field"] == "job"
        assert operator.get(progress, params={"job": "never-started"}).status_code == 404
        assert operator.get(paths[1], params={"limit": 0}).status_code == 400
        assert operator.delete(f"/api/console/exhibitions/{hiver['id']}").status_code == 204


def test_an_empty_exhibition_still_gives_a_package_that_says_so(
    server: AppServer, tmp_path: Path
) -> None:
    del tmp_path
    with login(server, OPERATOR, PASSWORD) as operator:
        made = operator.post("/api/console/exhibitions", json={"name": "Vide"}).json()
        answer = operator.get(
            f"/api/console/exhibitions/{made['id']}/package", params={"lang": "en"}
        )
        archive = zipfile.ZipFile(io.BytesIO(answer.content))
        assert archive.namelist() == ["credits.csv", "credits.txt", "catalogue.pdf"]
        assert credits_rows(archive) == [
            ["number", "file", "author", "caption", "date", "source", "speaker"]
        ]
        (cover,) = pdf_pages(archive)
        assert "Exhibition catalogue" in cover and "0 photos" in cover
