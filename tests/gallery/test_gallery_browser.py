"""The gallery in headless Chromium against the real server (uvicorn on loopback): the page
shows the wall's online photos newest first, a new approval appears and a contributor's
delete or a moderator's removal vanishes within 2 s (the live socket), both pages are clean
under axe-core (WCAG 2.2 AA), and the embed is framed by the office's website (an origin
in `embed_origins`) but refused by any other site, as every other page of the wall is."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from tests.gallery.helpers import GALLERY_ON, OfficeSite, Sent, console_snippet, decide, send
from tests.helpers.accounts import add_account, login
from tests.helpers.browser import WatchedPage, phone_context
from tests.helpers.server import server_config, write_config
from tests.helpers.socket_server import SocketServer

LIVE_MS = 2000  # the promise: a change reaches the page within 2 s
MODERATOR, PASSWORD = "mia", "mia-gallery-password"
# WCAG 2.0, 2.1 and 2.2, levels A and AA: what the pages promise.
WCAG_AA = {"runOnly": {"type": "tag", "values": [
    "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa",
]}}  # fmt: skip


@pytest.fixture(scope="module")
def sites() -> Iterator[tuple[OfficeSite, OfficeSite]]:
    """The office's website (allowed to frame the gallery) and some other site."""
    office, other = OfficeSite().start(), OfficeSite().start()
    try:
        yield office, other
    finally:
        office.stop()
        other.stop()


@pytest.fixture(scope="module")
def wall(
    tmp_path_factory: pytest.TempPathFactory, sites: tuple[OfficeSite, OfficeSite]
) -> Iterator[SocketServer]:
    root: Path = tmp_path_factory.mktemp("gallery-browser")
    gallery = {**GALLERY_ON, "embed_origins": [sites[0].origin]}
    server = SocketServer(root, gallery=gallery)
    # Its public address is the loopback port it got: the console's snippet points there.
    write_config(server.config, server_config(root, {"gallery": gallery, "wall": {
        "public_url": server.url}}))  # fmt: skip
    server.start()
    add_account(server, MODERATOR, "moderator", PASSWORD)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def moderator(wall: SocketServer) -> Iterator[httpx.Client]:
    with login(wall, MODERATOR, PASSWORD) as client:
        yield client


@pytest.fixture(scope="module")
def shown(wall: SocketServer, moderator: httpx.Client) -> list[Sent]:
    """Two photos on the gallery before any page opens, the newer one second."""
    with wall.client() as visitor:
        photos = [
            send(visitor, 70 + n, caption=f"Le port {n}", author="Léa", **choice)
            for n, choice in enumerate(({}, {"speaker": "resident", "speaker_in_credit": "true"}))
        ]
    for photo in photos:
        decide(moderator, photo.id, "approve")
    return photos


def _axe_violations(page: Page) -> list[dict[str, Any]]:
    results = Axe().run(page, options=WCAG_AA)
    violations: list[dict[str, Any]] = results.response["violations"]
    return violations


def _item(page: Page, photo_id: str) -> Any:
    return page.locator(f'#photos li[data-photo-id="{photo_id}"]')


