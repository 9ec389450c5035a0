"""Accounts for tests: made through the real CLI, signed in through the real API."""

from __future__ import annotations

import io
import sys

import httpx

from app.cli import main
from tests.helpers.app_server import AppServer
from tests.helpers.server import LiveServer


def add_account(server: LiveServer | AppServer, name: str, role: str, password: str) -> None:
    """`wall user add NAME --role ROLE` on the server's config, the password piped in."""
    real_stdin = sys.stdin
    sys.stdin = io.StringIO(password + "\n")
    try:
        code = main(["--config", str(server.config), "user", "add", name, "--role", role])
    finally:
        sys.stdin = real_stdin
    assert code == 0, f"wall user add {name} exited with {code}"


def login(server: LiveServer | AppServer, name: str, password: str) -> httpx.Client:
    """A client holding the session cookie, with `X-CSRF-Token` preset. Not yet opened, so
    both `with login(...) as client:` and a plain call (then `client.close()`) work."""
    with server.client() as signing_in:
        answer = signing_in.post("/api/auth/login", json={"username": name, "password": password})
        assert answer.status_code == 200, f"login {name}: {answer.status_code} {answer.text}"
        cookies = signing_in.cookies
    return server.client(cookies=cookies, headers={"X-CSRF-Token": answer.json()["csrf_token"]})
