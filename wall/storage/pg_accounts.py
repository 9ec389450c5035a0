"""The PostgreSQL implementation of `AccountRepository`, for one wall of a cluster.

Behaves as `sqlite_accounts`: names compare by `username_key` (the primary key, with the wall),
so a taken name is the key's unique violation, never a read-then-insert that two processes
could both pass. Accounts, sessions and failed logins of other walls are out of sight.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime

import asyncpg

from wall.domain import utcnow
from wall.storage.base import (
    AccountExists,
    AccountNotFound,
    AccountRecord,
    SessionRecord,
    username_key,
)
from wall.storage.pg_db import PgDatabase

ACCOUNT_COLUMNS = "username, role, password_hash, created_at, disabled"


def _account(row: asyncpg.Record) -> AccountRecord:
    return AccountRecord(
        username=row["username"],
        role=row["role"],
        password_hash=row["password_hash"],
        created_at=row["created_at"],
        disabled=bool(row["disabled"]),
    )


class PgAccountRepository:
    def __init__(self, db: PgDatabase) -> None:
        self.db = db
        self.wall = db.wall_id

    async def add_account(self, username: str, role: str, password_hash: str) -> AccountRecord:
        async def insert(conn: asyncpg.Connection) -> AccountRecord:
            row = await conn.fetchrow(
                "INSERT INTO accounts (wall_id, key, username, role, password_hash, created_at)"
                f" VALUES ($1, $2, $3, $4, $5, $6) RETURNING {ACCOUNT_COLUMNS}",
                self.wall, username_key(username), username, role, password_hash, utcnow(),
            )  # fmt: skip
            assert row is not None
            return _account(row)

        try:
            return await self.db.write(insert)
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name == "accounts_pkey":
                raise AccountExists(username) from exc
            raise

    async def get_account(self, username: str) -> AccountRecord | None:
        async def query(conn: asyncpg.Connection) -> AccountRecord | None:
            row = await conn.fetchrow(
                f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE wall_id = $1 AND key = $2",
                self.wall,
                username_key(username),
            )
            return _account(row) if row else None

        return await self.db.read(query)

    async def list_accounts(self) -> list[AccountRecord]:
        async def query(conn: asyncpg.Connection) -> list[AccountRecord]:
            # Byte order, as SQLite sorts: the same list whatever the database's locale.
            rows = await conn.fetch(
                f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE wall_id = $1"
                ' ORDER BY key COLLATE "C"',
                self.wall,
            )
            return [_account(row) for row in rows]

        return await self.db.read(query)

    async def count_accounts(self) -> int:
        async def query(conn: asyncpg.Connection) -> int:
            value = await conn.fetchval(
                "SELECT count(*) FROM accounts WHERE wall_id = $1", self.wall
            )
            return int(value)

        return await self.db.read(query)

    async def set_password_hash(self, username: str, password_hash: str) -> None:
        async def update(conn: asyncpg.Connection) -> None:
            await conn.execute(
                "UPDATE accounts SET password_hash = $3 WHERE wall_id = $1 AND key = $2",
                self.wall,
                username_key(username),
                password_hash,
            )

        await self.db.write(update)

    async def replace_password(
        self, username: str, password_hash: str, keep_session: str | None = None
    ) -> AccountRecord:
        async def update(conn: asyncpg.Connection) -> AccountRecord:
            key = username_key(username)
            row = await conn.fetchrow(
                "UPDATE accounts SET password_hash = $3 WHERE wall_id = $1 AND key = $2"
                f" RETURNING {ACCOUNT_COLUMNS}",
                self.wall,
                key,
                password_hash,
            )
            if row is None:
                raise AccountNotFound(username)
            await conn.execute(
                "DELETE FROM sessions WHERE wall_id = $1 AND account_key = $2"
                " AND id_hash IS DISTINCT FROM $3",
                self.wall,
                key,
                keep_session,
            )
            return _account(row)

        return await self.db.write(update)

    async def set_disabled(self, username: str, disabled: bool) -> AccountRecord:
        async def update(conn: asyncpg.Connection) -> AccountRecord:
            key = username_key(username)
            row = await conn.fetchrow(
                "UPDATE accounts SET disabled = $3 WHERE wall_id = $1 AND key = $2"
                f" RETURNING {ACCOUNT_COLUMNS}",
                self.wall,
                key,
                disabled,
            )
            if row is None:
                raise AccountNotFound(username)
            if disabled:
                await conn.execute(
                    "DELETE FROM sessions WHERE wall_id = $1 AND account_key = $2", self.wall, key
                )
            return _account(row)

        return await self.db.write(update)

    async def add_session(
        self, id_hash: str, username: str, csrf_token: str, now: datetime, expires_at: datetime
    ) -> None:
        async def insert(conn: asyncpg.Connection) -> None:
            await conn.execute(
                "DELETE FROM sessions WHERE wall_id = $1 AND expires_at <= $2", self.wall, now
            )
            await conn.execute(
                "INSERT INTO sessions (wall_id, id_hash, account_key, csrf_token, created_at,"
                " last_seen, expires_at) VALUES ($1, $2, $3, $4, $5, $5, $6)",
                self.wall, id_hash, username_key(username), csrf_token, now, expires_at,
            )  # fmt: skip

        await self.db.write(insert)

    async def get_session(self, id_hash: str) -> SessionRecord | None:
        async def query(conn: asyncpg.Connection) -> SessionRecord | None:
            row = await conn.fetchrow(
                "SELECT a.username, a.role, s.csrf_token, s.created_at, s.last_seen, s.expires_at"
                " FROM sessions s JOIN accounts a"
                " ON a.wall_id = s.wall_id AND a.key = s.account_key"
                " WHERE s.wall_id = $1 AND s.id_hash = $2 AND NOT a.disabled",
                self.wall,
                id_hash,
            )
            if row is None:
                return None
            return SessionRecord(
                username=row["username"],
                role=row["role"],
                csrf_token=row["csrf_token"],
                created_at=row["created_at"],
                last_seen=row["last_seen"],
                expires_at=row["expires_at"],
            )

        return await self.db.read(query)

    async def touch_session(self, id_hash: str, last_seen: datetime, expires_at: datetime) -> None:
        async def update(conn: asyncpg.Connection) -> None:
            await conn.execute(
                "UPDATE sessions SET last_seen = $3, expires_at = $4"
                " WHERE wall_id = $1 AND id_hash = $2",
                self.wall,
                id_hash,
                last_seen,
                expires_at,
            )

        await self.db.write(update)

    async def delete_session(self, id_hash: str) -> None:
        async def delete(conn: asyncpg.Connection) -> None:
            await conn.execute(
                "DELETE FROM sessions WHERE wall_id = $1 AND id_hash = $2", self.wall, id_hash
            )

        await self.db.write(delete)

    async def record_failure(
        self, keys: Sequence[str], at: datetime, forget_before: datetime
    ) -> int:
        # Random, not a sequence: pruning could hand an old attempt's id to a new one.
        attempt = secrets.randbits(62)

        async def insert(conn: asyncpg.Connection) -> int:
            await conn.execute(
                "DELETE FROM login_failures WHERE wall_id = $1 AND at < $2",
                self.wall,
                forget_before,
            )
            await conn.execute(
                "INSERT INTO login_failures (wall_id, attempt, key, at)"
                " SELECT $1, $2, key, $4 FROM unnest($3::text[]) AS key",
                self.wall,
                attempt,
                list(keys),
                at,
            )
            return attempt

        return await self.db.write(insert)

    async def failures_since(self, key: str, since: datetime) -> list[datetime]:
        async def query(conn: asyncpg.Connection) -> list[datetime]:
            rows = await conn.fetch(
                "SELECT at FROM login_failures WHERE wall_id = $1 AND key = $2 AND at >= $3"
                " ORDER BY at",
                self.wall,
                key,
                since,
            )
            return [row["at"] for row in rows]

        return await self.db.read(query)

    async def cancel_attempt(self, attempt: int) -> None:
        async def delete(conn: asyncpg.Connection) -> None:
            await conn.execute(
                "DELETE FROM login_failures WHERE wall_id = $1 AND attempt = $2",
                self.wall,
                attempt,
            )

        await self.db.write(delete)

    async def clear_failures(self, key: str) -> None:
        async def delete(conn: asyncpg.Connection) -> None:
            await conn.execute(
                "DELETE FROM login_failures WHERE wall_id = $1"
                " AND (key = $2 OR left(key, length($2) + 1) = $2 || '|')",
                self.wall,
                key,
            )

        await self.db.write(delete)
