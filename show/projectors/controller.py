"""Keeps every configured projector in step with the show, one asyncio task per projector.

Each round opens one PJLink connection: it reads the power, switches it when the show wants
otherwise (on `lead_s` before a show, so the lamp is warm at the start; off after), selects the
input once the lamp is ready, mutes while the wall is blanked if asked to, and reads errors
and lamp hours for the console. The schedule owns the power: a projector switched on by hand
outside a show is switched off at the next round. Without a schedule (`power_wanted` answers
None) the power is left as the staff set it. Nothing here may stop the server: every
failure is recorded for the console and the round is retried with a backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from show.projectors.pjlink import (
    PJLinkClient,
    PJLinkConnection,
    PJLinkError,
    PJLinkOutOfParameter,
    PJLinkUnavailable,
    PJLinkUndefinedCommand,
    PJLinkUnreachable,
    Power,
)
from wall.config import ProjectorSection
from wall.storage.base import GlimpseStore

log = logging.getLogger(__name__)

# True: on (a show runs or starts within the lead); False: off; None: leave the power alone.
PowerWanted = Callable[[datetime, timedelta], bool | None]
Blanked = Callable[[], bool]
_T = TypeVar("_T")

# A failed round is retried no later than the next poll, then less and less often: a projector
# rebooting comes back within seconds, an unplugged one must not flood the log.
MAX_RETRY_S = 60.0  # its return is still noticed within a minute, well inside the lamp lead
# While the lamp warms or cools, or the input waits for the end of warm-up, look again this
# soon: the picture should come up as soon as the projector accepts it, not a poll later.
BUSY_POLL_S = 2.0
# Stopping cancels each task again after this long if it is still running: the server's
# shutdown must not wait on one projector.
STOP_RECANCEL_S = 1.0
REPORT_EVERY_S = 2.0  # for the consoles of a cluster's other processes
REPORT_STALE_S = 15.0
REPORT_KIND, REPORT_KEY = "projectors", "all"
INTERNAL_ERROR = "internal error while controlling the projector (see the server log)"
INTERNAL_CODE = "internal"
NO_INPUT_CODE = "no_input"  # with {"input": "32"}: the configured input is not on this model


@dataclass(frozen=True, slots=True)
class Problem:
    """What the console shows: a code it translates, its values, and English for the log."""

    code: str
    message: str
    params: dict[str, str] = field(default_factory=dict)


def retry_delay(poll_s: float, failures: int) -> float:
    """The first retry after one poll at most, doubling with each failure in a row."""
    return min(MAX_RETRY_S, min(poll_s, BUSY_POLL_S) * 2.0 ** max(0, failures - 1))


@dataclass
class ProjectorState:
    """What the console shows about one projector; updated by its task only."""

    name: str
    host: str
    port: int
    reachable: bool = False
    power: str = "unknown"  # "off" | "on" | "cooling" | "warming" | "unknown"
    input: str = ""
    av_mute: bool | None = None
    errors: dict[str, str] = field(default_factory=dict)
    lamp_hours: list[int] = field(default_factory=list)
    model: str = ""
    last_error: str = ""  # English, as logged
    last_error_code: str = ""  # what the console words in the staff's language
    last_error_params: dict[str, str] = field(default_factory=dict)
    last_error_at: datetime | None = None
    last_seen: datetime | None = None
    wanted_power: str | None = None  # "on" | "off" | None: left as the staff set it
    model_read: bool = False  # INF1/INF2 are asked once: they never change

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "host": self.host,
            "port": self.port,
            "reachable": self.reachable,
            "power": self.power,
            "input": self.input,
            "av_mute": self.av_mute,
            "errors": dict(self.errors),
            "lamp_hours": list(self.lamp_hours),
            "model": self.model,
            "last_error": self.last_error,
            "last_error_code": self.last_error_code,
            "last_error_params": dict(self.last_error_params),
            "last_error_at": _iso(self.last_error_at),
            "last_seen": _iso(self.last_seen),
            "wanted_power": self.wanted_power,
        }

    def problem(self, problem: Problem, now: datetime, detail: str = "") -> None:
        """Logged once when it changes: a projector unplugged all day must not flood the log."""
        if problem.message != self.last_error:
            log.warning("projector %s (%s): %s %s", self.name, self.host, problem.message, detail)
        self.last_error = problem.message
        self.last_error_code = problem.code
        self.last_error_params = dict(problem.params)
        self.last_error_at = now

    def clear_problem(self) -> None:
        self.last_error = ""
        self.last_error_code = ""
        self.last_error_params = {}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


async def _optional(call: Awaitable[_T]) -> _T | None:
    """A reading this projector does not offer (ERR1) or not right now (ERR3): None."""
    try:
        return await call
    except (PJLinkUndefinedCommand, PJLinkUnavailable):
        return None


class ProjectorController:
    """One task per `[[projectors]]` table; `states()` is what `GET /api/projectors` returns."""

    def __init__(
        self,
        projectors: list[ProjectorSection],
        power_wanted: PowerWanted,
        blanked: Blanked,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        glimpses: GlimpseStore | None = None,
    ) -> None:
        """`glimpses`: where the states are reported for every process's console (the
        projectors are followed by the wall's leader only, in a cluster)."""
        self._glimpses = glimpses
        self._projectors = projectors
        self._power_wanted = power_wanted
        self._blanked = blanked
        self._clock = clock
        self._states = [
            ProjectorState(config.name or config.host, config.host, config.port)
            for config in projectors
        ]
        self._tasks: list[asyncio.Task[None]] = []
        self._wakeups: list[asyncio.Event] = []

    def start(self) -> None:
        if self._glimpses is not None and self._projectors:
            self._tasks.append(asyncio.create_task(self._report_forever(), name="projectors"))
        for config, state in zip(self._projectors, self._states, strict=True):
            self._tasks.append(
                asyncio.create_task(self._follow(config, state), name=f"projector {state.name}")
            )

    async def stop(self) -> None:
        """Stops following; the projectors stay as they are (a restart must not end a show)."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            while not task.done():  # a cancellation lost in a library call must not hang us
                await asyncio.wait([task], timeout=STOP_RECANCEL_S)
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        self._wakeups.clear()

    def nudge(self) -> None:
        """The show changed (it began, ended, or was blanked): act now, not at the next poll."""
        for wakeup in self._wakeups:
            wakeup.set()

    def states(self) -> list[dict[str, Any]]:
        """As this process follows them (nothing known on a cluster's follower)."""
        return [state.as_json() for state in self._states]

    async def current_states(self) -> list[dict[str, Any]]:
        """For the console: this process's when it follows the projectors, else the wall
        leader's last report, else this process's (all unknown)."""
        if self._tasks or self._glimpses is None:
            return self.states()
        found = await self._glimpses.get(REPORT_KIND, REPORT_KEY, REPORT_STALE_S)
        return self.states() if found is None else list(json.loads(found.value))

    async def _report_forever(self) -> None:
        assert self._glimpses is not None
        while True:
            try:
                report = json.dumps(self.states()).encode()
                await self._glimpses.put(REPORT_KIND, REPORT_KEY, report)
            except Exception as exc:  # the console shows an older report: the show goes on
                log.debug("projectors: states not reported (%s)", exc)
            await asyncio.sleep(REPORT_EVERY_S)

    async def _follow(self, config: ProjectorSection, state: ProjectorState) -> None:
        client = PJLinkClient(config.host, config.port, config.password, config.timeout_s)
        failures = 0
        wakeup = asyncio.Event()
        self._wakeups.append(wakeup)
        while True:
            try:
                busy = await self._round(config, client, state)
                failures = 0
                delay = min(config.poll_s, BUSY_POLL_S) if busy else config.poll_s
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the projector's fault or ours: the server goes on
                failures += 1
                self._failed(state, exc)
                delay = retry_delay(config.poll_s, failures)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await wakeup.wait()
            wakeup.clear()

    def _failed(self, state: ProjectorState, exc: Exception) -> None:
        if isinstance(exc, PJLinkError):
            problem, detail = Problem(exc.code, exc.operator_message), f"({exc.detail})"
        else:
            problem = Problem(INTERNAL_CODE, INTERNAL_ERROR)
            detail = f"({type(exc).__name__}: {exc})"
            if state.last_error != INTERNAL_ERROR:
                log.error("projector %s: unexpected error", state.name, exc_info=exc)
        state.reachable = isinstance(exc, PJLinkError) and not isinstance(exc, PJLinkUnreachable)
        state.power = "unknown"
        state.problem(problem, self._clock(), detail)

    async def _round(
        self, config: ProjectorSection, client: PJLinkClient, state: ProjectorState
    ) -> bool:
        """One connection's worth of work; True while a change is still under way."""
        now = self._clock()
        wanted = self._power_wanted(now, timedelta(seconds=config.lead_s))
        state.wanted_power = None if wanted is None else "on" if wanted else "off"
        async with client.connect() as projector:
            # Reachable as soon as it answers, before any reading: the console must never show
            # a projector "on" yet unreachable in the middle of a round.
            state.reachable = True
            power = await self._steer_power(projector, wanted, state)
            state.power = power.value
            problem: Problem | None = None
            settled = True
            if power is Power.ON:
                settled, problem = await self._steer_picture(config, projector, state)
            else:
                state.input, state.av_mute = "", None
            await self._read_health(projector, state)
        state.last_seen = now
        if problem is not None:
            state.problem(problem, now)
        else:
            state.clear_problem()
        if wanted is None:
            return power in (Power.WARMING, Power.COOLING) or not settled
        return power is not (Power.ON if wanted else Power.OFF) or not settled

    async def _steer_power(
        self, projector: PJLinkConnection, wanted: bool | None, state: ProjectorState
    ) -> Power:
        power = await projector.power()
        if wanted is None or power is not (Power.OFF if wanted else Power.ON):
            return power  # already there, on its way (warming, cooling), or not ours to touch
        log.info("projector %s: power %s", state.name, state.wanted_power)
        try:
            await projector.set_power(wanted)
        except PJLinkUnavailable:
            return power  # in a transition the projector won't cut short: next round
        return await projector.power()

    async def _steer_picture(
        self, config: ProjectorSection, projector: PJLinkConnection, state: ProjectorState
    ) -> tuple[bool, Problem | None]:
        """Input and mute once the lamp is on: (done, a problem for the console or None)."""
        current = await _optional(projector.input())
        if current is None:
            return False, None  # ERR3 right after warm-up: the input comes next round
        if config.input and current != config.input:
            try:
                await projector.set_input(config.input)
            except PJLinkUnavailable:
                return False, None
            except PJLinkOutOfParameter:
                message = f"the projector has no input {config.input} (check wall.toml)"
                return True, Problem(NO_INPUT_CODE, message, {"input": config.input})
            log.info("projector %s: input %s", state.name, config.input)
            current = config.input
        state.input = current
        muted = await _optional(projector.av_mute())
        if config.mute_when_blanked and muted is not None and muted != self._blanked():
            muted = not muted
            try:
                await projector.set_av_mute(muted)
            except PJLinkUnavailable:
                return False, None  # a moment of refusal (a menu open, a source switch): again
            log.info("projector %s: %s", state.name, "muted" if muted else "unmuted")
        state.av_mute = muted
        return True, None

    async def _read_health(self, projector: PJLinkConnection, state: ProjectorState) -> None:
        errors = await _optional(projector.errors())
        state.errors = dict(errors.as_dict()) if errors is not None else {}
        lamps = await _optional(projector.lamps())
        state.lamp_hours = [lamp.hours for lamp in lamps] if lamps is not None else []
        if not state.model_read:
            state.model = await _optional(projector.model()) or ""
            state.model_read = True
