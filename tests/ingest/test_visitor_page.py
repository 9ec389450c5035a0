"""The visitor's phone pages in headless Chromium, against the real `wall serve`.

What a visitor in the street does: read the page in French (or switch to English), pick a
photo, consent, send over a flaky network, keep the receipt, and later delete the photo.
"""

from __future__ import annotations

import base64
import io
import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pillow_heif
import pytest
from PIL import Image
from playwright.sync_api import Browser, Route, expect

from tests.conftest import SAMPLES_DIR
from tests.helpers.browser import WatchedPage, phone_context
from tests.helpers.pages import assert_no_inline_code
from tests.helpers.server import LiveServer
from wall.i18n import CONSENT_VERSION

SAMPLE = SAMPLES_DIR / "astronaut.jpg"
XSS_CAPTION = "<img src=x onerror=alert(1)>"
EXIF_ORIENTATION = 0x0112
ROTATED_90_CW = 6  # stored landscape, shown portrait: a phone held upright
RECEIPT_TIMEOUT_MS = 30_000
# Records what the page hands to XMLHttpRequest: the bytes that leave the phone.
RECORD_UPLOADS_JS = """
window.__sent = [];
const originalSend = XMLHttpRequest.prototype.send;
XMLHttpRequest.prototype.send = function (body) {
  if (body instanceof FormData) window.__sent.push(body);
  return originalSend.call(this, body);
};
"""
READ_UPLOADS_JS = """
async () => Promise.all(window.__sent.map(async (form) => {
  const fields = {};
  for (const [name, value] of form.entries()) {
    if (typeof value === "string") { fields[name] = value; continue; }
    const dataUrl = await new Promise((resolve) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result);
      reader.readAsDataURL(value);
    });
    fields[name] = {name: value.name, type: value.type, data: dataUrl.split(",")[1]};
  }
  return fields;
}))
"""


class Phone(WatchedPage):
    """A phone-sized page on the live server, recording what a test must never see."""

    def record_uploads(self) -> None:
        """From the next navigation on, keep every form the page uploads."""
        self.page.add_init_script(RECORD_UPLOADS_JS)

    def sent_forms(self) -> list[dict[str, Any]]:
        """The forms the page uploaded, files as {name, type, data: bytes}."""
        forms: list[dict[str, Any]] = self.page.evaluate(READ_UPLOADS_JS)
        for form in forms:
            for value in form.values():
                if isinstance(value, dict):
                    value["data"] = base64.b64decode(value["data"])
        return forms

    def send_photo(self, path: Path, caption: str = "", author: str = "") -> None:
        page = self.page
        page.set_input_files("#photo", str(path))
        expect(page.locator("#preview")).to_be_visible()
        if caption:
            page.fill("#caption", caption)
        if author:
            page.fill("#author", author)
        page.check("#consent")
        page.click("#send")

    def wait_for_receipt(self) -> dict[str, str]:
        """The receipt the page shows and keeps; returns it as stored on the phone."""
        expect(self.page.locator("#receipt-box")).to_be_visible(timeout=RECEIPT_TIMEOUT_MS)
        stored = self.stored_receipts()
        assert len(stored) == 1, stored
        return stored[0]

    def stored_receipts(self) -> list[dict[str, str]]:
        raw = self.page.evaluate("() => localStorage.getItem('wall.receipts')")
        return json.loads(raw) if raw else []


@pytest.fixture
def phone(browser: Browser, live_server: LiveServer) -> Iterator[Phone]:
    with phone_context(browser, live_server.url) as context:
        phone = Phone(context.new_page())
        yield phone
        assert phone.script_errors == []
        assert phone.csp_violations == []
        assert phone.dialogs == []


def normalised(text: str) -> str:
    """French typesetting uses non-breaking spaces; tests compare words."""
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def api_status(live_server: LiveServer, receipt: dict[str, str]) -> Any:
    with live_server.client() as client:
        return client.get(f"/api/photos/{receipt['id']}", params={"token": receipt["token"]})


