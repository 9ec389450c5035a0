"""sd_notify: the protocol against a real datagram socket, and the real `wall serve` telling
a stand-in for systemd that it is ready, alive, then stopping."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.sd_notify import NotifySocket, abstract_name, count
from tests.helpers.server import START_TIMEOUT_S, LiveServer
from wall.sdnotify import Notifier, watchdog_interval

# systemd would kill after 0.6 s without a ping: the server pings every 0.3 s.
SERVER_WATCHDOG_USEC = 600_000
PINGS_WANTED = 3
# A flood far beyond any datagram queue (net.unix.max_dgram_qlen: 10 by default, often 512).
FLOOD = 5_000


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[NotifySocket]:
    sock = NotifySocket(tmp_path / "notify.sock")
    yield sock
    sock.close()


def test_a_path_socket_receives_the_fields_as_one_datagram(listener: NotifySocket) -> None:
    notifier = Notifier(listener.address)
    assert notifier.enabled
    assert notifier.send("READY=1", "STATUS=serving")
    note = listener.wait_for(lambda f: "READY" in f, 5, "READY=1")
    assert note.fields == {"READY": "1", "STATUS": "serving"}
    notifier.close()


def test_an_abstract_socket_name_starting_with_at_is_reached() -> None:
    listener = NotifySocket(abstract_name())
    try:
        notifier = Notifier.from_environment({"NOTIFY_SOCKET": listener.address})
        assert notifier.send("WATCHDOG=1")
        assert listener.wait_for(lambda f: "WATCHDOG" in f, 5, "WATCHDOG=1").fields == {
            "WATCHDOG": "1"
        }
    finally:
        listener.close()


@pytest.mark.parametrize("value", [None, "", "relative/notify.sock"])
def test_without_a_usable_socket_nothing_is_sent(value: str | None) -> None:
    environ = {} if value is None else {"NOTIFY_SOCKET": value}
    notifier = Notifier.from_environment(environ)
    assert not notifier.enabled
    assert notifier.send("READY=1") is False


def test_a_socket_nobody_listens_on_is_logged_once_never_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    notifier = Notifier(str(tmp_path / "gone.sock"))
    with caplog.at_level(logging.WARNING, logger="wall.sdnotify"):
        assert notifier.send("READY=1") is False
        assert notifier.send("WATCHDOG=1") is False
    assert len([r for r in caplog.records if "cannot notify systemd" in r.getMessage()]) == 1


def test_a_full_queue_drops_pings_instead_of_blocking(listener: NotifySocket) -> None:
    """The render loop sends these: a service manager that stops reading must not stall it."""
    notifier = Notifier(listener.address)
    sent = [notifier.send("WATCHDOG=1") for _ in range(FLOOD)]
    assert sent[0] and not all(sent), "the queue filled and sends failed instead of waiting"
    assert len(listener.drain()) == sum(sent)


def test_watchdog_interval_is_half_the_deadline_for_this_process_only() -> None:
    mine = str(os.getpid())
    assert watchdog_interval({"WATCHDOG_USEC": "2000000"}) == pytest.approx(1.0)
    assert watchdog_interval({"WATCHDOG_USEC": "2000000", "WATCHDOG_PID": mine}) == 1.0
    assert watchdog_interval({"WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "1"}) is None
    for bad in ("", "0", "-5", "soon"):
        assert watchdog_interval({"WATCHDOG_USEC": bad}) is None
    assert watchdog_interval({}) is None


def test_server_says_ready_once_it_serves_then_pings_then_stopping(
    tmp_path: Path, listener: NotifySocket, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTIFY_SOCKET", listener.address)  # LiveServer passes os.environ on
    monkeypatch.setenv("WATCHDOG_USEC", str(SERVER_WATCHDOG_USEC))
    root = tmp_path / "server"
    root.mkdir()
    server = LiveServer(root)
    listening: list[object] = []

    def connect_when_ready() -> None:
        listener.wait_for(lambda f: f.get("READY") == "1", START_TIMEOUT_S, "READY=1")
        try:  # at the moment READY arrives, the port must already accept connections
            socket.create_connection(("127.0.0.1", server.port), timeout=2).close()
            listening.append(True)
        except OSError as exc:
            listening.append(exc)

    probe = threading.Thread(target=connect_when_ready)
    probe.start()
    try:
        server.start()
        probe.join(START_TIMEOUT_S)
        assert listening == [True], f"READY=1 before the server listened: {listening}"
        assert count(listener.seen, "WATCHDOG") == 0, "pings began before READY=1"
        for _ in range(PINGS_WANTED):
            listener.wait_for(lambda f: f.get("WATCHDOG") == "1", 5, "WATCHDOG=1")
        with server.client() as client:
            assert client.get("/healthz").status_code == 200
    finally:
        server.stop()
    listener.wait_for(lambda f: f.get("STOPPING") == "1", 5, "STOPPING=1")
    ready = next(n for n in listener.seen if n.fields.get("READY") == "1")
    assert f"127.0.0.1:{server.port}" in ready.fields.get("STATUS", "")
