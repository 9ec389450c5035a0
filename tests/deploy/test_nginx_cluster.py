"""The cluster's nginx (deploy/cluster/nginx.conf) in front of real `wall serve` processes on
a real PostgreSQL: two processes of one wall behind one name, a third process of another
wall behind another. Requests spread over the wall's processes, a display's WebSocket hears
a decision made on the other process, an upload goes through, and the wall goes on when one
of its processes is killed.

nginx runs the shipped file with only its ports, certificate and cache paths rewritten, and
compose's service names (`brive-1`, ...) replaced by the loopback ports of the processes.
"""

from __future__ import annotations

import json
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from tests.helpers.accounts import add_account, login
from tests.helpers.deploy import LocalNginx, cluster_site_for_test
from tests.helpers.images import distinctive_jpeg
from tests.helpers.postgres import PostgresServer
from tests.helpers.server import LiveServer
from tests.helpers.uploads import accepted, post

BRIVE, TULLE = "brive.example", "tulle.example"  # the wall names the shipped file routes
PASSWORD = "cluster-password-1"
WS_TIMEOUT_S = 10.0
DELIVERY_S = 2.0  # the contract's bound for a photo to reach (or leave) the wall
REQUESTS = 20


@dataclass
class Region:
    servers: dict[str, LiveServer]
    nginx: LocalNginx
    https_port: int
    tls: ssl.SSLContext

    def client(self, host: str) -> httpx.Client:
        """A client for one wall's name: its Host header, and its name as TLS's SNI (the
        shipped file refuses a handshake for a name it does not serve)."""
        transport = httpx.HTTPTransport(verify=self.tls)
        return httpx.Client(
            base_url=f"https://127.0.0.1:{self.https_port}",
            headers={"Host": host},
            transport=transport,
            timeout=30.0,
            event_hooks={"request": [lambda request: _sni(request, host)]},
        )

    @contextmanager
    def display(self, host: str, token: str) -> Iterator[ClientConnection]:
        raw = socket.create_connection(("127.0.0.1", self.https_port), timeout=WS_TIMEOUT_S)
        url = f"wss://{host}:{self.https_port}/ws/display?token={token}"
        with connect(url, sock=raw, ssl=self.tls, server_hostname=host) as feed:
            assert _next(feed)["type"] == "snapshot"
            yield feed

    def log_lines(self, name: str, pattern: str) -> int:
        return len(re.findall(pattern, self.servers[name].log()))


def _sni(request: httpx.Request, host: str) -> None:
    request.extensions["sni_hostname"] = host


def _next(feed: ClientConnection, timeout: float = WS_TIMEOUT_S) -> dict[str, Any]:
    return dict(json.loads(feed.recv(timeout=timeout)))


def _wait_for(feed: ClientConnection, kind: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        message = _next(feed, max(0.01, deadline - time.monotonic()))
        if message["type"] == kind:
            return message


@pytest.fixture
def region(
    tmp_path: Path, postgres_server: PostgresServer, make_process_server: Callable[..., LiveServer]
) -> Iterator[Region]:
    dsn = postgres_server.fresh_database()

    def serve(wall_id: str) -> LiveServer:
        return make_process_server(
            wall={"id": wall_id, "display_token": f"{wall_id}-display-token"},
            storage={"database": dsn},
            server={"trusted_proxies": ["127.0.0.1"]},  # the walls' tomls name nginx so
        )

    servers = {"brive-1": serve("brive"), "brive-2": serve("brive"), "tulle-1": serve("tulle")}
    root = tmp_path / "nginx"
    site = cluster_site_for_test(
        root, {name: server.port for name, server in servers.items()}, (BRIVE, TULLE)
    )
    nginx = LocalNginx(root, site.text)
    nginx.start(site.https_port)
    tls = ssl.create_default_context(cafile=str(root / "certs" / "fullchain.pem"))
    try:
        yield Region(servers, nginx, site.https_port, tls)
    finally:
        nginx.stop()


def test_each_name_reaches_its_own_wall_and_requests_spread_over_its_processes(
    region: Region,
) -> None:
    with region.client(BRIVE) as brive, region.client(TULLE) as tulle:
        for n in range(REQUESTS):
            answer = brive.get("/healthz", params={"via": f"nginx-{n}"})
            assert answer.status_code == 200, region.nginx.log()
        # Each wall's display token opens its own wall's feed, not the other's.
        token = {"token": "tulle-display-token"}
        assert tulle.get("/api/wall/photos", params=token).status_code == 200
        assert brive.get("/api/wall/photos", params=token).status_code == 401
        assert brive.get("/metrics").status_code == 404  # scraped per process, not here
    through = r"GET /healthz\?via=nginx-\d+"
    spread = {name: region.log_lines(name, through) for name in region.servers}
    assert spread["tulle-1"] == 0, spread
    assert spread["brive-1"] + spread["brive-2"] == REQUESTS, spread
    assert spread["brive-1"] >= 1 and spread["brive-2"] >= 1, f"not spread: {spread}"


def test_a_display_hears_a_decision_made_on_the_other_process(region: Region) -> None:
    one = region.servers["brive-1"]
    add_account(one, "ana", "moderator", PASSWORD)
    opened = r"WebSocket /ws/display"
    with (
        region.display(BRIVE, one.display_token) as first,
        region.display(BRIVE, one.display_token) as second,
        region.client(BRIVE) as visitor,
    ):
        # least_conn: the second socket goes to the process the first one is not on.
        on = {name: region.log_lines(name, opened) for name in ("brive-1", "brive-2")}
        assert on == {"brive-1": 1, "brive-2": 1}, on
        photo, _ = accepted(post(visitor, distinctive_jpeg(seed=11)))  # 201, through nginx
        with login(one, "ana", PASSWORD) as moderator:  # brive-1 itself, not through nginx
            queue = moderator.get("/api/moderation/queue", params={"status": "pending"}).json()
            version = next(p for p in queue["photos"] if p["id"] == photo)["version"]
            decided = moderator.post(
                f"/api/moderation/photos/{photo}/decision",
                json={"decision": "approve", "version": version},
            )
        assert decided.status_code == 200, decided.text
        for feed in (first, second):  # one of them lies on brive-2
            assert _wait_for(feed, "photo.approved", DELIVERY_S)["photo"]["id"] == photo


def test_the_wall_goes_on_when_one_of_its_processes_dies(region: Region) -> None:
    region.servers["brive-2"].kill()
    with region.client(BRIVE) as brive:
        for n in range(REQUESTS):
            answer = brive.get("/healthz", params={"after-kill": str(n)})
            assert answer.status_code == 200, f"request {n}: {answer.status_code}"
        # Nothing of an upload reached the dead process (its connection is refused): nginx
        # hands it to the living one, and the phone gets its receipt.
        accepted(post(brive, distinctive_jpeg(seed=12)))
    assert region.log_lines("brive-1", r"GET /healthz\?after-kill=") == REQUESTS