def big_phone_photo(tmp_path: Path) -> Path:
    """A 4000×3000 JPEG stored landscape with EXIF "rotate 90°": a portrait phone photo."""
    path = tmp_path / "IMG_0001.jpg"
    with Image.open(SAMPLE) as sample:
        image = sample.convert("RGB").resize((4000, 3000), Image.Resampling.BICUBIC)
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = ROTATED_90_CW
    image.save(path, quality=95, exif=exif)
    return path


# --- Language -----------------------------------------------------------------------------------


def test_page_is_french_by_default_and_switches_to_english(phone: Phone) -> None:
    page = phone.page
    response = page.goto("/")
    assert response is not None and response.headers["content-language"] == "fr"
    assert page.get_attribute("html", "lang") == "fr"
    expect(page.locator("h1")).to_have_text("Envoyer une photo")
    consent = normalised(page.inner_text("label[for=consent]"))
    assert "J'ai pris cette photo" in consent and "j'ai 15 ans ou plus" in consent
    assert "projection sur le Mur participatif pendant la saison du 1er juin au 30 septembre" in (
        consent
    )
    expect(page.locator("#send")).to_be_disabled()
    expect(page.locator("#consent")).not_to_be_checked()

    page.set_input_files("#photo", str(SAMPLE))
    expect(page.locator("#send")).to_be_disabled()  # a photo alone is not enough
    page.check("#consent")
    expect(page.locator("#send")).to_be_enabled()
    page.uncheck("#consent")
    expect(page.locator("#send")).to_be_disabled()

    page.click("text=English")
    expect(page.locator("h1")).to_have_text("Send a photo")
    assert page.get_attribute("html", "lang") == "en"
    assert "I am 15 or older" in page.inner_text("label[for=consent]")
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["lang"]["value"] == "en" and cookies["lang"]["sameSite"] == "Lax"
    page.goto("/")  # the choice is remembered
    expect(page.locator("#send")).to_have_text("Send the photo")


def test_language_follows_the_browser_and_pages_carry_no_inline_script(
    live_server: LiveServer,
) -> None:
    with live_server.client() as client:
        english = client.get("/", headers={"Accept-Language": "de-DE, en;q=0.8, fr;q=0.5"})
        assert english.headers["content-language"] == "en"
        assert '<html lang="en">' in english.text
        forced = client.get("/?lang=fr", headers={"Accept-Language": "en"})
        assert forced.headers["content-language"] == "fr"
        assert "lang=fr" in forced.headers["set-cookie"]
        assert client.get("/r/bad.id!").status_code == 404
        for page in (english, client.get("/r/abc")):
            assert_no_inline_code(page)


# --- Upload, receipt, deletion ------------------------------------------------------------------


def test_send_see_progress_and_receipt_then_delete(phone: Phone, live_server: LiveServer) -> None:
    page = phone.page
    phone.record_uploads()
    page.goto("/")
    phone.send_photo(SAMPLE, caption="Vue du pont", author="Ana")
    receipt = phone.wait_for_receipt()

    assert normalised(page.inner_text("#receipt-status")) == (
        "Votre photo est en attente de modération."
    )
    expect(page.locator("#progress-box")).to_be_hidden()  # (tests/ingest/test_upload_honesty.py)
    link = page.get_attribute("#receipt-link", "href")
    assert link == f"/r/{receipt['id']}#t={receipt['token']}"
    # A small photo travels untouched, with the consent the server must record.
    (form,) = phone.sent_forms()
    assert form["file"]["data"] == SAMPLE.read_bytes()
    assert form["consent"] == "true" and form["consent_version"] == CONSENT_VERSION
    assert (form["caption"], form["author"], form["lang"]) == ("Vue du pont", "Ana", "fr")

    page.reload()  # the phone remembers its photos
    expect(page.locator("#my-photos-list li")).to_have_count(1)
    expect(page.locator("#my-photos-list")).to_contain_text("Vue du pont")

    page.click("#my-photos-list a")
    expect(page.locator("#photo-status")).to_have_text("En attente de modération")
    expect(page.locator("#photo-caption")).to_have_text("Vue du pont")
    expect(page.locator("#photo-author")).to_have_text("Ana")
    page.click("#delete")
    expect(page.locator("#confirm")).to_be_visible()
    page.click("#confirm-no")  # changing one's mind deletes nothing
    assert api_status(live_server, receipt).status_code == 200
    page.click("#delete")
    page.click("#confirm-yes")
    expect(page.locator("#message")).to_have_text("Votre photo a été supprimée.")
    assert "#t=" not in page.url  # the spent token leaves the address bar

    gone = api_status(live_server, receipt)
    assert gone.status_code == 404 or gone.json()["status"] == "deleted"
    assert phone.stored_receipts() == []


