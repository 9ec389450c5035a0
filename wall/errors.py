"""One error shape for the whole API: `{"error": {"code", "message"}}`.

Messages come from the translation table by code; no handler ever turns an exception's
text into a response (it may name a parser, a path or a library version).
"""

from __future__ import annotations

import errno
import logging
import sqlite3
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from wall.i18n import DEFAULT_LANGUAGE, ERROR_MESSAGES, error_message, pick_language
from wall.storage.base import MEDIA_RETRY_AFTER_S, MediaUnavailable, StorageUnavailable

log = logging.getLogger(__name__)

# What a 503 says when the cluster's database does not answer: a restart or a failover takes
# seconds, and the pool reconnects on the next request.
DATABASE_RETRY_AFTER_S = "5"
# A full disk needs a person (or the retention sweep) to free room: ask for a longer wait.
STORAGE_FULL_RETRY_AFTER_S = "60"
_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


def is_storage_full(exc: BaseException) -> bool:
    """A write refused for want of room: the disk (or a quota) is full, or SQLite says so."""
    if isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS:
        return True
    return isinstance(exc, sqlite3.OperationalError) and "full" in str(exc).lower()


_HTTP_CODES = {
    400: "invalid_field",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_type",
    429: "rate_limited",
}


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, headers: dict[str, str] | None = None, field: str = ""
    ) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.headers = headers or {}
        self.field = field


def request_language(request: Request) -> str:
    return pick_language(
        request.query_params.get("lang"),
        request.cookies.get("lang"),
        request.headers.get("accept-language"),
    )


def error_response(
    request: Request,
    status: int,
    code: str,
    headers: dict[str, str] | None = None,
    field: str = "",
) -> JSONResponse:
    # A field's own wording where the table has one ("invalid_field:night"), else the code's.
    specific = f"{code}:{field}"
    key = specific if field and specific in ERROR_MESSAGES[DEFAULT_LANGUAGE] else code
    body: dict[str, str] = {"code": code, "message": error_message(key, request_language(request))}
    if field:
        body["field"] = field
    return JSONResponse({"error": body}, status_code=status, headers=headers)


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(request, exc.status, exc.code, exc.headers, exc.field)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "error")
    return error_response(request, exc.status_code, code, getattr(exc, "headers", None))


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    field = ".".join(str(p) for p in exc.errors()[0]["loc"]) if exc.errors() else ""
    return error_response(request, 400, "invalid_field", field=field)


async def _media_unavailable(request: Request, exc: Exception) -> JSONResponse:
    # The object store is down: a moment's wait, not a bug (the display keeps its cache).
    log.warning("%s %s: %s", request.method, request.url.path, exc)
    return error_response(request, 503, "unavailable", {"Retry-After": MEDIA_RETRY_AFTER_S})


async def _storage_unavailable(request: Request, exc: Exception) -> JSONResponse:
    # The database is down or restarting: a moment's wait and a retry, not a bug.
    log.warning("%s %s: %s", request.method, request.url.path, exc)
    return error_response(request, 503, "unavailable", {"Retry-After": DATABASE_RETRY_AFTER_S})


def _storage_full_handler(on_full: Callable[[], None]) -> Callable[..., object]:
    async def storage_full(request: Request, exc: Exception) -> JSONResponse:
        if not is_storage_full(exc):
            return await _unexpected(request, exc)
        # Nothing half-written stays (files go in under a temporary name; the row commits
        # last or not at all); the visitor is asked to come back, the operators alerted.
        on_full()
        log.error("%s %s: the disk is full (%s)", request.method, request.url.path, exc)
        return error_response(
            request, 507, "storage_full", {"Retry-After": STORAGE_FULL_RETRY_AFTER_S}
        )

    return storage_full


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Raised in a middleware, outside the handlers above: still the same clear answer.
    if is_storage_full(exc):
        log.error("%s %s: the disk is full (%s)", request.method, request.url.path, exc)
        return error_response(
            request, 507, "storage_full", {"Retry-After": STORAGE_FULL_RETRY_AFTER_S}
        )
    if isinstance(exc, StorageUnavailable):
        return await _storage_unavailable(request, exc)
    if isinstance(exc, MediaUnavailable):
        return await _media_unavailable(request, exc)
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(request, 500, "internal")


def install_error_handlers(
    app: FastAPI, on_storage_full: Callable[[], None] = lambda: None
) -> None:
    """`on_storage_full`: counted where the operators watch (the app's metrics)."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(MediaUnavailable, _media_unavailable)
    app.add_exception_handler(StorageUnavailable, _storage_unavailable)
    full = _storage_full_handler(on_storage_full)
    app.add_exception_handler(OSError, full)  # type: ignore[arg-type]
    app.add_exception_handler(sqlite3.OperationalError, full)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)
