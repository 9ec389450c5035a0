"""Headless Chromium through Playwright's sync API, as the visitor's phone in the tests.

The system Chromium is used (the CI installs Debian's `chromium-headless-shell`; the network
is closed, so Playwright's own download is not an option). Tests skip, saying why, on a
machine without it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Dialog,
    Page,
    sync_playwright,
)

# Quiet, offline, no sandbox (we run as root in containers), no GPU (none on CI machines).
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
PHONE_VIEWPORT = {"width": 390, "height": 844}  # an iPhone 12-15 in portrait
DEFAULT_LOCATOR_TIMEOUT_MS = 15_000


def chromium_path() -> str | None:
    """The system's Chromium, or None when this machine has none. Debian's headless shell
    first: the same engine without the desktop browser around it, which Playwright itself
    runs headless; the browser files' CPU fell ~27 % with it (49 → 36 s for three files)."""
    for name in ("chromium-headless-shell", "chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    fallback = Path("/usr/bin/chromium")
    return str(fallback) if fallback.exists() else None


@contextmanager
def launch_chromium() -> Iterator[Browser]:
    """A headless Chromium for the duration of the block; skips the test when there is none."""
    executable = chromium_path()
    if executable is None:
        pytest.skip("no system Chromium (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=list(CHROMIUM_ARGS), headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def phone_context(
    browser: Browser, base_url: str, locale: str = "fr-FR"
) -> Iterator[BrowserContext]:
    """A fresh phone-sized, touch-enabled browser profile (empty cookies and localStorage)."""
    context = browser.new_context(
        base_url=base_url,
        viewport=PHONE_VIEWPORT,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale=locale,
    )
    context.set_default_timeout(DEFAULT_LOCATOR_TIMEOUT_MS)
    try:
        yield context
    finally:
        context.close()


class WatchedPage:
    """A page that records what a test must never see: dialogs, script errors, CSP reports."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.script_errors: list[str] = []
        self.csp_violations: list[str] = []
        page.on("dialog", self._on_dialog)
        page.on("pageerror", lambda error: self.script_errors.append(str(error)))
        page.on("console", self._on_console)

    def _on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _on_console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)
