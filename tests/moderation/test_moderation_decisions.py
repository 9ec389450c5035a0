"""Deciding on the moderators' page: keys (A, R + 1-6, U), swipes, taps guarded against a
double tap, the wall strip's two-tap "Retirer", and the filters, in headless Chromium."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Route, expect

from tests.conftest import SAMPLES_DIR
from tests.helpers.accounts import login
from tests.helpers.browser import phone_context
from tests.helpers.moderation import (
    NINA,
    NINA_PASSWORD,
    OMAR,
    OMAR_PASSWORD,
    add_moderators,
    approve_now,
    decided,
    drag,
    expect_status,
    moderator_on,
    status_of,
    tablet_context,
    touch_swipe,
    upload,
    wait_for_pending,
)
from tests.helpers.server import LiveServer


@pytest.fixture
def server(make_server: Callable[..., LiveServer]) -> LiveServer:
    return add_moderators(make_server())


def test_keyboard_approve_undo_and_reject_with_reasons(
    browser: Browser, server: LiveServer
) -> None:
    first = upload(server, "astronaut.jpg")
    second = upload(server, "chelsea.jpg")
    third = upload(server, "hubble.jpg")
    with tablet_context(browser, server.url) as context, moderator_on(context) as nina:
        page = nina.page
        nina.sign_in(NINA, NINA_PASSWORD)
        nina.expect_card(first.id)  # the oldest first
        expect(page.locator("#next-strip > li")).to_have_count(2)
        expect(page.locator("#backlog")).to_have_text("3 en attente")

        page.keyboard.press("a")
        nina.expect_card(second.id)
        expect(nina.toast()).to_contain_text("Approuvée")
        expect(nina.wall_item(first.id)).to_be_visible()
        page.keyboard.press("u")
        nina.expect_card(first.id)  # back at the front
        expect(nina.toast()).to_contain_text("Décision annulée")
        expect(nina.wall_item(first.id)).to_have_count(0)
        assert status_of(server, first) == "pending"

        page.keyboard.press("r")
        expect(page.locator("#reasons")).to_be_visible()
        page.keyboard.press("3")
        nina.expect_card(second.id)
        expect(page.locator("#reasons")).to_be_hidden()
        expect(nina.toast()).to_contain_text("Refusée")

        page.keyboard.press("r")
        page.keyboard.press("Escape")  # changed my mind
        expect(page.locator("#reasons")).to_be_hidden()
        nina.expect_card(second.id)

        page.keyboard.press("r")
        page.keyboard.press("6")
        expect(page.locator("#other-text")).to_be_focused()
        expect(page.locator("#other-text")).to_have_value("")  # the digit did not land there
        page.keyboard.type("Flou et penché")
        page.keyboard.press("Enter")
        nina.expect_card(third.id)
        expect(page.locator("#backlog")).to_have_text("1 en attente")

        rejected = decided(server, "rejected")
        assert rejected[first.id]["reason"] == "identifiable_person"
        assert rejected[second.id]["reason"] == "Flou et penché"


def test_a_double_tap_decides_only_the_photo_that_was_seen(
    browser: Browser, server: LiveServer
) -> None:
    first = upload(server, "brick.jpg")
    second = upload(server, "gravel.jpg")
    with tablet_context(browser, server.url) as context, moderator_on(context) as nina:
        nina.sign_in(NINA, NINA_PASSWORD)
        nina.expect_card(first.id)
        nina.page.wait_for_timeout(500)  # the moderator looks at the photo
        nina.page.locator("#approve").dblclick()
        nina.expect_card(second.id)
        expect(nina.toast()).to_contain_text("Approuvée")
        expect_status(server, first, "approved")
        assert status_of(server, second) == "pending"


def test_swipe_right_approves_swipe_left_asks_why_short_swipe_does_nothing(
    browser: Browser, server: LiveServer
) -> None:
    first = upload(server, "grass.jpg")
    second = upload(server, "brick.jpg")
    with phone_context(browser, server.url) as context, moderator_on(context) as omar:
        page = omar.page
        omar.sign_in(OMAR, OMAR_PASSWORD)
        omar.expect_card(first.id)
        card = page.locator("#card")

        drag(page, card, 40)  # too short: the card springs back
        expect(card).not_to_have_class(re.compile("dragging"))
        omar.expect_card(first.id)
        assert status_of(server, first) == "pending"

        drag(page, card, 220, release=False)
        expect(card).to_have_class(re.compile("will-approve"))
        opacity = page.eval_on_selector(".swipe-approve", "e => getComputedStyle(e).opacity")
        assert float(opacity) == 1.0  # the card says what a release will do
        page.mouse.up()
        omar.expect_card(second.id)
        expect(omar.toast()).to_contain_text("Approuvée")
        expect_status(server, first, "approved")

        drag(page, card, -220)
        expect(page.locator("#reasons")).to_be_visible()
        page.locator(".reason", has_text="Hors sujet").tap()  # one tap for the reason
        omar.expect_empty()
        expect_status(server, second, "rejected")
        assert decided(server, "rejected")[second.id]["reason"] == "off_topic"


@pytest.mark.parametrize("device", ["phone", "tablet"])
def test_a_finger_swipe_approves_and_rejects(
    browser: Browser, server: LiveServer, device: str
) -> None:
    """Touch input, not a mouse: the finger's implicit pointer capture must not end the drag."""
    first = upload(server, "grass.jpg")
    second = upload(server, "brick.jpg")
    contexts = {"phone": phone_context, "tablet": tablet_context}
    with contexts[device](browser, server.url) as context, moderator_on(context) as omar:
        page = omar.page
        omar.sign_in(OMAR, OMAR_PASSWORD)
        omar.expect_card(first.id)
        card = page.locator("#card")
        page.evaluate(
            """() => { window.pointerKinds = new Set();
              document.addEventListener("pointerdown", (e) => pointerKinds.add(e.pointerType)); }"""
        )

        def says_approve() -> None:
            expect(card).to_have_class(re.compile("will-approve"))

        touch_swipe(page, card, 220, before_lift=says_approve)
        omar.expect_card(second.id)
        expect(omar.toast()).to_contain_text("Approuvée")
        expect(omar.wall_item(first.id)).to_be_visible()
        expect_status(server, first, "approved")

        touch_swipe(page, card, 40)  # too short: nothing happens
        omar.expect_card(second.id)
        expect(card).not_to_have_class(re.compile("dragging"))

        touch_swipe(page, card, -220)
        expect(page.locator("#reasons")).to_be_visible()
        page.locator(".reason", has_text="Hors sujet").tap()
        omar.expect_empty()
        assert decided(server, "rejected")[second.id]["reason"] == "off_topic"
        assert page.evaluate("() => [...pointerKinds]") == ["touch"]  # a finger, not a mouse


