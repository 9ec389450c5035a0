"""The account repository's contract on both backends: names in any case are one account,
a new password or a disabled account ends sessions, failed logins come and go by attempt.
Sign-in, lockout and sessions through the services: tests/staff/test_accounts_units.py."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.helpers.postgres import PostgresServer
from tests.helpers.stores import open_backend, run_on
from wall.storage.base import AccountExists, AccountNotFound, Store

NOW = datetime(2026, 7, 14, 21, 30, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_a_name_in_any_case_is_one_account(any_store: Store) -> None:
    async def scenario(store: Store) -> None:
        accounts = store.accounts
        added = await accounts.add_account("Ana", "operator", "hash-1")
        assert (added.username, added.role, added.disabled) == ("Ana", "operator", False)
        with pytest.raises(AccountExists):
            await accounts.add_account("ANA", "moderator", "hash-2")
        assert await accounts.get_account("ana") == added
        await accounts.add_account("\u00c1na", "moderator", "x")  # "Ána": another name
        with pytest.raises(AccountExists):  # a decomposed "ÁNA" is the composed "Ána"
            await accounts.add_account("A\u0301NA", "moderator", "x")
        await accounts.add_account("bruno", "moderator", "hash-3")
        # By key, in byte order whatever the database's locale: "ána" after "bruno".
        names = [a.username for a in await accounts.list_accounts()]
        assert names == ["Ana", "bruno", "\u00c1na"]
        assert await accounts.count_accounts() == 3
        assert await accounts.get_account("nobody") is None
        await accounts.set_password_hash("ANA", "hash-4")
        record = await accounts.get_account("Ana")
        assert record is not None and record.password_hash == "hash-4"

    run_on(any_store, scenario)


def test_a_new_password_or_a_disabled_account_ends_sessions(any_store: Store) -> None:
    async def scenario(store: Store) -> None:
        accounts = store.accounts
        await accounts.add_account("mia", "moderator", "h")
        for id_hash in ("s1", "s2", "s3"):
            await accounts.add_session(id_hash, "MIA", f"csrf-{id_hash}", NOW, NOW + HOUR)
        session = await accounts.get_session("s1")
        assert session is not None
        assert (session.username, session.role, session.csrf_token) == (
            "mia",
            "moderator",
            "csrf-s1",
        )
        assert (session.created_at, session.last_seen, session.expires_at) == (NOW, NOW, NOW + HOUR)
        await accounts.touch_session("s1", NOW + HOUR / 2, NOW + 2 * HOUR)
        touched = await accounts.get_session("s1")
        assert touched is not None and touched.last_seen == NOW + HOUR / 2
        assert touched.expires_at == NOW + 2 * HOUR

        changed = await accounts.replace_password("Mia", "h2", keep_session="s2")
        assert changed.password_hash == "h2"
        assert await accounts.get_session("s1") is None
        assert await accounts.get_session("s2") is not None  # the one that changed it
        await accounts.replace_password("mia", "h3")
        assert await accounts.get_session("s2") is None

        await accounts.add_session("s4", "mia", "c", NOW, NOW + HOUR)
        assert (await accounts.set_disabled("mia", True)).disabled
        assert await accounts.get_session("s4") is None
        await accounts.add_session("s5", "mia", "c", NOW, NOW + HOUR)
        assert await accounts.get_session("s5") is None  # a disabled account has none
        assert not (await accounts.set_disabled("mia", False)).disabled
        assert await accounts.get_session("s5") is not None
        await accounts.delete_session("s5")
        assert await accounts.get_session("s5") is None

        with pytest.raises(AccountNotFound):
            await accounts.replace_password("nobody", "h")
        with pytest.raises(AccountNotFound):
            await accounts.set_disabled("nobody", True)

    run_on(any_store, scenario)


def test_a_new_session_forgets_the_expired_ones(any_store: Store) -> None:
    async def scenario(store: Store) -> None:
        accounts = store.accounts
        await accounts.add_account("mia", "moderator", "h")
        await accounts.add_session("old", "mia", "c", NOW, NOW + HOUR)
        await accounts.add_session("live", "mia", "c", NOW, NOW + 3 * HOUR)
        await accounts.add_session("new", "mia", "c", NOW + HOUR, NOW + 2 * HOUR)
        # Expiry is the caller's call, but a session expired when another began is gone.
        assert await accounts.get_session("old") is None
        assert await accounts.get_session("live") is not None

    run_on(any_store, scenario)


def test_failed_logins_come_and_go_by_attempt(any_store: Store) -> None:
    async def scenario(store: Store) -> None:
        accounts = store.accounts
        keys = ["user:mia", "client:abc"]
        first = await accounts.record_failure(keys, NOW, NOW - HOUR)
        second = await accounts.record_failure(keys, NOW + HOUR / 4, NOW - HOUR)
        third = await accounts.record_failure(["user:mia"], NOW + HOUR / 2, NOW - HOUR)
        assert len({first, second, third}) == 3
        assert all(0 <= a < 2**62 for a in (first, second, third))
        assert await accounts.failures_since("user:mia", NOW) == [
            NOW,
            NOW + HOUR / 4,
            NOW + HOUR / 2,
        ]
        assert await accounts.failures_since("user:mia", NOW + HOUR / 4) == [
            NOW + HOUR / 4,
            NOW + HOUR / 2,
        ]
        await accounts.cancel_attempt(second)  # the right password after all: marks taken back
        assert await accounts.failures_since("client:abc", NOW) == [NOW]
        await accounts.clear_failures("user:mia")
        assert await accounts.failures_since("user:mia", NOW) == []
        assert await accounts.failures_since("client:abc", NOW) == [NOW]
        # Marks older than `forget_before` go on the way.
        await accounts.record_failure(["user:bo"], NOW + 2 * HOUR, NOW + HOUR)
        assert await accounts.failures_since("client:abc", NOW - HOUR) == []

    run_on(any_store, scenario)


def test_walls_on_one_cluster_have_their_own_accounts(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    dsn = postgres_server.fresh_database()
    brive = open_backend("cluster", tmp_path / "a", postgres_server, "brive", dsn)
    tulle = open_backend("cluster", tmp_path / "b", postgres_server, "tulle", dsn)

    async def scenario() -> None:
        await brive.photos.open()
        await tulle.photos.open()
        try:
            ours, theirs = brive.accounts, tulle.accounts
            await ours.add_account("mia", "moderator", "brive-hash")
            assert await theirs.get_account("mia") is None
            assert (await theirs.list_accounts(), await theirs.count_accounts()) == ([], 0)
            with pytest.raises(AccountNotFound):
                await theirs.set_disabled("mia", True)
            with pytest.raises(AccountNotFound):
                await theirs.replace_password("mia", "stolen")
            # The same name on another wall: another account, with its own password.
            await theirs.add_account("MIA", "operator", "tulle-hash")
            mine, its = await ours.get_account("mia"), await theirs.get_account("mia")
            assert mine is not None and its is not None
            assert (mine.username, mine.role, mine.password_hash) == (
                "mia",
                "moderator",
                "brive-hash",
            )
            assert (its.username, its.role, its.password_hash) == ("MIA", "operator", "tulle-hash")

            # A session id of one wall opens nothing on the other, even with the same hash.
            await ours.add_session("same-hash", "mia", "brive-csrf", NOW, NOW + HOUR)
            assert await theirs.get_session("same-hash") is None
            await theirs.add_session("same-hash", "mia", "tulle-csrf", NOW, NOW + HOUR)
            await theirs.set_disabled("mia", True)
            session = await ours.get_session("same-hash")
            assert session is not None and session.csrf_token == "brive-csrf"
            await theirs.delete_session("same-hash")
            await theirs.add_session("gone", "mia", "c", NOW + 2 * HOUR, NOW + 3 * HOUR)
            assert await ours.get_session("same-hash") is not None  # their expiry, not ours

            # Failed logins too: one wall's marks, attempts and clearing stay its own.
            attempt = await ours.record_failure(["user:mia"], NOW, NOW - HOUR)
            assert await theirs.failures_since("user:mia", NOW - HOUR) == []
            await theirs.record_failure(["user:mia"], NOW + 2 * HOUR, NOW + HOUR)
            await theirs.cancel_attempt(attempt)
            await theirs.clear_failures("user:mia")
            assert await ours.failures_since("user:mia", NOW - HOUR) == [NOW]
        finally:
            await brive.photos.close()
            await tulle.photos.close()

    asyncio.run(scenario())
