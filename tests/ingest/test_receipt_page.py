"""The receipt page (`/r/{id}#t=TOKEN`) in headless Chromium with touch, against `wall serve`.

What a contributor checks on their phone (or a tablet) during the evening: their photo is
there, and its status follows the wall by itself, without a reload: waiting for moderation,
approved, on the wall right now, then "shown at 21:43" on the wall's clock; a rejected or
removed photo says so plainly; and the photo is deleted from inside the page. The upload
page's success state links here with "Suivre ma photo".
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from show.preview import PREVIEW_STALE_S
from tests.conftest import SAMPLES_DIR
from tests.console.test_console_page import off_loop
from tests.console.test_night import report_shown
from tests.helpers.browser import (
    DEFAULT_LOCATOR_TIMEOUT_MS,
    PHONE_VIEWPORT,
    WatchedPage,
    phone_context,
)
from tests.helpers.moderation import TABLET_VIEWPORT, normalised
from tests.helpers.server import LiveServer
from tests.helpers.wall_display import COLOUR_TOLERANCE, LIME, MAGENTA, Moderator
from tests.ingest.test_receipt_status import upload
from wall.i18n import TEXTS

T = TEXTS["fr"]
WALL_ZONE = "Europe/Paris"  # the default: the page writes times on the wall's clock
# The page asks every 5 s: a change shows within one poll and a little.
UPDATE_TIMEOUT_MS = 12_000
DEVICES: dict[str, dict[str, Any]] = {
    "phone": {"viewport": PHONE_VIEWPORT, "is_mobile": True, "device_scale_factor": 2},
    "tablet": {"viewport": TABLET_VIEWPORT},
}

# The share of the shown thumbnail's pixels near a colour, read back through a canvas.
THUMB_SHARE_JS = """([colour, tolerance]) => {
  const img = document.getElementById("photo-thumb");
  if (!img.complete || img.naturalWidth === 0) return 0;
  const canvas = document.createElement("canvas");
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const context = canvas.getContext("2d");
  context.drawImage(img, 0, 0);
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
  let near = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    const far = Math.max(Math.abs(pixels[i] - colour[0]), Math.abs(pixels[i + 1] - colour[1]),
                         Math.abs(pixels[i + 2] - colour[2]));
    if (far <= tolerance) near += 1;
  }
  return near / (pixels.length / 4);
}"""
FITS_JS = """() => {
  const box = document.getElementById("photo-thumb").getBoundingClientRect();
  const width = document.documentElement.clientWidth;
  return { extra: document.documentElement.scrollWidth - width,
           inside: box.left >= 0 && box.right <= width && box.width > 100 };
}"""


@contextmanager
def device(browser: Browser, server: LiveServer, name: str) -> Iterator[WatchedPage]:
    """A fresh touch profile of that size; on leaving, nothing went wrong in its scripts."""
    context = browser.new_context(
        base_url=server.url, has_touch=True, locale="fr-FR", **DEVICES[name]
    )
    context.set_default_timeout(DEFAULT_LOCATOR_TIMEOUT_MS)
    try:
        watched = WatchedPage(context.new_page())
        yield watched
        assert watched.script_errors == []
        assert watched.csp_violations == []
        assert watched.dialogs == []
    finally:
        context.close()


def status_text(page: Page) -> str:
    return normalised(page.inner_text("#photo-status"))


def wall_clock(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo(WALL_ZONE)).strftime("%H:%M")


@pytest.mark.parametrize("name", ["phone", "tablet"])
def test_receipt_shows_the_photo_and_follows_it_onto_the_wall_by_itself(
    browser: Browser, make_server: Callable[..., LiveServer], name: str
) -> None:
    server = make_server()
    moderator = off_loop(Moderator, server)
    photo_id, token = upload(server, MAGENTA)
    with device(browser, server, name) as visitor:
        page = visitor.page
        page.goto(f"/r/{photo_id}#t={token}")
        expect(page.locator("#photo-status")).to_have_text(T["status_pending"])
        expect(page.locator("#photo-thumb")).to_be_visible()
        assert page.evaluate(THUMB_SHARE_JS, [list(MAGENTA), COLOUR_TOLERANCE]) > 0.5
        assert page.evaluate(FITS_JS) == {"extra": 0, "inside": True}
        expect(page.locator("#live-note")).to_have_text(T["live_note"])
        expect(page.locator("#delete")).to_have_text(T["delete_this_photo"])

        moderator.approve(photo_id)  # no reload from here on: the page follows by itself
        expect(page.locator("#photo-status")).to_have_text(
            T["status_approved"], timeout=UPDATE_TIMEOUT_MS
        )
        before = datetime.now()
        report_shown(server, [photo_id])
        after = datetime.now()
        deadline = time.monotonic() + UPDATE_TIMEOUT_MS / 1000
        while status_text(page) != normalised(T["status_on_wall"]):
            assert time.monotonic() < deadline, status_text(page)
            report_shown(server, [])  # as the display does: its picture each second
            page.wait_for_timeout(1000)
        # The display stops reporting it: the page says when it was on the wall.
        shown = {
            normalised(T["status_shown_at"].format(time=wall_clock(moment)))
            for moment in (before.astimezone(), after.astimezone())
        }
        page.wait_for_function(
            """(expected) => expected.includes(
                 document.getElementById("photo-status").textContent
                   .replace(/\\s+/g, " ").trim())""",
            arg=sorted(shown),
            timeout=(PREVIEW_STALE_S * 1000) + UPDATE_TIMEOUT_MS,
        )
        assert status_text(page) in shown

        page.click("#delete")  # deletion stays inside the page, behind a confirmation
        page.click("#confirm-yes")
        expect(page.locator("#message")).to_have_text(T["deleted"])
        expect(page.locator("#photo-thumb")).to_be_hidden()
        with server.client() as client:
            gone = client.get(f"/api/photos/{photo_id}", params={"token": token})
        assert gone.status_code == 404 or gone.json()["status"] == "deleted"


def test_receipt_says_plainly_when_a_photo_is_rejected_or_taken_off_the_wall(
    browser: Browser, make_server: Callable[..., LiveServer]
) -> None:
    server = make_server()
    moderator = off_loop(Moderator, server)
    rejected_id, rejected_token = upload(server, LIME)
    removed_id, removed_token = upload(server, MAGENTA)
    moderator.approve(removed_id)
    with device(browser, server, "phone") as visitor:
        page = visitor.page
        page.goto(f"/r/{rejected_id}#t={rejected_token}")
        expect(page.locator("#photo-status")).to_have_text(T["status_pending"])
        moderator.reject(rejected_id)
        expect(page.locator("#photo-status")).to_have_text(
            T["status_rejected"], timeout=UPDATE_TIMEOUT_MS
        )
        expect(page.locator("#live-note")).to_be_hidden()  # nothing more will happen to it
        expect(page.locator("#delete")).to_be_visible()

        page.goto(f"/r/{removed_id}#t={removed_token}")
        expect(page.locator("#photo-status")).to_have_text(T["status_approved"])
        moderator.remove(removed_id)
        expect(page.locator("#photo-status")).to_have_text(
            T["status_removed"], timeout=UPDATE_TIMEOUT_MS
        )


def test_upload_success_links_to_the_receipt_as_follow_my_photo(
    browser: Browser, live_server: LiveServer
) -> None:
    with phone_context(browser, live_server.url) as context:
        phone = WatchedPage(context.new_page())
        page = phone.page
        page.goto("/")
        page.set_input_files("#photo", str(SAMPLES_DIR / "astronaut.jpg"))
        page.check("#consent")
        page.click("#send")
        link = page.locator("#receipt-link")
        expect(link).to_be_visible(timeout=30_000)
        expect(link).to_have_text(T["follow_my_photo"])
        assert normalised(link.inner_text()) == "Suivre ma photo"
        link.tap()
        expect(page.locator("#photo-status")).to_have_text(T["status_pending"])
        expect(page.locator("#photo-thumb")).to_be_visible()
        expect(page.locator("#delete")).to_have_text(T["delete_this_photo"])
        assert phone.script_errors == [] and phone.csp_violations == []
