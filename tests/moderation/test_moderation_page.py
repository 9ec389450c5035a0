"""The moderators' page (`/moderate`) in headless Chromium, against the real `wall serve`.

What moderators do on a busy evening: sign in on a tablet and a phone at once, see photos
arrive and leave without reloading, and keep working through another moderator's decisions,
an ended session and a dropped connection. Deciding itself: test_moderation_decisions.py.
"""

from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, WebSocketRoute, expect

from moderation import texts
from moderation.pages import configured_sources
from tests.conftest import SAMPLES_DIR
from tests.helpers.accounts import login
from tests.helpers.browser import phone_context
from tests.helpers.moderation import (
    LIVE_TIMEOUT_MS,
    MIN_TAP_PX,
    NINA,
    NINA_PASSWORD,
    OMAR,
    OMAR_PASSWORD,
    XSS_CAPTION,
    add_moderators,
    approve_now,
    assert_thumb_reachable,
    decided,
    expect_status,
    moderator_on,
    normalised,
    status_of,
    tablet_context,
    upload,
)
from tests.helpers.pages import assert_no_inline_code
from tests.helpers.server import LiveServer
from wall.config import Settings


@pytest.fixture
def server(make_server: Callable[..., LiveServer]) -> LiveServer:
    return add_moderators(make_server())


# --- The page shell -----------------------------------------------------------------------------


def test_both_languages_name_every_flag_source_and_reason() -> None:
    assert texts.TEXTS["fr"].keys() == texts.TEXTS["en"].keys()
    codes = [f"flag_{f}" for f in texts.FLAGS] + [f"source_{s}" for s in texts.SOURCES]
    codes += [f"reason_{r}" for r in texts.REJECT_REASONS]
    for lang in ("fr", "en"):
        assert all(texts.TEXTS[lang][code] for code in codes)
    assert texts.TEXTS["fr"]["flag_near_duplicate"] == "Presque doublon"
    assert texts.TEXTS["fr"]["reason_identifiable_person"] == "Personne identifiable sans accord"
    assert texts.texts("de") == texts.TEXTS["fr"]


def test_source_filters_are_named_as_the_configured_sources_name_their_photos() -> None:
    settings = Settings(
        sources={
            "mastodon": [
                {"instance": "https://mastodon.social", "tag": "murbrive"},
                {"instance": "https://pixelfed.social", "tag": "murbrive", "name": "pixel"},
            ],
            "webcam": [{"name": "parvis", "url": "rtsp://camera.local/stream"}],
            "folder": [{"path": "/srv/cards"}, {"path": "/srv/drive"}],  # both "folder"
        }
    )
    assert configured_sources(settings) == [
        "upload", "mastodon.social", "pixel", "parvis", "folder"
    ]  # fmt: skip
    assert configured_sources(Settings()) == ["upload"]


def test_page_is_french_by_default_switches_language_and_carries_no_inline_script(
    live_server: LiveServer,
) -> None:
    with live_server.client() as client:
        french = client.get("/moderate")
        english = client.get("/moderate", headers={"Accept-Language": "en-GB,en;q=0.9"})
        forced = client.get("/moderate?lang=en", headers={"Accept-Language": "fr"})
        assert french.status_code == 200 and french.headers["content-language"] == "fr"
        assert '<html lang="fr">' in french.text and "Connexion modérateur" in french.text
        assert english.headers["content-language"] == "en" and "Moderator sign-in" in english.text
        assert (
            forced.headers["content-language"] == "en" and "lang=en" in forced.headers["set-cookie"]
        )
        assert "script-src 'self'" in french.headers["content-security-policy"]
        for page in (french, english):
            imports = assert_no_inline_code(page)
        asset = re.search(r'src="(/static/moderation/moderate\.js\?v=\w+)"', french.text)
        assert asset is not None
        for url in [asset[1], *imports.values()]:
            served = client.get(url)
            assert served.status_code == 200, url
            assert "immutable" in served.headers["cache-control"], url


