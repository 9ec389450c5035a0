"""The console's announcements card in headless Chromium, on a phone with a finger, against
the real server: a slide previewed as the wall will draw it, a window that ends before it
starts refused in words with the field to fix focused, saved, listed "on now" with its
preview, edited, deleted on a second tap; nothing wider than the phone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from playwright.sync_api import Browser, Page, expect

from console.announcement_texts import TEXTS
from tests.console.test_console_page import (
    OVERFLOW_JS,
    console,
    sign_in_operator,
    with_operator,
)
from tests.helpers.browser import PHONE_VIEWPORT
from tests.helpers.server import LiveServer
from wall.i18n import ERROR_MESSAGES

T = TEXTS["fr"]
TODAY = date.today()
PHONE = {"is_mobile": True, "has_touch": True, "device_scale_factor": 2}
# Share of an image's pixels that are near white: the words drawn on a slide's preview.
WHITE_SHARE_JS = """(id) => {
  const img = document.getElementById(id);
  if (!img.complete || img.naturalWidth === 0) return -1;
  const canvas = document.createElement("canvas");
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const context = canvas.getContext("2d");
  context.drawImage(img, 0, 0);
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
  let white = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    if (pixels[i] > 200 && pixels[i + 1] > 200 && pixels[i + 2] > 200) white += 1;
  }
  return white / (pixels.length / 4);
}"""


def fill_concert(page: Page, last_day: date) -> None:
    page.tap("#ann-open")
    page.fill("#ann-title_fr", "Concert ce soir 🎺")
    page.fill("#ann-text_fr", "Place de la Halle, 21 h 30. Entrée libre !")
    page.fill("#ann-title_en", "Concert tonight")
    page.fill("#ann-first_day", TODAY.isoformat())
    page.fill("#ann-last_day", last_day.isoformat())
    page.fill("#ann-start", "00:00")
    page.fill("#ann-end", "00:00")  # the whole day: "on now" whenever the test runs


def test_an_operator_announces_tonights_concert_from_a_phone(
    browser: Browser, make_server: Callable[..., LiveServer]
) -> None:
    server = with_operator(make_server())
    with console(browser, server, PHONE_VIEWPORT, **PHONE) as regie:
        page = regie.page
        sign_in_operator(page)
        expect(page.locator("#ann-none")).to_be_visible()
        fill_concert(page, TODAY - timedelta(days=1))

        page.tap("#ann-preview")  # a draft is checked as a save is
        error = page.locator("#ann-error")
        expect(error).to_have_text(ERROR_MESSAGES["fr"]["window_backwards"])
        expect(page.locator("#ann-last_day")).to_be_focused()

        page.fill("#ann-last_day", (TODAY + timedelta(days=1)).isoformat())
        page.tap("#ann-preview")
        expect(page.locator("#ann-preview-box")).to_be_visible()
        page.wait_for_function(f"() => ({WHITE_SHARE_JS})('ann-preview-img') > 0.005")
        assert page.evaluate(WHITE_SHARE_JS, "ann-preview-img") < 0.5  # words on the gradient

        for button in ("#ann-preview", ".ann-buttons button[type=submit]"):
            box = page.locator(button).bounding_box()
            assert box is not None and box["height"] >= 44  # a finger's target
        page.tap(".ann-buttons button[type=submit]")
        expect(page.locator("#ann-note")).to_have_text(T["ann_saved"])
        expect(page.locator("#ann-form")).to_be_hidden()
        item = page.locator("#ann-list li")
        expect(item).to_have_count(1)
        expect(item.locator(".ann-state")).to_have_text(T["ann_state_on"])
        expect(item.locator("strong")).to_have_text("Concert ce soir 🎺")
        page.wait_for_function(
            "() => { const i = document.querySelector('#ann-list img');"
            " return i && i.complete && i.naturalWidth > 0; }"
        )

        item.get_by_role("button", name=T["ann_edit"]).tap()
        expect(page.locator("#ann-title_fr")).to_have_value("Concert ce soir 🎺")
        page.fill("#ann-title_fr", "Concert reporté à demain")
        page.check("input[name=ann-cadence][value=between]")
        page.tap(".ann-buttons button[type=submit]")
        expect(item.locator("strong")).to_have_text("Concert reporté à demain")
        expect(item.locator(".muted")).to_contain_text("entre deux mises en page")

        assert page.evaluate(OVERFLOW_JS) == {"extra": 0, "outside": []}

        delete = item.get_by_role("button", name=T["ann_delete"])
        delete.tap()
        item.get_by_role("button", name=T["ann_delete_confirm"]).tap()
        expect(page.locator("#ann-note")).to_have_text(T["ann_deleted"])
        expect(page.locator("#ann-list li")).to_have_count(0)
        expect(page.locator("#ann-none")).to_be_visible()
