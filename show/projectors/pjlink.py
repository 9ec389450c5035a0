"""An asyncio PJLink class 1 client: the projector's power, input, mute, errors and lamps.

PJLink (JBMIA) runs over TCP port 4352. The projector speaks first: `PJLINK 0` (no password)
or `PJLINK 1 <8 random chars>`; with a password the controller prefixes its commands with
the md5 hex digest of random + password (required on the first command of a connection,
allowed on the rest, so always sent), and a wrong one is answered `PJLINK ERRA`. Commands are
`%1CMND PARAM\\r`, answers `%1CMND=VALUE\\r`, where VALUE may be `OK` or `ERR1`..`ERR4`.
Every failure is a typed `PJLinkError` whose `operator_message` an office employee can act on.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable
from dataclasses import dataclass
from enum import Enum
from types import TracebackType
from typing import Literal, TypeVar

DEFAULT_PORT = 4352
# Projectors answer within a second or two; the margin covers a busy venue network. A longer
# wait would only delay telling the operator that the projector is gone.
DEFAULT_TIMEOUT_S = 5.0
# Class 1 answers are at most ~140 bytes (a 64-byte name, padding); a longer line is garbage,
# and the bound keeps a device streaming bytes without a CR from filling memory.
MAX_LINE_BYTES = 512
TERMINATOR = b"\r"

_T = TypeVar("_T")
Condition = Literal["ok", "warning", "error"]
ERROR_PARTS = ("fan", "lamp", "temperature", "cover", "filter", "other")
_CONDITIONS: dict[str, Condition] = {"0": "ok", "1": "warning", "2": "error"}


class PJLinkError(Exception):
    """Anything that went wrong talking to a projector: `code` is what the console translates
    (`projector_error_<code>` in console/texts.py), `operator_message` is for the log."""

    code = "failed"  # the console words it in the staff's language
    operator_message = "the projector could not be controlled"

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.operator_message)
        self.detail = detail


class PJLinkUnreachable(PJLinkError):
    """No TCP connection, or the projector dropped it."""

    code = "unreachable"
    operator_message = "cannot reach the projector (is it plugged in and on the network?)"


class PJLinkTimeout(PJLinkUnreachable):
    """Connected (or trying to), but nothing came back in time."""

    code = "timeout"
    operator_message = "the projector did not answer in time (is it plugged in and on the network?)"


class PJLinkAuthError(PJLinkError):
    """`PJLINK ERRA`: the password in wall.toml is not the projector's."""

    code = "wrong_password"
    operator_message = "wrong PJLink password (check the projector's password in wall.toml)"


class PJLinkPasswordNeeded(PJLinkAuthError):
    """The projector asks for a password and none is configured."""

    code = "password_needed"
    operator_message = "the projector asks for a PJLink password; none is set in wall.toml"


class PJLinkProtocolError(PJLinkError):
    """An answer that is not PJLink: the wrong device on that address, or a broken one."""

    code = "not_pjlink"
    operator_message = "the projector's answer made no sense (is this address a PJLink projector?)"


class PJLinkUndefinedCommand(PJLinkError):
    """ERR1: this projector does not implement the command."""

    code = "unsupported"
    operator_message = "the projector does not support this command"


class PJLinkOutOfParameter(PJLinkError):
    """ERR2: a value the projector does not have, typically an input number."""

    code = "refused_setting"
    operator_message = "the projector refused the setting (check the input number in wall.toml)"


class PJLinkUnavailable(PJLinkError):
    """ERR3: refused for now, as POWR/INPT while the lamp warms up or cools down."""

    code = "busy"
    operator_message = "the projector is busy (warming up or cooling down); trying again"


class PJLinkProjectorFailure(PJLinkError):
    """ERR4: the projector reports a fault of its own."""

    code = "projector_failure"
    operator_message = "the projector reports a failure (check its lamp, fan and filter)"


_ERROR_CODES: dict[str, type[PJLinkError]] = {
    "ERR1": PJLinkUndefinedCommand,
    "ERR2": PJLinkOutOfParameter,
    "ERR3": PJLinkUnavailable,
    "ERR4": PJLinkProjectorFailure,
}


class Power(Enum):
    """`POWR ?` answers 0..3; the value is what the console shows."""

    OFF = "off"
    ON = "on"
    COOLING = "cooling"
    WARMING = "warming"


_POWER_CODES = {"0": Power.OFF, "1": Power.ON, "2": Power.COOLING, "3": Power.WARMING}


