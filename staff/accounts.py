"""Moderator and operator accounts: argon2id passwords and a brake on password guessing.

A login costs one argon2 verification (~0.1 s of CPU, 64 MiB), so verifications run off the
event loop, a few at a time. Unknown names are verified against a dummy hash, so the answer
time does not tell which names exist.
"""

from __future__ import annotations

import asyncio
import math
import re
import secrets
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from wall.domain import utcnow
from wall.storage.base import (
    AccountExists,
    AccountNotFound,
    AccountRecord,
    AccountRepository,
    username_key,
)

MAX_USERNAME_CHARS = 40
USERNAME_PATTERN = re.compile(rf"[\w.-]{{1,{MAX_USERNAME_CHARS}}}")
MIN_PASSWORD_CHARS = 10  # what an operator can type on a tablet, yet out of guessing reach
MAX_PASSWORD_CHARS = 1024  # argon2 takes any length; a megabyte "password" is an attack

# Guessing brake, per (name, client): this many failures of one name from one client within
# the window lock that client's further tries at that name; each failure beyond doubles the
# lock, up to the cap. 5 tries per 15 minutes leaves a person room for typos and a guesser
# ~500 tries a day at most. A stranger guessing a moderator's name never locks the moderator
# out on their own address: the lock is the guesser's alone.
MAX_FAILURES = 5
# One client trying many names (a sprayer) is slowed too, past this many failures.
MAX_CLIENT_FAILURES = 20
# A name failing this often within the window, from anywhere, is under attack: the operators
# are told (console and metrics); its right password still works from every other client.
ALERT_FAILURES = 10
GUESSING_KIND = "sign-in-guessing"  # the alarm's glimpses: one per name under attack
FAILURE_WINDOW = timedelta(minutes=15)
FIRST_LOCKOUT_S = 60.0
MAX_LOCKOUT_S = 15 * 60.0
# Concurrent argon2 computations: each takes 64 MiB and a core; a login burst must not
# take the server's memory or all its cores from the uploads.
HASH_CONCURRENCY = 2


class Role(StrEnum):
    MODERATOR = "moderator"
    OPERATOR = "operator"

    def includes(self, needed: Role) -> bool:
        """An operator may do everything a moderator may."""
        return _RANK[self] >= _RANK[needed]


_RANK = {Role.MODERATOR: 1, Role.OPERATOR: 2}


@dataclass(frozen=True, slots=True)
class Account:
    """Who is acting: what the route handlers and the audit log see."""

    username: str
    role: Role


@dataclass(frozen=True, slots=True)
class AccountSummary:
    """An account as operators list it (never with its hash)."""

    username: str
    role: Role
    created_at: datetime
    disabled: bool


class AccountError(Exception):
    """A refusal with the API error code that names it."""

    code = "invalid_field"
    status = 400


class InvalidUsername(AccountError):
    code = "invalid_username"


class WeakPassword(AccountError):
    code = "weak_password"


class UsernameTaken(AccountError):
    code = "account_exists"
    status = 409


class UnknownAccount(AccountError):
    code = "account_not_found"
    status = 404


class BadCredentials(AccountError):
    code = "bad_credentials"
    status = 401


class WrongPassword(AccountError):
    """The current password given to change one's own is not it (not 401: the session is
    still fine, and pages read a 401 as "signed out")."""

    code = "wrong_password"
    status = 403


class TooManyAttempts(AccountError):
    code = "too_many_attempts"
    status = 429

    def __init__(self, retry_after_s: float) -> None:
        super().__init__(f"retry after {retry_after_s:.0f} s")
        self.retry_after_s = retry_after_s

    @property
    def retry_after(self) -> str:
        return str(max(1, math.ceil(self.retry_after_s)))


