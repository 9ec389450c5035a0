"""Lockout timing, rehashing, session expiry and origin checks with a fake clock:
what the live tests cannot wait for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from starlette.requests import HTTPConnection

from staff.accounts import (
    FIRST_LOCKOUT_S,
    MAX_LOCKOUT_S,
    Account,
    AccountService,
    BadCredentials,
    Role,
    TooManyAttempts,
    lockout_left,
)
from staff.auth import origin_allowed, parse_origin
from staff.sessions import SessionManager
from tests.helpers.stores import run_on
from wall.config import load_settings
from wall.storage.base import Store

PASSWORD = "correct horse battery"
MIA = Account("mia", Role.MODERATOR)
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)  # tests need no real cost


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 7, 14, 21, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def store(any_store: Store) -> Store:
    """Each test on both backends: the embedded SQLite and the cluster's PostgreSQL."""
    return any_store


def test_lockout_doubles_per_failure_up_to_the_cap() -> None:
    now = datetime(2026, 7, 14, tzinfo=UTC)
    assert lockout_left([now] * 4, now) == 0
    assert lockout_left([now] * 5, now) == FIRST_LOCKOUT_S
    assert lockout_left([now] * 6, now) == 2 * FIRST_LOCKOUT_S
    assert lockout_left([now] * 40, now) == MAX_LOCKOUT_S
    assert lockout_left([now] * 5, now + timedelta(seconds=FIRST_LOCKOUT_S)) == 0


def test_the_right_password_works_once_the_lockout_is_over(store: Store) -> None:
    clock = FakeClock()
    service = AccountService(store.accounts, hasher=CHEAP, clock=clock)

    async def scenario(_store: Store) -> None:
        await service.create("mia", Role.MODERATOR, PASSWORD)
        for _ in range(5):
            with pytest.raises(BadCredentials):
                await service.authenticate("mia", "wrong password", "10.0.0.1")
        with pytest.raises(TooManyAttempts) as locked:
            await service.authenticate("mia", PASSWORD, "10.0.0.1")
        assert locked.value.retry_after == str(int(FIRST_LOCKOUT_S))
        clock.advance(FIRST_LOCKOUT_S + 1)
        account = await service.authenticate("mia", PASSWORD, "10.0.0.1")
        assert account.username == "mia" and account.role is Role.MODERATOR
        # The name's slate is clean again; only the client keeps its (older) marks.
        clock.advance(16 * 60)
        for _ in range(4):
            with pytest.raises(BadCredentials):
                await service.authenticate("mia", "wrong password", "10.0.0.2")
        assert (await service.authenticate("mia", PASSWORD, "10.0.0.2")).username == "mia"

    run_on(store, scenario)


def test_a_hash_with_old_parameters_is_replaced_at_login(store: Store) -> None:
    async def scenario(_store: Store) -> None:
        await AccountService(store.accounts, hasher=CHEAP).create("ana", Role.OPERATOR, PASSWORD)
        stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
        await AccountService(store.accounts, hasher=stronger).authenticate("ana", PASSWORD, "x")
        record = await store.accounts.get_account("ana")
        assert record is not None and not stronger.check_needs_rehash(record.password_hash)

    run_on(store, scenario)


def test_sessions_end_when_idle_or_too_old(store: Store) -> None:
    clock = FakeClock()
    sessions = SessionManager(
        store.accounts, idle=timedelta(minutes=30), max_age=timedelta(hours=2), clock=clock
    )

    async def scenario(_store: Store) -> None:
        await AccountService(store.accounts, hasher=CHEAP).create("mia", Role.MODERATOR, PASSWORD)
        cookie, _ = await sessions.open(MIA)
        for _ in range(4):  # used every 25 minutes: alive past the idle limit...
            clock.advance(25 * 60)
            assert await sessions.resolve(cookie) is not None
        clock.advance(25 * 60)  # ...but never past the maximum age
        assert await sessions.resolve(cookie) is None
        idle, _ = await sessions.open(MIA)
        clock.advance(31 * 60)
        assert await sessions.resolve(idle) is None
        assert await sessions.resolve("x" * 500) is None

    run_on(store, scenario)


def _connection(headers: dict[str, str], scheme: str = "http") -> HTTPConnection:
    class App:
        class state:  # noqa: N801 (mimics `app.state`)
            settings = load_settings(None, wall={"public_url": "https://mur.example.org"})

    scope = {
        "type": "http" if scheme.startswith("http") else "websocket",
        "scheme": scheme,
        "path": "/",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "app": App,
    }
    return HTTPConnection(scope)


@pytest.mark.parametrize(
    ("origin", "host", "scheme", "allowed"),
    [
        (None, "127.0.0.1:8000", "http", True),
        ("http://127.0.0.1:8000", "127.0.0.1:8000", "http", True),
        ("http://127.0.0.1:8000", "127.0.0.1:8000", "ws", True),
        ("http://127.0.0.1:8001", "127.0.0.1:8000", "http", False),
        ("http://LOCALHOST", "localhost:80", "http", True),
        ("https://mur.example.org", "127.0.0.1:8000", "http", True),  # behind a TLS proxy
        ("https://mur.example.org:443", "127.0.0.1:8000", "http", True),
        ("http://mur.example.org", "127.0.0.1:8000", "http", False),
        ("https://evil.example", "127.0.0.1:8000", "http", False),
        ("null", "127.0.0.1:8000", "http", False),
        ("http://127.0.0.1:99999", "127.0.0.1:8000", "http", False),
    ],
)
def test_origin_must_be_this_server(
    origin: str | None, host: str, scheme: str, allowed: bool
) -> None:
    headers = {"host": host} | ({"origin": origin} if origin else {})
    assert origin_allowed(_connection(headers, scheme)) is allowed


def test_parse_origin_fills_the_default_port() -> None:
    assert parse_origin("HTTPS://Mur.Example.org") == ("https", "mur.example.org", 443)
    assert parse_origin("ftp://x") is None
