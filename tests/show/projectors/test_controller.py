"""`ProjectorController` following a show against real PJLink servers on loopback."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from console import texts as console_texts
from show.projectors.controller import (
    INTERNAL_CODE,
    INTERNAL_ERROR,
    NO_INPUT_CODE,
    ProjectorController,
)
from show.projectors.pjlink import PJLinkAuthError, PJLinkError, PJLinkUnreachable
from tests.helpers.fake_pjlink import FakeProjector
from wall.config import ProjectorSection

POLL_S = 0.1  # rounds ten times a second: the tests take seconds, not an evening
WARM_UP_S = 0.6
WAIT_S = 15.0  # generous bound for a 2-core CI machine; the conditions come far sooner


class Show:
    """A show window the test moves; `wanted` is the controller's `power_wanted`."""

    def __init__(self, starts_in: timedelta, lasts: timedelta) -> None:
        self.start = datetime.now(UTC) + starts_in
        self.end = self.start + lasts
        self.blanked = False
        self.broken = False  # a schedule that raises, as a bug would
        self.leads: set[timedelta] = set()

    def wanted(self, now: datetime, lead: timedelta) -> bool:
        if self.broken:
            raise RuntimeError("schedule exploded")
        self.leads.add(lead)
        return self.start - lead <= now < self.end

    def finish(self) -> None:
        self.end = datetime.now(UTC)


def _section(fake: FakeProjector, **values: Any) -> ProjectorSection:
    return ProjectorSection(
        **{"host": "127.0.0.1", "port": fake.port, "poll_s": POLL_S, "timeout_s": 1.0, **values}
    )


async def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


def _run(
    sections: list[ProjectorSection],
    show: Show,
    scenario: Callable[[ProjectorController], Any],
) -> None:
    async def main() -> None:
        controller = ProjectorController(sections, show.wanted, lambda: show.blanked)
        controller.start()
        try:
            await scenario(controller)
        finally:
            await controller.stop()

    asyncio.run(main())


def test_powers_on_within_the_lead_selects_the_input_after_warm_up_and_off_after() -> None:
    early = FakeProjector(warm_up_s=WARM_UP_S, cool_down_s=WARM_UP_S).start()
    late = FakeProjector().start()
    show = Show(starts_in=timedelta(minutes=1), lasts=timedelta(hours=1))
    sections = [
        _section(early, name="left", input="31", lead_s=120),  # the show is within its lead
        _section(late, name="right", input="31", lead_s=10),  # not yet within this one
    ]

    async def scenario(controller: ProjectorController) -> None:
        await _until(lambda: early.power == "1" and early.input == "31", "input 31 selected")
        await _until(lambda: len(late.commands("POWR", "?")) >= 5, "rounds on the late one")
        assert late.commands("POWR", "1") == []
        assert late.power == "0"
        powered = early.commands("POWR", "1")[0].at
        selected = [r for r in early.commands("INPT", "31") if r.answer == "OK"][0].at
        assert selected >= powered + WARM_UP_S  # only once the lamp was ready
        assert len(early.commands("POWR", "1")) == 1  # not sent again while warming
        await _until(lambda: controller.states()[0]["input"] == "31", "state updated")
        left, right = controller.states()
        assert left["power"] == "on" and left["wanted_power"] == "on" and left["reachable"]
        assert left["lamp_hours"] == [1500] and left["model"] == "EPSON EB-L1755U"
        assert set(left["errors"].values()) == {"ok"} and left["last_error"] == ""
        assert datetime.fromisoformat(left["last_seen"]) > show.start - timedelta(minutes=2)
        assert right["power"] == "off" and right["wanted_power"] == "off"
        assert show.leads == {timedelta(seconds=120), timedelta(seconds=10)}

        show.finish()
        await _until(lambda: early.commands("POWR", "0") != [], "power off after the show")
        await _until(lambda: controller.states()[0]["power"] == "off", "cooled down")
        assert len(early.commands("POWR", "0")) == 1  # not repeated while cooling
        assert controller.states()[0]["input"] == ""

    try:
        _run(sections, show, scenario)
    finally:
        early.stop()
        late.stop()


def test_survives_the_projector_vanishing_and_coming_back() -> None:
    fake = FakeProjector().start()
    show = Show(starts_in=timedelta(0), lasts=timedelta(hours=1))

    async def scenario(controller: ProjectorController) -> None:
        state = controller.states
        await _until(lambda: state()[0]["power"] == "on", "powered on")
        fake.stop()  # unplugged
        await _until(lambda: not state()[0]["reachable"], "seen as gone")
        assert state()[0]["last_error"] == PJLinkUnreachable.operator_message
        assert state()[0]["last_error_code"] == "unreachable"  # the console words it
        assert state()[0]["power"] == "unknown"
        fake.switch(on=False)  # the power cut reset it
        fake.start()  # same port
        # A round powers on, then clears the error at its end: recovered is both, whatever
        # moment of the round the check lands on (the suite runs in parallel).
        await _until(
            lambda: state()[0]["power"] == "on" and state()[0]["last_error"] == "",
            "powered on again, error cleared",
        )
        assert state()[0]["reachable"]
        assert state()[0]["last_error_code"] == "" and state()[0]["last_error_params"] == {}
        assert len(fake.commands("POWR", "1")) == 2

    try:
        _run([_section(fake)], show, scenario)
    finally:
        fake.stop()