def test_big_photo_is_downscaled_on_the_phone_keeping_orientation(
    phone: Phone, live_server: LiveServer, tmp_path: Path
) -> None:
    page = phone.page
    phone.record_uploads()
    page.goto("/")
    phone.send_photo(big_phone_photo(tmp_path))
    receipt = phone.wait_for_receipt()
    (form,) = phone.sent_forms()
    assert form["file"]["type"] == "image/jpeg" and form["file"]["name"] == "IMG_0001.jpg"
    with Image.open(io.BytesIO(form["file"]["data"])) as sent:
        assert sent.format == "JPEG"
        assert sent.size == (1920, 2560)  # upright portrait, long edge 2560
        assert sent.getexif().get(EXIF_ORIENTATION, 1) == 1
    assert len(form["file"]["data"]) < 1_500_000
    assert api_status(live_server, receipt).json()["status"] == "pending"


def test_a_finger_says_who_is_speaking_and_ticks_print(
    phone: Phone, live_server: LiveServer, tmp_path: Path
) -> None:
    """On a phone, with taps: "I live here", shown with the name, and the print tick. The
    photo then goes whole (a print needs every pixel), and the server records the choices
    and keeps a full-size, upright print rendition."""
    page = phone.page
    phone.record_uploads()
    page.goto("/")
    photo = big_phone_photo(tmp_path)
    page.set_input_files("#photo", str(photo))
    choices = page.locator("fieldset.speaker")
    expect(choices.locator("legend")).to_have_text("Qui parle ? (facultatif)")
    expect(page.get_by_role("radiogroup", name="Qui parle ? (facultatif)")).to_be_visible()
    unsaid = page.get_by_role("radio", name="Je préfère ne pas dire")
    expect(unsaid).to_be_checked()
    expect(page.locator("#speaker-credit")).to_be_disabled()  # nothing said: nothing to show
    for label in choices.locator("label.choice").all():
        box = label.bounding_box()
        assert box is not None and box["height"] >= 48 and box["width"] >= 120, box
    page.tap("label[for=speaker-resident]")
    expect(page.get_by_role("radio", name="J'habite ici")).to_be_checked()
    expect(unsaid).not_to_be_checked()
    page.tap("label[for=speaker-credit]")
    page.tap("label[for=consent-print]")
    expect(page.locator("#consent-print")).to_be_checked()
    page.tap("label[for=consent]")
    page.tap("#send")
    receipt = phone.wait_for_receipt()

    (form,) = phone.sent_forms()
    assert form["file"]["data"] == photo.read_bytes()  # whole, not the 2560 px copy
    assert (form["consent_print"], form["speaker"], form["speaker_in_credit"]) == (
        "true",
        "resident",
        "true",
    )
    status = api_status(live_server, receipt).json()
    assert status["consent_scopes"] == ["print", "wall"]
    assert (status["speaker"], status["speaker_in_credit"]) == ("resident", True)
    with closing(sqlite3.connect(live_server.data_dir / "wall.sqlite3")) as db:
        printed = db.execute(
            "SELECT width, height FROM renditions WHERE photo_id = ? AND kind = 'print'",
            (receipt["id"],),
        ).fetchall()
    assert printed == [(3000, 4000)]  # every pixel, upright

    page.tap("#receipt-link")  # the receipt page says what was consented
    expect(page.locator("#photo-scopes li")).to_have_text(
        ["Projection sur le mur", "Impression pour les expositions itinérantes de l'office"]
    )
    expect(page.locator("#photo-speaker")).to_have_text("J'habite ici, affiché avec votre nom")


