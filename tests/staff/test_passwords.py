"""Changing one's own password and an operator's reset, through the real server: who keeps a
session, who is out at once, and that neither is a way around the sign-in lockout."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import httpx
import pytest

from tests.helpers.accounts import add_account, login
from tests.helpers.app_server import AppServer

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"
WRONG_PASSWORD = "not my password at all"
FOREIGN_ORIGIN = "http://evil.example:8000"
LOCKOUT_AFTER = 5  # moderation/accounts.py MAX_FAILURES: the sixth try is refused


@pytest.fixture
def server(app_server: AppServer) -> AppServer:
    add_account(app_server, "mia", "moderator", PASSWORD)
    add_account(app_server, "olga", "operator", PASSWORD)
    return app_server


def _error(answer: httpx.Response) -> str:
    return str(answer.json()["error"]["code"])


def _change(client: httpx.Client, current: str, new: str, **headers: str) -> httpx.Response:
    body = {"current_password": current, "new_password": new}
    return client.post("/api/auth/password", json=body, headers=headers)


def _reset(client: httpx.Client, name: str, new: str, **headers: str) -> httpx.Response:
    return client.post(
        f"/api/accounts/{name}/password", json={"new_password": new}, headers=headers
    )


def _sign_in(server: AppServer, name: str, password: str, **headers: str) -> int:
    with server.client() as client:
        body = {"username": name, "password": password}
        return client.post("/api/auth/login", json=body, headers=headers).status_code


def _stored_hash(server: AppServer, name: str) -> str:
    with sqlite3.connect(server.data_dir / "wall.sqlite3") as db:
        row = db.execute("SELECT password_hash FROM accounts WHERE username = ?", (name,))
        return str(row.fetchone()[0])


def test_own_change_ends_the_other_sessions_and_keeps_this_one(server: AppServer) -> None:
    with login(server, "mia", PASSWORD) as tablet, login(server, "mia", PASSWORD) as phone:
        with login(server, "olga", PASSWORD) as operator:
            changed = _change(tablet, PASSWORD, NEW_PASSWORD)
            assert changed.status_code == 204, changed.text
            assert phone.get("/api/auth/me").status_code == 401  # the other session: out
            assert tablet.get("/api/auth/me").status_code == 200  # the one that changed it: in
            assert operator.get("/api/auth/me").status_code == 200  # other accounts: untouched
        # This session still writes (CSRF token and all): changing once more works.
        assert _change(tablet, NEW_PASSWORD, NEW_PASSWORD + "!").status_code == 204
    assert _sign_in(server, "mia", PASSWORD) == 401
    assert _sign_in(server, "mia", NEW_PASSWORD) == 401
    assert _sign_in(server, "mia", NEW_PASSWORD + "!") == 200
    assert _stored_hash(server, "mia").startswith("$argon2id$")
    log = server.log()
    assert "mia changed their own password" in log
    assert NEW_PASSWORD not in log and PASSWORD not in log


def test_a_wrong_current_password_is_refused_and_counts_toward_the_lockout(
    server: AppServer,
) -> None:
    before = _stored_hash(server, "mia")
    with login(server, "mia", PASSWORD) as client:
        for _ in range(LOCKOUT_AFTER):
            wrong = _change(client, WRONG_PASSWORD, NEW_PASSWORD)
            assert wrong.status_code == 403 and _error(wrong) == "wrong_password"
            assert wrong.json()["error"]["message"]  # a sentence, not just a code
        locked = _change(client, PASSWORD, NEW_PASSWORD)  # even the right one, now
        assert locked.status_code == 429 and _error(locked) == "too_many_attempts"
        assert int(locked.headers["retry-after"]) >= 1
        assert client.get("/api/auth/me").status_code == 200  # the session itself stays
    assert _sign_in(server, "mia", PASSWORD) == 429  # the same lock as the sign-in's
    assert _stored_hash(server, "mia") == before


def test_a_weak_new_password_is_refused_and_costs_no_try(server: AppServer) -> None:
    with login(server, "mia", PASSWORD) as client:
        for _ in range(LOCKOUT_AFTER + 1):
            weak = _change(client, PASSWORD, "short")
            assert weak.status_code == 400 and _error(weak) == "weak_password"
        too_long = _change(client, PASSWORD, "x" * 2000)
        assert too_long.status_code == 400 and _error(too_long) == "weak_password"
        assert _change(client, PASSWORD, NEW_PASSWORD).status_code == 204
    assert _sign_in(server, "mia", NEW_PASSWORD) == 200


def test_operator_reset_ends_every_session_of_the_account_at_once(server: AppServer) -> None:
    with login(server, "mia", PASSWORD) as moderator, login(server, "olga", PASSWORD) as operator:
        assert moderator.get("/api/auth/me").status_code == 200
        answer = _reset(operator, "MIA", NEW_PASSWORD)  # names compare without case
        assert answer.status_code == 204, answer.text
        assert moderator.get("/api/auth/me").status_code == 401
        assert moderator.post("/api/moderation/undo").status_code == 401
        assert operator.get("/api/auth/me").status_code == 200

        missing = _reset(operator, "nobody", NEW_PASSWORD)
        assert missing.status_code == 404 and _error(missing) == "account_not_found"
        weak = _reset(operator, "mia", "short")
        assert weak.status_code == 400 and _error(weak) == "weak_password"
        own = _reset(operator, "olga", NEW_PASSWORD)
        assert own.status_code == 409 and _error(own) == "self_reset"
    assert _sign_in(server, "mia", PASSWORD) == 401
    assert _sign_in(server, "mia", NEW_PASSWORD) == 200
    assert _sign_in(server, "olga", PASSWORD) == 200  # her own stayed as it was
    log = server.log()
    assert "olga set a new password for mia" in log and NEW_PASSWORD not in log


def test_a_reset_lifts_the_lock_on_the_forgotten_name(
    make_app_server: Callable[..., AppServer],
) -> None:
    """She guessed until locked out, from her tablet; the office resets it by phone."""
    server = make_app_server(server={"trusted_proxies": ["127.0.0.1"]})
    add_account(server, "mia", "moderator", PASSWORD)
    add_account(server, "olga", "operator", PASSWORD)
    tablet = {"X-Forwarded-For": "203.0.113.7"}
    for _ in range(LOCKOUT_AFTER):
        assert _sign_in(server, "mia", WRONG_PASSWORD, **tablet) == 401
    assert _sign_in(server, "mia", PASSWORD, **tablet) == 429  # her tablet is held back
    with login(server, "olga", PASSWORD) as operator:
        assert _reset(operator, "mia", NEW_PASSWORD).status_code == 204
    assert _sign_in(server, "mia", NEW_PASSWORD, **tablet) == 200  # at once, same tablet


def test_moderators_cannot_reset_anyone(server: AppServer) -> None:
    with login(server, "mia", PASSWORD) as moderator:
        refused = _reset(moderator, "olga", NEW_PASSWORD)
        assert refused.status_code == 403 and _error(refused) == "forbidden"
    assert _sign_in(server, "olga", PASSWORD) == 200


def test_both_need_the_csrf_token_and_our_origin(server: AppServer) -> None:
    with login(server, "olga", PASSWORD) as operator:
        token = operator.headers.pop("X-CSRF-Token")
        for answer in (
            _change(operator, PASSWORD, NEW_PASSWORD),
            _reset(operator, "mia", NEW_PASSWORD),
            _change(operator, PASSWORD, NEW_PASSWORD, **{"X-CSRF-Token": token + "x"}),
            _reset(operator, "mia", NEW_PASSWORD, **{"X-CSRF-Token": "", "Origin": server.url}),
            _reset(
                operator, "mia", NEW_PASSWORD, **{"X-CSRF-Token": token, "Origin": FOREIGN_ORIGIN}
            ),
        ):
            assert answer.status_code == 403 and _error(answer) == "csrf"
    assert _sign_in(server, "olga", PASSWORD) == 200
    assert _sign_in(server, "mia", PASSWORD) == 200
    with server.client() as anonymous:
        assert _change(anonymous, PASSWORD, NEW_PASSWORD).status_code == 401
        assert _reset(anonymous, "mia", NEW_PASSWORD).status_code == 401
