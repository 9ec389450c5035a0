"""Download a file from a stranger's server without trusting its size, its type or its pace.

Shared by the network sources (hashtag pollers, webcam snapshots): the body is streamed and
reading stops at the cap, so a 200 MB or endless answer costs at most `max_bytes` of memory;
redirects are followed but bounded; the whole download has a deadline, so a server that
trickles one byte a second cannot hold a source forever. The type is not checked here: the
pipeline sniffs the bytes and refuses what is not an image.
"""

from __future__ import annotations

import asyncio

import httpx

MAX_REDIRECTS = 5  # a CDN hop or two is normal; a loop is not
DOWNLOAD_DEADLINE_S = 120.0  # ~25 MB on a slow uplink; beyond that the server is stalling us
CHUNK_BYTES = 64 * 1024


class FetchFailed(Exception):
    """The file could not be had: `reason` is short and safe to show in a source's health."""

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status


class TooLarge(FetchFailed):
    """The body (announced or streamed) went past the cap."""


def media_client(timeout_s: float = 20.0) -> httpx.AsyncClient:
    """A client for downloads: redirects followed up to `MAX_REDIRECTS`, per-read timeout."""
    return httpx.AsyncClient(
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        timeout=httpx.Timeout(timeout_s),
        headers={"User-Agent": "mur-participatif (photo wall)"},
    )


async def fetch_capped(
    client: httpx.AsyncClient,
    url: str,
    max_bytes: int,
    deadline_s: float = DOWNLOAD_DEADLINE_S,
) -> bytes:
    """The body of `url`, at most `max_bytes`; raises `FetchFailed` (or `TooLarge`) otherwise."""
    try:
        async with asyncio.timeout(deadline_s):
            return await _stream(client, url, max_bytes)
    except TimeoutError:
        raise FetchFailed(url, f"no complete answer in {deadline_s:.0f} s") from None
    except httpx.TooManyRedirects:
        raise FetchFailed(url, f"more than {MAX_REDIRECTS} redirects") from None
    except httpx.TimeoutException:
        raise FetchFailed(url, "timed out") from None
    except httpx.HTTPError as exc:
        raise FetchFailed(url, f"{type(exc).__name__}") from None


async def _stream(client: httpx.AsyncClient, url: str, max_bytes: int) -> bytes:
    async with client.stream("GET", url) as response:
        if response.status_code != 200:
            raise FetchFailed(url, f"HTTP {response.status_code}", response.status_code)
        announced = response.headers.get("content-length", "")
        if announced.isascii() and announced.isdigit() and int(announced) > max_bytes:
            raise TooLarge(url, f"announces {announced} bytes (cap {max_bytes})", 200)
        body = bytearray()
        async for chunk in response.aiter_bytes(CHUNK_BYTES):
            body += chunk
            if len(body) > max_bytes:
                raise TooLarge(url, f"more than {max_bytes} bytes", 200)
        return bytes(body)
