"""The exhibition panel of `/console` in headless Chromium, on a touch tablet: an operator
names an exhibition, taps a photo to pick it (only print-consented ones are offered), taps the
download and gets the .zip in the browser's downloads while the bar follows the server; the
photo's contributor deletes it, and it leaves the panel on screen within seconds."""

from __future__ import annotations

import zipfile
from collections.abc import Callable

from playwright.sync_api import Browser, expect

from tests.console.test_console_page import (
    OVERFLOW_JS,
    T,
    console,
    off_loop,
    sign_in_operator,
    with_operator,
)
from tests.console.test_night import decide
from tests.helpers.accounts import add_account, login
from tests.helpers.images import distinctive_jpeg
from tests.helpers.moderation import TABLET_VIEWPORT
from tests.helpers.server import LiveServer

MODERATOR, PASSWORD = "mia", "mia-moderation-password"
DOWNLOAD_TIMEOUT_MS = 30_000
# The panel in view asks every 2 s; a request's round trip on a loaded machine on top.
DELETE_SEEN_MS = 3_500


def send(server: LiveServer, seed: int, printable: bool) -> tuple[str, str]:
    """A visitor's upload: (its id, its receipt token)."""
    with server.client() as phone:
        answer = phone.post(
            "/api/photos",
            files={"file": ("p.jpg", distinctive_jpeg((60 + seed * 50, 140, 90), seed=seed))},
            data={"consent": "true", "author": f"Auteur {seed}",
                  "consent_print": "true" if printable else "false"},
        )  # fmt: skip
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"]), str(answer.json()["receipt_token"])


def test_an_operator_picks_with_a_finger_and_downloads_the_package(
    browser: Browser, make_server: Callable[..., LiveServer]
) -> None:
    server = with_operator(make_server())
    off_loop(add_account, server, MODERATOR, "moderator", PASSWORD)
    (first, _), (second, receipt) = send(server, 1, True), send(server, 2, True)
    private, _ = send(server, 3, False)
    with login(server, MODERATOR, PASSWORD) as moderator:
        for photo_id in (first, second, private):
            decide(moderator, photo_id, "approve")

    with console(browser, server, TABLET_VIEWPORT, has_touch=True) as regie:
        page = regie.page
        sign_in_operator(page)
        expect(page.locator("#exhibition-none")).to_be_visible()
        page.fill("#exhibition-name", "Regards d'été")
        page.locator("#exhibition-form button[type=submit]").tap()
        expect(page.locator("#exhibition-pick option")).to_have_text(["Regards d'été"])
        expect(page.locator("#exhibition-body")).to_be_visible()
        tiles = page.locator("#exhibition-candidates button.pick")
        expect(tiles).to_have_count(2)  # the photo without the print tick is not offered
        tile = page.locator(f'#exhibition-candidates button[data-photo="{second}"]')
        expect(tile).to_be_visible()
        box = tile.bounding_box()
        assert box is not None and box["width"] >= 120 and box["height"] >= 120  # a finger's
        tile.tap()
        expect(tile).to_have_attribute("aria-pressed", "true")
        expect(page.locator("#exhibition-count")).to_have_text(
            T["exhibition_count"].format(n=1, max=200)
        )
        expect(page.locator("#exhibition-photos li")).to_have_count(1)
        assert page.evaluate(OVERFLOW_JS) == {"extra": 0, "outside": []}

        with page.expect_download(timeout=DOWNLOAD_TIMEOUT_MS) as download:
            page.locator("#exhibition-download").tap()
        done = T["export_done"].split("{done}")[0]
        expect(page.locator("#export-status")).to_contain_text(done, timeout=DOWNLOAD_TIMEOUT_MS)
        expect(page.locator("#export-progress")).to_have_attribute("value", "2")  # photo + PDF
        saved = download.value
        assert saved.suggested_filename.startswith("exposition-regards-d-ete-")
        with zipfile.ZipFile(saved.path()) as archive:
            names = archive.namelist()
        expected = [f"001_auteur-2_{second}.jpg", "credits.csv", "credits.txt", "catalogue.pdf"]
        assert names == expected
        assert first not in "".join(names) and private not in "".join(names)

        # Its contributor deletes it: out of the exhibition and the picker on screen.
        with server.client() as phone:
            assert (
                phone.delete(f"/api/photos/{second}", params={"token": receipt}).status_code == 204
            )
        expect(page.locator("#exhibition-photos li")).to_have_count(0, timeout=DELETE_SEEN_MS)
        expect(tile).to_have_count(0, timeout=DELETE_SEEN_MS)
        expect(page.locator("#exhibition-count")).to_have_text(
            T["exhibition_count"].format(n=0, max=200)
        )