def test_sign_in_errors_lock_out_countdown_sign_out_and_language_switch(
    browser: Browser, server: LiveServer
) -> None:
    with tablet_context(browser, server.url) as context, moderator_on(context) as nina:
        page = nina.page
        page.goto("/moderate")
        expect(page.locator("#login-form")).to_be_visible()
        page.fill("#username", NINA)
        page.fill("#password", "not-her-password")
        page.click("#login-submit")
        expect(page.locator("#login-error")).to_have_text("Identifiant ou mot de passe incorrect.")

        locked = {"error": {"code": "too_many_attempts", "message": "x"}}
        page.route(
            "**/api/auth/login",
            lambda route: route.fulfill(status=429, headers={"Retry-After": "2"}, json=locked),
        )
        page.click("#login-submit")
        expect(page.locator("#login-error")).to_contain_text("Trop d'essais")
        assert re.search(r"dans [12] s", normalised(page.inner_text("#login-error")))
        expect(page.locator("#login-submit")).to_be_disabled()
        expect(page.locator("#login-submit")).to_be_enabled(timeout=5_000)  # after the countdown
        page.unroute("**/api/auth/login")

        nina.sign_in(NINA, NINA_PASSWORD)
        expect(page.locator("#backlog")).to_have_text("Rien en attente")
        expect(page.locator("#empty-text")).to_contain_text("Rien à modérer")
        page.click("text=English")  # the session survives the switch
        expect(page.locator("#approve")).to_have_text(re.compile("Approve"))
        expect(page.locator("#backlog")).to_have_text("Nothing waiting")
        page.click("#logout")
        expect(page.locator("#login-form")).to_be_visible()
        page.reload()
        expect(page.locator("#login-form")).to_be_visible()  # signed out for real
        expect(page.locator("#app")).to_be_hidden()


def test_an_ended_session_brings_back_the_sign_in_form(
    browser: Browser, server: LiveServer
) -> None:
    photo = upload(server, "grass.jpg")
    with tablet_context(browser, server.url) as context, moderator_on(context) as nina:
        nina.sign_in(NINA, NINA_PASSWORD)
        nina.expect_card(photo.id)
        cookies = {c["name"]: c["value"] for c in context.cookies()}
        with server.client(cookies=cookies) as same_session:  # e.g. signed out on another tab
            csrf = same_session.get("/api/auth/me").json()["csrf_token"]
            assert same_session.post(
                "/api/auth/logout", headers={"X-CSRF-Token": csrf}
            ).status_code in (200, 204)
        nina.page.keyboard.press("a")
        expect(nina.page.locator("#login-error")).to_have_text(
            "Session terminée\u00a0: reconnectez-vous.", timeout=LIVE_TIMEOUT_MS
        )
        expect(nina.page.locator("#app")).to_be_hidden()
        assert status_of(server, photo) == "pending"
        nina.sign_in(NINA, NINA_PASSWORD)  # back to work, without a reload
        nina.expect_card(photo.id)


# --- Reading the card on a phone ---------------------------------------------------------------

LONG_CAPTION = (  # the longest a visitor may write (280 characters)
    "Le feu d'artifice du 14 juillet vu depuis le pont Cardinal, avec toute la famille réunie "
    "sur la rive gauche de la Corrèze, les enfants sur les épaules, la fanfare qui jouait "
    "encore derrière nous et les lampions accrochés aux platanes de la place : une soirée "
    "magnifique ! FIN"
)
# The centre of the caption's last line and of the author's line, and what a finger would
# touch there: null when the point is off screen, else whether it hits that text itself.
UNCOVERED_JS = """() => {
  const hits = (el, rect) => {
    const x = rect.left + rect.width / 2, y = rect.top + rect.height / 2;
    if (y < 0 || y > innerHeight || x < 0 || x > innerWidth) return null;
    const found = document.elementFromPoint(x, y);
    return Boolean(found) && el.contains(found);
  };
  const caption = document.getElementById("card-caption");
  const range = document.createRange();
  range.selectNodeContents(caption);
  const lines = [...range.getClientRects()];
  const author = document.getElementById("card-author");
  return [hits(caption, lines[lines.length - 1]), hits(author, author.getBoundingClientRect())];
}"""


