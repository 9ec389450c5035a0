"""The Bluesky source inside the app, against a Jetstream, an AppView and a CDN on loopback
that speak the real services' shapes (`tests.helpers.fake_bluesky`)."""

from __future__ import annotations

import io
import random
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from PIL import Image
from pydantic import ValidationError

from ingest.sources.bluesky import subscribe_url
from ingest.sources.bluesky_records import (
    post_from_event,
    post_from_record,
    post_from_view,
    text_tags,
)
from tests.helpers.accounts import add_account, login
from tests.helpers.app_server import AppServer
from tests.helpers.fake_bluesky import (
    FakeBlueskyHttp,
    FakeJetstream,
    image_blob,
    post_record,
    post_view,
)
from tests.helpers.fake_mastodon import sample_photos
from tests.helpers.server import free_port
from wall.config import Settings
from wall.display_feed import source_credits
from wall.i18n import NBSP
from wall.schemas import WallPhoto

PASSWORD = "a long operator passphrase"
WAIT_S = 30.0
CAP = 600_000  # the upload limit: the samples pass, a noisy 2 MP JPEG does not


@pytest.fixture
def jetstream() -> Iterator[FakeJetstream]:
    fake = FakeJetstream().start()
    yield fake
    fake.stop()


@pytest.fixture
def bsky() -> Iterator[FakeBlueskyHttp]:
    fake = FakeBlueskyHttp().start()
    yield fake
    fake.stop()


def _too_big_jpeg() -> bytes:
    """A real JPEG over `CAP`: noise does not compress."""
    noise = random.Random(7).randbytes(1600 * 1200 * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (1600, 1200), noise).save(out, "JPEG", quality=95)
    assert len(out.getvalue()) > CAP
    return out.getvalue()


def _serve(
    make_app_server: Callable[..., AppServer], bsky: FakeBlueskyHttp, **source: Any
) -> AppServer:
    config = {"tag": "Town", "name": "bsky", "appview": bsky.url, "cdn": bsky.cdn, **source}
    server = make_app_server(
        sources={"bluesky": [config]}, upload={"max_bytes": CAP}, ingest={"workers": 2}
    )
    add_account(server, "op", "operator", PASSWORD)
    return server


def _pending(client: httpx.Client) -> list[dict[str, Any]]:
    answer = client.get("/api/moderation/queue", params={"status": "pending", "limit": 500})
    assert answer.status_code == 200, answer.text
    photos: list[dict[str, Any]] = answer.json()["photos"]
    return photos


def _health(client: httpx.Client) -> dict[str, Any]:
    answer = client.get("/api/sources")
    assert answer.status_code == 200, answer.text
    sources = {s["name"]: s for s in answer.json()["sources"]}
    health: dict[str, Any] = sources["bsky"]
    return health


def _wait(what: str, check: Callable[[], Any], timeout: float = WAIT_S) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _link(event: dict[str, Any], index: int = 0) -> str:
    return f"https://bsky.app/profile/{event['did']}/post/{event['commit']['rkey']}#{index}"


