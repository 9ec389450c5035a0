"""Runs every configured source as its own task: one failing never touches the others.

A source that raises is logged with its name and the error, shown as `retrying` in its
health, and started again after a backoff that grows with consecutive failures.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import random
from typing import Any

from ingest.live_windows import LiveHub
from ingest.service import IngestService
from ingest.sources.base import Approver, Source, SourceContext, SourceHealth
from wall.storage.base import GlimpseStore, SourceStateRepository

log = logging.getLogger(__name__)

FIRST_RETRY_S = 2.0  # a passing network blip: try again soon
MAX_RETRY_S = 300.0  # a dead camera or a banned token: don't hammer it, but come back
JITTER = 0.25  # sources failing together (the uplink) must not retry in lockstep
REPORT_EVERY_S = 2.0  # the console polls every few seconds
REPORT_STALE_S = 15.0  # a leader silent this long is gone: its report is no longer shown
HEALTH_KIND, HEALTH_KEY = "sources-health", "all"


def retry_delay(failures: int) -> float:
    base = min(MAX_RETRY_S, FIRST_RETRY_S * 2 ** max(0, failures - 1))
    return base * (1 + random.uniform(-JITTER, JITTER))


class SourceSupervisor:
    """Runs the sources (on the wall's leader, in a cluster) and reports their health where
    every process's console can read it (the store's glimpses)."""

    def __init__(
        self,
        ingest: IngestService,
        state: SourceStateRepository,
        approver: Approver | None = None,
        glimpses: GlimpseStore | None = None,
        live: LiveHub | None = None,
    ) -> None:
        self._glimpses = glimpses
        self.live = live or LiveHub()
        self._ingest = ingest
        self._state = state
        self._approver = approver
        self.health: dict[str, SourceHealth] = {}
        self._tasks: list[asyncio.Task[None]] = []

    def start(self, sources: list[Source]) -> None:
        if self._glimpses is not None:
            self._tasks.append(asyncio.create_task(self._report_forever(), name="sources-report"))
        for source in sources:
            health = SourceHealth(name=source.name, kind=source.kind)
            self.health[source.name] = health
            context = SourceContext(
                source.name, self._ingest, self._state, health, self._approver, self.live
            )
            self._tasks.append(
                asyncio.create_task(self._keep_running(source, context), name=source.name)
            )

    async def _keep_running(self, source: Source, context: SourceContext) -> None:
        failures = 0
        while True:
            try:
                await source.run(context)
                return  # a source that ends by itself (a finished file) is done
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the source's fault: keep the others and the server up
                # Back to the first delay after a source had worked again in between.
                failures = 1 if context.health.state == "ok" else failures + 1
                # A refusal names its fix (`code`); anything else is ours: see the log.
                code = getattr(exc, "code", None)
                context.health.failed(
                    f"{type(exc).__name__}: {exc}", code if isinstance(code, str) else "crashed"
                )
                delay = retry_delay(failures)
                log.warning(
                    "source %s (%s) failed (%s); retry in %.0f s",
                    source.name,
                    source.kind,
                    context.health.last_error,
                    delay,
                )
                await asyncio.sleep(delay)

    async def _report_forever(self) -> None:
        assert self._glimpses is not None
        while True:
            report = [dataclasses.asdict(health) for health in self.health.values()]
            try:
                await self._glimpses.put(
                    HEALTH_KIND, HEALTH_KEY, json.dumps(report, default=str).encode()
                )
            except Exception as exc:  # the console shows an older report: the sources go on
                log.debug("sources: health not reported (%s)", exc)
            await asyncio.sleep(REPORT_EVERY_S)

    async def current_health(self) -> list[dict[str, Any]]:
        """Each source's health: this process's when it runs them, else the leader's last
        report (none when no process has reported lately)."""
        if self._tasks or self._glimpses is None:
            return [dataclasses.asdict(health) for health in self.health.values()]
        found = await self._glimpses.get(HEALTH_KIND, HEALTH_KEY, REPORT_STALE_S)
        return [] if found is None else list(json.loads(found.value))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()  # a cluster's leader may start them again after a takeover
        for health in self.health.values():
            health.state = "stopped"
