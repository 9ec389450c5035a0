"""The safety check's flag where moderators read it: the `/moderate` page on a phone, in
headless Chromium, against the real server. The photo is Pillow's grey radial gradient
(tests/corpus, HPND licence), a safe image open_nsfw scores ~0.57: over the default flag
threshold (0.4), so the defaults are kept here."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Browser, expect

from tests.helpers.browser import phone_context
from tests.helpers.moderation import OMAR, OMAR_PASSWORD, add_moderators, moderator_on
from tests.helpers.server import LiveServer

RADIAL = Path(__file__).resolve().parents[1] / "corpus" / "pillow-tests" / "radial_gradient.png"


def test_a_flagged_photo_shows_a_verifier_badge_and_its_filter(
    browser: Browser, make_server: Callable[..., LiveServer]
) -> None:
    server = add_moderators(make_server(moderation={"safety_check": True}))
    with server.client() as phone:
        sent = phone.post(
            "/api/photos",
            files={"file": ("gradient.png", RADIAL.read_bytes(), "image/png")},
            data={"consent": "true"},
        )
    assert sent.status_code == 201, sent.text
    with phone_context(browser, server.url) as context, moderator_on(context) as omar:
        page = omar.page
        omar.sign_in(OMAR, OMAR_PASSWORD)
        omar.expect_card(sent.json()["id"])
        badges = page.locator("#card-flags .badge")
        expect(badges.filter(has_text="À vérifier")).to_have_count(1)
        expect(badges.filter(has_text="Retenue")).to_have_count(0)  # under the hold threshold
        chip = page.locator('.chip[data-filter="flag"][data-value="sensitive"]')
        expect(chip).to_have_text("À vérifier")
        chip.click()
        expect(chip).to_have_attribute("aria-pressed", "true")
        omar.expect_card(sent.json()["id"])  # the filter keeps it
