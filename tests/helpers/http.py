"""Plain-HTTP clients for the loopback servers of the tests, sharing one TLS context.

httpx builds a fresh TLS context for every client it creates, reading the whole CA bundle:
about 25 ms of CPU each time. A readiness poll every 100 ms, or a client per request, made
that a third of the test process's CPU in the browser tests. The servers here speak plain
HTTP, so every client shares one context, built once.
"""

from __future__ import annotations

import ssl
from typing import Any, Final

import httpx

SHARED_TLS: Final = ssl.create_default_context()


def client(base_url: str = "", **kwargs: Any) -> httpx.Client:
    """An `httpx.Client` that does not build a TLS context of its own."""
    return httpx.Client(base_url=base_url, verify=SHARED_TLS, **kwargs)


def get(url: str, **kwargs: Any) -> httpx.Response:
    with client(**kwargs) as one:
        return one.get(url)


def post(url: str, **kwargs: Any) -> httpx.Response:
    """`httpx.post` (files, data, json, timeout...) without a TLS context of its own."""
    timeout = kwargs.pop("timeout", httpx.Timeout(5.0))
    with client(timeout=timeout) as one:
        return one.post(url, **kwargs)