def test_the_remove_button_disarms_after_three_seconds(
    browser: Browser, server: LiveServer
) -> None:
    photo = upload(server, "rocket.jpg")
    with login(server, OMAR, OMAR_PASSWORD) as omar:
        version = decided(server, "pending")[photo.id]["version"]
        answer = omar.post(
            f"/api/moderation/photos/{photo.id}/decision",
            json={"decision": "approve", "version": version},
        )
        assert answer.status_code == 200, answer.text
    with tablet_context(browser, server.url) as context, moderator_on(context) as nina:
        nina.sign_in(NINA, NINA_PASSWORD)
        remove = nina.wall_item(photo.id).locator("button.remove")
        remove.tap()
        expect(remove).to_have_text("Confirmer ?")
        expect(remove).to_have_text("Retirer", timeout=5_000)
        remove.tap()  # a first tap again, not a confirmation
        expect(remove).to_have_text("Confirmer ?")
        expect_status(server, photo, "approved")


def test_the_wall_strip_tells_a_screen_reader_which_photo_each_button_removes(
    browser: Browser, server: LiveServer
) -> None:
    sunset = upload(server, "rocket.jpg", caption="Coucher de soleil", author="Léa")
    untitled = upload(server, "hubble.jpg", author="Marc")
    for photo in (sunset, untitled):
        approve_now(server, photo)
    with phone_context(browser, server.url) as context, moderator_on(context) as omar:
        page = omar.page
        omar.sign_in(OMAR, OMAR_PASSWORD)
        strip = page.locator("#wall-strip")
        expect(strip.get_by_role("img")).to_have_count(2)
        expect(
            strip.get_by_role("img", name=re.compile("Coucher de soleil.*par Léa"))
        ).to_be_visible()
        expect(strip.get_by_role("img", name=re.compile("Sans légende.*par Marc"))).to_be_visible()

        sunset_button = strip.get_by_role("button", name=re.compile("Retirer du mur.*Coucher"))
        marc_button = strip.get_by_role("button", name=re.compile("Retirer du mur.*par Marc"))
        expect(sunset_button).to_have_text("Retirer")
        expect(marc_button).to_have_text("Retirer")
        sunset_button.tap()
        confirm = strip.get_by_role("button", name=re.compile("Confirmer le retrait.*Coucher"))
        expect(confirm).to_have_text("Confirmer ?")
        confirm.tap()
        expect(omar.wall_item(sunset.id)).to_have_count(0)
        expect_status(server, sunset, "removed")
        expect_status(server, untitled, "approved")

        page.click("text=English")
        expect(
            page.locator("#wall-strip").get_by_role("button", name=re.compile("Take off.*Marc"))
        ).to_have_text("Remove")


