"""The operator console (`/console`) in headless Chromium, against the real `wall serve`.

What the office staff do on a show night: see what the wall shows (the real headless display
sends its preview), notice when the display stops, watch the moderation backlog and the
night's chart, blank the wall in an incident and light it again (through a server restart),
and manage the accounts; a moderator who opens the console is turned away politely.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, ConsoleMessage, Page, ViewportSize, expect

from console import announcement_texts
from console import texts as console_texts
from show.preview import PREVIEW_STALE_S
from show.projectors.pjlink import PJLinkProjectorFailure, PJLinkUnreachable
from staff.accounts import MIN_PASSWORD_CHARS
from tests.console.test_night import report_shown
from tests.helpers.accounts import add_account, login
from tests.helpers.browser import DEFAULT_LOCATOR_TIMEOUT_MS, PHONE_VIEWPORT, WatchedPage
from tests.helpers.fake_pjlink import FakeProjector
from tests.helpers.moderation import TABLET_VIEWPORT, upload
from tests.helpers.pages import assert_no_inline_code
from tests.helpers.server import LiveServer, free_port
from tests.helpers.wall_display import (
    COLOUR_TOLERANCE,
    LIME,
    MAGENTA,
    HeadlessDisplay,
    Moderator,
    coloured_photo,
)

T = console_texts.TEXTS["fr"]
REGIE, REGIE_PASSWORD = "regie", "regie-console-password"
NINA, NINA_PASSWORD = "nina", "nina-moderation-password"
LAPTOP_VIEWPORT: ViewportSize = {"width": 1440, "height": 900}
DISPLAY_FRAMES = 4000  # runs until stopped: 200 s at 20 fps is far more than the test needs
PREVIEW_TIMEOUT_MS = 30_000  # display start-up, its first frames, then a preview a second
STALE_TIMEOUT_MS = 15_000  # the server calls a preview stale after 5 s; polled each second
RESTART_TIMEOUT_MS = 20_000  # a server start-up, and the page's next status poll
MIN_COLOUR_SHARE = 0.2  # the spotlight layout fills well over a fifth of the wall

Result = TypeVar("Result")

# The share of the preview's pixels near a colour, read back through a canvas: what the
# operator's screen shows, not what the server holds.
PREVIEW_SHARE_JS = """([colour, tolerance, least]) => {
  const img = document.getElementById("preview");
  if (img.hidden || !img.complete || img.naturalWidth === 0) return null;
  const canvas = document.createElement("canvas");
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const context = canvas.getContext("2d");
  context.drawImage(img, 0, 0);
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
  let near = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    const far = Math.max(Math.abs(pixels[i] - colour[0]), Math.abs(pixels[i + 1] - colour[1]),
                         Math.abs(pixels[i + 2] - colour[2]));
    if (far <= tolerance) near += 1;
  }
  const share = near / (pixels.length / 4);
  return share >= least ? { share, width: img.naturalWidth } : null;
}"""

# Everything drawn outside the viewport's width (tables scroll inside their own box).
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const outside = [...document.querySelectorAll(
      ".topbar, .panel, button, a, input, select, h2, .chart svg, .preview-frame, .note")]
    .filter((node) => node.getClientRects().length > 0 && !node.closest(".table-scroll"))
    .filter((node) => {
      const box = node.getBoundingClientRect();
      return box.left < -1 || box.right > width + 1;
    })
    .map((node) => node.id || node.className.baseVal || node.className);
  return { extra: document.documentElement.scrollWidth - width, outside };
}"""