def test_a_wrong_password_is_shown_and_touches_nothing() -> None:
    fake = FakeProjector(password="right").start()
    show = Show(starts_in=timedelta(0), lasts=timedelta(hours=1))

    async def scenario(controller: ProjectorController) -> None:
        await _until(lambda: controller.states()[0]["last_error"] != "", "an error shown")
        state = controller.states()[0]
        assert state["last_error"] == PJLinkAuthError.operator_message
        assert "wrong PJLink password" in state["last_error"]
        assert state["last_error_code"] == "wrong_password"
        assert state["reachable"] and state["power"] == "unknown"
        assert state["last_error_at"] is not None
        await _until(lambda: fake.connections >= 3, "retried")

    try:
        _run([_section(fake, password="wrong")], show, scenario)
    finally:
        fake.stop()
    assert fake.received == [] and fake.power == "0"


def test_a_missing_input_and_a_failing_schedule_are_reported_not_fatal() -> None:
    fake = FakeProjector().start()
    show = Show(starts_in=timedelta(0), lasts=timedelta(hours=1))

    async def scenario(controller: ProjectorController) -> None:
        state = controller.states
        await _until(lambda: "no input 52" in state()[0]["last_error"], "missing input shown")
        assert state()[0]["last_error_code"] == "no_input"
        assert state()[0]["last_error_params"] == {"input": "52"}
        assert state()[0]["power"] == "on"  # the rest of the round went on
        show.broken = True
        await _until(lambda: state()[0]["last_error"] == INTERNAL_ERROR, "internal error")
        assert state()[0]["last_error_code"] == "internal"
        show.broken = False
        fake.inputs = (*fake.inputs, "52")
        # A round sets the input, reads the health, then clears the error at its end: recovered
        # is both, whatever moment of the round the check lands on (the suite runs in parallel).
        await _until(
            lambda: state()[0]["input"] == "52" and state()[0]["last_error"] == "", "recovered"
        )
        assert state()[0]["last_error_code"] == "" and state()[0]["last_error_params"] == {}

    try:
        _run([_section(fake, input="52")], show, scenario)
    finally:
        fake.stop()


def test_mutes_while_the_wall_is_blanked() -> None:
    fake = FakeProjector().start()
    show = Show(starts_in=timedelta(0), lasts=timedelta(hours=1))

    async def scenario(controller: ProjectorController) -> None:
        await _until(lambda: controller.states()[0]["av_mute"] is False, "on, not muted")
        show.blanked = True
        await _until(lambda: fake.muted, "muted")
        await _until(lambda: controller.states()[0]["av_mute"] is True, "shown muted")
        show.blanked = False
        await _until(lambda: not fake.muted, "unmuted")
        assert [r.param for r in fake.commands("AVMT") if r.param != "?"] == ["31", "30"]

    try:
        _run([_section(fake, mute_when_blanked=True)], show, scenario)
    finally:
        fake.stop()


def test_without_a_schedule_the_power_is_left_to_the_staff() -> None:
    fake = FakeProjector().start()

    async def scenario(controller: ProjectorController) -> None:
        state = controller.states
        await _until(lambda: len(fake.commands("POWR", "?")) >= 3, "rounds while off")
        assert state()[0]["power"] == "off" and state()[0]["wanted_power"] is None
        fake.switch(on=True)  # the remote control
        await _until(lambda: fake.input == "31", "input selected once on")
        rounds = len(fake.commands("POWR", "?"))
        await _until(lambda: len(fake.commands("POWR", "?")) >= rounds + 3, "more rounds")
        assert fake.commands("POWR", "1") == [] and fake.commands("POWR", "0") == []
        assert fake.power == "1"

    async def main() -> None:
        controller = ProjectorController(
            [_section(fake, input="31")], lambda *_: None, lambda: False
        )
        controller.start()
        try:
            await scenario(controller)
        finally:
            await controller.stop()

    try:
        asyncio.run(main())
    finally:
        fake.stop()


def test_every_problem_code_has_words_in_both_languages() -> None:
    """The console shows `projector_error_<code>`: none may fall back to a generic line."""
    codes = {cls.code for cls in _subclasses(PJLinkError)} | {INTERNAL_CODE, NO_INPUT_CODE}
    assert codes == set(console_texts.PROJECTOR_ERRORS)
    for lang in ("fr", "en"):
        for code in codes:
            assert console_texts.TEXTS[lang][f"projector_error_{code}"], (lang, code)
    assert console_texts.TEXTS["fr"]["projector_error_no_input"].count("{input}") == 1


def _subclasses(cls: type[PJLinkError]) -> set[type[PJLinkError]]:
    found = {cls}
    for sub in cls.__subclasses__():
        found |= _subclasses(sub)
    return found
