"""The PJLink client against a real PJLink server on loopback (tests/helpers/fake_pjlink.py)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from show.projectors.pjlink import (
    Lamp,
    PJLinkAuthError,
    PJLinkClient,
    PJLinkOutOfParameter,
    PJLinkPasswordNeeded,
    PJLinkProjectorFailure,
    PJLinkProtocolError,
    PJLinkTimeout,
    PJLinkUnavailable,
    PJLinkUndefinedCommand,
    PJLinkUnreachable,
    Power,
    decode_errors,
    decode_lamps,
    digest,
)
from tests.helpers.fake_pjlink import FakeProjector, Mode
from tests.helpers.server import free_port

TIMEOUT_S = 0.5  # the loopback fake answers in microseconds; only the silent one waits this
WARM_UP_S = 0.4


@pytest.fixture
def projector() -> Iterator[FakeProjector]:
    fake = FakeProjector().start()
    yield fake
    fake.stop()


def _client(fake: FakeProjector, password: str = "") -> PJLinkClient:
    return PJLinkClient("127.0.0.1", fake.port, password, timeout_s=TIMEOUT_S)


async def _wait_power(client: PJLinkClient, wanted: Power) -> list[Power]:
    """Polls like the controller does; returns every state seen on the way."""
    seen: list[Power] = []
    deadline = time.monotonic() + 10
    while not seen or seen[-1] is not wanted:
        assert time.monotonic() < deadline, f"still {seen[-1:]} waiting for {wanted}"
        seen.append(await client.power())
        await asyncio.sleep(0.05)
    return seen


def test_digest_matches_the_standards_example() -> None:
    # The worked example in projector manuals: random "a572f60c", password "password".
    assert digest("a572f60c", "password") == "e3d97429adffa11bce1f7275813d4bde"


def test_without_authentication_power_input_and_mute(projector: FakeProjector) -> None:
    projector.switch(on=True)

    async def scenario() -> None:
        async with _client(projector).connect() as pj:
            assert await pj.power() is Power.ON
            await pj.set_input("31")
            assert await pj.input() == "31"
            assert await pj.av_mute() is False
            await pj.set_av_mute(True)
            assert await pj.av_mute() is True
            assert await pj.name() == "Facade left"
            assert await pj.model() == "EPSON EB-L1755U"

    asyncio.run(scenario())
    assert projector.input == "31" and projector.muted


def test_with_the_right_password_every_command_is_accepted() -> None:
    fake = FakeProjector(password="JBMIAProjectorLink").start()
    try:

        async def scenario() -> None:
            async with _client(fake, "JBMIAProjectorLink").connect() as pj:
                assert await pj.power() is Power.OFF
                await pj.set_power(True)
                assert await pj.power() is Power.ON

        asyncio.run(scenario())
        assert [(r.name, r.param, r.answer) for r in fake.received] == [
            ("POWR", "?", "0"),
            ("POWR", "1", "OK"),
            ("POWR", "?", "1"),
        ]
    finally:
        fake.stop()


def test_a_wrong_password_is_told_as_such() -> None:
    fake = FakeProjector(password="right-one").start()
    try:
        with pytest.raises(PJLinkAuthError) as caught:
            asyncio.run(_client(fake, "wrong-one").power())
        assert "wrong PJLink password" in caught.value.operator_message
        assert fake.received == []  # refused before doing anything
        with pytest.raises(PJLinkPasswordNeeded) as missing:
            asyncio.run(_client(fake, "").power())
        assert "none is set" in missing.value.operator_message
    finally:
        fake.stop()


def test_a_silent_projector_times_out(projector: FakeProjector) -> None:
    projector.mode = "silent"
    started = time.monotonic()
    with pytest.raises(PJLinkTimeout) as caught:
        asyncio.run(_client(projector).power())
    assert time.monotonic() - started >= TIMEOUT_S  # it did wait, then gave up
    assert "did not answer" in caught.value.operator_message


def test_nobody_listening_is_unreachable_not_a_timeout() -> None:
    client = PJLinkClient("127.0.0.1", free_port(), timeout_s=TIMEOUT_S)
    with pytest.raises(PJLinkUnreachable) as caught:
        asyncio.run(client.power())
    assert not isinstance(caught.value, PJLinkTimeout)
    assert "cannot reach" in caught.value.operator_message


def test_a_connection_closed_at_once_is_unreachable(projector: FakeProjector) -> None:
    projector.mode = "hangup"
    with pytest.raises(PJLinkUnreachable):
        asyncio.run(_client(projector).power())


@pytest.mark.parametrize("mode", ["garbage_greeting", "garbage_answer"])
def test_garbage_is_a_protocol_error(projector: FakeProjector, mode: Mode) -> None:
    projector.mode = mode
    with pytest.raises(PJLinkProtocolError) as caught:
        asyncio.run(_client(projector).power())
    assert "made no sense" in caught.value.operator_message


def test_warming_up_refuses_input_then_accepts_it() -> None:
    fake = FakeProjector(warm_up_s=WARM_UP_S, cool_down_s=WARM_UP_S).start()
    client = _client(fake)

    async def scenario() -> None:
        await client.set_power(True)
        async with client.connect() as pj:
            assert await pj.power() is Power.WARMING
            with pytest.raises(PJLinkUnavailable):
                await pj.set_input("31")
            with pytest.raises(PJLinkUnavailable):
                await pj.set_power(False)  # the lamp cannot be cut off while it strikes
        assert (await _wait_power(client, Power.ON))[0] is Power.WARMING
        async with client.connect() as pj:
            await pj.set_input("31")
            assert await pj.input() == "31"
            await pj.set_power(False)
        assert (await _wait_power(client, Power.OFF))[0] is Power.COOLING

    try:
        asyncio.run(scenario())
    finally:
        fake.stop()
    assert [r.answer for r in fake.commands("INPT", "31")] == ["ERR3", "OK"]


def test_errors_and_lamps_are_decoded(projector: FakeProjector) -> None:
    projector.errors = "021001"
    projector.lamp_hours = [1234, 56]

    async def scenario() -> None:
        async with _client(projector).connect() as pj:
            status = await pj.errors()
            assert status.as_dict() == {
                "fan": "ok",
                "lamp": "error",
                "temperature": "warning",
                "cover": "ok",
                "filter": "ok",
                "other": "warning",
            }
            assert status.any_fault
            assert await pj.lamps() == [Lamp(1234, False), Lamp(56, False)]
            await pj.set_power(True)
            assert await pj.lamps() == [Lamp(1234, True), Lamp(56, True)]

    asyncio.run(scenario())


def test_refusals_raise_their_own_types(projector: FakeProjector) -> None:
    projector.switch(on=True)

    async def scenario() -> None:
        async with _client(projector).connect() as pj:
            with pytest.raises(PJLinkOutOfParameter):
                await pj.set_input("52")  # this projector has no network input 2
            with pytest.raises(PJLinkUndefinedCommand):
                await pj.command("FREZ", "?")  # a class 2 command on a class 1 device

    asyncio.run(scenario())
    projector.mode = "failure"
    with pytest.raises(PJLinkProjectorFailure) as caught:
        asyncio.run(_client(projector).power())
    assert "reports a failure" in caught.value.operator_message


def test_an_input_that_is_not_two_digits_is_refused_before_sending(
    projector: FakeProjector,
) -> None:
    async def scenario() -> None:
        async with _client(projector).connect() as pj:
            with pytest.raises(ValueError, match="two digits"):
                await pj.set_input("HDMI1")

    asyncio.run(scenario())
    assert projector.commands("INPT") == []


@pytest.mark.parametrize("value", ["", "01201", "0123456", "00000x", "300000"])
def test_bad_error_status_is_a_protocol_error(value: str) -> None:
    with pytest.raises(PJLinkProtocolError):
        decode_errors(value)


@pytest.mark.parametrize("value", ["", "12", "12 1 5", "12 3", "x 1", "-5 1"])
def test_bad_lamp_status_is_a_protocol_error(value: str) -> None:
    with pytest.raises(PJLinkProtocolError):
        decode_lamps(value)
