"""FastAPI glue for sessions: the cookie, the `CurrentModerator` / `CurrentOperator`
dependencies, and the CSRF checks every state-changing request of a session goes through.

CSRF has two locks: the session's token in `X-CSRF-Token` (a foreign page cannot read it),
and the `Origin` header, when a browser sends one, naming this server. `SameSite=Strict`
on the cookie is a third, for the browsers that honour it.
"""

from __future__ import annotations

import hmac
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request, Response, WebSocket
from starlette.requests import HTTPConnection

from staff.accounts import Account, AccountService, Role
from staff.sessions import Session, SessionManager
from wall.config import Settings
from wall.errors import ApiError

SESSION_COOKIE = "wall_session"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DEFAULT_PORTS = {"http": 80, "https": 443}
WS_TO_HTTP = {"ws": "http", "wss": "https"}

Origin = tuple[str, str, int]


def parse_origin(url: str) -> Origin | None:
    """(scheme, host, port) with the default port filled in; None for `null` or junk."""
    try:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        if scheme not in DEFAULT_PORTS or not parts.hostname:
            return None
        return scheme, parts.hostname.lower(), parts.port or DEFAULT_PORTS[scheme]
    except ValueError:  # a port out of range or not a number
        return None


def sessions_of(conn: HTTPConnection) -> SessionManager:
    """The one service sign-in needs, not the whole container (which the app package owns)."""
    sessions: SessionManager = conn.app.state.services.sessions
    return sessions


def _sessions(request: Request) -> SessionManager:
    return sessions_of(request)


def _accounts(request: Request) -> AccountService:
    accounts: AccountService = request.app.state.services.accounts
    return accounts


SessionsDep = Annotated[SessionManager, Depends(_sessions)]
AccountsDep = Annotated[AccountService, Depends(_accounts)]


def own_origins(conn: HTTPConnection) -> set[Origin]:
    """This server as the browser sees it: the Host it asked for, and the public URL
    (behind a TLS proxy the request itself arrives as plain http)."""
    settings: Settings = conn.app.state.settings
    found = set()
    host = conn.headers.get("host")
    if host:
        scheme = WS_TO_HTTP.get(conn.url.scheme, conn.url.scheme)
        if parsed := parse_origin(f"{scheme}://{host}"):
            found.add(parsed)
    if parsed := parse_origin(settings.wall.public_url):
        found.add(parsed)
    return found


def origin_allowed(conn: HTTPConnection) -> bool:
    """True without an Origin header (curl, the CLI); else it must be this server."""
    origin = conn.headers.get("origin")
    if origin is None:
        return True
    parsed = parse_origin(origin)
    return parsed is not None and parsed in own_origins(conn)


def require_same_origin(request: Request) -> None:
    """For the one unsafe request without a session yet: the login form."""
    if not origin_allowed(request):
        raise ApiError(403, "csrf")


def _check_csrf(request: Request, session: Session) -> None:
    sent = request.headers.get(CSRF_HEADER, "")
    token_ok = hmac.compare_digest(sent.encode(), session.csrf_token.encode())
    if not token_ok or not origin_allowed(request):
        raise ApiError(403, "csrf")


async def current_session(request: Request) -> Session:
    """401 without a live session; 403 csrf for an unsafe method without the session's token."""
    session = await sessions_of(request).resolve(request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise ApiError(401, "unauthorized")
    if request.method in UNSAFE_METHODS:
        _check_csrf(request, session)
    return session


CurrentSession = Annotated[Session, Depends(current_session)]


async def current_moderator(session: CurrentSession) -> Account:
    return session.account  # every role includes the moderator's rights


async def current_operator(session: CurrentSession) -> Account:
    if not session.account.role.includes(Role.OPERATOR):
        raise ApiError(403, "forbidden")
    return session.account


CurrentModerator = Annotated[Account, Depends(current_moderator)]
CurrentOperator = Annotated[Account, Depends(current_operator)]
SameOrigin = Depends(require_same_origin)


async def websocket_account(websocket: WebSocket) -> Account | None:
    """The account behind a WebSocket handshake, or None (the caller closes with 4401/1008).

    Browsers do not apply CORS to WebSockets, so a foreign page could open one with the
    moderator's cookie: the Origin check is what stops it.
    """
    if not origin_allowed(websocket):
        return None
    session = await sessions_of(websocket).resolve(websocket.cookies.get(SESSION_COOKIE))
    return session.account if session else None


def _secure(settings: Settings) -> bool:
    return settings.wall.public_url.lower().startswith("https")


def set_session_cookie(
    response: Response, cookie_value: str, settings: Settings, max_age_s: int
) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        cookie_value,
        max_age=max_age_s,
        path="/",
        secure=_secure(settings),
        httponly=True,
        samesite="strict",
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=_secure(settings), httponly=True, samesite="strict"
    )
