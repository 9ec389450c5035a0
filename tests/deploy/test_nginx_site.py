"""The nginx site in front of the real server: TLS, redirect, WebSocket upgrade, per-visitor
rate limits through X-Forwarded-For, the body limit in the API's shape, and a rendition cache
that keeps approved photos only.

nginx runs the shipped site (ports, certificate and cache paths rewritten, nothing else) on
loopback, proxying to a `wall serve` started by the test.
"""

from __future__ import annotations

import json
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from tests.helpers import http
from tests.helpers.accounts import login
from tests.helpers.deploy import SITE_HOST, LocalNginx, site_for_test
from tests.helpers.images import distinctive_jpeg
from tests.helpers.server import LiveServer
from tests.helpers.uploads import accepted, assert_refused, post
from tests.helpers.wall_display import PASSWORD, Moderator

WS_TIMEOUT_S = 10.0
OVERSIZED_BYTES = 64 * 1024 * 1024  # declared only: nginx must refuse before reading it


@dataclass
class Proxied:
    server: LiveServer
    nginx: LocalNginx
    https_port: int
    http_port: int
    tls: ssl.SSLContext

    @property
    def https_url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.https_url, verify=self.tls, timeout=30.0, **kwargs)

    def visitor(self, address: str) -> httpx.Client:
        """A client connecting from `address` (any 127.x.y.z reaches loopback on Linux)."""
        transport = httpx.HTTPTransport(verify=self.tls, local_address=address)
        return httpx.Client(base_url=self.https_url, transport=transport, timeout=30.0)


@pytest.fixture
def proxied(
    tmp_path: Path, make_process_server: Callable[..., LiveServer]
) -> Iterator[Callable[..., Proxied]]:
    """Starts a server (with the README's `trusted_proxies`) and the site in front of it."""
    started: list[LocalNginx] = []

    def factory(**sections: dict[str, Any]) -> Proxied:
        server_section = {"trusted_proxies": ["127.0.0.1"], **sections.pop("server", {})}
        server = make_process_server(server=server_section, **sections)
        root = tmp_path / f"nginx{len(started)}"
        site = site_for_test(root, upstream_port=server.port)
        nginx = LocalNginx(root, site.text)
        started.append(nginx)
        nginx.start(site.https_port)
        tls = ssl.create_default_context(cafile=str(root / "certs" / "fullchain.pem"))
        return Proxied(server, nginx, site.https_port, site.http_port, tls)

    yield factory
    for nginx in started:
        nginx.stop()


def test_plain_http_is_sent_to_https_on_the_public_name(proxied: Callable[..., Proxied]) -> None:
    site = proxied()
    answer = http.get(f"http://127.0.0.1:{site.http_port}/moderate?tab=queue")
    assert answer.status_code == 301
    assert answer.headers["location"] == f"https://{SITE_HOST}/moderate?tab=queue"


def test_no_token_reaches_the_access_log(proxied: Callable[..., Proxied]) -> None:
    """A receipt's status is asked with `?token=`: the log names the path, never the token."""
    site = proxied()
    with site.client() as phone:
        answer = phone.post(
            "/api/photos",
            files={"file": ("p.jpg", distinctive_jpeg(seed=7), "image/jpeg")},
            data={"consent": "true"},
        )
        assert answer.status_code == 201, answer.text
        uploaded = answer.json()
        token = uploaded["receipt_token"]
        status = phone.get(f"/api/photos/{uploaded['id']}", params={"token": token})
        assert status.status_code == 200
    logs = site.nginx.root / "logs"
    deadline = time.monotonic() + 5
    logged = ""
    while f"/api/photos/{uploaded['id']}" not in logged and time.monotonic() < deadline:
        time.sleep(0.1)
        logged = "".join(p.read_text() for p in logs.glob("*access.log"))
    assert f"GET /api/photos/{uploaded['id']} " in logged
    assert token not in logged and "token=" not in logged


def test_the_api_reference_is_not_published_through_the_site(
    proxied: Callable[..., Proxied],
) -> None:
    site = proxied()
    with site.client() as client:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert client.get(path).status_code == 404, path
    with site.server.client() as direct:  # on the machine itself, past nginx, it is there
        assert direct.get("/openapi.json").status_code == 200


