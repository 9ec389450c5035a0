"""A visitor is a phone, not an address: many phones on one venue Wi-Fi against the real
server. Every client here connects from 127.0.0.1, as phones behind one address do.

A phone loads the upload page first (as the QR code makes it do), which gives it its signed
device token; the limits, the fair share and the contributor keys then follow the phone.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from http.cookies import SimpleCookie

import httpx

from display.contracts import Shown
from display.rotation import FairRotation
from ingest.visitors import DEVICE_COOKIE
from tests.helpers.app_server import AppServer
from tests.helpers.images import distinctive_jpeg
from tests.helpers.server import LiveServer
from tests.helpers.uploads import accepted, assert_refused, post
from wall.schemas import WallPhoto

MIN_COOKIE_DAYS = 300  # the device is the same phone all season
SMALL = (64, 48)


def photo(seed: int) -> bytes:
    return distinctive_jpeg(size=SMALL, seed=seed)


@contextmanager
def phones(server: AppServer | LiveServer, *names: str) -> Iterator[dict[str, httpx.Client]]:
    """Phones that loaded the upload page, by name, all on the same address."""
    with ExitStack() as stack:
        found = {}
        for name in names:
            phone = stack.enter_context(server.client())
            assert phone.get("/").status_code == 200
            assert phone.cookies.get(DEVICE_COOKIE), f"{name}: no device cookie"
            found[name] = phone
        yield found


def device_cookie(response: httpx.Response) -> SimpleCookie | None:
    """The device cookie this answer sets, parsed, or None."""
    for header in response.headers.get_list("set-cookie"):
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        if DEVICE_COOKIE in cookie:
            return cookie
    return None


def as_raw_cookie(client: httpx.Client, token: str) -> dict[str, str]:
    """A Cookie header carrying `token` as the device token, whatever its characters."""
    client.cookies.clear()
    return {"Cookie": f"{DEVICE_COOKIE}={token}"}


def test_the_page_gives_each_phone_a_signed_first_party_cookie(
    make_app_server: Callable[..., AppServer],
) -> None:
    server = make_app_server()
    with server.client() as first, server.client() as second:
        answer = first.get("/")
        cookie = device_cookie(answer)
        assert cookie is not None
        morsel = cookie[DEVICE_COOKIE]
        assert morsel["httponly"] and morsel["samesite"].lower() == "lax"
        assert morsel["path"] == "/" and not morsel["domain"]  # first-party, this host only
        assert int(morsel["max-age"]) >= MIN_COOKIE_DAYS * 24 * 3600
        assert not morsel["secure"]  # public_url is http here: a Secure cookie would be lost
        assert device_cookie(first.get("/")) is None  # a phone keeps its device
        second.get("/")
        assert second.cookies[DEVICE_COOKIE] != first.cookies[DEVICE_COOKIE]

    secure = make_app_server(wall={"public_url": "https://mur.example.org"})
    with secure.client() as phone:
        morsel = device_cookie(phone.get("/"))[DEVICE_COOKIE]  # type: ignore[index]
        assert morsel["secure"]


def test_phones_on_one_address_are_separate_visitors(
    make_app_server: Callable[..., AppServer],
) -> None:
    server = make_app_server(upload={"rate_limit_per_minute": 2, "max_pending_per_contributor": 50})
    with phones(server, "ana", "bruno") as phone:
        accepted(post(phone["ana"], photo(1)))
        accepted(post(phone["ana"], photo(2)))
        refused = post(phone["ana"], photo(3))
        assert_refused(refused, 429, "rate_limited")
        assert 1 <= int(refused.headers["retry-after"]) <= 30  # a 2/min bucket refills in 30 s
        accepted(post(phone["bruno"], photo(4)))  # same Wi-Fi, another phone
        accepted(post(phone["bruno"], photo(5)))


def test_the_waiting_photos_cap_is_per_phone(make_app_server: Callable[..., AppServer]) -> None:
    server = make_app_server(upload={"max_pending_per_contributor": 1})
    with phones(server, "ana", "bruno") as phone:
        accepted(post(phone["ana"], photo(10)))
        assert_refused(post(phone["ana"], photo(11)), 429, "rate_limited")
        accepted(post(phone["bruno"], photo(12)))


def test_a_phone_over_its_limit_does_not_use_up_the_address_ceiling(
    make_app_server: Callable[..., AppServer],
) -> None:
    server = make_app_server(
        upload={"rate_limit_per_minute": 1, "rate_limit_per_address_per_minute": 3}
    )
    with phones(server, "ana", "bruno", "chloe", "dan") as phone:
        accepted(post(phone["ana"], photo(20)))
        for seed in range(21, 26):  # a burst, refused by the phone's own limit
            assert_refused(post(phone["ana"], photo(seed)), 429, "rate_limited")
        accepted(post(phone["bruno"], photo(26)))
        accepted(post(phone["chloe"], photo(27)))
        ceiling = post(phone["dan"], photo(28))  # a fourth upload from this address in a minute
        assert_refused(ceiling, 429, "rate_limited")
        assert int(ceiling.headers["retry-after"]) >= 1


def test_forged_or_missing_tokens_count_against_the_address_ceiling(
    make_app_server: Callable[..., AppServer],
) -> None:
    """Without a valid token a request is a new device: it never fails for that (no 5xx),
    gets a real token with its answer, and spends the address's ceiling."""
    other = make_app_server()
    with other.client() as elsewhere:
        elsewhere.get("/")
        foreign = str(elsewhere.cookies[DEVICE_COOKIE])  # well formed, another installation's
    server = make_app_server(
        upload={"rate_limit_per_minute": 1, "rate_limit_per_address_per_minute": 6}
    )
    with server.client() as client:
        client.get("/")
        real = str(client.cookies[DEVICE_COOKIE])
        tampered = real[:-2] + ("AA" if not real.endswith("AA") else "BB")
        forged = ["", "garbage", "a.b.c", foreign, tampered, "x" * 5000 + "." + "y" * 5000]
        for seed, token in enumerate(forged):
            answer = client.post(
                "/api/photos",
                files={"file": ("p.jpg", photo(30 + seed), "image/jpeg")},
                data={"consent": "true"},
                headers=as_raw_cookie(client, token),
            )
            assert answer.status_code == 201, (token[:20], answer.text)
            fresh = device_cookie(answer)
            assert fresh is not None and fresh[DEVICE_COOKIE].value not in (token, real)
        client.cookies.clear()
        assert_refused(post(client, photo(40)), 429, "rate_limited")  # the ceiling: 6 a minute


