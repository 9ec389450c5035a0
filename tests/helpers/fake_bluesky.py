"""Bluesky on loopback: a Jetstream (WebSocket) and one HTTP server for the AppView's
profiles, the image CDN and a PDS's sign-in and search.

The Jetstream speaks the real service's shapes: `/subscribe` with `wantedCollections`,
`cursor` (unix microseconds: events from that `time_us` on are replayed, then the live
tail; without a cursor, only events that come after the connection) and
`maxMessageSizeBytes`; events are `{"did", "time_us", "kind": "commit", "commit":
{"rev", "operation", "collection", "rkey", "record", "cid"}}` and the identity and account
kinds. Records are `app.bsky.feed.post` as clients write them: text, `facets` with byte
ranges and `app.bsky.richtext.facet#tag`, `embed` of `app.bsky.embed.images` (or
`recordWithMedia`) with blob refs, and `com.atproto.label.defs#selfLabels`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.protocol import State

CDN_PATH = "/img/feed_fullsize/plain/"
_TID_CHARS = "234567abcdefghijklmnopqrstuvwxyz"


_CLOCK_IDS = itertools.count()


def tid() -> str:
    """A record key as atproto makes them (a TID): 13 sortable base32 characters of the
    time in microseconds and a clock id; unique across every fake of the test process."""
    value = (time.time_ns() // 1000) << 10 | next(_CLOCK_IDS) % 1024
    return "".join(_TID_CHARS[(value >> shift) & 31] for shift in range(60, -1, -5))


def fake_cid(data: bytes) -> str:
    """A CIDv1 (raw, sha-256) as Bluesky's blobs are named: `bafkrei` and base32."""
    digest = base64.b32encode(hashlib.sha256(data).digest()).decode().lower().rstrip("=")
    return "bafkrei" + digest[:52]


def image_blob(cid: str, size: int) -> dict[str, Any]:
    return {
        "alt": "",
        "image": {"$type": "blob", "ref": {"$link": cid}, "mimeType": "image/jpeg", "size": size},
        "aspectRatio": {"width": 4, "height": 3},
    }


def post_record(
    text: str,
    *,
    facet_tags: tuple[str, ...] = (),
    images: tuple[dict[str, Any], ...] = (),
    quote: bool = False,
    labels: tuple[str, ...] = (),
) -> dict[str, Any]:
    """A post record; each of `facet_tags` must be written `#tag` in `text` (a byte range)."""
    record: dict[str, Any] = {
        "$type": "app.bsky.feed.post",
        "text": text,
        "createdAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
        "langs": ["fr"],
    }
    encoded = text.encode()
    facets = []
    for tag in facet_tags:
        start = encoded.index(f"#{tag}".encode())
        facets.append(
            {
                "$type": "app.bsky.richtext.facet",
                "index": {"byteStart": start, "byteEnd": start + len(tag.encode()) + 1},
                "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag}],
            }
        )
    if facets:
        record["facets"] = facets
    if images:
        embed: dict[str, Any] = {"$type": "app.bsky.embed.images", "images": list(images)}
        if quote:
            embed = {
                "$type": "app.bsky.embed.recordWithMedia",
                "record": {
                    "$type": "app.bsky.embed.record",
                    "record": {
                        "uri": "at://did:plc:quoted/app.bsky.feed.post/3kquoted22",
                        "cid": "bafyreiquoted",
                    },
                },
                "media": embed,
            }
        record["embed"] = embed
    if labels:
        record["labels"] = {
            "$type": "com.atproto.label.defs#selfLabels",
            "values": [{"val": value} for value in labels],
        }
    return record


