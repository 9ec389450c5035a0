"""Login sessions: a random cookie value, kept only as its SHA-256, with a CSRF token each.

A session ends after `session_idle_minutes` without use, after `session_max_hours` in any
case, at logout, or when its account is disabled.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from staff.accounts import Account, Role
from wall.config import ModerationSection
from wall.domain import utcnow
from wall.storage.base import AccountRepository

SESSION_ID_BYTES = 32  # 256 bits: not guessable, even with the database's hashes at hand
CSRF_TOKEN_BYTES = 32
MAX_COOKIE_CHARS = 128  # a real value is 43; longer ones are not worth hashing
# `last_seen` is written at most this often: a tablet polling every second must not turn
# every read into a write; idle expiry is exact to within this.
TOUCH_EVERY = timedelta(minutes=1)


def session_id_hash(cookie_value: str) -> str:
    return hashlib.sha256(cookie_value.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Session:
    account: Account
    csrf_token: str
    expires_at: datetime


class SessionManager:
    def __init__(
        self,
        repo: AccountRepository,
        idle: timedelta,
        max_age: timedelta,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.repo = repo
        self.idle = idle
        self.max_age = max_age
        self._clock = clock

    @classmethod
    def from_settings(cls, repo: AccountRepository, settings: ModerationSection) -> SessionManager:
        return cls(
            repo,
            idle=timedelta(minutes=settings.session_idle_minutes),
            max_age=timedelta(hours=settings.session_max_hours),
        )

    async def open(self, account: Account) -> tuple[str, Session]:
        """A new session: returns the cookie value (shown once, never stored) and the session."""
        cookie_value = secrets.token_urlsafe(SESSION_ID_BYTES)
        csrf_token = secrets.token_urlsafe(CSRF_TOKEN_BYTES)
        now = self._clock()
        expires_at = now + min(self.idle, self.max_age)
        await self.repo.add_session(
            session_id_hash(cookie_value), account.username, csrf_token, now, expires_at
        )
        return cookie_value, Session(account, csrf_token, expires_at)

    async def resolve(self, cookie_value: str | None) -> Session | None:
        """The live session a cookie names, or None; using it pushes its idle expiry back."""
        if not cookie_value or len(cookie_value) > MAX_COOKIE_CHARS:
            return None
        id_hash = session_id_hash(cookie_value)
        record = await self.repo.get_session(id_hash)
        if record is None:
            return None
        now = self._clock()
        hard_end = record.created_at + self.max_age
        if now >= record.expires_at or now >= hard_end:
            await self.repo.delete_session(id_hash)
            return None
        expires_at = record.expires_at
        if now - record.last_seen >= TOUCH_EVERY:
            expires_at = min(now + self.idle, hard_end)
            await self.repo.touch_session(id_hash, now, expires_at)
        account = Account(username=record.username, role=Role(record.role))
        return Session(account, record.csrf_token, expires_at)

    async def close(self, cookie_value: str | None) -> None:
        if cookie_value and len(cookie_value) <= MAX_COOKIE_CHARS:
            await self.repo.delete_session(session_id_hash(cookie_value))
