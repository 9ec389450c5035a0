"""The hashtag poller inside the app (the real `wall serve` where it is killed mid-poll), against
a fake Mastodon on loopback."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import httpx
import pytest

from ingest.sources.mastodon import html_to_text, next_max_id, rate_limit_wait, retry_after
from tests.helpers.accounts import add_account, login
from tests.helpers.app_server import AppServer
from tests.helpers.fake_mastodon import FakeMastodon, sample_photos
from tests.helpers.server import LiveServer

PASSWORD = "a long operator passphrase"
WAIT_S = 30.0
SMALL_CAP = 4 * 1024 * 1024  # the endless body is cut here, not after 200 MB
Server = TypeVar("Server", LiveServer, AppServer)


@pytest.fixture
def fakes() -> Iterator[Callable[[], FakeMastodon]]:
    started: list[FakeMastodon] = []

    def factory() -> FakeMastodon:
        fake = FakeMastodon().start()
        started.append(fake)
        return fake

    yield factory
    for fake in started:
        fake.stop()


def _source(fake: FakeMastodon, name: str = "") -> dict[str, Any]:
    return {"instance": fake.url, "tag": "town", "interval_s": 1, "name": name}


def _serve(make_process_server: Callable[..., Server], *fakes: FakeMastodon) -> Server:
    sources = [_source(f, f"fake{i}") for i, f in enumerate(fakes)]
    server = make_process_server(
        sources={"mastodon": sources},
        upload={"max_bytes": SMALL_CAP},
        ingest={"workers": 2},
    )
    add_account(server, "op", "operator", PASSWORD)
    return server


def _pending(client: httpx.Client, status: str = "pending") -> list[dict[str, Any]]:
    answer = client.get("/api/moderation/queue", params={"status": status, "limit": 500})
    assert answer.status_code == 200, answer.text
    photos: list[dict[str, Any]] = answer.json()["photos"]
    return photos


def _health(client: httpx.Client) -> dict[str, dict[str, Any]]:
    answer = client.get("/api/sources")
    assert answer.status_code == 200, answer.text
    return {s["name"]: s for s in answer.json()["sources"]}


def _wait(what: str, check: Callable[[], Any], timeout: float = WAIT_S) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_posts_become_pending_photos_with_credit_and_bad_media_are_skipped(
    make_app_server: Callable[..., AppServer], fakes: Callable[[], FakeMastodon]
) -> None:
    fake = fakes()
    good = [fake.add_media(f"p{i}.jpg", data) for i, data in enumerate(sample_photos(5))]
    first = fake.add_post(good[:2], text="Feu d&#39;artifice<br>sur le port", display_name="")
    fake.add_post([good[2]], text="Plage", sensitive=True, username="bob", display_name="Bob")
    fake.add_post([good[3]], visibility="unlisted")
    fake.add_post([good[3]], visibility="private")
    bad = [fake.bad_media_url(kind) for kind in ("missing", "loop", "html", "huge")]
    mixed = fake.add_post([*bad, good[4]], text="Mixte")
    fake.behaviour.answer_429_once = 2.0  # the very first request

    server = _serve(make_app_server, fake)
    with login(server, "op", PASSWORD) as client:
        photos = _wait("4 pending photos", lambda: len(p := _pending(client)) >= 4 and p)
        by_ref = {p["source_ref"]: p for p in photos}
        assert set(by_ref) == {
            f"{first['uri']}#0",
            f"{first['uri']}#1",
            f"{fake.posts[1]['uri']}#0",
            f"{mixed['uri']}#4",
        }
        alice = by_ref[f"{first['uri']}#0"]
        assert alice["author"] == "alice @alice@127.0.0.1"
        assert alice["caption"] == "Feu d'artifice\nsur le port #town"
        assert alice["source"] == "fake0"
        bob = by_ref[f"{fake.posts[1]['uri']}#0"]
        assert bob["author"] == "Bob @bob@127.0.0.1"
        assert "sensitive" in bob["flags"] and "sensitive" not in alice["flags"]

        # The 429 was honoured: the next request came after its Retry-After.
        (t429, _, s429), (t_next, _, _) = fake.timeline_log[:2]
        assert s429 == 429 and t_next - t429 >= 1.9

        health = _wait(
            "the bad media recorded",
            lambda: (h := _health(client)["fake0"])["extra"].get("media_skipped") == "4" and h,
        )
        assert health["kind"] == "mastodon" and health["state"] == "ok"
        assert health["imported"] == 4 and health["last_success"]
        assert health["extra"]["cursor"] == mixed["id"]
        assert health["extra"]["last_status"] == "200"
        assert health["extra"]["last_media_error"].startswith(f"{mixed['uri']}#3: ")
        assert health["refused"] == 1  # the HTML page: sniffed and refused 415 by the pipeline
        assert fake.media_log.count("bad/loop") > 1 and "bad/huge" in fake.media_log

        # Malformed JSON: shown in the health, retried, and the server carries on.
        fake.behaviour.malformed_once = True
        _wait("the error shown", lambda: "malformed" in _health(client)["fake0"]["last_error"])
        shown = _health(client)["fake0"]  # the console words the code, never this English
        assert shown["last_error_code"] == "bad_answer"
        assert int(shown["last_error_params"]["wait"]) >= 0
        later = fake.add_post([fake.add_media("late.jpg", sample_photos(6)[5])], text="Après")
        _wait(
            "the later post", lambda: any(later["uri"] in p["source_ref"] for p in _pending(client))
        )
        assert _health(client)["fake0"]["state"] == "ok"
        assert server.alive() and client.get("/healthz").status_code == 200
        assert len(_pending(client)) == 5


def test_a_restart_mid_poll_neither_misses_nor_repeats_a_post(
    make_process_server: Callable[..., LiveServer], fakes: Callable[[], FakeMastodon]
) -> None:
    fake = fakes()
    fake.behaviour.page_size = 5  # several pages per poll: paging with max_id and the Link
    fake.behaviour.media_delay_s = 0.25  # a poll lasts long enough to be cut in the middle
    photos = sample_photos(20)
    for n in range(12):
        fake.add_post([fake.add_media(f"a{n}.jpg", photos[n])], text=f"post {n}")

    server = _serve(make_process_server, fake)
    with login(server, "op", PASSWORD) as client:
        _wait("a few imported", lambda: len(_pending(client)) >= 3)
    server.kill()  # mid-poll: no shutdown hook gets to save anything
    assert not server.alive()
    for n in range(12, 20):
        fake.add_post([fake.add_media(f"a{n}.jpg", photos[n])], text=f"post {n}")

    server.start()
    with login(server, "op", PASSWORD) as client:
        _wait("all 20 imported", lambda: len(_pending(client)) >= 20)
        polls = len(fake.timeline_log)
        _wait("two more polls", lambda: len(fake.timeline_log) >= polls + 2)
        refs = [p["source_ref"] for p in _pending(client)]
        assert sorted(refs) == sorted(f"{p['uri']}#0" for p in fake.posts)
        assert _pending(client, "rejected") == []  # none fetched twice and refused as duplicate
        assert _health(client)["fake0"]["extra"]["cursor"] == fake.posts[-1]["id"]
    assert any("max_id" in query for _, query, _ in fake.timeline_log)


def test_a_post_seen_through_two_instances_is_one_photo(
    make_app_server: Callable[..., AppServer], fakes: Callable[[], FakeMastodon]
) -> None:
    home, other = fakes(), fakes()
    url = home.add_media("shared.jpg", sample_photos(1)[0])
    original = home.add_post([url], text="Fédéré")
    other.add_post([url], text="Fédéré", uri=original["uri"])  # its federated copy
    home.behaviour.rate_remaining_zero_once = 3.0  # and home's rate limit is spent for 3 s

    server = _serve(make_app_server, home, other)
    with login(server, "op", PASSWORD) as client:
        _wait("both instances polled", lambda: len(home.timeline_log) >= 2)
        _wait("both cursors", lambda: all("cursor" in h["extra"] for h in _health(client).values()))
        assert [p["source_ref"] for p in _pending(client)] == [f"{original['uri']}#0"]
        assert _pending(client, "rejected") == []
    (first, _, _), (second, _, _) = home.timeline_log[:2]
    assert second - first >= 2.5  # waited for X-RateLimit-Reset


def test_caption_link_and_rate_limit_parsing() -> None:
    assert html_to_text("<p>a &amp; b</p><p>c<br/>d</p>") == "a & b\nc\nd"
    assert len(html_to_text("<p>" + "x" * 400 + "</p>")) == 280
    link = (
        '<https://m.example/api/v1/timelines/tag/t?max_id=41>; rel="next", <x?min_id=9>; rel="prev"'
    )
    assert next_max_id(link) == "41" and next_max_id(None) is None
    now = 1_700_000_000.0
    assert rate_limit_wait({"x-ratelimit-remaining": "3"}, now) == 0
    reset = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "2023-11-14T22:13:30Z"}
    assert 9 < rate_limit_wait(reset, now) < 11
    assert retry_after({"retry-after": "7"}, now) == 7


def _serve_one(make_server: Callable[..., AppServer], fake: FakeMastodon, token: str) -> AppServer:
    source = {**_source(fake, "closed"), "access_token": token}
    server = make_server(sources={"mastodon": [source]}, ingest={"workers": 2})
    add_account(server, "op", "operator", PASSWORD)
    return server


def test_a_timeline_closed_to_anonymous_readers_asks_for_a_token_then_works_with_one(
    make_app_server: Callable[..., AppServer], fakes: Callable[[], FakeMastodon]
) -> None:
    fake = fakes()
    fake.behaviour.hashtag_feeds = "authenticated"  # mastodon.social's setting since 4.4
    fake.behaviour.access_token = "good-token"
    fake.add_post([fake.add_media("p.jpg", sample_photos(1)[0])], text="Concert")

    anonymous = _serve_one(make_app_server, fake, "")
    with login(anonymous, "op", PASSWORD) as client:
        health = _wait(
            "the refusal explained",
            lambda: (h := _health(client)["closed"])["extra"].get("error_code") and h,
        )
        assert health["extra"]["error_code"] == "token_needed"
        assert health["state"] == "retrying" and "access_token" in health["last_error"]
        assert _pending(client) == []
    anonymous.stop()

    wrong = _serve_one(make_app_server, fake, "stale-token")
    with login(wrong, "op", PASSWORD) as client:
        health = _wait(
            "the bad token named",
            lambda: (h := _health(client)["closed"])["extra"].get("error_code") and h,
        )
        assert health["extra"]["error_code"] == "token_refused"
        assert "stale-token" not in str(health)  # a secret never reaches the console
    wrong.stop()

    signed_in = _serve_one(make_app_server, fake, "good-token")
    with login(signed_in, "op", PASSWORD) as client:
        photos = _wait("the post imported", lambda: _pending(client))
        assert [p["caption"] for p in photos] == ["Concert #town"]
        health = _health(client)["closed"]
        assert health["state"] == "ok" and "error_code" not in health["extra"]
    assert fake.media_auth_log and not any(fake.media_auth_log)  # the token stays with the API
    assert "good-token" not in signed_in.log()