def test_fair_share_and_contributor_keys_follow_the_phone(
    make_app_server: Callable[..., AppServer],
) -> None:
    """The display's rotation passes over a phone that had its share while other phones'
    photos wait, even when all of them came through one address."""
    server = make_app_server(moderation={"auto_approve_sources": ["upload"]})
    with phones(server, "ana", "bruno", "chloe") as phone:
        owner = {accepted(post(phone["ana"], photo(50 + n)))[0]: "ana" for n in range(3)}
        owner[accepted(post(phone["bruno"], photo(60)))[0]] = "bruno"
        owner[accepted(post(phone["chloe"], photo(61)))[0]] = "chloe"
    with server.client() as display:
        feed = display.get("/api/wall/photos", params={"token": server.display_token})
    photos = [WallPhoto.model_validate(p) for p in feed.json()["photos"]]
    keys = {owner[p.id]: p.contributor for p in photos}
    assert len(set(keys.values())) == 3, keys
    assert len({p.contributor for p in photos if owner[p.id] == "ana"}) == 1

    clock = FakeClock()
    rotation = FairRotation(max_minutes=10, contributor_share=0.25, clock=clock)
    for wall_photo in sorted(photos, key=lambda p: p.created_at):
        rotation.add(wall_photo, fresh=True)
    shown: list[str] = []
    for _ in range(3):
        picked = rotation.next_photo(set(shown))
        assert picked is not None
        shown.append(picked.id)
        clock.now += 8.0
        rotation.record(Shown(picked.id, 0.8, 8.0))
    assert [owner[i] for i in shown] == ["ana", "bruno", "chloe"]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def slow_body(request: httpx.Request, chunks: int, pause_s: float) -> Iterator[bytes]:
    """The request's body in `chunks` pieces, `pause_s` apart: a phone on a weak network."""
    body = request.read()
    step = -(-len(body) // chunks)
    for start in range(0, len(body), step):
        yield body[start : start + step]
        time.sleep(pause_s)


def test_upload_progress_counts_what_the_server_received_for_its_phone_only(
    make_server: Callable[..., LiveServer],
) -> None:
    """A body that trickles in over a real socket: the real server."""
    server = make_server()
    key = "0123456789abcdef0123456789abcdef"
    with phones(server, "ana", "bruno") as phone:
        form = httpx.Request(
            "POST",
            f"{server.url}/api/photos",
            files={"file": ("p.jpg", distinctive_jpeg(size=(800, 600), seed=70), "image/jpeg")},
            data={"consent": "true"},
        )
        total = len(form.read())
        headers = {
            "Content-Type": form.headers["content-type"],
            "Content-Length": str(total),
            "X-Progress-Key": key,
        }
        with ThreadPoolExecutor(1) as pool:
            sending = pool.submit(
                phone["ana"].post,
                "/api/photos",
                content=slow_body(form, chunks=10, pause_s=0.3),
                headers=headers,
            )
            seen = []
            while not sending.done():
                answer = phone["ana"].get(f"/api/uploads/{key}")
                if answer.status_code == 200:
                    seen.append(answer.json())
                assert phone["bruno"].get(f"/api/uploads/{key}").status_code == 404
                time.sleep(0.1)
            accepted(sending.result())
    received = [figure["received"] for figure in seen]
    assert {figure["total"] for figure in seen} == {total}
    assert any(0 < r < total // 2 for r in received), received  # mid-way figures, not a jump
    assert received == sorted(received)
    with server.client() as stranger:
        assert stranger.get(f"/api/uploads/{key}").status_code == 404
