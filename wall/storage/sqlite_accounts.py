"""The SQLite implementation of `AccountRepository`."""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Sequence
from datetime import datetime

from wall.domain import utcnow
from wall.storage.base import (
    AccountExists,
    AccountNotFound,
    AccountRecord,
    SessionRecord,
    username_key,
)
from wall.storage.sqlite_db import Database


def _stamp(moment: datetime) -> str:
    """Fixed-width ISO text, so SQL compares instants as strings correctly."""
    return moment.isoformat(timespec="microseconds")


def _account(row: sqlite3.Row) -> AccountRecord:
    return AccountRecord(
        username=row["username"],
        role=row["role"],
        password_hash=row["password_hash"],
        created_at=datetime.fromisoformat(row["created_at"]),
        disabled=bool(row["disabled"]),
    )


def _load_account(conn: sqlite3.Connection, username: str) -> AccountRecord | None:
    row = conn.execute("SELECT * FROM accounts WHERE key = ?", (username_key(username),)).fetchone()
    return _account(row) if row else None


class SqliteAccountRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add_account(self, username: str, role: str, password_hash: str) -> AccountRecord:
        def insert(conn: sqlite3.Connection) -> AccountRecord:
            try:
                conn.execute(
                    "INSERT INTO accounts (key, username, role, password_hash, created_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (username_key(username), username, role, password_hash, _stamp(utcnow())),
                )
            except sqlite3.IntegrityError as exc:
                raise AccountExists(username) from exc
            record = _load_account(conn, username)
            assert record is not None
            return record

        return await self.db.write(insert)

    async def get_account(self, username: str) -> AccountRecord | None:
        return await self.db.read(lambda conn: _load_account(conn, username))

    async def list_accounts(self) -> list[AccountRecord]:
        def query(conn: sqlite3.Connection) -> list[AccountRecord]:
            return [_account(row) for row in conn.execute("SELECT * FROM accounts ORDER BY key")]

        return await self.db.read(query)

    async def count_accounts(self) -> int:
        def query(conn: sqlite3.Connection) -> int:
            return int(conn.execute("SELECT COUNT(*) FROM accounts").fetchone()[0])

        return await self.db.read(query)

    async def set_password_hash(self, username: str, password_hash: str) -> None:
        def update(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE accounts SET password_hash = ? WHERE key = ?",
                (password_hash, username_key(username)),
            )

        await self.db.write(update)

    async def replace_password(
        self, username: str, password_hash: str, keep_session: str | None = None
    ) -> AccountRecord:
        def update(conn: sqlite3.Connection) -> AccountRecord:
            key = username_key(username)
            changed = conn.execute(
                "UPDATE accounts SET password_hash = ? WHERE key = ?", (password_hash, key)
            )
            if changed.rowcount == 0:
                raise AccountNotFound(username)
            conn.execute(
                "DELETE FROM sessions WHERE account_key = ? AND id_hash IS NOT ?",
                (key, keep_session),
            )
            record = _load_account(conn, username)
            assert record is not None
            return record

        return await self.db.write(update)

    async def set_disabled(self, username: str, disabled: bool) -> AccountRecord:
        def update(conn: sqlite3.Connection) -> AccountRecord:
            key = username_key(username)
            changed = conn.execute(
                "UPDATE accounts SET disabled = ? WHERE key = ?", (int(disabled), key)
            )
            if changed.rowcount == 0:
                raise AccountNotFound(username)
            if disabled:
                conn.execute("DELETE FROM sessions WHERE account_key = ?", (key,))
            record = _load_account(conn, username)
            assert record is not None
            return record

        return await self.db.write(update)

    async def add_session(
        self, id_hash: str, username: str, csrf_token: str, now: datetime, expires_at: datetime
    ) -> None:
        def insert(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM sessions WHERE expires_at <= ?", (_stamp(now),))
            conn.execute(
                "INSERT INTO sessions (id_hash, account_key, csrf_token, created_at, last_seen,"
                " expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    id_hash,
                    username_key(username),
                    csrf_token,
                    _stamp(now),
                    _stamp(now),
                    _stamp(expires_at),
                ),
            )

        await self.db.write(insert)

    async def get_session(self, id_hash: str) -> SessionRecord | None:
        def query(conn: sqlite3.Connection) -> SessionRecord | None:
            row = conn.execute(
                "SELECT a.username, a.role, s.csrf_token, s.created_at, s.last_seen, s.expires_at"
                " FROM sessions s JOIN accounts a ON a.key = s.account_key"
                " WHERE s.id_hash = ? AND a.disabled = 0",
                (id_hash,),
            ).fetchone()
            if row is None:
                return None
            return SessionRecord(
                username=row["username"],
                role=row["role"],
                csrf_token=row["csrf_token"],
                created_at=datetime.fromisoformat(row["created_at"]),
                last_seen=datetime.fromisoformat(row["last_seen"]),
                expires_at=datetime.fromisoformat(row["expires_at"]),
            )

        return await self.db.read(query)

    async def touch_session(self, id_hash: str, last_seen: datetime, expires_at: datetime) -> None:
        def update(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE sessions SET last_seen = ?, expires_at = ? WHERE id_hash = ?",
                (_stamp(last_seen), _stamp(expires_at), id_hash),
            )

        await self.db.write(update)

    async def delete_session(self, id_hash: str) -> None:
        await self.db.write(
            lambda conn: conn.execute("DELETE FROM sessions WHERE id_hash = ?", (id_hash,))
        )

    async def record_failure(
        self, keys: Sequence[str], at: datetime, forget_before: datetime
    ) -> int:
        def insert(conn: sqlite3.Connection) -> int:
            conn.execute("DELETE FROM login_failures WHERE at < ?", (_stamp(forget_before),))
            # Random, not MAX+1: pruning could hand an old attempt's id to a new one.
            attempt = secrets.randbits(62)
            conn.executemany(
                "INSERT INTO login_failures (attempt, key, at) VALUES (?, ?, ?)",
                [(attempt, key, _stamp(at)) for key in keys],
            )
            return attempt

        return await self.db.write(insert)

    async def failures_since(self, key: str, since: datetime) -> list[datetime]:
        def query(conn: sqlite3.Connection) -> list[datetime]:
            rows = conn.execute(
                "SELECT at FROM login_failures WHERE key = ? AND at >= ? ORDER BY at",
                (key, _stamp(since)),
            )
            return [datetime.fromisoformat(at) for (at,) in rows]

        return await self.db.read(query)

    async def cancel_attempt(self, attempt: int) -> None:
        await self.db.write(
            lambda conn: conn.execute("DELETE FROM login_failures WHERE attempt = ?", (attempt,))
        )

    async def clear_failures(self, key: str) -> None:
        await self.db.write(
            lambda conn: conn.execute(
                "DELETE FROM login_failures WHERE key = ? OR substr(key, 1, length(?) + 1) = ?",
                (key, key, key + "|"),
            )
        )