def test_tagged_posts_with_images_reach_the_queue_with_their_credit(
    make_app_server: Callable[..., AppServer], jetstream: FakeJetstream, bsky: FakeBlueskyHttp
) -> None:
    refused = f"ws://127.0.0.1:{free_port()}/subscribe"  # nothing listens: refused at once
    server = _serve(make_app_server, bsky, jetstream=[refused, jetstream.url])
    alice = bsky.person("alice.bsky.social", "Alice Martin")
    carol = bsky.person("carol.example.org")
    bob = bsky.person("bob.bsky.social", "Bob")
    nsfw = bsky.person("night.bsky.social", "Night")
    hidden = bsky.person("shy.bsky.social", "Shy", labels=("!no-unauthenticated",))
    photos = sample_photos(9, long_edge=640)
    with login(server, "op", PASSWORD) as client:
        _wait("the second host followed", lambda: jetstream.connections)
        failover = _health(client)
        assert failover["last_error_code"] == "jetstream_unreachable"
        assert failover["last_error_params"]["host"] == urlsplit(refused).netloc
        assert jetstream.connections[0]["wantedCollections"] == ["app.bsky.feed.post"]
        assert "cursor" not in jetstream.connections[0]  # a first run starts from now

        text = "Feu d'artifice sur le port #Town 🎆"
        first = jetstream.post(
            alice,
            post_record(text, facet_tags=("Town",), images=(bsky.photo(alice, photos[0]),)),
        )
        jetstream.post(bob, post_record("Pas de mot-dièse", images=(bsky.photo(bob, photos[1]),)))
        jetstream.emit({"did": bob, "kind": "identity", "identity": {"did": bob, "seq": 1}})
        jetstream.post(bob, post_record("#town sans photo", facet_tags=("town",)))
        jetstream.emit(  # a like of the first post: not a post at all
            {
                "did": bob,
                "kind": "commit",
                "commit": {
                    "rev": "3lx",
                    "operation": "create",
                    "collection": "app.bsky.feed.like",
                    "rkey": "3lxlike",
                    "record": {"$type": "app.bsky.feed.like", "subject": {"uri": "at://x"}},
                },
            }
        )
        two = (bsky.photo(carol, photos[2]), bsky.photo(carol, photos[3]))
        quoted = jetstream.post(  # the tag only in the text, images beside a quoted post
            carol, post_record("Deux vues du quai #TOWN.", images=two, quote=True)
        )
        labelled = jetstream.post(
            nsfw,
            post_record(
                "#town",
                facet_tags=("town",),
                images=(bsky.photo(nsfw, photos[4]),),
                labels=("porn",),
            ),
        )
        jetstream.post(
            hidden,
            post_record("#town", facet_tags=("town",), images=(bsky.photo(hidden, photos[5]),)),
        )
        missing = image_blob("bafkreimissing", 1000)  # the CDN answers 404
        lost = jetstream.post(alice, post_record("#town", facet_tags=("town",), images=(missing,)))
        big = bsky.photo(alice, _too_big_jpeg())
        huge = jetstream.post(alice, post_record("#town gros", facet_tags=("town",), images=(big,)))
        stranger = "did:plc:notontheappview"  # its profile cannot be had: no name credited
        unnamed = jetstream.post(
            stranger,
            post_record("#town", facet_tags=("town",), images=(bsky.photo(stranger, photos[7]),)),
        )
        last = jetstream.post(
            alice,
            post_record(
                "Encore #town", facet_tags=("town",), images=(bsky.photo(alice, photos[6]),)
            ),
        )

        pending = _wait("5 photos", lambda: len(p := _pending(client)) >= 5 and p)
        by_ref = {p["source_ref"]: p for p in pending}
        expected = [_link(first), _link(quoted, 0), _link(quoted, 1), _link(unnamed), _link(last)]
        assert set(by_ref) == set(expected)
        assert by_ref[_link(unnamed)]["author"] == ""
        assert by_ref[_link(first)]["author"] == "Alice Martin"
        assert by_ref[_link(first)]["caption"] == text
        assert by_ref[_link(first)]["source"] == "bsky"
        assert by_ref[_link(quoted, 1)]["author"] == "@carol.example.org"  # no display name
        health = _wait(
            "the last post's cursor",
            lambda: (h := _health(client))["extra"].get("cursor") == str(last["time_us"]) and h,
        )
        assert health["kind"] == "bluesky" and health["state"] == "ok"
        assert health["imported"] == 5
        assert health["extra"]["profile_failures"] == "1"
        assert health["extra"]["label_skipped"] == "2"  # the self-label, the shy account
        assert health["extra"]["media_skipped"] == "2"  # the 404 and the blob over the cap
        assert health["extra"]["last_media_error"].startswith(_link(huge))
        assert health["extra"]["host"] == urlsplit(jetstream.url).netloc
        assert not any(key.startswith(nsfw) for key in bsky.cdn_log)  # never even fetched
        assert f"{lost['did']}/bafkreimissing" in bsky.cdn_log
        assert bsky.profile_log.count(alice) == 1  # three of her posts, one lookup
        assert labelled["did"] not in bsky.profile_log
        assert len(_pending(client)) == 5


