"""Sign-in, sessions, CSRF and roles through the real server and the real `wall user add`."""

from __future__ import annotations

import sqlite3
import stat
from collections.abc import Callable

import httpx
import pytest

from staff.accounts import ALERT_FAILURES, MAX_CLIENT_FAILURES, MAX_FAILURES
from staff.bootstrap import DEMO_LOGIN_FILE, ensure_demo_moderator
from tests.helpers.accounts import add_account, login
from tests.helpers.app_server import AppServer
from wall.config import load_settings

PASSWORD = "correct horse battery"
FOREIGN_ORIGIN = "http://evil.example:8000"


@pytest.fixture
def server(app_server: AppServer) -> AppServer:
    add_account(app_server, "mia", "moderator", PASSWORD)
    add_account(app_server, "olga", "operator", PASSWORD)
    return app_server


def _error(answer: httpx.Response) -> str:
    return str(answer.json()["error"]["code"])


def _login(client: httpx.Client, name: str, password: str, **headers: str) -> httpx.Response:
    return client.post(
        "/api/auth/login", json={"username": name, "password": password}, headers=headers
    )


def test_login_sets_a_strict_http_only_cookie_and_me_answers(server: AppServer) -> None:
    with server.client() as client:
        answer = _login(client, "mia", PASSWORD)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["username"] == "mia" and body["role"] == "moderator"
        cookie = answer.headers["set-cookie"].lower()
        assert cookie.startswith("wall_session=")
        assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
        assert "secure" not in cookie  # public_url is plain http here
        assert answer.headers["cache-control"] == "no-store"
        me = client.get("/api/auth/me")
        assert me.status_code == 200
        assert me.json() == body


def test_names_compare_without_case_or_unicode_form(
    make_app_server: Callable[..., AppServer],
) -> None:
    server = make_app_server()
    add_account(server, "Élodie", "moderator", PASSWORD)
    with server.client() as client:
        answer = _login(client, "E\u0301LODIE", PASSWORD)  # decomposed É, other case
        assert answer.status_code == 200, answer.text
        assert answer.json()["username"] == "Élodie"


def test_wrong_password_and_unknown_name_are_both_bad_credentials(server: AppServer) -> None:
    with server.client() as client:
        for name, password in (("mia", "wrong password"), ("nobody", PASSWORD)):
            answer = _login(client, name, password)
            assert answer.status_code == 401
            assert _error(answer) == "bad_credentials"
            assert "wall_session" not in answer.headers.get("set-cookie", "")
        assert client.get("/api/auth/me").status_code == 401


def test_the_sixth_wrong_try_is_refused_with_retry_after(server: AppServer) -> None:
    with server.client() as client:
        for _ in range(5):
            assert _login(client, "mia", "wrong password").status_code == 401
        locked = _login(client, "mia", "wrong password")
        assert locked.status_code == 429
        assert _error(locked) == "too_many_attempts"
        assert int(locked.headers["retry-after"]) >= 1
        # While locked, even the right password is not tried.
        assert _login(client, "mia", PASSWORD).status_code == 429


def test_one_client_guessing_many_names_is_slowed_too(server: AppServer) -> None:
    with server.client() as client:
        for n in range(MAX_CLIENT_FAILURES):
            assert _login(client, f"guess{n}", "wrong password").status_code == 401
        assert _login(client, "olga", "wrong password").status_code == 429


def test_a_stranger_guessing_never_locks_the_moderator_out(
    make_app_server: Callable[..., AppServer],
) -> None:
    """Strangers on two addresses guess mia's password until they are held back; mia, on
    her own address, signs in at once; the operators' console says someone is guessing."""
    server = make_app_server(server={"trusted_proxies": ["127.0.0.1"]})
    add_account(server, "mia", "moderator", PASSWORD)
    add_account(server, "olga", "operator", PASSWORD)
    with server.client() as client:
        for stranger in ("203.0.113.5", "203.0.113.77"):
            via = {"X-Forwarded-For": stranger}
            for _ in range(MAX_FAILURES):
                assert _login(client, "mia", "wrong password", **via).status_code == 401
            held = _login(client, "mia", PASSWORD, **via)  # even the right one, from there
            assert held.status_code == 429
        mine = _login(client, "mia", PASSWORD, **{"X-Forwarded-For": "198.51.100.7"})
        assert mine.status_code == 200, mine.text
    with login(server, "olga", PASSWORD) as operator:
        alarms = operator.get("/api/console/status").json()["sign_in_guessing"]
    assert [(a["name"], a["failures"] >= ALERT_FAILURES) for a in alarms] == [("mia", True)]
    metrics = server.client().get("/metrics").text
    assert "wall_sign_in_guessing_total 1.0" in metrics


def test_logout_ends_the_session_for_good(server: AppServer) -> None:
    client = login(server, "mia", PASSWORD)
    with client:
        old_cookie = client.cookies["wall_session"]
        answer = client.post("/api/auth/logout")
        assert answer.status_code == 204
        assert "wall_session=" in answer.headers["set-cookie"]
        assert client.get("/api/auth/me").status_code == 401
    with server.client(cookies={"wall_session": old_cookie}) as replay:
        assert replay.get("/api/auth/me").status_code == 401