def test_pages_and_the_display_feed_pass_through_tls(proxied: Callable[..., Proxied]) -> None:
    site = proxied()
    with site.client() as client:
        health = client.get("/healthz")
        page = client.get("/")
    assert health.status_code == 200 and health.json()["status"] == "ok", site.nginx.log()
    assert "max-age=" in health.headers["strict-transport-security"]
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    url = f"wss://127.0.0.1:{site.https_port}/ws/display"
    with connect(f"{url}?token={site.server.display_token}", ssl=site.tls) as feed:
        first = json.loads(feed.recv(timeout=WS_TIMEOUT_S))
    assert first["type"] == "snapshot", first


def test_rate_limits_count_each_visitor_not_the_proxy(proxied: Callable[..., Proxied]) -> None:
    """Visitors come from distinct loopback addresses, as phones from distinct addresses: the
    server tells them apart only by the X-Forwarded-For that nginx adds."""
    site = proxied(upload={"rate_limit_per_minute": 1})
    with site.visitor("127.0.0.2") as first_visitor:
        accepted(post(first_visitor, distinctive_jpeg(seed=1)))
        assert_refused(post(first_visitor, distinctive_jpeg(seed=2)), 429, "rate_limited")
        spoofing = {"X-Forwarded-For": "198.51.100.9"}  # a header of its own changes nothing
        again = first_visitor.post(
            "/api/photos",
            files={"file": ("p.jpg", distinctive_jpeg(seed=3), "image/jpeg")},
            data={"consent": "true"},
            headers=spoofing,
        )
        assert_refused(again, 429, "rate_limited")
    with site.visitor("127.0.0.3") as second_visitor:
        accepted(post(second_visitor, distinctive_jpeg(seed=4)))


def test_a_body_far_over_the_limit_is_refused_by_nginx_in_the_apis_words(
    proxied: Callable[..., Proxied],
) -> None:
    site = proxied()
    request = (
        "POST /api/photos HTTP/1.1\r\n"
        f"Host: {SITE_HOST}\r\nAccept-Language: fr-FR,fr;q=0.9\r\n"
        "Content-Type: multipart/form-data; boundary=b\r\n"
        f"Content-Length: {OVERSIZED_BYTES}\r\nConnection: close\r\n\r\n"
    )
    with (
        socket.create_connection(("127.0.0.1", site.https_port), timeout=WS_TIMEOUT_S) as raw,
        site.tls.wrap_socket(raw, server_hostname=SITE_HOST) as conn,
    ):
        conn.sendall(request.encode())
        reply = b""
        while chunk := conn.recv(65536):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), reply[:500]
    assert b"application/json" in head
    error = json.loads(body)["error"]
    assert error["code"] == "too_large" and "trop lourde" in error["message"]


def test_approved_renditions_are_cached_nothing_private_is(
    proxied: Callable[..., Proxied],
) -> None:
    site = proxied()
    moderator = Moderator(site.server)
    approved = moderator.publish(distinctive_jpeg((200, 40, 40), seed=4))
    pending = moderator.upload(distinctive_jpeg((40, 200, 40), seed=5))
    with login(site.server, "mia", PASSWORD) as session:
        queue = session.get("/api/moderation/queue", params={"status": "pending"}).json()
        cookie = session.cookies["wall_session"]
    pending_url = next(p for p in queue["photos"] if p["id"] == pending)["urls"]["display"]
    with site.server.client() as direct:
        wall = direct.get(f"/api/wall/photos?token={site.server.display_token}").json()
    approved_url = next(p for p in wall["photos"] if p["id"] == approved)["urls"]["display"]

    with site.client() as anonymous, site.client(cookies={"wall_session": cookie}) as mod:
        shown = anonymous.get(approved_url)
        assert shown.status_code == 200, site.nginx.log()
        assert mod.get(pending_url).status_code == 200  # the moderator sees it, through nginx
        site.server.kill()  # from now on, only nginx's cache can answer
        again = anonymous.get(approved_url)
        assert again.status_code == 200 and again.content == shown.content
        assert anonymous.get(pending_url).status_code == 502, "a pending photo was cached"
        assert mod.get(approved_url).status_code == 502, "a session's request used the cache"