def test_photo_the_browser_cannot_decode_is_sent_unchanged(
    phone: Phone, live_server: LiveServer, tmp_path: Path
) -> None:
    """HEIC (iPhones) does not decode in desktop Chrome: the server decodes it instead."""
    heic = tmp_path / "IMG_0002.heic"
    pillow_heif.register_heif_opener()
    with Image.open(SAMPLE) as sample:
        sample.save(heic, format="HEIF", quality=80)
    page = phone.page
    phone.record_uploads()
    page.goto("/")
    phone.send_photo(heic)
    receipt = phone.wait_for_receipt()
    (form,) = phone.sent_forms()
    assert form["file"]["data"] == heic.read_bytes()
    assert api_status(live_server, receipt).json()["status"] == "pending"


def test_caption_with_markup_is_shown_as_text(phone: Phone) -> None:
    page = phone.page
    page.goto("/")
    phone.send_photo(SAMPLE, caption=XSS_CAPTION, author="<b>Ana</b>")
    receipt = phone.wait_for_receipt()
    expect(page.locator("#my-photos-list .help")).to_have_text(XSS_CAPTION)
    assert page.locator("#my-photos img").count() == 0

    page.goto(f"/r/{receipt['id']}#t={receipt['token']}")
    expect(page.locator("#photo-caption")).to_have_text(XSS_CAPTION)
    expect(page.locator("#photo-author")).to_have_text("<b>Ana</b>")
    assert page.locator("#receipt img, #receipt b").count() == 0
    page.wait_for_timeout(300)  # an injected onerror would have fired by now
    assert phone.dialogs == []


# --- A weak network -----------------------------------------------------------------------------


def test_upload_retries_after_a_connection_reset(phone: Phone, live_server: LiveServer) -> None:
    page = phone.page
    posts: list[str] = []

    def drop_the_first(route: Route) -> None:
        posts.append(route.request.method)
        if len(posts) == 1:
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/photos", drop_the_first)
    page.goto("/")
    phone.send_photo(SAMPLE)
    expect(page.locator("#progress-status")).to_contain_text("Connexion perdue, nouvel essai")
    receipt = phone.wait_for_receipt()
    assert posts == ["POST", "POST"]
    assert api_status(live_server, receipt).json()["status"] == "pending"


@pytest.mark.parametrize(
    ("status", "wording"),
    [(503, "Le serveur est occupé"), (429, "Beaucoup d'envois en peu de temps")],
)
def test_upload_waits_when_the_server_asks(
    phone: Phone, live_server: LiveServer, status: int, wording: str
) -> None:
    page = phone.page
    answered: list[int] = []

    def refuse_once(route: Route) -> None:
        if answered:
            route.continue_()
            return
        answered.append(status)
        body = {"error": {"code": "busy" if status == 503 else "rate_limited", "message": "x"}}
        route.fulfill(status=status, headers={"Retry-After": "1"}, json=body)

    page.route("**/api/photos", refuse_once)
    page.goto("/")
    phone.send_photo(SAMPLE)
    expect(page.locator("#progress-status")).to_contain_text(wording)
    receipt = phone.wait_for_receipt()
    assert api_status(live_server, receipt).status_code == 200


@pytest.mark.parametrize(
    ("code", "server_message", "shown"),
    [
        ("unsupported_type", "server words", "Ce format n'est pas accepté"),
        ("some_new_code", "Message du serveur", "Message du serveur"),
    ],
)
def test_refused_upload_shows_a_translated_error_and_allows_another_try(
    phone: Phone, code: str, server_message: str, shown: str
) -> None:
    page = phone.page
    body = {"error": {"code": code, "message": server_message}}
    page.route("**/api/photos", lambda route: route.fulfill(status=415, json=body))
    page.goto("/")
    phone.send_photo(SAMPLE)
    expect(page.locator("#error-text")).to_contain_text(shown)
    expect(page.locator("#send")).to_be_enabled()
    assert phone.stored_receipts() == []


# --- Receipt page edge cases --------------------------------------------------------------------


def test_receipt_page_explains_a_bad_link(phone: Phone) -> None:
    page = phone.page
    page.goto("/r/nosuchphoto#t=wrongtoken")
    expect(page.locator("#message")).to_contain_text("Photo introuvable")
    expect(page.locator("#delete")).to_be_hidden()
    page.goto("/r/nosuchphoto?lang=en")
    expect(page.locator("#message")).to_contain_text("the receipt code is missing")
