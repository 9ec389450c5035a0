"""Runs every configured source as its own task: one failing never touches the others.

A source that raises is logged with its name and the error, shown as `retrying` in its
health, and started again after a backoff that grows with consecutive failures.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random

from ingest.service import IngestService
from ingest.sources.base import Approver, Source, SourceContext, SourceHealth
from wall.storage.base import SourceStateRepository

log = logging.getLogger(__name__)

FIRST_RETRY_S = 2.0  # a passing network blip: try again soon
MAX_RETRY_S = 300.0  # a dead camera or a banned token: don't hammer it, but come back
JITTER = 0.25  # sources failing together (the uplink) must not retry in lockstep


def retry_delay(failures: int) -> float:
    base = min(MAX_RETRY_S, FIRST_RETRY_S * 2 ** max(0, failures - 1))
    return base * (1 + random.uniform(-JITTER, JITTER))


class SourceSupervisor:
    def __init__(
        self, ingest: IngestService, state: SourceStateRepository, approver: Approver | None = None
    ) -> None:
        self._ingest = ingest
        self._state = state
        self._approver = approver
        self.health: dict[str, SourceHealth] = {}
        self._tasks: list[asyncio.Task[None]] = []

    def start(self, sources: list[Source]) -> None:
        for source in sources:
            health = SourceHealth(name=source.name, kind=source.kind)
            self.health[source.name] = health
            context = SourceContext(source.name, self._ingest, self._state, health, self._approver)
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

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()  # a cluster's leader may start them again after a takeover
        for health in self.health.values():
            health.state = "stopped"
