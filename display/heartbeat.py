"""The render loop's word to systemd: READY after the first frame, then watchdog pings.

The pings come from the loop itself, after a frame is presented, so a loop stuck in a layout,
a driver or a disk write stops them and systemd restarts the renderer: a frozen picture on
the facade is worse than two seconds of black. Each frame costs one comparison; a datagram
leaves at most every `interval` (half of `$WATCHDOG_USEC`).
"""

from __future__ import annotations

from collections.abc import Callable

from wall.sdnotify import Notifier, watchdog_interval

# Without a watchdog (a plain `Type=notify` unit) the status line still refreshes this often.
STATUS_ONLY_INTERVAL_S = 30.0


class Heartbeat:
    """Call `frame_presented(now)` once per frame; `stopping()` when the loop ends."""

    def __init__(
        self,
        notifier: Notifier,
        watchdog_s: float | None,
        status: Callable[[], str] = lambda: "",
    ) -> None:
        """`watchdog_s`: seconds between pings (None: no watchdog); `status`: the useful part
        of the STATUS line (photos, layout), asked for only when a datagram leaves."""
        self._notifier = notifier
        self._watchdog = watchdog_s is not None
        self._interval = watchdog_s if watchdog_s is not None else STATUS_ONLY_INTERVAL_S
        self._status = status
        self._next_at: float | None = None
        self._frames = 0
        self._since = 0.0

    @classmethod
    def from_environment(cls, status: Callable[[], str] = lambda: "") -> Heartbeat:
        return cls(Notifier.from_environment(), watchdog_interval(), status)

    def frame_presented(self, now: float) -> None:
        """`now`: `time.monotonic()` just after the frame reached the screen."""
        if not self._notifier.enabled:
            return
        self._frames += 1
        if self._next_at is None:
            self._send(now, "READY=1")
        elif now >= self._next_at:
            self._send(now, "WATCHDOG=1" if self._watchdog else "")

    def stopping(self) -> None:
        self._notifier.send("STOPPING=1", "STATUS=stopping")

    def _send(self, now: float, state: str) -> None:
        parts = [self._status()]
        if self._next_at is not None and now > self._since:  # frames since the last datagram
            parts.append(f"{self._frames / (now - self._since):.1f} fps")
        status = ", ".join(part for part in parts if part)
        fields = [state] if state else []
        if status:
            fields.append(f"STATUS={status}")
        self._notifier.send(*fields)
        self._next_at = now + self._interval
        self._frames, self._since = 0, now
