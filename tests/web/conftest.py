"""One headless Chromium per test module of the browser tests."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from tests.helpers.browser import launch_chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch_chromium() as chromium:
        yield chromium
