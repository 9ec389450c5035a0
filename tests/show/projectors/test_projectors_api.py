"""End to end: `wall serve` switches a PJLink projector on for a show and shows it to operators."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.helpers.accounts import add_account, login
from tests.helpers.app_server import AppServer
from tests.helpers.fake_pjlink import FakeProjector

# A show all day, every day: the end "00:00" is at or before the start, so it is the next
# midnight, whatever the date and time the test runs at.
ALWAYS_SHOWING = {
    "enabled": True,
    "season_start": "01-01",
    "season_end": "12-31",
    "start": "00:00",
    "end": "00:00",
}
WAIT_S = 30.0  # a cold server start on a busy 2-core machine; the projector is on far sooner


@pytest.fixture
def projector() -> Iterator[FakeProjector]:
    fake = FakeProjector(password="secret", warm_up_s=0.5).start()
    yield fake
    fake.stop()


def _wait_for(client: httpx.Client, condition: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT_S
    while True:
        answer = client.get("/api/projectors")
        assert answer.status_code == 200, answer.text
        state: dict[str, Any] = answer.json()["projectors"][0]
        if condition(state):
            return state
        assert time.monotonic() < deadline, f"projector state stayed {state}"
        time.sleep(0.1)


def test_the_server_powers_the_projector_on_and_the_console_sees_it(
    make_app_server: Callable[..., AppServer], projector: FakeProjector
) -> None:
    table = {
        "name": "facade",
        "host": "127.0.0.1",
        "port": projector.port,
        "password": "secret",
        "input": "32",
        "poll_s": 0.2,
        "timeout_s": 2.0,
    }
    server = make_app_server(schedule=ALWAYS_SHOWING, projectors=[table])
    add_account(server, "olga", "operator", "operator-password-1")
    add_account(server, "mona", "moderator", "moderator-password-1")
    with server.client() as anonymous:
        assert anonymous.get("/api/projectors").status_code == 401
    with login(server, "mona", "moderator-password-1") as moderator:
        assert moderator.get("/api/projectors").status_code == 403
    with login(server, "olga", "operator-password-1") as operator:
        state = _wait_for(operator, lambda s: s["power"] == "on" and s["input"] == "32")
    assert projector.power == "1" and projector.input == "32"
    assert state["name"] == "facade" and state["reachable"] and state["wanted_power"] == "on"
    assert state["lamp_hours"] == [1500] and state["errors"]["lamp"] == "ok"
    assert state["last_error"] == "" and state["last_seen"] is not None
    with server.client() as monitoring:  # what an office's monitoring scrapes
        metrics = monitoring.get("/metrics").text
    assert 'wall_projector_reachable{projector="facade"} 1.0' in metrics
    assert "wall_show_lit 1.0" in metrics and "wall_display_preview_age_seconds -1.0" in metrics
    assert server.alive()


def test_blanking_the_wall_mutes_the_projector_at_once(
    make_app_server: Callable[..., AppServer], projector: FakeProjector
) -> None:
    """The console's switch reaches the projector without waiting for the next poll."""
    table = {
        "host": "127.0.0.1",
        "port": projector.port,
        "password": "secret",
        "poll_s": 60.0,  # a poll would come far too late: only the nudge can be this quick
        "timeout_s": 2.0,
        "mute_when_blanked": True,
    }
    server = make_app_server(schedule=ALWAYS_SHOWING, projectors=[table])
    add_account(server, "olga", "operator", "operator-password-1")
    with login(server, "olga", "operator-password-1") as operator:
        _wait_for(operator, lambda s: s["power"] == "on" and s["av_mute"] is False)
        pressed = time.monotonic()
        assert operator.post("/api/console/blank", json={"blanked": True}).status_code == 200
        while not projector.muted:
            assert time.monotonic() - pressed < 5.0, "the projector was not muted"
            time.sleep(0.05)
        assert "wall_show_lit 0.0" in operator.get("/metrics").text
        assert operator.post("/api/console/blank", json={"blanked": False}).status_code == 200
        while projector.muted:
            assert time.monotonic() - pressed < 10.0, "the projector stayed muted"
            time.sleep(0.05)
