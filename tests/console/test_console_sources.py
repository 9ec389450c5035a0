"""The console tells the staff, in their language, what to fix when a Mastodon instance
closes its hashtag timeline to anonymous readers."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, expect

from console import texts as console_texts
from tests.console.test_console_page import console, sign_in_operator, with_operator
from tests.helpers.fake_mastodon import FakeMastodon
from tests.helpers.moderation import TABLET_VIEWPORT
from tests.helpers.server import LiveServer


@pytest.fixture
def closed_instance() -> Iterator[FakeMastodon]:
    fake = FakeMastodon().start()
    fake.behaviour.hashtag_feeds = "authenticated"
    yield fake
    fake.stop()


def test_a_source_that_needs_a_token_says_so_in_french(
    browser: Browser, make_server: Callable[..., LiveServer], closed_instance: FakeMastodon
) -> None:
    source = {"instance": closed_instance.url, "tag": "town", "interval_s": 1, "name": "masto"}
    server = with_operator(make_server(sources={"mastodon": [source]}))
    with console(browser, server, TABLET_VIEWPORT, has_touch=True) as watched:
        sign_in_operator(watched.page)
        row = watched.page.locator('tr[data-source="masto"]')
        expected = console_texts.TEXTS["fr"]["source_error_token_needed"]
        expect(row).to_contain_text(expected, timeout=30_000)
        assert "signed-in" not in row.inner_text()  # not the English detail
