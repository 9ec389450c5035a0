"""systemd's notification protocol (sd_notify(3)) in a few lines, without libsystemd.

Under a `Type=notify` unit systemd passes a datagram socket in `$NOTIFY_SOCKET` and, with
`WatchdogSec=`, the deadline in `$WATCHDOG_USEC`. Outside systemd both are unset and every call
here does nothing. A notification is never worth a crash or a stall of its caller (the render
loop sends them): the socket is non-blocking and failures are logged once, never raised.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

log = logging.getLogger(__name__)

NOTIFY_SOCKET_ENV = "NOTIFY_SOCKET"
WATCHDOG_USEC_ENV = "WATCHDOG_USEC"
WATCHDOG_PID_ENV = "WATCHDOG_PID"
# sd_watchdog_enabled(3) advises pinging at half the deadline: one late ping is not a kill.
WATCHDOG_SAFETY_FACTOR = 0.5


def _address(raw: str | None) -> str | None:
    """The socket's address for Python: '@name' is Linux's abstract namespace ('\\0name')."""
    if not raw:
        return None
    if raw.startswith("@"):
        return "\0" + raw[1:]
    if raw.startswith("/"):
        return raw
    log.warning(
        "%s=%r is neither a path nor an abstract name; not notifying", NOTIFY_SOCKET_ENV, raw
    )
    return None


class Notifier:
    """Sends `KEY=VALUE` lines to systemd; a no-op when there is no socket to send to."""

    def __init__(self, address: str | None) -> None:
        self._address = _address(address)
        self._socket: socket.socket | None = None
        self._failed_once = False

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Notifier:
        return cls(environ.get(NOTIFY_SOCKET_ENV))

    @property
    def enabled(self) -> bool:
        return self._address is not None

    def send(self, *fields: str) -> bool:
        """Sends `fields` (e.g. "READY=1", "STATUS=...") as one datagram; False if it failed."""
        if self._address is None or not fields:
            return False
        try:
            if self._socket is None:
                self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                self._socket.setblocking(False)  # a full queue drops a ping, never stalls us
            self._socket.sendto("\n".join(fields).encode(), self._address)
        except (OSError, ValueError) as exc:
            if not self._failed_once:
                self._failed_once = True
                log.warning("cannot notify systemd at %s: %s", self._address.lstrip("\0"), exc)
            return False
        return True

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None


def watchdog_interval(environ: Mapping[str, str] = os.environ) -> float | None:
    """Seconds between two watchdog pings, or None when systemd watches no watchdog of ours.

    As sd_watchdog_enabled(3): `$WATCHDOG_PID`, when set, must name this process (a child that
    inherited the environment is not the one being watched).
    """
    pid = environ.get(WATCHDOG_PID_ENV)
    if pid and pid != str(os.getpid()):
        return None
    try:
        usec = int(environ.get(WATCHDOG_USEC_ENV, ""))
    except ValueError:
        return None
    if usec <= 0:
        return None
    return usec / 1_000_000 * WATCHDOG_SAFETY_FACTOR
