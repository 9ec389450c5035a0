"""systemd's end of `Type=notify`: a datagram socket bound where `$NOTIFY_SOCKET` points, read
the way the service manager reads it (one datagram per notification, `KEY=VALUE` lines)."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

Fields = dict[str, str]
COLLECT_POLL_S = 0.05  # how often collect_while looks at its condition between datagrams


@dataclass(frozen=True)
class Notification:
    fields: Fields
    received: float  # time.monotonic() when it was read


def abstract_name() -> str:
    """A fresh '@name' in Linux's abstract namespace: no file, no path-length limit."""
    return f"@wall-test-{uuid.uuid4().hex}"


class NotifySocket:
    """Binds `address` (a path or '@name') and collects what the service under test sends."""

    def __init__(self, address: str | Path) -> None:
        self.address = str(address)
        bound = "\0" + self.address[1:] if self.address.startswith("@") else self.address
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._socket.bind(bound)
        self.seen: list[Notification] = []

    def _read(self, timeout: float | None) -> Notification | None:
        """One datagram, waiting at most `timeout` seconds (None: do not wait)."""
        self._socket.settimeout(timeout if timeout is not None else 0.0)
        try:
            data = self._socket.recv(65536)
        except (TimeoutError, BlockingIOError):
            return None
        lines = data.decode().split("\n")
        fields = dict(line.split("=", 1) for line in lines if "=" in line)
        note = Notification(fields, time.monotonic())
        self.seen.append(note)
        return note

    def drain(self) -> list[Notification]:
        """Every datagram already queued, without waiting."""
        found = []
        while (note := self._read(None)) is not None:
            found.append(note)
        return found

    def collect_while(self, running: Callable[[], bool]) -> list[Notification]:
        """Reads as they come until `running()` is false, then what is left: a sender faster
        than expected is counted, not hidden by a full queue dropping its datagrams."""
        start = len(self.seen)
        while running():
            self._read(COLLECT_POLL_S)
        self.drain()
        return self.seen[start:]

    def wait_for(self, test: Callable[[Fields], bool], timeout: float, what: str) -> Notification:
        """Reads until a notification passes `test`; every one read is kept in `seen`."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            note = self._read(left)
            if note is not None and test(note.fields):
                return note
        raise AssertionError(f"no {what} within {timeout}s; got {[n.fields for n in self.seen]}")

    def close(self) -> None:
        self._socket.close()


def count(notes: list[Notification], key: str, value: str = "1") -> int:
    return sum(note.fields.get(key) == value for note in notes)