@dataclass(frozen=True)
class ErrorStatus:
    """`ERST ?`: six digits, one per part, 0 ok, 1 warning, 2 error."""

    fan: Condition
    lamp: Condition
    temperature: Condition
    cover: Condition
    filter: Condition
    other: Condition

    def as_dict(self) -> dict[str, Condition]:
        return {part: getattr(self, part) for part in ERROR_PARTS}

    @property
    def any_fault(self) -> bool:
        return any(value != "ok" for value in self.as_dict().values())


@dataclass(frozen=True)
class Lamp:
    """One lamp of `LAMP ?`: cumulative hours and whether it is lit."""

    hours: int
    on: bool


def digest(random: str, password: str) -> str:
    """The PJLink authentication answer: md5 hex of the projector's random then the password."""
    return hashlib.md5((random + password).encode("utf-8"), usedforsecurity=False).hexdigest()


def decode_power(value: str) -> Power:
    try:
        return _POWER_CODES[value]
    except KeyError:
        raise PJLinkProtocolError(f"power state {value!r} is not 0..3") from None


def decode_errors(value: str) -> ErrorStatus:
    if len(value) != len(ERROR_PARTS) or any(char not in _CONDITIONS for char in value):
        raise PJLinkProtocolError(f"error status {value!r} is not six digits 0..2")
    return ErrorStatus(*(_CONDITIONS[char] for char in value))


def decode_lamps(value: str) -> list[Lamp]:
    """`"1234 1"` or `"1234 1 567 0"`: hours and on/off pairs, one per lamp."""
    fields = value.split()
    if not fields or len(fields) % 2 or not all(field.isdigit() for field in fields):
        raise PJLinkProtocolError(f"lamp status {value!r} is not hours/on pairs")
    pairs = zip(fields[::2], fields[1::2], strict=True)
    lamps = []
    for hours, lit in pairs:
        if lit not in ("0", "1"):
            raise PJLinkProtocolError(f"lamp status {value!r}: on/off must be 0 or 1")
        lamps.append(Lamp(int(hours), lit == "1"))
    return lamps


def _check_input(code: str) -> str:
    """Class 1 inputs are two digits: type 1..5 (RGB, video, digital, storage, network), 1..9."""
    if len(code) != 2 or code[0] not in "12345" or code[1] not in "123456789":
        raise ValueError(f"PJLink input {code!r}: give two digits such as 31 (digital 1)")
    return code