def test_the_page_shows_photos_and_follows_the_wall_live(
    wall: SocketServer, moderator: httpx.Client, shown: list[Sent], browser: Browser
) -> None:
    """(The wall's fixtures first: its account is made by the CLI, before Playwright's loop.)"""
    with phone_context(browser, wall.url) as context:
        watched = WatchedPage(context.new_page())
        page = watched.page
        page.goto("/galerie")
        items = page.locator("#photos li")
        expect(items).to_have_count(2)
        assert items.evaluate_all("(nodes) => nodes.map((n) => n.dataset.photoId)") == [
            shown[1].id,
            shown[0].id,
        ]
        image = _item(page, shown[1].id).locator("img")
        assert image.get_attribute("loading") == "lazy"
        assert image.get_attribute("width") == "400" and image.get_attribute("height") == "300"
        assert image.get_attribute("srcset") == (
            f"/media/thumb/{shown[1].id}.jpg 400w, /media/display/{shown[1].id}.jpg 640w"
        )
        expect(_item(page, shown[0].id).locator(".credit")).to_have_text("Photo\u00a0: Léa")
        expect(_item(page, shown[1].id).locator(".credit")).to_have_text(
            "Photo\u00a0: Léa · habite ici"
        )
        expect(page.locator("#live-state")).to_have_attribute("data-live", "on")
        assert _axe_violations(page) == []

        with wall.client() as visitor:
            fresh = send(visitor, 90, caption="Feu d'artifice")
        expect(_item(page, fresh.id)).to_have_count(0)  # waiting for moderation: not public
        started = time.monotonic()
        decide(moderator, fresh.id, "approve")
        expect(_item(page, fresh.id)).to_be_visible(timeout=LIVE_MS)
        appeared_s = time.monotonic() - started
        assert items.first.get_attribute("data-photo-id") == fresh.id  # the newest, first

        started = time.monotonic()
        with wall.client() as visitor:
            gone = visitor.delete(f"/api/photos/{fresh.id}", params={"token": fresh.token})
        assert gone.status_code == 204
        expect(_item(page, fresh.id)).to_have_count(0, timeout=LIVE_MS)
        deleted_s = time.monotonic() - started

        started = time.monotonic()
        decide(moderator, shown[0].id, "remove")
        expect(_item(page, shown[0].id)).to_have_count(0, timeout=LIVE_MS)
        removed_s = time.monotonic() - started
        expect(items).to_have_count(1)
        assert watched.script_errors == [] and watched.csp_violations == []
    print(  # noqa: T201 - the figures this test measures (`-s`)
        f"\ngallery live: approval {appeared_s:.2f} s, delete {deleted_s:.2f} s, "
        f"removal {removed_s:.2f} s"
    )


def _refused_frame(message: ConsoleMessage) -> bool:
    """Chromium's word, in the framing page's console, for a frame it would not show
    ("Framing '…' violates … frame-ancestors …; the request has been blocked")."""
    return "frame-ancestors" in message.text and "blocked" in message.text


def _frame_url(page: Page, name: str) -> str:
    """Where a named `<iframe>` ended up: the wall's page, or Chromium's error page."""
    element = page.locator(f'iframe[name="{name}"]').element_handle()
    frame = element.content_frame()
    assert frame is not None
    frame.wait_for_load_state()
    return frame.url


def test_the_embed_is_framed_by_the_office_site_only(
    wall: SocketServer,
    sites: tuple[OfficeSite, OfficeSite],
    shown: list[Sent],
    browser: Browser,
) -> None:
    office, other = sites
    with wall.client() as client:  # the office pastes the console's snippet into its page
        embed = console_snippet(client.get("/console").text).replace(
            "<iframe ", '<iframe name="embed" '
        )
    upload_page = f'<iframe name="upload" src="{wall.url}/" title="Envoyer"></iframe>'
    office.frames = [embed, upload_page]
    other.frames = [embed]
    with phone_context(browser, wall.url) as context:
        page = context.new_page()
        page.goto("/galerie/embed")
        expect(page.locator("#photos li").first).to_be_visible()
        assert _axe_violations(page) == []

        # The office's site may frame the gallery, not the rest of the wall.
        with page.expect_console_message(_refused_frame) as refusal:
            page.goto(office.origin)
        framed = page.frame_locator('iframe[name="embed"]')
        expect(framed.locator(f'#photos li[data-photo-id="{shown[1].id}"]')).to_be_visible()
        assert f"'{wall.url}/'" in refusal.value.text, refusal.value.text
        assert "frame-ancestors 'none'" in refusal.value.text
        assert _frame_url(page, "upload").startswith("chrome-error:")

        with page.expect_console_message(_refused_frame) as refusal:
            page.goto(other.origin)
        # (Chromium names the framed origin only; the directive says it was the gallery's.)
        assert f"frame-ancestors 'self' {office.origin}" in refusal.value.text
        assert _frame_url(page, "embed").startswith("chrome-error:")
