"""Passwords in headless Chromium, against the real `wall serve`: the office sets a forgotten
one anew from the console's accounts table, and the moderator, signed in with it on her
tablet, changes it to one of her own from the moderators' page."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from playwright.sync_api import Browser, Page, expect

from console import texts as console_texts
from moderation import texts as moderation_texts
from tests.helpers.accounts import add_account
from tests.helpers.browser import DEFAULT_LOCATOR_TIMEOUT_MS, WatchedPage
from tests.helpers.moderation import TABLET_VIEWPORT
from tests.helpers.server import LiveServer

CONSOLE_T = console_texts.TEXTS["fr"]
MOD_T = moderation_texts.TEXTS["fr"]
REGIE, REGIE_PASSWORD = "regie", "regie-console-password"
NINA, FORGOTTEN = "nina", "the one she forgot"
TOLD_BY_PHONE = "told-by-phone-4821"
HER_OWN = "her very own passphrase"


def sign_in_status(server: LiveServer, name: str, password: str) -> int:
    with server.client() as client:
        body = {"username": name, "password": password}
        return client.post("/api/auth/login", json=body).status_code


@contextmanager
def page_on(browser: Browser, server: LiveServer, path: str) -> Iterator[Page]:
    """A fresh French tablet profile on `path`; on leaving, no script error or CSP report."""
    context = browser.new_context(base_url=server.url, viewport=TABLET_VIEWPORT, locale="fr-FR")
    context.set_default_timeout(DEFAULT_LOCATOR_TIMEOUT_MS)
    try:
        watched = WatchedPage(context.new_page())
        watched.page.goto(path)
        yield watched.page
        assert watched.script_errors == []
        assert watched.csp_violations == []
        assert watched.dialogs == []
    finally:
        context.close()


def sign_in(page: Page, name: str, password: str) -> None:
    page.fill("#username", name)
    page.fill("#password", password)
    page.click("#login-submit")


def test_office_resets_a_password_then_the_moderator_changes_it_to_her_own(
    browser: Browser, make_server: Callable[..., LiveServer]
) -> None:
    server = make_server()
    # `wall user add` runs an event loop of its own: not in Playwright's thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(add_account, server, REGIE, "operator", REGIE_PASSWORD).result()
        pool.submit(add_account, server, NINA, "moderator", FORGOTTEN).result()

    with page_on(browser, server, "/console") as console:
        sign_in(console, REGIE, REGIE_PASSWORD)
        expect(console.locator("#app")).to_be_visible()
        console.click(f'#accounts tr[data-account="{NINA}"] button[data-action="password"]')
        form = console.locator(f'#accounts tr[data-password-for="{NINA}"]')
        expect(form).to_contain_text(CONSOLE_T["reset_for"].format(name=NINA))
        save = form.locator('button[data-action="reset-save"]')
        form.locator("input").fill("short")
        expect(save).to_be_disabled()  # too short to be saved at all
        form.locator("input").fill(TOLD_BY_PHONE)
        save.click()
        expect(save).to_have_text(CONSOLE_T["reset_confirm"])
        assert sign_in_status(server, NINA, TOLD_BY_PHONE) == 401  # one press alone does nothing
        save.click()
        done = CONSOLE_T["reset_done"].format(name=NINA)
        expect(console.locator("#toast-text")).to_have_text(done)
        expect(form).to_have_count(0)

    with page_on(browser, server, "/moderate") as tablet:
        sign_in(tablet, NINA, FORGOTTEN)
        expect(tablet.locator("#login-error")).to_have_text(MOD_T["bad_credentials"])
        sign_in(tablet, NINA, TOLD_BY_PHONE)
        expect(tablet.locator("#app")).to_be_visible()

        tablet.click("#password-open")
        dialog = tablet.locator("#password-dialog")
        expect(dialog).to_be_visible()
        expect(dialog.locator("h2")).to_have_text(MOD_T["change_password"])
        tablet.fill("#password-current", "not the one told")
        tablet.fill("#password-new", HER_OWN)
        tablet.fill("#password-again", HER_OWN + "x")
        tablet.click("#password-submit")
        expect(tablet.locator("#password-error")).to_have_text(MOD_T["password_mismatch"])
        tablet.fill("#password-again", HER_OWN)
        tablet.click("#password-submit")
        expect(tablet.locator("#password-error")).to_have_text(MOD_T["password_wrong"])
        tablet.fill("#password-current", TOLD_BY_PHONE)
        tablet.click("#password-submit")
        expect(tablet.locator("#toast-text")).to_have_text(MOD_T["password_changed"])
        expect(dialog).to_be_hidden()
        expect(tablet.locator("#app")).to_be_visible()  # her own session stays open
        assert tablet.input_value("#password-current") == ""  # nothing left in the page

    assert sign_in_status(server, NINA, TOLD_BY_PHONE) == 401
    assert sign_in_status(server, NINA, HER_OWN) == 200
