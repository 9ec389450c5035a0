"""Wire schemas of sign-in and account management (apart from the domain dataclasses)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from staff.accounts import AccountSummary, Role
from staff.sessions import Session

# Generous input bounds: the service gives the precise refusals; these only keep a
# hostile body from costing anything.
MAX_USERNAME_INPUT = 200
MAX_PASSWORD_INPUT = 4096


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=MAX_USERNAME_INPUT)
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_INPUT)


class SessionOut(BaseModel):
    """What a page needs after sign-in or a reload: who, and the token for its writes."""

    username: str
    role: Role
    csrf_token: str

    @classmethod
    def of(cls, session: Session) -> SessionOut:
        return cls(
            username=session.account.username,
            role=session.account.role,
            csrf_token=session.csrf_token,
        )


class AccountIn(BaseModel):
    username: str = Field(min_length=1, max_length=MAX_USERNAME_INPUT)
    role: Role
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_INPUT)


class PasswordChangeIn(BaseModel):
    """One's own password: the current one, as at sign-in, then the new one."""

    current_password: str = Field(min_length=1, max_length=MAX_PASSWORD_INPUT)
    new_password: str = Field(min_length=1, max_length=MAX_PASSWORD_INPUT)


class PasswordResetIn(BaseModel):
    """Another account's new password, set by an operator."""

    new_password: str = Field(min_length=1, max_length=MAX_PASSWORD_INPUT)


class AccountOut(BaseModel):
    username: str
    role: Role
    created_at: datetime
    disabled: bool

    @classmethod
    def of(cls, account: AccountSummary) -> AccountOut:
        return cls(
            username=account.username,
            role=account.role,
            created_at=account.created_at,
            disabled=account.disabled,
        )


class AccountList(BaseModel):
    accounts: list[AccountOut]
