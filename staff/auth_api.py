"""Sign-in, sign-out and "who am I" (`/api/auth/*`), and operators' account management."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response

from staff.account_schemas import (
    AccountIn,
    AccountList,
    AccountOut,
    LoginIn,
    PasswordChangeIn,
    PasswordResetIn,
    SessionOut,
)
from staff.accounts import AccountError, BadCredentials, TooManyAttempts
from staff.auth import (
    SESSION_COOKIE,
    AccountsDep,
    CurrentOperator,
    CurrentSession,
    SameOrigin,
    SessionsDep,
    clear_session_cookie,
    set_session_cookie,
)
from staff.sessions import session_id_hash
from wall.clients import client_address
from wall.deps import SettingsDep
from wall.errors import ApiError
from wall.storage.base import username_key

log = logging.getLogger(__name__)
router = APIRouter()

NO_STORE = "no-store"  # replies carrying the CSRF token stay out of every cache


def api_error(exc: AccountError) -> ApiError:
    headers = {"Retry-After": exc.retry_after} if isinstance(exc, TooManyAttempts) else None
    return ApiError(exc.status, exc.code, headers=headers)


@router.post("/api/auth/login", response_model=SessionOut, dependencies=[SameOrigin])
async def login(
    body: LoginIn,
    request: Request,
    response: Response,
    settings: SettingsDep,
    accounts: AccountsDep,
    sessions: SessionsDep,
) -> SessionOut:
    client = client_address(request, settings.server.trusted_proxies)
    try:
        account = await accounts.authenticate(body.username, body.password, client)
    except TooManyAttempts as exc:
        log.warning("sign-in locked for %.0f s (too many failures)", exc.retry_after_s)
        raise api_error(exc) from None
    except BadCredentials as exc:
        raise api_error(exc) from None
    cookie_value, session = await sessions.open(account)
    max_age_s = int(sessions.max_age.total_seconds())
    set_session_cookie(response, cookie_value, settings, max_age_s)
    response.headers["Cache-Control"] = NO_STORE
    log.info("%s signed in (%s)", account.username, account.role.value)
    return SessionOut.of(session)


@router.post("/api/auth/logout", status_code=204)
async def logout(
    request: Request, _: CurrentSession, settings: SettingsDep, sessions: SessionsDep
) -> Response:
    await sessions.close(request.cookies.get(SESSION_COOKIE))
    response = Response(status_code=204)
    clear_session_cookie(response, settings)
    return response


@router.get("/api/auth/me", response_model=SessionOut)
async def me(session: CurrentSession, response: Response) -> SessionOut:
    response.headers["Cache-Control"] = NO_STORE
    return SessionOut.of(session)


@router.post("/api/auth/password", status_code=204)
async def change_own_password(
    body: PasswordChangeIn,
    request: Request,
    session: CurrentSession,
    settings: SettingsDep,
    accounts: AccountsDep,
) -> Response:
    """Any account, its own password: the account's other sessions end, this one stays."""
    name = session.account.username
    client = client_address(request, settings.server.trusted_proxies)
    this_session = session_id_hash(request.cookies.get(SESSION_COOKIE, ""))
    try:
        await accounts.change_password(
            name, body.current_password, body.new_password, client, keep_session=this_session
        )
    except TooManyAttempts as exc:
        log.warning("password change by %s locked for %.0f s", name, exc.retry_after_s)
        raise api_error(exc) from None
    except AccountError as exc:
        if exc.code == "wrong_password":
            log.info("password change by %s refused: wrong current password", name)
        raise api_error(exc) from None
    log.info("%s changed their own password (their other sessions ended)", name)
    return Response(status_code=204)


@router.get("/api/accounts", response_model=AccountList)
async def list_accounts(_: CurrentOperator, accounts: AccountsDep) -> AccountList:
    found = await accounts.list_accounts()
    return AccountList(accounts=[AccountOut.of(a) for a in found])


@router.post("/api/accounts", response_model=AccountOut, status_code=201)
async def create_account(
    body: AccountIn, operator: CurrentOperator, accounts: AccountsDep
) -> AccountOut:
    try:
        created = await accounts.create(body.username, body.role, body.password)
    except AccountError as exc:
        raise api_error(exc) from None
    log.info("%s created the %s account %s", operator.username, created.role, created.username)
    return AccountOut.of(created)


async def _set_disabled(
    username: str, disabled: bool, operator_name: str, accounts: AccountsDep
) -> AccountOut:
    try:
        changed = await accounts.set_disabled(username, disabled)
    except AccountError as exc:
        raise api_error(exc) from None
    verb = "disabled" if disabled else "enabled"
    log.info("%s %s the account %s", operator_name, verb, changed.username)
    return AccountOut.of(changed)


@router.post("/api/accounts/{username}/disable", response_model=AccountOut)
async def disable_account(
    username: str, operator: CurrentOperator, accounts: AccountsDep
) -> AccountOut:
    """Ends the account's sessions at once. Not one's own: the last operator stays in."""
    if username_key(username) == username_key(operator.username):
        raise ApiError(409, "self_disable")
    return await _set_disabled(username, True, operator.username, accounts)


@router.post("/api/accounts/{username}/enable", response_model=AccountOut)
async def enable_account(
    username: str, operator: CurrentOperator, accounts: AccountsDep
) -> AccountOut:
    return await _set_disabled(username, False, operator.username, accounts)


@router.post("/api/accounts/{username}/password", status_code=204)
async def reset_password(
    username: str, body: PasswordResetIn, operator: CurrentOperator, accounts: AccountsDep
) -> Response:
    """The office sets a forgotten password anew; the account's sessions all end. Not one's
    own: that one asks for the current password (`/api/auth/password`)."""
    if username_key(username) == username_key(operator.username):
        raise ApiError(409, "self_reset")
    try:
        changed = await accounts.reset_password(username, body.new_password)
    except AccountError as exc:
        raise api_error(exc) from None
    log.info(
        "%s set a new password for %s (its sessions ended)", operator.username, changed.username
    )
    return Response(status_code=204)
