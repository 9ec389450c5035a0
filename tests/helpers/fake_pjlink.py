"""A real PJLink class 1 projector on loopback, speaking the protocol as the standard describes.

TCP, a greeting `PJLINK 0` or `PJLINK 1 <random>`; with a password the first command of a
connection must carry md5(random + password) in hex (later ones may), else `PJLINK ERRA` and
the connection closes. Power 0 standby, 1 on, 2 cooling, 3 warming, with timed warm-up and
cool-down during which POWR answers ERR3 to a reversal and INPT/AVMT answer ERR3; inputs
(ERR2 for one it lacks), ERST, LAMP (hours grow while lit), AVMT, NAME, INF1/INF2/INFO, CLSS.
Failure modes: `silent` (accepts, never speaks), `hangup` (closes at once), `garbage_greeting`,
`garbage_answer` and `failure` (every command ERR4). Threads, so sync and async tests share it.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import secrets
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

Mode = Literal["normal", "silent", "hangup", "garbage_greeting", "garbage_answer", "failure"]
IDLE_CLOSE_S = 30.0  # the standard: a connection without traffic for 30 s is closed
_COMMAND = re.compile(r"^(?P<digest>[0-9a-f]{32})?%1(?P<name>[A-Z0-9]{4}) (?P<param>.*)$")


@dataclass
class Received:
    """A command as the projector got it, with when (time.monotonic) and the answer sent."""

    name: str
    param: str
    at: float
    answer: str


@dataclass
class FakeProjector:
    password: str | None = None
    warm_up_s: float = 0.0
    cool_down_s: float = 0.0
    inputs: tuple[str, ...] = ("11", "31", "32")
    errors: str = "000000"  # fan, lamp, temperature, cover, filter, other
    lamp_hours: list[int] = field(default_factory=lambda: [1500])
    name: str = "Facade left"
    maker: str = "EPSON"
    product: str = "EB-L1755U"
    mode: Mode = "normal"
    idle_close_s: float = IDLE_CLOSE_S
    port: int = 0
    received: list[Received] = field(default_factory=list)
    connections: int = 0
    _on: bool = False
    _changed_at: float = float("-inf")
    _input: str = "11"
    _mute: str = "30"
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: socketserver.ThreadingTCPServer | None = None
    _closing: threading.Event = field(default_factory=threading.Event)
    _open: set[socket.socket] = field(default_factory=set)

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeProjector:
        """Listens on 127.0.0.1 (the same port again after a `stop()`: it comes back)."""
        fake = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                fake._serve(self.request)

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True
            block_on_close = False  # stop() drops open connections itself, as a power cut

        self._closing.clear()
        self._server = Server(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        # A short poll interval: stop() waits for it, and tests stop many fakes.
        serve = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        serve.start()
        return self

    def stop(self) -> None:
        """Gone from the network: new connections are refused, open ones closed."""
        self._closing.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    # -- state the tests read --------------------------------------------------------------

    @property
    def power(self) -> str:
        """ "0" standby, "1" on, "2" cooling, "3" warming, from the clock."""
        with self._lock:
            return self._power()

    @property
    def input(self) -> str:
        return self._input

    @property
    def muted(self) -> bool:
        return self._mute in ("11", "31")

    def switch(self, on: bool) -> None:
        """Someone pressing the remote control: no warm-up left to wait for."""
        with self._lock:
            self._on, self._changed_at = on, float("-inf")

    def commands(self, name: str, param: str | None = None) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.name == name and param in (None, r.param)]

    # -- protocol --------------------------------------------------------------------------

    def _power(self) -> str:
        elapsed = time.monotonic() - self._changed_at
        if self._on:
            return "3" if elapsed < self.warm_up_s else "1"
        return "2" if elapsed < self.cool_down_s else "0"

    def _serve(self, sock: socket.socket) -> None:
        with self._lock:
            self.connections += 1
            self._open.add(sock)
        try:
            self._serve_open(sock)
        finally:
            with self._lock:
                self._open.discard(sock)

    def _serve_open(self, sock: socket.socket) -> None:
        mode = self.mode
        if mode == "hangup":
            return
        if mode == "silent":
            self._closing.wait(self.idle_close_s)
            return
        if mode == "garbage_greeting":
            sock.sendall(b"\x16\x03\x01\x02\x00\xff\xfe HTTP/1.1 400 Bad Request\r\n")
            return
        random = secrets.token_hex(4) if self.password is not None else None
        sock.sendall(b"PJLINK 0\r" if random is None else f"PJLINK 1 {random}\r".encode())
        sock.settimeout(self.idle_close_s)
        self._converse(sock, random)

    def _converse(self, sock: socket.socket, random: str | None) -> None:
        expected = None
        if random is not None and self.password is not None:
            expected = hashlib.md5((random + self.password).encode()).hexdigest()
        authenticated = expected is None
        buffer = b""
        while not self._closing.is_set():
            try:
                chunk = sock.recv(1024)
            except (TimeoutError, OSError):
                return  # idle for 30 s, or the controller went away
            if not chunk:
                return
            buffer += chunk
            while b"\r" in buffer:
                raw, buffer = buffer.split(b"\r", 1)
                line = raw.decode("ascii", errors="replace").lstrip("\n")
                match = _COMMAND.match(line)
                digest = match["digest"] if match else None
                if (not authenticated and digest != expected) or (
                    digest is not None and digest != expected
                ):
                    sock.sendall(b"PJLINK ERRA\r")
                    return
                authenticated = True
                sock.sendall(self._answer(match, line).encode("ascii") + b"\r")

    def _answer(self, match: re.Match[str] | None, line: str) -> str:
        if self.mode == "garbage_answer":
            return "Welcome to the coffee machine"
        if match is None:
            return f"{line[:6]}=ERR1"  # not a class 1 command
        name, param = match["name"], match["param"]
        with self._lock:
            value = "ERR4" if self.mode == "failure" else self._execute(name, param)
            self.received.append(Received(name, param, time.monotonic(), value))
        return f"%1{name}={value}"

    def _execute(self, name: str, param: str) -> str:
        handlers: dict[str, Callable[[str], str]] = {
            "POWR": self._powr,
            "INPT": self._inpt,
            "AVMT": self._avmt,
            "ERST": lambda p: self.errors if p == "?" else "ERR2",
            "LAMP": self._lamp,
            "NAME": lambda p: self.name if p == "?" else "ERR2",
            "INF1": lambda p: self.maker if p == "?" else "ERR2",
            "INF2": lambda p: self.product if p == "?" else "ERR2",
            "INFO": lambda p: "fake projector" if p == "?" else "ERR2",
            "CLSS": lambda p: "1" if p == "?" else "ERR2",
        }
        handler = handlers.get(name)
        return handler(param) if handler is not None else "ERR1"

    def _powr(self, param: str) -> str:
        power = self._power()
        if param == "?":
            return power
        if param not in ("0", "1"):
            return "ERR2"
        on = param == "1"
        if on == self._on:
            return "OK"  # already on (or warming) / off (or cooling)
        if power in ("2", "3"):
            return "ERR3"  # the lamp cannot be cut off while warming nor relit while cooling
        self._on, self._changed_at = on, time.monotonic()
        return "OK"

    def _inpt(self, param: str) -> str:
        if self._power() != "1":
            return "ERR3"
        if param == "?":
            return self._input
        if param not in self.inputs:
            return "ERR2"
        self._input = param
        return "OK"

    def _avmt(self, param: str) -> str:
        if self._power() != "1":
            return "ERR3"
        if param == "?":
            return self._mute
        if param not in ("10", "11", "20", "21", "30", "31"):
            return "ERR2"
        self._mute = param
        return "OK"

    def _lamp(self, param: str) -> str:
        if param != "?":
            return "ERR2"
        lit = "1" if self._power() in ("1", "3") else "0"
        return " ".join(f"{hours} {lit}" for hours in self.lamp_hours)
