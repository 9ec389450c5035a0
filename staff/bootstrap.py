"""Accounts made without a running server: `wall user add`, `wall user passwd` and the
demo's login.

Both open the store on the configured data_dir directly; SQLite in WAL mode lets this run
beside a live server.
"""

from __future__ import annotations

import asyncio
import getpass
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TextIO

from staff.accounts import AccountError, AccountService, AccountSummary, Role
from wall.config import Settings
from wall.i18n import error_message, terminal_language
from wall.storage import store_from_settings

DEMO_USERNAME = "demo"
DEMO_ROLE = Role.OPERATOR  # the demo shows the operator console as well as moderation
DEMO_LOGIN_FILE = "demo-login.txt"
DEMO_PASSWORD_BYTES = 12  # 16 characters to type on a tablet


class PasswordInputError(Exception):
    """The password could not be read as asked (the two prompts differ)."""


@asynccontextmanager
async def offline_accounts(settings: Settings) -> AsyncIterator[AccountService]:
    store = store_from_settings(settings)
    await store.photos.open()
    try:
        yield AccountService(store.accounts)
    finally:
        await store.photos.close()  # closes the database the repositories share


async def add_account(settings: Settings, name: str, role: Role, password: str) -> AccountSummary:
    async with offline_accounts(settings) as accounts:
        return await accounts.create(name, role, password)


async def reset_password(settings: Settings, name: str, password: str) -> AccountSummary:
    """`wall user passwd`: ends the account's sessions and lifts the lock on its name."""
    async with offline_accounts(settings) as accounts:
        return await accounts.reset_password(name, password)


def read_new_password(stream: TextIO) -> str:
    """The first line of a pipe (scripts, tests); else typed twice, unseen, at the terminal."""
    if not stream.isatty():
        return stream.readline().rstrip("\r\n")
    first = getpass.getpass("Password (10 characters or more): ")
    if getpass.getpass("Password again: ") != first:
        raise PasswordInputError("the two passwords differ")
    return first


def account_error_text(exc: AccountError) -> str:
    return error_message(exc.code, terminal_language())


def _keep_demo_login(path: Path, password: str) -> None:
    """Readable by the owner only: a second demo start prints it again."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an older file may have had wider rights
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(f"{DEMO_USERNAME}\n{password}\n")


def _read_demo_login(path: Path) -> tuple[str, str] | None:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    return (lines[0], lines[1]) if len(lines) >= 2 else None


def ensure_demo_moderator(settings: Settings) -> tuple[str, str] | None:
    """(username, password) of the demo login: created with a random password when the
    data dir has no account yet, else read back from `demo-login.txt`; None when the
    accounts are someone's own (the password is only stored hashed)."""
    path = settings.wall.data_dir / DEMO_LOGIN_FILE

    async def ensure() -> tuple[str, str] | None:
        async with offline_accounts(settings) as accounts:
            if await accounts.count() == 0:
                password = secrets.token_urlsafe(DEMO_PASSWORD_BYTES)
                await accounts.create(DEMO_USERNAME, DEMO_ROLE, password)
                _keep_demo_login(path, password)
                return DEMO_USERNAME, password
            kept = _read_demo_login(path)
            if kept and await accounts.repo.get_account(kept[0]) is not None:
                return kept
            return None

    return asyncio.run(ensure())
