"""The moderators' side of browser tests: accounts, pages that record what must never
happen, visitor uploads and API checks, and a finger's drag."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    ViewportSize,
    expect,
)

from tests.conftest import SAMPLES_DIR
from tests.helpers.accounts import add_account, login
from tests.helpers.browser import DEFAULT_LOCATOR_TIMEOUT_MS, WatchedPage
from tests.helpers.server import LiveServer

TABLET_VIEWPORT: ViewportSize = {"width": 1280, "height": 800}  # a 10" tablet in landscape
MIN_TAP_PX = 64  # the decision buttons, for a thumb in the dark
LIVE_TIMEOUT_MS = 10_000  # an event or a reconnection (backoff up to a few seconds)
STATUS_TIMEOUT_S = 10.0  # a decision the page sent reaches the server
XSS_CAPTION = "<img src=x onerror=alert(1)>"
NINA, NINA_PASSWORD = "nina", "nina-tablet-password"
OMAR, OMAR_PASSWORD = "omar", "omar-phone-password"


@dataclass(frozen=True)
class Upload:
    id: str
    token: str


@contextmanager
def tablet_context(browser: Browser, base_url: str) -> Iterator[BrowserContext]:
    """A fresh landscape tablet profile, with touch (taps) and a keyboard."""
    context = browser.new_context(
        base_url=base_url, viewport=TABLET_VIEWPORT, has_touch=True, locale="fr-FR"
    )
    context.set_default_timeout(DEFAULT_LOCATOR_TIMEOUT_MS)
    try:
        yield context
    finally:
        context.close()


class Moderator(WatchedPage):
    """One moderator's page, recording what a test must never see."""

    def sign_in(self, username: str, password: str) -> None:
        page = self.page
        if "/moderate" not in page.url:
            page.goto("/moderate")
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("#login-submit")
        expect(page.locator("#app")).to_be_visible()
        expect(page.locator("#queue-loading")).to_be_hidden()

    def settle(self) -> None:
        """Sign-in and the socket's hello each load the queue: let both land, or a late load
        would already show a decision a test expects the page to learn another way."""
        self.page.wait_for_load_state("networkidle")
        self.page.wait_for_timeout(500)

    def expect_card(self, photo_id: str) -> None:
        card = self.page.locator("#card")
        expect(card).to_be_visible(timeout=LIVE_TIMEOUT_MS)
        expect(card).to_have_attribute("data-photo-id", photo_id, timeout=LIVE_TIMEOUT_MS)

    def expect_empty(self) -> None:
        expect(self.page.locator("#card")).to_be_hidden(timeout=LIVE_TIMEOUT_MS)
        expect(self.page.locator("#empty")).to_be_visible()

    def wall_item(self, photo_id: str) -> Locator:
        return self.page.locator(f'#wall-strip li[data-photo-id="{photo_id}"]')

    def toast(self) -> Locator:
        return self.page.locator("#toast")

    def check_clean(self) -> None:
        assert self.script_errors == []
        assert self.csp_violations == []
        assert self.dialogs == []


@contextmanager
def moderator_on(context: BrowserContext) -> Iterator[Moderator]:
    moderator = Moderator(context.new_page())
    yield moderator
    moderator.check_clean()


def upload(
    server: LiveServer, sample: str, caption: str = "", author: str = "", data: bytes = b""
) -> Upload:
    """A visitor's upload through the public API (no browser), waiting for moderation;
    `data`, when given, is sent instead of the sample's own bytes."""
    path = SAMPLES_DIR / sample
    with server.client() as client:
        answer = client.post(
            "/api/photos",
            files={"file": (path.name, data or path.read_bytes(), "image/jpeg")},
            data={"consent": "true", "caption": caption, "author": author},
        )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["status"] == "pending", body
    return Upload(body["id"], body["receipt_token"])


def status_of(server: LiveServer, photo: Upload) -> str:
    with server.client() as client:
        answer = client.get(f"/api/photos/{photo.id}", params={"token": photo.token})
    assert answer.status_code == 200, answer.text
    status: str = answer.json()["status"]
    return status