def test_a_restart_mid_stream_neither_misses_nor_repeats_a_post(
    make_app_server: Callable[..., AppServer], jetstream: FakeJetstream, bsky: FakeBlueskyHttp
) -> None:
    bsky.cdn_delay_s = 0.15  # imports take a while: the stop comes in the middle of them
    dana = bsky.person("dana.bsky.social", "Dana")
    photos = sample_photos(9, long_edge=640)
    server = _serve(make_app_server, bsky, jetstream=[jetstream.url])
    posts = []
    with login(server, "op", PASSWORD) as client:
        _wait("connected", lambda: jetstream.connections)
        for n in range(6):
            jetstream.post(dana, post_record(f"bruit {n}"))  # untagged chatter in between
            record = post_record(
                f"Photo {n} #town", facet_tags=("town",), images=(bsky.photo(dana, photos[n]),)
            )
            posts.append(jetstream.post(dana, record))
        _wait("a few imported", lambda: len(_pending(client)) >= 2)
    server.stop()  # mid-stream: more posts were coming
    for n in range(6, 9):
        record = post_record(
            f"Photo {n} #town", facet_tags=("town",), images=(bsky.photo(dana, photos[n]),)
        )
        posts.append(jetstream.post(dana, record))

    server.start()
    with login(server, "op", PASSWORD) as client:
        _wait("all 9 imported", lambda: len(_pending(client)) >= 9)
        _wait(
            "the last cursor",
            lambda: _health(client)["extra"].get("cursor") == str(posts[-1]["time_us"]),
        )
        refs = sorted(p["source_ref"] for p in _pending(client))
        assert refs == sorted(_link(post) for post in posts)
    assert len(jetstream.connections) == 2
    resumed = int(jetstream.connections[1]["cursor"][0])  # where the first run had stopped
    done_before = [p for p in posts if p["time_us"] <= resumed]
    assert 2 <= len(done_before) < 9  # resumed there, not from the start nor from now
    blobs = {
        f"{dana}/{post['commit']['record']['embed']['images'][0]['image']['ref']['$link']}"
        for post in posts
    }
    assert set(bsky.cdn_log) == blobs
    # A replayed post is recognised before its image is asked for; only an import the stop
    # cut in the middle is fetched again.
    assert len(bsky.cdn_log) <= len(blobs) + 1


def test_a_dropped_stream_resumes_from_its_cursor_on_the_next_host(
    make_app_server: Callable[..., AppServer], bsky: FakeBlueskyHttp
) -> None:
    first, second = FakeJetstream().start(), FakeJetstream().start()
    try:
        eve = bsky.person("eve.bsky.social", "Eve")
        photos = sample_photos(4, long_edge=640)
        server = _serve(make_app_server, bsky, jetstream=[first.url, second.url])
        with login(server, "op", PASSWORD) as client:
            _wait("connected", lambda: first.connections)
            posts = []
            for n in range(2):
                record = post_record(
                    f"#town {n}", facet_tags=("town",), images=(bsky.photo(eve, photos[n]),)
                )
                posts.append(first.post(eve, record))
                second.emit(posts[-1])  # the hosts carry the same network
            _wait("two imported", lambda: len(_pending(client)) >= 2)
            # The first host goes away; the same network's events go on on the second.
            first.stop()
            for n in range(2, 4):
                record = post_record(
                    f"#town {n}", facet_tags=("town",), images=(bsky.photo(eve, photos[n]),)
                )
                posts.append(second.post(eve, record))
            _wait("four imported", lambda: len(_pending(client)) >= 4)
            health = _health(client)
            assert health["extra"]["host"] == urlsplit(second.url).netloc
            assert sorted(p["source_ref"] for p in _pending(client)) == sorted(
                _link(p) for p in posts
            )
            rewound = int(second.connections[0]["cursor"][0])
            assert rewound < posts[1]["time_us"]  # a few seconds earlier: hosts differ a little
    finally:
        second.stop()


def test_app_password_search_imports_tagged_posts_and_signs_in_again_when_expired(
    make_app_server: Callable[..., AppServer], bsky: FakeBlueskyHttp
) -> None:
    fay = bsky.person("fay.bsky.social", "Fay")
    photos = sample_photos(3, long_edge=640)
    views = [
        post_view(
            fay,
            "fay.bsky.social",
            f"3lsearch{n}",
            post_record(f"#town {n}", facet_tags=("town",), images=(bsky.photo(fay, photos[n]),)),
            f"2026-12-04T10:0{n}:00.000Z",
        )
        for n in range(3)
    ]
    views.append(
        post_view(
            fay,
            "fay.bsky.social",
            "3lsearchnsfw",
            post_record(
                "#town",
                facet_tags=("town",),
                images=(bsky.photo(fay, photos[0]),),
                labels=("nudity",),
            ),
            "2026-12-04T10:09:00.000Z",
        )
    )
    bsky.search_posts.extend(views[:2])
    wrong = _serve(
        make_app_server, bsky, identifier=bsky.identifier, app_password="wrong", pds=bsky.url
    )
    with login(wrong, "op", PASSWORD) as client:
        refused = _wait("the refusal", lambda: (h := _health(client))["last_error_code"] and h)
        assert refused["last_error_code"] == "login_refused" and refused["state"] == "retrying"
        assert "wrong" not in str(refused)
    wrong.stop()

    server = _serve(
        make_app_server,
        bsky,
        identifier=bsky.identifier,
        app_password=bsky.app_password,
        pds=bsky.url,
        interval_s=5,
    )
    with login(server, "op", PASSWORD) as client:
        _wait("two imported", lambda: len(_pending(client)) >= 2)
        bsky.search_posts.extend(views[2:])
        _wait("the third", lambda: len(_pending(client)) >= 3, timeout=15)
        refs = sorted(p["source_ref"] for p in _pending(client))
        assert refs == sorted(
            f"https://bsky.app/profile/{fay}/post/3lsearch{n}#0" for n in range(3)
        )
        # The self-labelled post, newest, is passed over after the third is in: then the
        # cursor stands at it.
        last = "2026-12-04T10:09:00.000Z"
        _wait("the cursor at the newest post", lambda: _health(client)["extra"]["cursor"] == last)
    assert bsky.sessions >= 2  # the first session expired after one search: signed in again
    assert all(q["tag"] == "Town" and q["sort"] == "latest" for q in bsky.search_log)


