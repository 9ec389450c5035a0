"""The festival night: 24 phones on the venue's Wi-Fi (one address, here 127.0.0.1), each its
own Chromium profile, post from the upload page with the default limits. All are accepted;
a phone that posts a burst is throttled alone, with an honest countdown it can cancel, and a
new phone on the same Wi-Fi is accepted right after."""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Response, expect

from tests.helpers.browser import WatchedPage, phone_context
from tests.helpers.images import distinctive_jpeg
from tests.helpers.server import LiveServer
from wall.config import UploadSection

PHONES = 24
AT_ONCE = 8  # phones sending together: the venue's crowd, within what two cores can drive
MINUTE_S = 60.0
RECEIPT_TIMEOUT_MS = 45_000
MAX_BURST = 15  # more than a phone's allowance per minute
MAX_ROUNDS = 3  # a token may refill between the burst and the page's send: burst again
SMALL = (320, 240)
DEFAULTS = UploadSection.model_validate({})  # the shipped limits
# From inside the phone's page (same cookies as the page): post photos one after another
# until the server says to wait; returns the statuses.
BURST_JS = """
async (photos) => {
  const statuses = [];
  for (const data of photos) {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    const form = new FormData();
    form.append("file", new Blob([bytes], { type: "image/jpeg" }), "burst.jpg");
    form.append("consent", "true");
    const response = await fetch("/api/photos", { method: "POST", body: form });
    statuses.push(response.status);
    if (response.status === 429) break;
  }
  return statuses;
}
"""


class Phone(WatchedPage):
    """One visitor's phone: a browser profile of its own, recording the upload answers."""

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.answers: list[Response] = []
        page.on("response", self._on_response)

    def _on_response(self, response: Response) -> None:
        if response.url.endswith("/api/photos") and response.request.method == "POST":
            self.answers.append(response)

    def statuses(self) -> list[int]:
        return [answer.status for answer in self.answers]

    def send(self, photo: Path) -> None:
        page = self.page
        page.set_input_files("#photo", str(photo))
        page.check("#consent")
        page.click("#send")


@pytest.fixture
def festival(make_server: Callable[..., LiveServer]) -> LiveServer:
    """The real server with the shipped upload limits (the test helper's are lifted)."""
    return make_server(
        upload={
            "rate_limit_per_minute": DEFAULTS.rate_limit_per_minute,
            "rate_limit_per_address_per_minute": DEFAULTS.rate_limit_per_address_per_minute,
            "max_pending_per_contributor": DEFAULTS.max_pending_per_contributor,
        }
    )


@pytest.fixture
def photos(tmp_path: Path) -> Iterator[list[Path]]:
    paths = []
    for index in range(PHONES + 4):
        path = tmp_path / f"IMG_{index:04d}.jpg"
        path.write_bytes(distinctive_jpeg((40 + 8 * index, 120, 200 - 5 * index), SMALL, index))
        paths.append(path)
    yield paths


def burst_photos(first_seed: int) -> list[str]:
    return [
        base64.b64encode(distinctive_jpeg((200, 60, 90), SMALL, first_seed + n)).decode()
        for n in range(MAX_BURST)
    ]


def seconds_shown(page: Page) -> int:
    """The whole seconds the countdown shows ("… dans 5 s", "… dans 4 min 05 s")."""
    text = page.inner_text("#progress-status").replace("\u00a0", " ")
    found = re.search(r"dans (?:(\d+) min (\d\d) s|(\d+) s)", text)
    assert found is not None, text
    if found[3]:
        return int(found[3])
    return int(found[1]) * 60 + int(found[2])


def throttle(phone: Phone, photo: Path) -> Response:
    """Burst from the phone until refused, then send from the page: it must be told to wait.
    Returns the page's refused answer."""
    page = phone.page
    for round_number in range(MAX_ROUNDS):
        statuses = page.evaluate(BURST_JS, burst_photos(1000 + 100 * round_number))
        assert statuses[-1] == 429 and set(statuses[:-1]) <= {201}, statuses
        page.click("#another")
        phone.send(photo)
        page.wait_for_selector(
            "#cancel-wait:visible, #receipt-box:visible", timeout=RECEIPT_TIMEOUT_MS
        )
        if page.locator("#cancel-wait").is_visible():
            return phone.answers[-1]
    raise AssertionError(f"the page's send was never refused: {phone.statuses()}")


def test_24_phones_on_one_wifi_are_24_visitors(
    browser: Browser, festival: LiveServer, photos: list[Path]
) -> None:
    with ExitStack() as stack:
        phones: list[Phone] = []
        started = time.monotonic()
        for batch_start in range(0, PHONES, AT_ONCE):
            batch = []
            for index in range(batch_start, batch_start + AT_ONCE):
                context = stack.enter_context(phone_context(browser, festival.url))
                phone = Phone(context.new_page())
                phone.page.goto("/")
                phone.send(photos[index])
                batch.append(phone)
            for phone in batch:
                expect(phone.page.locator("#receipt-box")).to_be_visible(timeout=RECEIPT_TIMEOUT_MS)
            phones.extend(batch)
        elapsed = time.monotonic() - started
        assert elapsed < MINUTE_S, f"24 phones took {elapsed:.0f} s"
        assert [phone.statuses() for phone in phones] == [[201]] * PHONES

        # One phone posts a burst: it alone is told to wait, honestly, and may cancel.
        bursting = phones[0]
        refused = throttle(bursting, photos[PHONES])
        page = bursting.page
        retry_after = int(refused.headers["retry-after"])
        assert 1 <= retry_after <= 60 / DEFAULTS.rate_limit_per_minute
        assert 0 < seconds_shown(page) <= retry_after
        expect(page.locator("#progress-status")).to_contain_text("Beaucoup d'envois")
        expect(page.locator("#progress")).to_be_hidden()  # a wait is not a full bar

        # A new phone on the same Wi-Fi, right now: accepted at once.
        context = stack.enter_context(phone_context(browser, festival.url))
        newcomer = Phone(context.new_page())
        newcomer.page.goto("/")
        newcomer.send(photos[PHONES + 1])
        expect(newcomer.page.locator("#receipt-box")).to_be_visible(timeout=RECEIPT_TIMEOUT_MS)
        assert newcomer.statuses() == [201]
        assert page.locator("#cancel-wait").is_visible()  # the bursting phone still waits

        page.locator("#cancel-wait").tap()
        expect(page.locator("#error-text")).to_contain_text("Envoi annulé")
        expect(page.locator("#send")).to_be_enabled()
        for phone in [*phones, newcomer]:
            assert phone.script_errors == [] and phone.dialogs == []
            assert phone.csp_violations == []