@dataclass
class FakeJetstream:
    """A Jetstream on a loopback port, in a thread with its own event loop."""

    events: list[dict[str, Any]] = field(default_factory=list)
    connections: list[dict[str, list[str]]] = field(default_factory=list)  # each query

    def __post_init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._changed: asyncio.Condition | None = None
        self._server: Server | None = None
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._clock = 0
        self.url = ""

    def start(self) -> FakeJetstream:
        self._thread.start()
        assert self._ready.wait(10), "the fake Jetstream did not start"
        return self

    def stop(self) -> None:
        async def close() -> None:
            assert self._server is not None
            self._server.close()
            await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def open_server() -> None:
            self._changed = asyncio.Condition()
            self._server = await serve(self._handler, "127.0.0.1", 0)
            port = self._server.sockets[0].getsockname()[1]
            self.url = f"ws://127.0.0.1:{port}/subscribe"

        self._loop.run_until_complete(open_server())
        self._ready.set()
        self._loop.run_forever()

    def _next_time_us(self) -> int:
        self._clock = max(self._clock + 1, time.time_ns() // 1000)
        return self._clock

    def emit(self, event: dict[str, Any]) -> dict[str, Any]:
        """Appends `event` and pushes it to every connection. Its `time_us` is kept when it
        has one (another host's copy of the same event), else given."""

        async def append() -> dict[str, Any]:
            assert self._changed is not None
            async with self._changed:
                if "time_us" in event:
                    self._clock = max(self._clock, event["time_us"])
                    stamped = dict(event)
                else:
                    stamped = {**event, "time_us": self._next_time_us()}
                self.events.append(stamped)
                self._changed.notify_all()
            return stamped

        return asyncio.run_coroutine_threadsafe(append(), self._loop).result(10)

    def post(self, did: str, record: dict[str, Any], rkey: str | None = None) -> dict[str, Any]:
        """A `create` commit of `app.bsky.feed.post` by `did`."""
        return self.emit(
            {
                "did": did,
                "kind": "commit",
                "commit": {
                    "rev": tid(),
                    "operation": "create",
                    "collection": "app.bsky.feed.post",
                    "rkey": rkey or tid(),
                    "record": record,
                    "cid": fake_cid(json.dumps(record).encode()),
                },
            }
        )

    async def _handler(self, connection: ServerConnection) -> None:
        assert connection.request is not None and self._changed is not None
        query = parse_qs(urlsplit(connection.request.path).query)
        self.connections.append(query)
        cursor = int(query["cursor"][0]) if "cursor" in query else None
        wanted = set(query.get("wantedCollections", []))
        async with self._changed:
            start = len(self.events)
            if cursor is not None:
                start = next(
                    (i for i, e in enumerate(self.events) if e["time_us"] >= cursor),
                    len(self.events),
                )
        position = start
        while connection.state is not State.CLOSED:  # else stop() would wait for us
            async with self._changed:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(0.2):
                        await self._changed.wait_for(lambda at=position: at < len(self.events))
                pending = self.events[position:]
            for event in pending:
                position += 1
                collection = event.get("commit", {}).get("collection")
                if event["kind"] == "commit" and wanted and collection not in wanted:
                    continue
                await connection.send(json.dumps(event))


@dataclass
class FakeBlueskyHttp:
    """The AppView (`app.bsky.actor.getProfile`), the CDN, and a PDS's session and search."""

    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)  # "did/cid" → bytes
    profile_log: list[str] = field(default_factory=list)
    cdn_log: list[str] = field(default_factory=list)
    cdn_delay_s: float = 0.0
    # The PDS: one account; the search's answers; the first token stops working after one use.
    identifier: str = "wall.example.com"
    app_password: str = "abcd-efgh-ijkl-mnop"
    search_posts: list[dict[str, Any]] = field(default_factory=list)
    search_log: list[dict[str, str]] = field(default_factory=list)
    sessions: int = 0

    def __post_init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _http_handler(self))
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.cdn = self.url + CDN_PATH + "{did}/{cid}@jpeg"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._token_uses: dict[str, int] = {}

    def start(self) -> FakeBlueskyHttp:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def person(self, handle: str, display_name: str = "", labels: tuple[str, ...] = ()) -> str:
        """An account: its DID, and its profile on the AppView."""
        did = "did:plc:" + hashlib.sha256(handle.encode()).hexdigest()[:24]
        self.profiles[did] = {
            "did": did,
            "handle": handle,
            "displayName": display_name,
            "labels": [{"src": did, "uri": f"at://{did}", "val": v} for v in labels],
        }
        return did

    def photo(self, did: str, data: bytes) -> dict[str, Any]:
        """Stores `data` on the CDN as `did`'s blob; the image entry of an embed."""
        cid = fake_cid(data)
        self.blobs[f"{did}/{cid}"] = data
        return image_blob(cid, len(data))

    def token_ok(self, header: str) -> bool:
        token = header.removeprefix("Bearer ")
        if token not in self._token_uses:
            return False
        self._token_uses[token] += 1
        return token != "session-1" or self._token_uses[token] <= 1  # the first one expires

    def new_session(self) -> str:
        self.sessions += 1
        token = f"session-{self.sessions}"
        self._token_uses[token] = 0
        return token