def test_records_hashtags_images_and_labels() -> None:
    assert text_tags("Soir #Town. #42 #été, (#x) a#b #c#d") == {"town", "été", "c"}
    blob = image_blob("bafkreione", 10)
    legacy = {"image": {"cid": "bafkreilegacy", "mimeType": "image/jpeg"}}
    record = post_record("photo", images=(blob, legacy), quote=True, labels=("gore",))
    record["tags"] = ["Town"]
    event = {"did": "did:plc:a", "time_us": 5, "kind": "commit"}
    event["commit"] = {"operation": "create", "collection": "app.bsky.feed.post", "rkey": "k"}
    event["commit"]["record"] = record
    post = post_from_event(event)
    assert post is not None and post.tagged("#town") and post.time_us == 5
    assert post.image_cids == ("bafkreione", "bafkreilegacy") and post.blocked_by_label
    assert post.at_uri == "at://did:plc:a/app.bsky.feed.post/k"
    like = {**event["commit"], "collection": "app.bsky.feed.like"}
    assert post_from_event({**event, "commit": like}) is None
    for other in ("update", "delete"):
        assert post_from_event({**event, "commit": {**event["commit"], "operation": other}}) is None
    assert post_from_event({**event, "kind": "account"}) is None
    view = post_view("did:plc:a", "a.test", "k", post_record("x" * 400), "2026-01-01T00:00:00Z")
    viewed = post_from_view(view)
    assert viewed is not None and len(viewed.caption) == 280 and not viewed.image_cids
    lines = post_from_record("did:plc:a", "k", post_record(" Feu  d'artifice\n\n sur le port "))
    assert lines is not None and lines.caption == "Feu d'artifice\nsur le port"
    url = subscribe_url("wss://jetstream.example", 1725519626134432)
    assert url == (
        "wss://jetstream.example/subscribe?wantedCollections=app.bsky.feed.post"
        "&maxMessageSizeBytes=1000000&cursor=1725519626134432"
    )


def test_config_defaults_to_bluesky_and_the_wall_credits_the_network() -> None:
    settings = Settings.model_validate({"sources": {"bluesky": [{"tag": "#murbrive"}]}})
    (config,) = settings.sources.bluesky
    assert config.name == "bluesky" and config.appview == "https://public.api.bsky.app"
    assert all(url.startswith("wss://jetstream") for url in config.jetstream)
    assert len(config.jetstream) == 4
    assert config.cdn == "https://cdn.bsky.app/img/feed_fullsize/plain/{did}/{cid}@jpeg"
    credit = source_credits(settings)["bluesky"]
    assert (credit.kind, credit.label) == ("bluesky", "#murbrive")
    from display.credits import credit_line  # the display's words for that credit

    shown = WallPhoto.model_validate(
        {
            "id": "p",
            "caption": "",
            "author": "Alice Martin",
            "source": "bluesky",
            "contributor": "bluesky:did:plc:a",
            "created_at": "2026-07-14T21:00:00Z",
            "approved_at": "2026-07-14T21:01:00Z",
            "width": 4,
            "height": 3,
            "mean_lab": (50, 0, 0),
            "urls": {},
            "source_kind": credit.kind,
            "source_label": credit.label,
        }
    )
    assert credit_line(shown, "fr").replace(NBSP, " ") == (
        "Photo : Alice Martin · #murbrive sur Bluesky"
    )
    assert credit_line(shown, "en") == "Photo: Alice Martin · #murbrive on Bluesky"
    for wrong in (
        {"tag": "town", "jetstream": ["https://jetstream.example"]},
        {"tag": "town", "cdn": "https://cdn.example/{cid}"},
        {"tag": "town", "identifier": "me.bsky.social"},  # no app_password
        {"tag": "two words"},
    ):
        with pytest.raises(ValidationError):
            Settings.model_validate({"sources": {"bluesky": [wrong]}})
