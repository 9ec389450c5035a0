"""Slow clients cannot hold the server: headers sent a byte at a time (slowloris) are cut off,
an upload body that stalls gets 408 and its connection back, and meanwhile a normal visitor
is served at once. Against the real `wall serve`, from loopback sockets."""

from __future__ import annotations

import socket
import time

from app.httpguard import HEADER_TIMEOUT_S
from ingest.visitors import MAX_UPLOADS_AT_ONCE
from tests.helpers.server import LiveServer
from wall.bodylimit import BODY_IDLE_S

MARGIN_S = 5.0


def _closed_within(sock: socket.socket, seconds: float) -> tuple[bool, bytes]:
    """Whether the server closed the connection within `seconds`, and what it said."""
    sock.settimeout(seconds)
    said = b""
    try:
        while chunk := sock.recv(4096):
            said += chunk
    except TimeoutError:
        return False, said
    except ConnectionResetError:
        pass
    return True, said


def test_headers_sent_a_byte_at_a_time_are_cut_off(live_server: LiveServer) -> None:
    with socket.create_connection(("127.0.0.1", live_server.port)) as slow:
        slow.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        started = time.monotonic()
        cut = False
        for index in range(int(HEADER_TIMEOUT_S + MARGIN_S) // 2):
            try:
                slow.sendall(f"X-Slow-{index}: a\r\n".encode())
            except OSError:
                cut = True
                break
            closed, _ = _closed_within(slow, 2.0)
            if closed:
                cut = True
                break
            with live_server.client() as visitor:  # the others are served meanwhile
                assert visitor.get("/healthz").status_code == 200
        assert cut, "the slow headers were still accepted"
        assert time.monotonic() - started <= HEADER_TIMEOUT_S + MARGIN_S


def test_an_upload_body_that_stalls_gets_408_and_is_let_go(live_server: LiveServer) -> None:
    with socket.create_connection(("127.0.0.1", live_server.port)) as stalled:
        stalled.sendall(
            b"POST /api/photos HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 300000\r\n\r\n"
            b'--b\r\nContent-Disposition: form-data; name="consent"\r\n\r\ntrue\r\n'
        )
        closed, said = _closed_within(stalled, BODY_IDLE_S + MARGIN_S)
    assert closed, "a stalled body held its connection"
    assert said.startswith(b"HTTP/1.1 408"), said[:200]
    assert b'"too_slow"' in said


def test_one_device_holds_at_most_a_few_uploads_at_once(live_server: LiveServer) -> None:
    """A script opening many slow uploads from one phone: the ones past the few it may hold
    get 429 with Retry-After at once; the phone's own uploads finish."""
    with live_server.client() as phone:
        phone.get("/")
        device = phone.cookies.get("wall_device")
    assert device
    cookie = f"wall_device={device}"
    sockets = []
    for _ in range(MAX_UPLOADS_AT_ONCE):  # each one's body held open
        held = socket.create_connection(("127.0.0.1", live_server.port))
        held.sendall(
            b"POST /api/photos HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: " + cookie.encode()
            + b"\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 90000\r\n\r\n"
            + b"--b\r\n"
        )  # fmt: skip
        sockets.append(held)
    time.sleep(0.5)  # the server has taken them in
    try:
        with live_server.client(cookies={"wall_device": device}) as same_phone:
            refused = same_phone.post(
                "/api/photos",
                files={"file": ("p.jpg", b"\xff\xd8\xff", "image/jpeg")},
                data={"consent": "true"},
            )
        assert refused.status_code == 429, refused.text
        assert int(refused.headers["retry-after"]) >= 1
        with live_server.client() as other_phone:  # another device is not held back
            other = other_phone.post(
                "/api/photos",
                files={"file": ("p.jpg", b"\xff\xd8\xff", "image/jpeg")},
                data={"consent": "true"},
            )
        assert other.status_code != 429
    finally:
        for held in sockets:
            held.close()
