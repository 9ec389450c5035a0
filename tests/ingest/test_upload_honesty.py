"""The upload page tells the truth: the bar counts bytes that reached the server, a wait is a
countdown the visitor can cancel, and "ce soir" is promised only when a show is tonight."""

from __future__ import annotations

import html as html_text
import re
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.helpers.browser import WatchedPage, phone_context
from tests.helpers.images import jpeg, textured
from tests.helpers.server import LiveServer
from tests.helpers.slow_proxy import SlowProxy

RATE = 200_000  # bytes per second: a weak 3G uplink
RECEIPT_TIMEOUT_MS = 60_000
SENT = re.compile(r"^([\d,.]+)\s(ko|Mo) sur ([\d,.]+)\s(ko|Mo) envoyés$")


def normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


@pytest.fixture
def watched(browser: Browser) -> Iterator[Callable[[str], WatchedPage]]:
    """Phone pages on any base URL; none may show a script error or a dialog."""
    pages: list[WatchedPage] = []
    with ExitStack() as contexts:

        def open_phone(base_url: str) -> WatchedPage:
            context = contexts.enter_context(phone_context(browser, base_url))
            pages.append(WatchedPage(context.new_page()))
            return pages[-1]

        yield open_phone
    for page in pages:
        assert page.script_errors == [] and page.dialogs == [] and page.csp_violations == []


def a_photo_of_a_megabyte(tmp_path: Path) -> Path:
    """2000 × 1500, about 1 MB: small enough that the page sends it as it is."""
    path = tmp_path / "IMG_2000.jpg"
    path.write_bytes(jpeg(textured((2000, 1500), (120, 80, 200), seed=3), quality=90))
    assert 800_000 < path.stat().st_size < 1_400_000
    return path


def choose_and_send(page: Page, photo: Path) -> None:
    page.set_input_files("#photo", str(photo))
    page.check("#consent")
    page.click("#send")


def bar_value(page: Page) -> float | None:
    """The bar's value, None while it is indeterminate (no value attribute)."""
    value: float | None = page.evaluate(
        "() => { const bar = document.getElementById('progress');"
        " return bar.hasAttribute('value') ? bar.value : null; }"
    )
    return value


def test_the_bar_counts_bytes_the_server_received_then_says_checking(
    watched: Callable[[str], WatchedPage], live_server: LiveServer, tmp_path: Path
) -> None:
    photo = a_photo_of_a_megabyte(tmp_path)
    size = photo.stat().st_size
    proxy = SlowProxy(live_server.port, rate=RATE, answer_delay_s=2.0)
    with proxy.running():
        phone = watched(proxy.url)
        page = phone.page
        page.goto("/")
        choose_and_send(page, photo)
        # A third of the photo has crossed: the page says about that much, in bytes.
        deadline = time.monotonic() + 30
        while proxy.forwarded < size // 3:
            assert time.monotonic() < deadline, "the upload never started"
            page.wait_for_timeout(50)
        expect(page.locator("#progress-text")).to_have_text(SENT, timeout=5_000)
        shown = bar_value(page)
        arrived = 100 * proxy.forwarded / size
        assert shown is not None and 5 <= shown <= min(95, arrived + 10), (shown, arrived)
        match = SENT.match(normalised(page.inner_text("#progress-text")))
        assert match is not None and match[3] == "1,1" and match[4] == "Mo"  # the total
        assert "%" not in page.inner_text("#progress-box")

        # Everything has arrived; the server's answer is held back: "vérification", no figure.
        expect(page.locator("#progress-status")).to_have_text(
            "Photo reçue, vérification…", timeout=30_000
        )
        assert bar_value(page) is None
        assert page.inner_text("#progress-text") == ""
        expect(page.locator("#receipt-box")).to_be_visible(timeout=RECEIPT_TIMEOUT_MS)


