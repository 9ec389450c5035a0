"""`wall user passwd` as a process, beside a running server: the operator who locked
themselves out sets a new password from the shell, and every session of the account ends."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.helpers.accounts import add_account, login
from tests.helpers.app_server import AppServer

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"
CLI_TIMEOUT_S = 60  # an argon2 hash and a database open; far below this on any machine


def passwd(server: AppServer, name: str, stdin: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LANG": "en_GB.UTF-8"}  # the messages' language
    return subprocess.run(
        [sys.executable, "-m", "wall", "--config", str(server.config), "user", "passwd", name],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=CLI_TIMEOUT_S,
        check=False,
    )


def sign_in(server: AppServer, name: str, password: str) -> int:
    with server.client() as client:
        body = {"username": name, "password": password}
        return client.post("/api/auth/login", json=body).status_code


@pytest.fixture
def server(app_server: AppServer) -> AppServer:
    add_account(app_server, "olga", "operator", PASSWORD)
    return app_server


def test_sets_the_password_from_stdin_and_ends_the_sessions(server: AppServer) -> None:
    with login(server, "olga", PASSWORD) as session:
        done = passwd(server, "OLGA", NEW_PASSWORD + "\nignored\n")
        assert done.returncode == 0, done.stderr
        assert "olga" in done.stdout and NEW_PASSWORD not in done.stdout + done.stderr
        assert session.get("/api/auth/me").status_code == 401
    assert sign_in(server, "olga", PASSWORD) == 401
    assert sign_in(server, "olga", NEW_PASSWORD) == 200


@pytest.mark.parametrize(
    ("name", "stdin", "message"),
    [
        ("nobody", NEW_PASSWORD + "\n", "nobody: Account not found"),
        ("olga", "short\n", "at least 10 characters"),
        ("olga", "", "at least 10 characters"),
    ],
    ids=["unknown name", "short password", "empty stdin"],
)
def test_refusals_go_to_stderr_with_exit_code_2(
    server: AppServer, name: str, stdin: str, message: str
) -> None:
    refused = passwd(server, name, stdin)
    assert refused.returncode == 2
    assert message in refused.stderr and refused.stdout == ""
    assert sign_in(server, "olga", PASSWORD) == 200  # nothing changed