def expect_status(
    server: LiveServer, photo: Upload, status: str, timeout_s: float = STATUS_TIMEOUT_S
) -> None:
    """The server reaches `status`: a page moves on to the next card as soon as the
    moderator decides, while the decision is still on its way."""
    deadline = time.monotonic() + timeout_s
    while (seen := status_of(server, photo)) != status and time.monotonic() < deadline:
        time.sleep(0.1)
    assert seen == status, f"{photo.id}: {seen}, not {status}, after {timeout_s} s"


def decided(server: LiveServer, status: str) -> dict[str, dict[str, Any]]:
    """The photos in `status`, by id, as the moderation API shows them (with their reason)."""
    with login(server, OMAR, OMAR_PASSWORD) as client:
        answer = client.get("/api/moderation/queue", params={"status": status, "limit": 100})
    assert answer.status_code == 200, answer.text
    return {photo["id"]: photo for photo in answer.json()["photos"]}


def approve_now(server: LiveServer, photo: Upload) -> None:
    """Another moderator approves `photo` through the API: it is on the wall."""
    with login(server, OMAR, OMAR_PASSWORD) as omar:
        version = decided(server, "pending")[photo.id]["version"]
        answer = omar.post(
            f"/api/moderation/photos/{photo.id}/decision",
            json={"decision": "approve", "version": version},
        )
    assert answer.status_code == 200, answer.text


def wait_for_pending(server: LiveServer, source: str, timeout_s: float = 15.0) -> str:
    """The id of the first photo from `source` waiting for moderation, once it has arrived
    (a watched folder polls, waits for the file to be stable, then runs the pipeline)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = [p["id"] for p in decided(server, "pending").values() if p["source"] == source]
        if found:
            return found[0]
        time.sleep(0.3)
    raise AssertionError(f"no photo from {source} waiting after {timeout_s} s")


def normalised(text: str) -> str:
    """French typesetting uses non-breaking spaces; tests compare words."""
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def drag(page: Page, target: Locator, dx: float, release: bool = True) -> None:
    """A finger-like horizontal drag across the middle of `target`, in small steps."""
    box = target.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.4
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(x + dx * step / 10, y + step)  # a thumb is never perfectly level
    if release:
        page.mouse.up()


def touch_swipe(
    page: Page, target: Locator, dx: float, before_lift: Callable[[], None] | None = None
) -> None:
    """A real finger's horizontal swipe across `target`: touch events sent through the
    DevTools protocol reach the page as pointer events of type "touch" (Playwright's
    `touchscreen` only taps), with the implicit pointer capture a finger brings.
    `before_lift` runs while the finger still rests at the end of its move."""
    box = target.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.4
    cdp = page.context.new_cdp_session(page)

    def touch(kind: str, points: list[dict[str, float]]) -> None:
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    touch("touchStart", [{"x": x, "y": y}])
    for step in range(1, 11):
        touch("touchMove", [{"x": x + dx * step / 10, "y": y + step}])
        page.wait_for_timeout(16)  # one move per frame, as a screen samples a finger
    page.wait_for_timeout(120)  # the finger stops before it lifts: no fling follows
    if before_lift is not None:
        before_lift()
    touch("touchEnd", [])
    cdp.detach()


def assert_thumb_reachable(page: Page) -> None:
    """Both decision buttons are big, and sit in the bottom band of the screen."""
    viewport = page.viewport_size
    assert viewport is not None
    for button in ("#approve", "#reject"):
        box = page.locator(button).bounding_box()
        assert box is not None, button
        assert box["height"] >= MIN_TAP_PX and box["width"] >= MIN_TAP_PX, (button, box)
        assert box["y"] + box["height"] <= viewport["height"], (button, box)
        assert box["y"] >= viewport["height"] * 0.75, (button, box)


def add_moderators(server: LiveServer) -> LiveServer:
    """Nina and Omar, two moderators, on `server`."""
    # `wall user add` runs its own event loop, which cannot start in a thread where Playwright's
    # sync API already runs one (a browser fixture is up by now): give it a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        for name, password in ((NINA, NINA_PASSWORD), (OMAR, OMAR_PASSWORD)):
            pool.submit(add_account, server, name, "moderator", password).result()
    return server