def test_a_refusal_shows_the_servers_own_wait_and_can_be_cancelled(
    watched: Callable[[str], WatchedPage], live_server: LiveServer, tmp_path: Path
) -> None:
    """Five minutes asked (a phone's photos waiting for the moderators): the page says so,
    shows no bar at all, and a tap on Cancel gives the form back with the photo still chosen."""
    posts: list[str] = []

    def refuse(route: Route) -> None:
        posts.append(route.request.method)
        body = {"error": {"code": "rate_limited", "message": "x"}}
        route.fulfill(status=429, headers={"Retry-After": "300"}, json=body)

    phone = watched(live_server.url)
    page = phone.page
    page.route("**/api/photos", refuse)
    page.goto("/")
    photo = tmp_path / "small.jpg"
    photo.write_bytes(jpeg(textured((640, 480), (200, 120, 40), seed=5)))
    choose_and_send(page, photo)
    status = page.locator("#progress-status")
    expect(status).to_contain_text("Beaucoup d'envois en peu de temps")
    expect(status).to_contain_text(re.compile(r"dans 4\smin 5\d\ss|dans 5\smin 00\ss"))
    expect(page.locator("#progress")).to_be_hidden()
    expect(page.locator("#progress-text")).to_have_text("")
    first = normalised(status.inner_text())
    page.wait_for_timeout(2_100)
    assert normalised(status.inner_text()) != first  # it counts down
    cancel = page.locator("#cancel-wait")
    expect(cancel).to_have_text("Annuler l'envoi")
    cancel.tap()
    expect(page.locator("#upload-form")).to_be_visible()
    expect(page.locator("#error-text")).to_contain_text("Envoi annulé")
    expect(page.locator("#progress-box")).to_be_hidden()
    expect(page.locator("#send")).to_be_enabled()  # the photo and the consent are still there
    page.wait_for_timeout(1_000)
    assert posts == ["POST"]  # cancelled means no more tries


# --- "ce soir" --------------------------------------------------------------------------------


def zone_where_it_is(hour: int, now: datetime) -> str:
    """A fixed-offset zone where the local hour is now `hour` (POSIX names: signs flipped)."""
    offset = (hour - now.astimezone(UTC).hour) % 24
    if offset > 12:
        offset -= 24
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


ALL_YEAR = {"season_start": "01-01", "season_end": "12-31"}


def intro(server: LiveServer, lang: str = "fr") -> str:
    with server.client() as client:
        html = client.get("/", params={"lang": lang}).text
    found = re.search(r'<p class="intro" id="intro">(.*?)</p>', html, re.S)
    assert found is not None
    return normalised(html_text.unescape(found[1]))


def test_tonight_is_promised_only_when_a_show_is_tonight(
    make_server: Callable[..., LiveServer],
) -> None:
    now = datetime.now(UTC)
    zone = zone_where_it_is(12, now)  # noon: tonight's show is hours away, whatever the run
    today = now.astimezone(ZoneInfo(zone)).date()
    tomorrow = today + timedelta(days=1)
    evening = {**ALL_YEAR, "timezone": zone, "start": "21:30", "end": "23:30"}

    tonight = make_server(schedule=evening)
    assert intro(tonight).startswith("Votre photo sur le mur ce soir, à partir de 21 h 30.")
    assert intro(tonight, "en").startswith("Your photo on the wall tonight, from 21:30.")

    night_off = make_server(schedule={**evening, "nights_off": [today.isoformat()]})
    text = intro(night_off)
    assert "ce soir" not in text
    assert f"Prochaine projection le {tomorrow.day} " in text and "à partir de 21 h 30" in text

    running = make_server(schedule={**ALL_YEAR, "timezone": zone, "start": "11:00", "end": "23:00"})
    assert intro(running).startswith("Votre photo sur le mur, ce soir.")

    out_of_season = make_server(
        schedule={"timezone": zone, "season_start": "2020-06-01", "season_end": "2020-09-30"}
    )
    assert "ce soir" not in intro(out_of_season)
    assert "(aucune n'est prévue pour le moment)" in intro(out_of_season)

    no_schedule = make_server()  # lit whenever the display runs: no time is promised
    assert intro(no_schedule) == (
        "Votre photo sur le mur. Elle sera vérifiée par un modérateur avant d'être projetée."
    )
    assert "tonight" not in intro(no_schedule, "en")