def normalise_username(raw: str) -> str:
    """NFC, 1 to 40 letters, digits, `_`, `.` or `-`; raises `InvalidUsername`."""
    name = unicodedata.normalize("NFC", raw.strip())
    if not USERNAME_PATTERN.fullmatch(name):
        raise InvalidUsername(raw)
    return name


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise WeakPassword(f"at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise WeakPassword(f"at most {MAX_PASSWORD_CHARS} characters")


def _user_key(username: str) -> str:
    """The failure counter of a name (bounded: a hostile name must not cost much)."""
    return "user:" + username_key(username)[:200]


def lockout_left(failures: list[datetime], now: datetime, allowed: int = MAX_FAILURES) -> float:
    """Seconds until one more try is allowed, given the recent failures (oldest first)."""
    if len(failures) < allowed:
        return 0.0
    beyond = min(len(failures) - allowed, 16)  # 2**16 minutes is far past the cap
    lock_s = min(FIRST_LOCKOUT_S * 2**beyond, MAX_LOCKOUT_S)
    until = failures[-1] + timedelta(seconds=lock_s)
    return max(0.0, (until - now).total_seconds())


def _summary(record: AccountRecord) -> AccountSummary:
    return AccountSummary(
        username=record.username,
        role=Role(record.role),
        created_at=record.created_at,
        disabled=record.disabled,
    )


class AccountService:
    def __init__(
        self,
        repo: AccountRepository,
        pseudonym: Callable[[str], str] = lambda client: client,
        hasher: PasswordHasher | None = None,
        clock: Callable[[], datetime] = utcnow,
        on_guessing: Callable[[str, int], Awaitable[None]] | None = None,
    ) -> None:
        """`on_guessing(name, failures)`: called when a name fails `ALERT_FAILURES` times
        within the window (the operators' alarm)."""
        self.repo = repo
        self._on_guessing = on_guessing
        self.hasher = hasher or PasswordHasher()  # argon2id, RFC 9106 low-memory profile
        self._pseudonym = pseudonym  # client addresses are not kept in the database
        self._clock = clock
        self._hash_slots = asyncio.Semaphore(HASH_CONCURRENCY)
        self._attempt_gate = asyncio.Lock()  # check-then-mark is one step for concurrent tries
        self._dummy_hash: str | None = None

    async def _run_hasher(self, fn: Callable[[], str | bool]) -> str | bool:
        async with self._hash_slots:
            return await asyncio.to_thread(fn)

    async def hash_password(self, password: str) -> str:
        result = await self._run_hasher(lambda: self.hasher.hash(password))
        assert isinstance(result, str)
        return result

    def _verify_now(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    async def _verify(self, password_hash: str | None, password: str) -> bool:
        """None (an unknown name) spends a verification's time too, then fails."""
        if password_hash is None and self._dummy_hash is None:
            self._dummy_hash = await self.hash_password(secrets.token_urlsafe(16))
        target = password_hash or self._dummy_hash or ""
        verified = await self._run_hasher(lambda: self._verify_now(target, password))
        return password_hash is not None and bool(verified)

    async def create(self, username: str, role: Role, password: str) -> AccountSummary:
        name = normalise_username(username)
        check_password(password)
        password_hash = await self.hash_password(password)
        try:
            record = await self.repo.add_account(name, role.value, password_hash)
        except AccountExists as exc:
            raise UsernameTaken(name) from exc
        return _summary(record)

    async def list_accounts(self) -> list[AccountSummary]:
        return [_summary(record) for record in await self.repo.list_accounts()]

    async def count(self) -> int:
        return await self.repo.count_accounts()

    async def set_disabled(self, username: str, disabled: bool) -> AccountSummary:
        """Disabling ends the account's open sessions at once."""
        try:
            return _summary(await self.repo.set_disabled(username, disabled))
        except AccountNotFound as exc:
            raise UnknownAccount(username) from exc

    async def _lockout_left(self, keys: list[tuple[str, int]], now: datetime) -> float:
        since = now - FAILURE_WINDOW
        waits = [
            lockout_left(await self.repo.failures_since(key, since), now, allowed)
            for key, allowed in keys
        ]
        return max(waits)

    async def _watch_for_guessing(self, username: str, user_key: str, now: datetime) -> None:
        """A wrong password: if the name has failed this often lately, tell the operators."""
        failures = await self.repo.failures_since(user_key, now - FAILURE_WINDOW)
        if len(failures) >= ALERT_FAILURES and self._on_guessing is not None:
            await self._on_guessing(username_key(username)[:80], len(failures))

    async def _checked_attempt(self, username: str, password: str, client: str) -> AccountRecord:
        """The enabled account whose password this is, or `BadCredentials` / `TooManyAttempts`
        (checked before the password, so a locked name reveals nothing about its password).
        Every try counts against the name and the client until it succeeds."""
        user_key = _user_key(username)
        client_key = "client:" + self._pseudonym(client)
        pair_key = f"{user_key}|{client_key}"  # cleared with the name's (`clear_failures`)
        async with self._attempt_gate:
            now = self._clock()
            wait = await self._lockout_left(
                [(pair_key, MAX_FAILURES), (client_key, MAX_CLIENT_FAILURES)], now
            )
            if wait > 0:
                raise TooManyAttempts(wait)
            # Marked as failed before verifying: parallel guesses see each other's marks. The
            # name's own count never locks it: it only raises the alarm.
            attempt = await self.repo.record_failure(
                [pair_key, client_key, user_key], now, now - FAILURE_WINDOW
            )
        record = await self.repo.get_account(username) if len(username) <= 200 else None
        stored_hash = record.password_hash if record else None
        if len(password) > MAX_PASSWORD_CHARS:
            stored_hash = None  # never verify a megabyte; still take a verification's time
        verified = await self._verify(stored_hash, password[:MAX_PASSWORD_CHARS])
        if record is None or not verified or record.disabled:
            await self._watch_for_guessing(username, user_key, now)
            raise BadCredentials(username)
        await self.repo.cancel_attempt(attempt)
        await self.repo.clear_failures(pair_key)
        return record

    async def authenticate(self, username: str, password: str, client: str) -> Account:
        """The account, or `BadCredentials` / `TooManyAttempts`."""
        record = await self._checked_attempt(username, password, client)
        if self.hasher.check_needs_rehash(record.password_hash):
            await self.repo.set_password_hash(record.username, await self.hash_password(password))
        return Account(username=record.username, role=Role(record.role))

    async def change_password(
        self, username: str, current: str, new: str, client: str, keep_session: str
    ) -> AccountSummary:
        """One's own password. The current one is checked as a sign-in is (a wrong one counts
        toward the lockout: a stolen session cannot guess it here); the account's other
        sessions end, `keep_session` (the id hash of the one asking) stays."""
        check_password(new)  # before the check: a typo in the new one costs no try
        try:
            record = await self._checked_attempt(username, current, client)
        except BadCredentials as exc:
            raise WrongPassword(username) from exc
        return await self._replace(record.username, new, keep_session)

    async def reset_password(self, username: str, new: str) -> AccountSummary:
        """Someone else's password (an operator, or `wall user passwd`): all the account's
        sessions end, and the lock on its name is lifted: whoever forgot a password has
        usually locked it by guessing."""
        check_password(new)
        summary = await self._replace(username, new, keep_session=None)
        await self.repo.clear_failures(_user_key(username))
        return summary

    async def _replace(self, username: str, new: str, keep_session: str | None) -> AccountSummary:
        password_hash = await self.hash_password(new)
        try:
            record = await self.repo.replace_password(username, password_hash, keep_session)
        except AccountNotFound as exc:
            raise UnknownAccount(username) from exc
        return _summary(record)