def test_filters_ask_the_server_and_say_when_nothing_matches(
    browser: Browser, server: LiveServer
) -> None:
    photo = upload(server, "coffee.jpg")  # 600×400: flagged "tiny"
    with tablet_context(browser, server.url) as context, moderator_on(context) as nina:
        page = nina.page
        queries: list[str] = []

        def record(route: Route) -> None:
            queries.append(route.request.url)
            route.continue_()

        page.route("**/api/moderation/queue?*", record)
        nina.sign_in(NINA, NINA_PASSWORD)
        nina.expect_card(photo.id)
        expect(page.locator("#card-flags .badge")).to_contain_text(["Petite"])

        page.locator(".chip[data-filter=source]", has_text="Téléphone").click()
        nina.expect_card(photo.id)
        assert any("source=upload" in url for url in queries)
        page.locator(".chip[data-filter=source]", has_text="Toutes").click()

        page.locator(".chip[data-filter=flag]", has_text="Petite").click()
        nina.expect_card(photo.id)
        assert any("flag=tiny" in url for url in queries)
        later = upload(server, "hubble.jpg")  # a big photo: not tiny, so not in this view
        page.wait_for_timeout(500)
        expect(page.locator("#next-strip > li")).to_have_count(0)
        page.locator(".chip[data-filter=flag]", has_text="Petite").click()  # off again
        expect(page.locator("#next-strip > li")).to_have_count(1)
        assert page.locator(f'#next-strip > li[data-photo-id="{later.id}"]').count() == 1
        expect(page.locator(".chip[aria-pressed=true]")).to_have_count(2)  # both "Toutes"


def test_source_chips_are_the_sources_this_wall_has(browser: Browser, tmp_path: Path) -> None:
    """No chip for a network or a camera the wall does not use; one for a source whose photos
    still wait (here a folder since taken out of the config)."""
    root, archives, reportage = tmp_path / "wall", tmp_path / "archives", tmp_path / "reportage"
    for folder in (root, archives, reportage):
        folder.mkdir()
    before = LiveServer(root, sources={"folder": [{"path": str(archives), "source": "archives"}]})
    try:
        add_moderators(before.start())
        shutil.copy(SAMPLES_DIR / "chelsea.jpg", archives / "chelsea.jpg")
        old = wait_for_pending(before, "archives")
    finally:
        before.stop()
    server = LiveServer(root, sources={"folder": [{"path": str(reportage), "source": "reportage"}]})
    try:
        server.start()
        photo = upload(server, "coffee.jpg")
        with tablet_context(browser, server.url) as context, moderator_on(context) as nina:
            page = nina.page
            nina.sign_in(NINA, NINA_PASSWORD)
            chips = page.locator(".chip[data-filter=source]")
            expect(chips).to_have_text(["Toutes", "Téléphone", "reportage", "archives"])

            chips.filter(has_text="archives").click()
            nina.expect_card(old)
            expect(page.locator("#card-source")).to_have_text("archives")
            chips.filter(has_text="reportage").click()
            expect(page.locator("#empty-text")).to_have_text(
                "Aucune photo en attente pour ce filtre."
            )
            page.click("#clear-filters")
            nina.expect_card(old)  # the oldest first, the phone's photo next
            expect(page.locator(f'#next-strip > li[data-photo-id="{photo.id}"]')).to_have_count(1)
    finally:
        server.stop()