@pytest.mark.parametrize("device", ["phone", "tablet"])
def test_a_long_caption_and_its_author_are_not_hidden_by_the_decision_bar(
    browser: Browser, server: LiveServer, device: str
) -> None:
    photo = upload(server, "hubble.jpg", caption=LONG_CAPTION, author="Léa Dupont-Marchand")
    contexts = {"phone": phone_context, "tablet": tablet_context}
    with contexts[device](browser, server.url) as context, moderator_on(context) as omar:
        page = omar.page
        omar.sign_in(OMAR, OMAR_PASSWORD)
        omar.expect_card(photo.id)
        expect(page.locator("#card-caption")).to_have_text(LONG_CAPTION)
        # As the card arrives, without scrolling: the end of the caption and the author are
        # readable, above the Approve/Reject bar.
        assert page.evaluate(UNCOVERED_JS) == [True, True]
        page.mouse.wheel(0, 200)  # a thumb nudges the page: still readable, not under the bar
        page.wait_for_timeout(300)
        assert page.evaluate(UNCOVERED_JS) == [True, True]
        assert_thumb_reachable(page)


# --- What raised a flag ------------------------------------------------------------------------


def _resized_copy(sample: str) -> bytes:
    """The same picture, resized and re-encoded: other bytes, a near-duplicate."""
    picture = Image.open(SAMPLES_DIR / sample)
    buffer = io.BytesIO()
    picture.resize((picture.width * 7 // 10, picture.height * 7 // 10)).save(
        buffer, "JPEG", quality=70
    )
    return buffer.getvalue()


@pytest.mark.parametrize("device", ["phone", "tablet"])
def test_a_near_duplicate_shows_the_photo_it_resembles(
    browser: Browser, server: LiveServer, device: str
) -> None:
    original = upload(server, "rocket.jpg", caption="Décollage")
    approve_now(server, original)
    contexts = {"phone": phone_context, "tablet": tablet_context}
    with contexts[device](browser, server.url) as context, moderator_on(context) as omar:
        page = omar.page
        omar.sign_in(OMAR, OMAR_PASSWORD)
        copy = upload(server, "rocket.jpg", data=_resized_copy("rocket.jpg"))  # arrives live
        omar.expect_card(copy.id)
        expect(page.locator("#card-flags .badge")).to_contain_text(["Presque doublon"])
        similar = page.get_by_role("img", name="La photo déjà reçue qui lui ressemble")
        expect(similar).to_be_visible()
        expect(similar).to_have_attribute("data-photo-id", original.id)
        page.wait_for_function("() => document.getElementById('similar-img').naturalWidth > 0")
        expect(page.locator("#similar-text")).to_have_text(
            re.compile(r"Ressemble à cette photo \(sur le mur\)")
        )
        page.reload()  # the queue says it too, not only the live event
        omar.expect_card(copy.id)
        expect(similar).to_have_attribute("data-photo-id", original.id)

    with login(server, OMAR, OMAR_PASSWORD) as client:
        queue = client.get("/api/moderation/queue").json()["photos"]
    (shown,) = [p for p in queue if p["id"] == copy.id]
    assert shown["similar"]["id"] == original.id
    assert shown["similar"]["urls"]["thumb"].startswith("/media/")


@pytest.mark.parametrize("device", ["phone", "tablet"])
def test_the_blocklisted_word_is_highlighted_where_it_was_written(
    browser: Browser, server: LiveServer, device: str
) -> None:
    caption = "Quel C0NN4RD <b>ce</b> pigeon, vraiment"
    photo = upload(server, "gravel.jpg", caption=caption, author="Léa b!tch")
    contexts = {"phone": phone_context, "tablet": tablet_context}
    with contexts[device](browser, server.url) as context, moderator_on(context) as omar:
        page = omar.page
        omar.sign_in(OMAR, OMAR_PASSWORD)
        omar.expect_card(photo.id)
        expect(page.locator("#card-flags .badge")).to_contain_text(["Mot interdit"])
        expect(page.locator("#card-caption")).to_have_text(caption)  # whole, and as text
        expect(page.locator("#card-caption mark")).to_have_text(["C0NN4RD"])
        expect(page.locator("#card-caption mark")).to_be_visible()
        expect(page.locator("#card-author")).to_have_text("par Léa b!tch")
        expect(page.locator("#card-author mark")).to_have_text(["b!tch"])
        assert page.locator("#card-caption b").count() == 0
        background = page.eval_on_selector(
            "#card-caption mark", "e => getComputedStyle(e).backgroundColor"
        )
        caption_background = page.eval_on_selector(
            "#card-caption", "e => getComputedStyle(e).backgroundColor"
        )
        assert background != caption_background  # it stands out


# --- Two moderators at once, and a weak network -------------------------------------------------


def test_two_moderators_see_photos_arrive_and_leave_without_reloading(
    browser: Browser, server: LiveServer, tmp_path: Path
) -> None:
    with (
        tablet_context(browser, server.url) as tablet,
        phone_context(browser, server.url) as phone,
        moderator_on(tablet) as nina,
        moderator_on(phone) as omar,
    ):
        nina.sign_in(NINA, NINA_PASSWORD)
        omar.sign_in(OMAR, OMAR_PASSWORD)
        photo = upload(server, "coffee.jpg", caption=XSS_CAPTION, author="<b>Ana</b>")

        for moderator in (nina, omar):
            page = moderator.page
            moderator.expect_card(photo.id)
            expect(page.locator("#card-caption")).to_have_text(XSS_CAPTION)
            expect(page.locator("#card-author")).to_have_text("par <b>Ana</b>")
            expect(page.locator("#card-source")).to_have_text("Téléphone")
            expect(page.locator("#backlog")).to_have_text("1 en attente")
            assert page.locator('img[src="x"], #card b').count() == 0  # text, never markup
            # The moderator's session lets the browser load a photo that is not public yet.
            page.wait_for_function("() => document.getElementById('card-img').naturalWidth > 0")
        nina.page.wait_for_timeout(300)  # an injected onerror would have fired by now

        assert_thumb_reachable(omar.page)
        card, side = nina.page.locator("#card"), nina.page.locator(".side")
        card_box, side_box = card.bounding_box(), side.bounding_box()
        assert card_box and side_box and card_box["x"] + card_box["width"] <= side_box["x"]
        approve_box = nina.page.locator("#approve").bounding_box()
        assert approve_box and approve_box["height"] >= MIN_TAP_PX
        nina.page.screenshot(path=str(tmp_path / "moderate_tablet.png"))
        omar.page.screenshot(path=str(tmp_path / "moderate_phone.png"))

        nina.page.locator("#approve").tap()
        expect(nina.toast()).to_contain_text("Approuvée")
        expect(nina.page.locator("#toast-action")).to_have_text("Annuler")
        omar.expect_empty()  # gone from the other moderator's page, without reload
        for moderator in (nina, omar):
            expect(moderator.wall_item(photo.id)).to_be_visible(timeout=LIVE_TIMEOUT_MS)
            expect(moderator.page.locator("#backlog")).to_have_text("Rien en attente")
        expect_status(server, photo, "approved")

        remove = omar.wall_item(photo.id).locator("button.remove")
        remove.tap()
        expect(remove).to_have_text("Confirmer ?")  # one tap alone removes nothing
        expect_status(server, photo, "approved")
        remove.tap()
        for moderator in (nina, omar):
            expect(moderator.wall_item(photo.id)).to_have_count(0, timeout=LIVE_TIMEOUT_MS)
        expect_status(server, photo, "removed")


def test_photo_decided_elsewhere_leaves_with_a_notice(browser: Browser, server: LiveServer) -> None:
    photo = upload(server, "gravel.jpg")
    with tablet_context(browser, server.url) as context, moderator_on(context) as nina:
        nina.sign_in(NINA, NINA_PASSWORD)
        nina.expect_card(photo.id)
        nina.settle()
        with login(server, OMAR, OMAR_PASSWORD) as omar:
            version = decided(server, "pending")[photo.id]["version"]
            answer = omar.post(
                f"/api/moderation/photos/{photo.id}/decision",
                json={"decision": "reject", "reason": "off_topic", "version": version},
            )
            assert answer.status_code == 200, answer.text
        nina.expect_empty()
        expect(nina.toast()).to_contain_text("Déjà traitée par un autre modérateur")


def test_conflict_on_decision_drops_the_card_with_a_notice(
    browser: Browser, server: LiveServer
) -> None:
    """The socket missed the other decision: the server's 409 tells the page instead."""

    def without_decisions(ws: WebSocketRoute) -> None:
        upstream = ws.connect_to_server()

        def forward(message: str | bytes) -> None:
            if json.loads(message).get("type") != "photo.decided":
                ws.send(message)

        upstream.on_message(forward)

    photo = upload(server, "astronaut.jpg")
    with tablet_context(browser, server.url) as context, moderator_on(context) as nina:
        nina.page.route_web_socket(re.compile(r".*/ws/moderation$"), without_decisions)
        nina.sign_in(NINA, NINA_PASSWORD)
        nina.expect_card(photo.id)
        nina.settle()
        with login(server, OMAR, OMAR_PASSWORD) as omar:
            version = decided(server, "pending")[photo.id]["version"]
            answer = omar.post(
                f"/api/moderation/photos/{photo.id}/decision",
                json={"decision": "approve", "version": version},
            )
            assert answer.status_code == 200, answer.text
        nina.page.wait_for_timeout(300)
        nina.expect_card(photo.id)  # not told yet
        nina.page.locator("#approve").tap()
        expect(nina.toast()).to_contain_text("Déjà traitée par un autre modérateur")
        nina.expect_empty()


def test_reconnects_by_itself_and_reloads_what_it_missed(
    browser: Browser, server: LiveServer
) -> None:
    sockets: list[WebSocketRoute] = []
    allow_reconnect = threading.Event()

    def flaky(ws: WebSocketRoute) -> None:
        if sockets and not allow_reconnect.is_set():
            ws.close()  # still offline: this attempt fails at once
            return
        sockets.append(ws)
        ws.connect_to_server()

    with tablet_context(browser, server.url) as context, moderator_on(context) as nina:
        page = nina.page
        page.route_web_socket(re.compile(r".*/ws/moderation$"), flaky)
        nina.sign_in(NINA, NINA_PASSWORD)
        expect(page.locator("#backlog")).to_have_text("Rien en attente")
        expect(page.locator("#conn")).to_be_hidden()

        sockets[0].close()  # the street network drops
        expect(page.locator("#conn")).to_be_visible()
        expect(page.locator("#conn")).to_have_text("Hors ligne, reconnexion…")
        photo = upload(server, "rocket.jpg")  # its event is lost with the socket
        page.wait_for_timeout(500)
        expect(page.locator("#card")).to_be_hidden()

        allow_reconnect.set()
        nina.expect_card(photo.id)  # the queue is reloaded once connected again
        expect(page.locator("#conn")).to_be_hidden()
        expect(page.locator("#backlog")).to_have_text("1 en attente")
        assert len(sockets) == 2