def _http_handler(fake: FakeBlueskyHttp) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            """Quiet: the tests read the fake's logs instead."""

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            try:
                if parts.path == "/xrpc/app.bsky.actor.getProfile":
                    self._profile(query.get("actor", ""))
                elif parts.path.startswith(CDN_PATH):
                    self._blob(unquote(parts.path.removeprefix(CDN_PATH)).removesuffix("@jpeg"))
                elif parts.path == "/xrpc/app.bsky.feed.searchPosts":
                    self._search(query)
                else:
                    self._send(404, {"error": "MethodNotImplemented"})
            except (BrokenPipeError, ConnectionResetError):
                pass  # the reader stopped at its cap: what the test wants

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            if self.path != "/xrpc/com.atproto.server.createSession":
                self._send(404, {"error": "MethodNotImplemented"})
            elif body.get("identifier") == fake.identifier and (
                body.get("password") == fake.app_password
            ):
                token = fake.new_session()
                self._send(200, {"accessJwt": token, "refreshJwt": "r", "did": "did:plc:wall"})
            else:
                message = "Invalid identifier or password"
                self._send(401, {"error": "AuthenticationRequired", "message": message})

        def _profile(self, actor: str) -> None:
            fake.profile_log.append(actor)
            profile = fake.profiles.get(actor)
            if profile is None:
                self._send(400, {"error": "InvalidRequest", "message": "Profile not found"})
            else:
                self._send(200, profile)

        def _blob(self, key: str) -> None:
            fake.cdn_log.append(key)
            if fake.cdn_delay_s:
                time.sleep(fake.cdn_delay_s)
            data = fake.blobs.get(key)
            if data is None:
                self._send(404, {"error": "NotFound"})
                return
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _search(self, query: dict[str, str]) -> None:
            fake.search_log.append(query)
            if not fake.token_ok(self.headers.get("Authorization", "")):
                self._send(400, {"error": "ExpiredToken", "message": "Token has expired"})
                return
            tag = query.get("tag", "").casefold()
            hits = [
                view
                for view in fake.search_posts
                if tag in {t.casefold() for t in _view_tags(view)}
            ]
            hits.sort(key=lambda view: view["indexedAt"], reverse=True)
            limit = int(query.get("limit", "25"))
            offset = int(query.get("cursor", "0") or 0)
            page = hits[offset : offset + limit]
            body: dict[str, Any] = {"posts": page}
            if offset + limit < len(hits):
                body["cursor"] = str(offset + limit)
            self._send(200, body)

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def _view_tags(view: dict[str, Any]) -> list[str]:
    """Tags the search indexes: the record's tag facets (the real search also reads text)."""
    tags = []
    for facet in view["record"].get("facets", []):
        for feature in facet["features"]:
            if feature.get("$type") == "app.bsky.richtext.facet#tag":
                tags.append(feature["tag"])
    return tags


def post_view(
    did: str, handle: str, rkey: str, record: dict[str, Any], indexed_at: str
) -> dict[str, Any]:
    """A `postView` of `app.bsky.feed.searchPosts`."""
    return {
        "uri": f"at://{did}/app.bsky.feed.post/{rkey}",
        "cid": fake_cid(json.dumps(record).encode()),
        "author": {"did": did, "handle": handle},
        "record": record,
        "indexedAt": indexed_at,
        "labels": [],
    }