class PJLinkConnection:
    """One open connection: the greeting read, then commands, each carrying the digest.

    Used as `async with PJLinkClient(...).connect() as projector:`; the projector closes idle
    connections itself after 30 s, so a caller opens one per round of commands.
    """

    def __init__(self, host: str, port: int, password: str, timeout_s: float) -> None:
        self.host = host
        self.port = port
        self._password = password
        self._timeout_s = timeout_s
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._random: str | None = None  # None: no authentication asked

    async def __aenter__(self) -> PJLinkConnection:
        try:
            self._reader, self._writer = await self._timed(
                asyncio.open_connection(self.host, self.port, limit=MAX_LINE_BYTES)
            )
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise PJLinkUnreachable(f"{self.host}:{self.port}: {reason}") from None
        try:
            await self._greeting()
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            try:
                async with asyncio.timeout(self._timeout_s):
                    await self._writer.wait_closed()
            except (OSError, TimeoutError):
                pass  # the socket is released either way; nothing to tell anyone
            self._writer = None

    async def _timed(self, step: Awaitable[_T]) -> _T:
        # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
        # lands as the step completes, and a controller being stopped would then run on.
        try:
            async with asyncio.timeout(self._timeout_s):
                return await step
        except TimeoutError:
            raise PJLinkTimeout(
                f"{self.host}:{self.port}: no answer in {self._timeout_s} s"
            ) from None

    async def _read_line(self) -> str:
        assert self._reader is not None
        try:
            raw = await self._timed(self._reader.readuntil(TERMINATOR))
        except asyncio.IncompleteReadError as exc:
            raise PJLinkUnreachable(
                f"{self.host}:{self.port}: connection closed after {exc.partial!r}"
            ) from None
        except asyncio.LimitOverrunError:
            raise PJLinkProtocolError(f"{self.host}:{self.port}: endless line") from None
        except (ConnectionError, OSError) as exc:
            raise PJLinkUnreachable(f"{self.host}:{self.port}: {exc}") from None
        try:
            # Some devices end lines with CR LF: the LF then leads the next line.
            return raw.decode("ascii").strip("\r\n")
        except UnicodeDecodeError:
            raise PJLinkProtocolError(f"{self.host}:{self.port}: not text: {raw[:40]!r}") from None

    async def _greeting(self) -> None:
        line = await self._read_line()
        if line == "PJLINK 0":
            return
        parts = line.split(" ")
        if len(parts) == 3 and parts[:2] == ["PJLINK", "1"] and len(parts[2]) == 8:
            if not self._password:
                raise PJLinkPasswordNeeded(f"{self.host}:{self.port} asks for a password")
            self._random = parts[2]
            return
        if line == "PJLINK ERRA":
            raise PJLinkAuthError(f"{self.host}:{self.port}: refused at greeting")
        raise PJLinkProtocolError(f"{self.host}:{self.port}: greeting {line[:40]!r}")

    async def command(self, name: str, parameter: str) -> str:
        """Sends `%1NAME PARAMETER` and returns the answer's value; ERRn raise their type."""
        assert self._writer is not None, "use `async with`"
        prefix = digest(self._random, self._password) if self._random is not None else ""
        self._writer.write(f"{prefix}%1{name} {parameter}".encode("ascii") + TERMINATOR)
        try:
            await self._timed(self._writer.drain())
        except (ConnectionError, OSError) as exc:
            raise PJLinkUnreachable(f"{self.host}:{self.port}: {exc}") from None
        line = await self._read_line()
        if line == "PJLINK ERRA":
            raise PJLinkAuthError(f"{self.host}:{self.port}: password refused")
        head = f"%1{name}="
        if not line.upper().startswith(head.upper()):
            raise PJLinkProtocolError(f"{self.host}:{self.port}: {name} answered {line[:40]!r}")
        value = line[len(head) :]
        if value.upper() in _ERROR_CODES:
            raise _ERROR_CODES[value.upper()](f"{self.host}:{self.port}: {name} {parameter}")
        return value

    async def _set(self, name: str, parameter: str) -> None:
        value = await self.command(name, parameter)
        if value.upper() != "OK":
            raise PJLinkProtocolError(f"{self.host}:{self.port}: {name} answered {value!r}")

    async def power(self) -> Power:
        return decode_power(await self.command("POWR", "?"))

    async def set_power(self, on: bool) -> None:
        await self._set("POWR", "1" if on else "0")

    async def input(self) -> str:
        value = await self.command("INPT", "?")
        try:
            return _check_input(value)
        except ValueError:
            raise PJLinkProtocolError(f"{self.host}:{self.port}: input {value!r}") from None

    async def set_input(self, code: str) -> None:
        await self._set("INPT", _check_input(code))

    async def av_mute(self) -> bool:
        """True when picture and sound are muted (`31`); video-only mute (`11`) counts too."""
        value = await self.command("AVMT", "?")
        if value not in ("11", "10", "21", "20", "31", "30"):
            raise PJLinkProtocolError(f"{self.host}:{self.port}: mute state {value!r}")
        return value in ("11", "31")

    async def set_av_mute(self, muted: bool) -> None:
        await self._set("AVMT", "31" if muted else "30")

    async def errors(self) -> ErrorStatus:
        return decode_errors(await self.command("ERST", "?"))

    async def lamps(self) -> list[Lamp]:
        return decode_lamps(await self.command("LAMP", "?"))

    async def name(self) -> str:
        return await self.command("NAME", "?")

    async def model(self) -> str:
        """Manufacturer and product (`INF1`, `INF2`), e.g. "EPSON EB-L1755U"."""
        maker = await self.command("INF1", "?")
        product = await self.command("INF2", "?")
        return f"{maker} {product}".strip()


class PJLinkClient:
    """Where a projector is and how to sign in; `connect()` opens a round of commands."""

    def __init__(
        self,
        host: str,
        port: int = DEFAULT_PORT,
        password: str = "",
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.host = host
        self.port = port
        self.password = password
        self.timeout_s = timeout_s

    def connect(self) -> PJLinkConnection:
        return PJLinkConnection(self.host, self.port, self.password, self.timeout_s)

    async def power(self) -> Power:
        async with self.connect() as projector:
            return await projector.power()

    async def set_power(self, on: bool) -> None:
        async with self.connect() as projector:
            await projector.set_power(on)