def off_loop(task: Callable[..., Result], *args: Any) -> Result:
    """`wall user add` runs an event loop of its own, which cannot start in the thread where
    Playwright's sync API runs one: give it a thread."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(task, *args).result()


def with_operator(server: LiveServer) -> LiveServer:
    off_loop(add_account, server, REGIE, "operator", REGIE_PASSWORD)
    return server


@contextmanager
def console(
    browser: Browser, server: LiveServer, viewport: ViewportSize, **device: Any
) -> Iterator[WatchedPage]:
    """A fresh browser profile on `/console`; on leaving, nothing went wrong in its scripts."""
    context = browser.new_context(base_url=server.url, viewport=viewport, locale="fr-FR", **device)
    context.set_default_timeout(DEFAULT_LOCATOR_TIMEOUT_MS)
    try:
        watched = WatchedPage(context.new_page())
        logged: list[str] = []

        def on_console(message: ConsoleMessage) -> None:
            # A failed request (the 401 before sign-in, a restart) is the network, not a bug.
            if message.type == "error" and not message.text.startswith("Failed to load"):
                logged.append(message.text)

        watched.page.on("console", on_console)
        watched.page.goto("/console")
        yield watched
        assert watched.script_errors == []
        assert watched.csp_violations == []
        assert watched.dialogs == []
        assert logged == []
    finally:
        context.close()


def sign_in(page: Page, username: str, password: str) -> None:
    expect(page.locator("#login-form")).to_be_visible()
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-submit")


def sign_in_operator(page: Page) -> None:
    sign_in(page, REGIE, REGIE_PASSWORD)
    expect(page.locator("#app")).to_be_visible()


def wall_hour(server: LiveServer) -> int:
    """The hour on the wall's clock, as the server's figures count hours."""
    with login(server, REGIE, REGIE_PASSWORD) as staff:
        zone = staff.get("/api/console/show").json()["timezone"]
    return datetime.now(ZoneInfo(zone)).hour


def in_view(page: Page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    viewport = page.viewport_size
    assert box is not None and viewport is not None, selector
    return box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"]


# --- The shell ----------------------------------------------------------------------------------


def test_shell_speaks_both_languages_and_carries_no_inline_code(live_server: LiveServer) -> None:
    with live_server.client() as client:
        french = client.get("/console")
        english = client.get("/console", headers={"Accept-Language": "en-GB,en;q=0.9"})
        assert french.status_code == 200 and french.headers["content-language"] == "fr"
        assert english.headers["content-language"] == "en"
        assert "script-src 'self'" in french.headers["content-security-policy"]
        for lang, page in (("fr", french), ("en", english)):
            html = page.text
            assert console_texts.TEXTS[lang]["login_title"] in html
            data = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', html)
            assert data is not None
            script_data = json.loads(data[1])
            # The console's table and its announcements card's (console/announcement_texts.py).
            page_texts = {**console_texts.TEXTS[lang], **announcement_texts.TEXTS[lang]}
            assert script_data["texts"] == page_texts
            assert script_data["timezone"] == "Europe/Paris"
            assert script_data["limits"]["password_min"] == MIN_PASSWORD_CHARS
            imports = assert_no_inline_code(page)
        assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', french.text)
        assert any(a.startswith("/static/staff/staff.css?v=") for a in assets)
        assert any(a.startswith("/static/console/console.js?v=") for a in assets)
        assert imports["/static/staff/session.js"].startswith("/static/staff/session.js?v=")
        assert not any(url.startswith("/static/moderation/") for url in imports)
        for asset in assets + list(imports.values()):
            served = client.get(asset)
            assert served.status_code == 200, asset
            assert "immutable" in served.headers["cache-control"], asset


# --- In the browser -----------------------------------------------------------------------------


def test_console_shows_what_the_wall_shows_and_says_when_the_display_stops(
    browser: Browser, make_process_server: Callable[..., LiveServer], tmp_path: Path
) -> None:
    server = with_operator(make_process_server())
    moderator = off_loop(Moderator, server)
    moderator.publish(coloured_photo(MAGENTA), caption="Magenta")
    display = HeadlessDisplay(tmp_path / "display", server, frames=DISPLAY_FRAMES).start()
    try:
        with console(browser, server, TABLET_VIEWPORT, has_touch=True) as regie:
            page = regie.page
            sign_in_operator(page)
            seen = page.wait_for_function(
                PREVIEW_SHARE_JS,
                arg=[list(MAGENTA), COLOUR_TOLERANCE, MIN_COLOUR_SHARE],
                timeout=PREVIEW_TIMEOUT_MS,
                polling=500,
            ).json_value()
            assert seen["width"] == 640  # the display's preview, as sent
            expect(page.locator("#preview-live")).to_be_visible()
            expect(page.locator("#display-note")).to_be_hidden()
            # On a tablet, the wall and the switch are in view together, without scrolling.
            assert in_view(page, ".preview-frame") and in_view(page, "#blank-switch")
            assert page.evaluate(OVERFLOW_JS) == {"extra": 0, "outside": []}

            display.finish()
            note = page.locator("#preview-note")
            expect(note).to_be_visible(timeout=STALE_TIMEOUT_MS)
            stopped = T["preview_stale"].split("{age}")[0]
            expect(note).to_contain_text(stopped)
            assert re.search(r"\d+\s+s\.$", note.inner_text())  # "... il y a 6 s."
            expect(page.locator("#display-note")).to_have_text(T["no_display"])
            expect(page.locator("#preview-live")).to_be_hidden()
            expect(page.locator("#preview")).to_be_visible()  # the last picture stays, dimmed
    finally:
        if display.process is not None and display.process.poll() is None:
            display.finish()


def test_backlog_and_the_nights_chart_on_a_phone(
    browser: Browser, make_server: Callable[..., LiveServer]
) -> None:
    server = with_operator(make_server())
    moderator = off_loop(Moderator, server)
    hour_before = wall_hour(server)
    for colour in (MAGENTA, LIME):
        moderator.publish(coloured_photo(colour))
    for sample in ("coffee.jpg", "grass.jpg", "brick.jpg"):
        upload(server, sample)
    hours = {hour_before, wall_hour(server)}  # one hour, unless the test ran across the hour

    phone = {"is_mobile": True, "has_touch": True, "device_scale_factor": 2}
    with console(browser, server, PHONE_VIEWPORT, **phone) as regie:
        page = regie.page
        sign_in_operator(page)
        expect(page.locator("#backlog-count")).to_have_text(
            T["backlog_many"].format(n=3), timeout=5_000
        )
        expect(page.locator("#backlog-oldest")).to_be_visible()
        expect(page.locator("#fig-approved")).to_have_text("2")
        expect(page.locator("#fig-received")).to_have_text("5")
        expect(page.locator("#fig-rejected")).to_have_text("0")

        approved_bars = page.locator("#chart rect.bar.approved:not([data-count='0'])")
        expect(approved_bars).to_have_count(1)
        assert approved_bars.get_attribute("data-count") == "2"
        bar_group = page.locator("#chart g.hour").filter(
            has=page.locator("rect.bar.approved:not([data-count='0'])")
        )
        hour = int(bar_group.get_attribute("data-hour") or "-1")
        assert hour in hours
        if len(hours) == 1:  # all five arrived in that hour
            received = bar_group.locator("rect.bar.received")
            assert received.get_attribute("data-count") == "5"
            expect(bar_group.locator("text.count.approved")).to_have_text("2")
            expect(bar_group.locator("text.hour-label")).to_have_text(str(hour))
            label = T["chart_bar"].format(hour=hour, received=5, approved=2)
            assert bar_group.get_attribute("aria-label") == label
        hour_label = T["hour_label"].format(hour=hour)
        row = page.locator(f'#chart-table tbody tr:has(th:text-is("{hour_label}"))')
        expect(row.locator("td").nth(1)).to_have_text("2")

        jpeg = page.request.get(page.get_attribute("#sheet-jpeg", "href") or "")
        assert jpeg.status == 200 and jpeg.headers["content-type"] == "image/jpeg"
        assert (page.get_attribute("#sheet-pdf", "href") or "").endswith("format=pdf")

        layout = page.evaluate(OVERFLOW_JS)
        assert layout == {"extra": 0, "outside": []}


def test_blank_switch_asks_once_more_and_holds_through_a_server_restart(
    browser: Browser, make_process_server: Callable[..., LiveServer]
) -> None:
    server = with_operator(make_process_server())

    def blanked() -> bool:
        with login(server, REGIE, REGIE_PASSWORD) as staff:
            state: bool = staff.get("/api/console/show").json()["blanked"]
        return state

    with console(browser, server, LAPTOP_VIEWPORT) as regie:
        page = regie.page
        sign_in_operator(page)
        switch, state = page.locator("#blank-switch"), page.locator("#show-state")
        expect(state).to_have_text(T["state_lit"])
        expect(switch).to_have_text(T["blank_now"])
        assert page.evaluate(OVERFLOW_JS) == {"extra": 0, "outside": []}
        where = switch.bounding_box()
        switch.click()
        expect(switch).to_have_text(T["blank_confirm"])
        expect(page.locator("#blank-hint")).to_be_visible()
        assert switch.bounding_box() == where  # the confirming press lands where the first did
        assert blanked() is False  # one press alone does nothing
        switch.click()
        expect(state).to_have_text(T["state_blanked"])
        expect(page.locator("#blank-flag")).to_be_visible()
        expect(switch).to_have_text(T["light_again"])
        assert blanked() is True

        server.kill()
        expect(page.locator("#conn")).to_be_visible(timeout=RESTART_TIMEOUT_MS)
        expect(state).to_have_text(T["state_blanked"])  # what was known stays on screen
        server.start()
        expect(page.locator("#conn")).to_be_hidden(timeout=RESTART_TIMEOUT_MS)
        expect(state).to_have_text(T["state_blanked"])

        switch.click()
        expect(switch).to_have_text(T["light_confirm"])
        switch.click()
        expect(state).to_have_text(T["state_lit"])
        expect(page.locator("#blank-flag")).to_be_hidden()
        assert blanked() is False


def test_operator_adds_a_moderator_who_is_turned_away_politely_then_disabled(
    browser: Browser, make_server: Callable[..., LiveServer]
) -> None:
    server = with_operator(make_server())
    with console(browser, server, TABLET_VIEWPORT) as regie:
        page = regie.page
        sign_in_operator(page)
        expect(page.locator('#accounts tr[data-account="regie"]')).to_be_visible()
        expect(page.locator('#accounts tr[data-account="regie"] button')).to_have_count(0)
        page.fill("#new-username", NINA)
        page.fill("#new-password", "short")
        page.click("#account-submit")
        expect(page.locator("#account-error")).to_have_text(T["error_weak_password"])
        page.fill("#new-password", NINA_PASSWORD)
        page.select_option("#new-role", "moderator")
        page.click("#account-submit")
        nina_row = page.locator(f'#accounts tr[data-account="{NINA}"]')
        expect(nina_row).to_contain_text(T["role_moderator"])
        expect(page.locator("#account-error")).to_be_hidden()

        with console(browser, server, PHONE_VIEWPORT) as nina:
            sign_in(nina.page, NINA, NINA_PASSWORD)
            expect(nina.page.locator("#login-error")).to_have_text(T["not_operator"])
            expect(nina.page.locator("#app")).to_be_hidden()
            expect(nina.page.locator("#moderation-link")).to_have_attribute("href", "/moderate")

        disable = nina_row.locator('button[data-action="disable"]')
        disable.click()
        expect(disable).to_have_text(T["disable_confirm"])
        disable.click()
        expect(nina_row).to_contain_text(T["account_disabled"])
        with login(server, REGIE, REGIE_PASSWORD) as staff:
            accounts = {a["username"]: a for a in staff.get("/api/accounts").json()["accounts"]}
        assert accounts[NINA]["disabled"] is True and accounts[NINA]["role"] == "moderator"
        with server.client() as client:
            answer = client.post(
                "/api/auth/login", json={"username": NINA, "password": NINA_PASSWORD}
            )
        assert answer.status_code == 401  # disabled: her password opens nothing now


# --- Words, the live badge, the programme and tables on a phone (issue 10) --------------------

EN = console_texts.TEXTS["en"]
VOLUNTEER = "accueil-festival-benevoles"  # a real account name, longer than "nina"
ALL_YEAR = {"season_start": "01-01", "season_end": "12-31", "start": "21:30", "end": "00:30"}
# Everything a table holds lies within its box: no column hidden past the screen's edge.
TABLES_FIT_JS = """() => {
  const width = document.documentElement.clientWidth;
  const tables = [...document.querySelectorAll("table")]
    .filter((t) => t.getClientRects().length > 0 && !t.closest(".visually-hidden")
                   && !t.classList.contains("visually-hidden"))
    .map((t) => {
      const box = (t.closest(".table-scroll") || t).getBoundingClientRect();
      const scroller = t.closest(".table-scroll") || t;
      return { id: t.id, right: Math.round(box.right),
               hidden: scroller.scrollWidth - scroller.clientWidth,
               wider: Math.round(t.getBoundingClientRect().right - box.right) };
    });
  return { page: document.documentElement.scrollWidth - width, width, tables };
}"""


def test_projector_problems_read_in_the_consoles_language(
    browser: Browser, make_server: Callable[..., LiveServer]
) -> None:
    failing = FakeProjector(mode="failure").start()
    try:
        tables = [
            {"name": "facade", "host": "127.0.0.1", "port": failing.port},
            {"name": "eglise", "host": "127.0.0.1", "port": free_port()},  # nobody listens
        ]
        for table in tables:
            table.update(poll_s=0.5, timeout_s=1.0)
        server = with_operator(make_server(projectors=tables))
        with console(browser, server, TABLET_VIEWPORT, has_touch=True) as regie:
            page = regie.page
            sign_in_operator(page)
            facade = page.locator('li[data-projector="facade"]')
            eglise = page.locator('li[data-projector="eglise"]')
            # The console asks for the projectors every 15 s.
            expect(facade).to_contain_text(T["projector_error_projector_failure"], timeout=20_000)
            expect(eglise).to_contain_text(T["projector_error_unreachable"], timeout=20_000)
            projectors = page.inner_text("#projectors")
            assert PJLinkProjectorFailure.operator_message not in projectors
            assert PJLinkUnreachable.operator_message not in projectors

            page.locator("#lang-switch").tap()  # the session stays: the console opens at once
            expect(page.locator("#app")).to_be_visible()
            expect(facade).to_contain_text(EN["projector_error_projector_failure"])
            expect(eglise).to_contain_text(EN["projector_error_unreachable"])
    finally:
        failing.stop()


def test_live_badge_goes_when_the_walls_picture_grows_old(
    browser: Browser, make_process_server: Callable[..., LiveServer]
) -> None:
    """The display's picture stops coming because the server is gone: the page ages the
    picture by its own clock and stops saying "En direct" over it."""
    server = with_operator(make_process_server())
    with console(browser, server, TABLET_VIEWPORT, has_touch=True) as regie:
        page = regie.page
        sign_in_operator(page)
        live = page.locator("#preview-live")
        report_shown(server, [])  # what `wall display` sends each second
        expect(live).to_be_visible(timeout=3_000)
        expect(live).to_have_text(T["preview_live"])

        server.kill()
        expect(live).to_be_hidden(timeout=int(PREVIEW_STALE_S * 1000) + 3_000)
        expect(page.locator(".preview-frame")).to_have_class(re.compile(r"\bstale\b"))
        expect(page.locator("#preview-note")).to_contain_text(T["preview_lost"].split("{age}")[0])

        server.start()
        report_shown(server, [])
        expect(live).to_be_visible(timeout=RESTART_TIMEOUT_MS)
        expect(page.locator("#preview-note")).to_be_hidden()


def test_on_a_phone_the_programme_shows_nights_off_and_special_nights_and_tables_fit(
    browser: Browser, make_server: Callable[..., LiveServer]
) -> None:
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    night_off, special = today + timedelta(days=2), today + timedelta(days=3)
    schedule = {
        **ALL_YEAR,
        "nights_off": [night_off.isoformat()],
        "special_nights": [f"{special.isoformat()} 22:00 01:00"],
    }
    mastodon = {"instance": f"http://127.0.0.1:{free_port()}", "tag": "murparticipatifdebrive"}
    server = with_operator(make_server(schedule=schedule, sources={"mastodon": [mastodon]}))
    off_loop(add_account, server, VOLUNTEER, "moderator", NINA_PASSWORD)
    phone = {"is_mobile": True, "has_touch": True, "device_scale_factor": 2}
    with console(browser, server, PHONE_VIEWPORT, **phone) as regie:
        page = regie.page
        sign_in_operator(page)
        off = page.locator('#schedule-list li[data-kind="off"]')
        expect(off).to_have_count(1)
        expect(off).to_contain_text(T["night_off"])
        expect(off).to_contain_text(str(night_off.day))
        special_item = page.locator('#schedule-list li[data-kind="special"]')
        expect(special_item).to_have_count(1)
        expect(special_item).to_contain_text(T["special_night"])
        expect(special_item).to_contain_text("22:00–01:00")
        expect(special_item).to_contain_text(str(special.day))
        # In order: the night off sits between the shows around it.
        days = page.locator("#schedule-list li").evaluate_all(
            "(items) => items.map((item) => item.dataset.kind)"
        )
        assert days.index("off") < days.index("special") and days[-1] != "off"

        source_row = page.locator("#sources tbody tr")
        expect(source_row).to_have_count(1)
        # Its failure in French too (the console polls sources every 15 s).
        expect(source_row).to_contain_text(T["source_error_unreachable"], timeout=20_000)
        expect(source_row).to_contain_text(T["source_retry_in"].split("{wait}")[0])
        assert "unreachable" not in source_row.inner_text()
        expect(page.locator(f'#accounts tr[data-account="{VOLUNTEER}"]')).to_be_visible()
        fit = page.evaluate(TABLES_FIT_JS)
        assert fit["page"] <= 0, fit
        shown = {table["id"] for table in fit["tables"]}
        assert {"sources", "accounts"} <= shown, fit
        for table in fit["tables"]:
            assert table["right"] <= fit["width"], fit
            assert table["hidden"] <= 0 and table["wider"] <= 0, fit
        # Each value keeps its column's name when rows stack as cards.
        state_cell = page.locator("#sources tbody td").nth(1)
        assert state_cell.get_attribute("data-label") == T["col_state"]


def test_every_source_problem_code_has_words_in_both_languages() -> None:
    """The console shows `source_error_<code>`; a code without words would fall back to a
    generic line, so each one the sources raise is listed and worded."""
    for lang in ("fr", "en"):
        words = console_texts.TEXTS[lang]
        for code in console_texts.SOURCE_ERRORS:
            assert words[f"source_error_{code}"], (lang, code)
        assert "{wait}" in words["source_retry_in"]
        assert "{file}" in words["source_error_file_refused"]