def test_unsafe_requests_need_the_csrf_token_and_our_origin(server: AppServer) -> None:
    client = login(server, "olga", PASSWORD)
    with client:
        token = client.headers.pop("X-CSRF-Token")
        new = {"username": "nina", "role": "moderator", "password": PASSWORD}
        missing = client.post("/api/accounts", json=new)
        assert missing.status_code == 403 and _error(missing) == "csrf"
        wrong = client.post("/api/accounts", json=new, headers={"X-CSRF-Token": token + "x"})
        assert wrong.status_code == 403 and _error(wrong) == "csrf"
        foreign = client.post(
            "/api/accounts", json=new, headers={"X-CSRF-Token": token, "Origin": FOREIGN_ORIGIN}
        )
        assert foreign.status_code == 403 and _error(foreign) == "csrf"
        ours = client.post(
            "/api/accounts", json=new, headers={"X-CSRF-Token": token, "Origin": server.url}
        )
        assert ours.status_code == 201, ours.text
        # Reads need no token.
        assert client.get("/api/accounts").status_code == 200


def test_login_from_a_foreign_page_is_refused(server: AppServer) -> None:
    with server.client() as client:
        foreign = _login(client, "mia", PASSWORD, Origin=FOREIGN_ORIGIN)
        assert foreign.status_code == 403 and _error(foreign) == "csrf"
        assert _login(client, "mia", PASSWORD, Origin="null").status_code == 403
        assert _login(client, "mia", PASSWORD, Origin=server.url).status_code == 200


def test_accounts_are_for_operators(server: AppServer) -> None:
    with login(server, "mia", PASSWORD) as moderator:
        answer = moderator.get("/api/accounts")
        assert answer.status_code == 403 and _error(answer) == "forbidden"
        new = {"username": "nina", "role": "operator", "password": PASSWORD}
        assert moderator.post("/api/accounts", json=new).status_code == 403
    with login(server, "olga", PASSWORD) as operator:
        listed = operator.get("/api/accounts")
        assert listed.status_code == 200
        rows = {row["username"]: row for row in listed.json()["accounts"]}
        assert rows.keys() == {"mia", "olga"}
        assert rows["mia"]["role"] == "moderator" and rows["mia"]["disabled"] is False
        assert "created_at" in rows["mia"] and "password_hash" not in rows["mia"]
        created = operator.post("/api/accounts", json=new)
        assert created.status_code == 201, created.text
        again = operator.post("/api/accounts", json={**new, "username": "NINA"})
        assert again.status_code == 409 and _error(again) == "account_exists"
        weak = operator.post("/api/accounts", json={**new, "username": "zoe", "password": "short"})
        assert weak.status_code == 400 and _error(weak) == "weak_password"
        bad_name = operator.post("/api/accounts", json={**new, "username": "a b"})
        assert bad_name.status_code == 400 and _error(bad_name) == "invalid_username"
    with login(server, "nina", PASSWORD) as nina:
        assert nina.get("/api/auth/me").json()["role"] == "operator"


def test_a_disabled_account_is_out_at_once(server: AppServer) -> None:
    with login(server, "mia", PASSWORD) as moderator, login(server, "olga", PASSWORD) as operator:
        assert operator.post("/api/accounts/MIA/disable").json()["disabled"] is True
        assert moderator.get("/api/auth/me").status_code == 401
        with server.client() as client:
            assert _error(_login(client, "mia", PASSWORD)) == "bad_credentials"
        own = operator.post("/api/accounts/olga/disable")
        assert own.status_code == 409 and _error(own) == "self_disable"
        missing = operator.post("/api/accounts/nobody/disable")
        assert missing.status_code == 404 and _error(missing) == "account_not_found"
        assert operator.post("/api/accounts/mia/enable").json()["disabled"] is False
    with login(server, "mia", PASSWORD) as again:
        assert again.get("/api/auth/me").status_code == 200


def test_without_a_session_it_is_401(server: AppServer) -> None:
    with server.client() as client:
        for path in ("/api/auth/me", "/api/accounts"):
            answer = client.get(path)
            assert answer.status_code == 401 and _error(answer) == "unauthorized"
        assert client.post("/api/auth/logout").status_code == 401
    with server.client(cookies={"wall_session": "made-up"}) as forged:
        assert forged.get("/api/auth/me").status_code == 401


@pytest.mark.parametrize(
    "column", ["expires_at", "created_at"], ids=["idle expiry", "max lifetime"]
)
def test_an_expired_session_is_401(server: AppServer, column: str) -> None:
    with login(server, "mia", PASSWORD) as client:
        assert client.get("/api/auth/me").status_code == 200
        with sqlite3.connect(server.data_dir / "wall.sqlite3") as db:
            db.execute(f"UPDATE sessions SET {column} = '2000-01-01T00:00:00.000000+00:00'")
        assert client.get("/api/auth/me").status_code == 401


def test_the_demo_login_is_made_once_and_kept_private(server: AppServer) -> None:
    settings = load_settings(server.config)
    assert ensure_demo_moderator(settings) is None  # accounts exist: they are someone's own

    fresh = load_settings(server.config, wall={"data_dir": str(server.root / "demo-data")})
    created = ensure_demo_moderator(fresh)
    assert created is not None and created[0] == "demo" and len(created[1]) >= 10
    kept = fresh.wall.data_dir / DEMO_LOGIN_FILE
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert ensure_demo_moderator(fresh) == created  # a second start prints it again
    with sqlite3.connect(fresh.wall.data_dir / "wall.sqlite3") as db:
        (stored,) = db.execute("SELECT password_hash FROM accounts").fetchone()
    assert stored.startswith("$argon2id$") and created[1] not in stored
