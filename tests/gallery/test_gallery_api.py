"""The gallery's API and pages, in-process (`create_app` through httpx's ASGI transport):
only approved photos whose consent covered online publication, newest first, paged by
cursor; 404 everywhere while `[gallery] enabled` is false; a photo sent under the consent
text of a wall without a gallery stays off it once the gallery is on; the two pages may be
framed by the wall and `embed_origins` only, every other page by no one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gallery.framing import frame_ancestors, origin_source
from tests.gallery.helpers import GALLERY_ON, Sent, console_snippet, ids, page, send
from tests.helpers.app_server import AppServer
from tests.helpers.pages import assert_no_inline_code
from wall.domain import ConsentScope, PhotoStatus
from wall.i18n import CONSENT_VERSION

OFFICE_SITE = "https://www.brive-tourisme.fr"


def _decide(server: AppServer, photo_id: str, status: PhotoStatus) -> None:
    services = server.app.state.services  # type: ignore[union-attr]
    server.call(services.lifecycle.transition(photo_id, status, "test-moderator"))


@pytest.fixture(scope="module")
def walls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """One data dir served first without a gallery (two photos approved then), then with
    it (three more): every test reads the second server, the first one's state kept."""
    root: Path = tmp_path_factory.mktemp("gallery-api")
    before = AppServer(root).start()
    with before.client() as client:
        old = [send(client, seed, caption=f"old {seed}") for seed in range(2)]
        refused = before.client().get("/galerie")
    for sent in old:
        _decide(before, sent.id, PhotoStatus.APPROVED)
    before.stop()
    server = AppServer(root, gallery={**GALLERY_ON, "embed_origins": [OFFICE_SITE]})
    server.start()
    # Who is speaking: the second lets the credit say it, the third does not.
    choices = [
        {},
        {"speaker": "resident", "speaker_in_credit": "true"},
        {"speaker": "visiting"},
        {},
    ]
    with server.client() as client:
        fresh = [
            send(client, 10 + seed, caption=f"new {seed}", author="Léa", **choices[seed])
            for seed in range(4)
        ]
    for sent in fresh[:3]:
        _decide(server, sent.id, PhotoStatus.APPROVED)
    try:
        yield {"server": server, "old": old, "fresh": fresh, "refused": refused}
    finally:
        server.stop()


def test_a_wall_without_gallery_answers_404_on_every_gallery_path(tmp_path: Path) -> None:
    server = AppServer(tmp_path).start()
    try:
        with server.client() as client:
            for path in (
                "/galerie",
                "/galerie/embed",
                "/api/gallery/photos",
                "/static/gallery/gallery.js",
            ):
                answer = client.get(path)
                assert answer.status_code == 404, (path, answer.status_code)
            # The rest of the wall is there, and still refuses every frame.
            home = client.get("/")
            assert home.status_code == 200
            assert 'id="gallery-snippet"' not in client.get("/console").text  # no card
            assert home.headers["x-frame-options"] == "DENY"
            assert "frame-ancestors 'none'" in home.headers["content-security-policy"]
        assert server.app is not None
        assert not any(getattr(route, "path", "") == "/ws/gallery" for route in server.app.routes)
    finally:
        server.stop()


def test_only_approved_online_consented_photos_newest_first(walls: dict) -> None:
    server: AppServer = walls["server"]
    fresh: list[Sent] = walls["fresh"]
    with server.client() as client:
        body = page(client)
    # The newest arrival first; the pending one and the two sent before the gallery absent.
    assert ids(body) == [fresh[2].id, fresh[1].id, fresh[0].id]
    assert body["next"] is None
    first = body["photos"][0]
    assert first["caption"] == "new 2" and first["author"] == "Léa"
    assert first["thumb"]["url"] == f"/media/thumb/{fresh[2].id}.jpg"
    assert first["thumb"]["width"] == 400 and first["thumb"]["height"] == 300
    assert first["display"]["url"] == f"/media/display/{fresh[2].id}.jpg"
    # Public data only: nothing that names the phone or the pipeline's findings.
    assert set(first) == {
        "id",
        "caption",
        "author",
        "created_at",
        "thumb",
        "display",
        "source_kind",
        "source_label",
        "source_url",
        "speaker",
    }
    # Who is speaking, only where the visitor ticked "show it with my name".
    assert [photo["speaker"] for photo in body["photos"]] == ["", "resident", ""]


def test_photos_sent_under_the_older_consent_text_stay_off(walls: dict) -> None:
    """The first two were approved with the gallery off: their consent did not name online
    publication (its text version says which text they saw), so they never appear."""
    server: AppServer = walls["server"]
    services = server.app.state.services  # type: ignore[union-attr]
    old_photo = server.call(services.store.photos.get(walls["old"][0].id))
    new_photo = server.call(services.store.photos.get(walls["fresh"][0].id))
    assert old_photo.status is PhotoStatus.APPROVED
    assert old_photo.consent.scopes == frozenset({ConsentScope.WALL})
    assert old_photo.consent.text_version == CONSENT_VERSION
    assert ConsentScope.ONLINE in new_photo.consent.scopes
    assert new_photo.consent.text_version != CONSENT_VERSION
    assert walls["refused"].status_code == 404  # and the gallery did not exist then
    with server.client() as client:
        assert not set(ids(page(client))) & {sent.id for sent in walls["old"]}


def test_pages_follow_the_cursor_without_repeats(walls: dict) -> None:
    server: AppServer = walls["server"]
    fresh: list[Sent] = walls["fresh"]
    with server.client() as client:
        first = page(client, limit=2)
        assert ids(first) == [fresh[2].id, fresh[1].id] and first["next"]
        # A photo approved between two pages goes to the top, not into the next page.
        _decide(server, fresh[3].id, PhotoStatus.APPROVED)
        second = page(client, limit=2, before=first["next"])
        assert ids(second) == [fresh[0].id] and second["next"] is None
        assert ids(page(client, limit=1)) == [fresh[3].id]
        _decide(server, fresh[3].id, PhotoStatus.REMOVED)  # taken down: off the gallery
        assert fresh[3].id not in ids(page(client))


def test_bad_paging_input_is_refused_clearly(walls: dict) -> None:
    server: AppServer = walls["server"]
    with server.client() as client:
        for params, field in (
            ({"before": "not-a-cursor"}, "before"),
            ({"before": "bm90fGFuLWlk"}, "before"),  # base64 of a text that is no cursor
            ({"limit": 0}, "limit"),
            ({"limit": 500}, "limit"),
            ({"limit": "many"}, "query.limit"),  # not a number: the generic wording
        ):
            answer = client.get("/api/gallery/photos", params=params)
            assert answer.status_code == 400, (params, answer.text)
            error = answer.json()["error"]
            assert error["code"] == "invalid_field" and error["field"] == field
            assert error["message"]
            if field != "query.limit":  # the gallery's own words, not the upload form's
                assert "280" not in error["message"], error["message"]


def test_a_deleted_photo_leaves_the_gallery(walls: dict) -> None:
    server: AppServer = walls["server"]
    fresh: list[Sent] = walls["fresh"]
    with server.client() as client:
        gone = client.delete(f"/api/photos/{fresh[0].id}", params={"token": fresh[0].token})
        assert gone.status_code == 204
        assert fresh[0].id not in ids(page(client))


@pytest.mark.parametrize("path", ["/galerie", "/galerie/embed"])
def test_the_gallery_pages_may_be_framed_by_the_office_site_only(walls: dict, path: str) -> None:
    server: AppServer = walls["server"]
    with server.client() as client:
        answer = client.get(path, headers={"Accept-Language": "en-GB,en;q=0.9"})
        french = client.get(path, params={"lang": "fr"})
    assert answer.status_code == 200
    assert answer.headers["content-language"] == "en"
    assert french.headers["content-language"] == "fr"
    policy = answer.headers["content-security-policy"]
    assert f"frame-ancestors 'self' {OFFICE_SITE};" in policy + ";"
    assert "x-frame-options" not in answer.headers
    imports = assert_no_inline_code(answer)  # the rest of the policy as every page's
    assert "/static/gallery/gallery.js" in imports and "/static/kit/page.js" in imports
    with server.client() as client:
        console = client.get("/console")
    assert console.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in console.headers["content-security-policy"]


def test_embed_origins_are_origins_only() -> None:
    assert origin_source("https://www.brive-tourisme.fr/") == "https://www.brive-tourisme.fr"
    assert origin_source("http://127.0.0.1:8123") == "http://127.0.0.1:8123"
    assert origin_source("https://*.brive.fr") == "https://*.brive.fr"
    for bad in (
        "www.brive.fr",
        "https://a.fr/page",
        "https://a.fr; script-src *",
        "*",
        "javascript:alert(1)",
        "https://a.fr 'unsafe-inline'",
        "https://u@a.fr",
    ):
        assert origin_source(bad) is None, bad
    assert frame_ancestors(["https://a.fr", "https://a.fr/", "nonsense"]) == (
        "frame-ancestors 'self' https://a.fr"
    )


def test_the_console_gives_the_snippet_to_copy(walls: dict) -> None:
    server: AppServer = walls["server"]
    public_url = server.app.state.settings.wall.public_url  # type: ignore[union-attr]
    for lang, title in (
        ("fr", "Les photos de Mur participatif"),
        ("en", "Photos of Mur participatif"),
    ):
        with server.client() as client:
            shell = client.get("/console", params={"lang": lang}).text
        snippet = console_snippet(shell)
        assert snippet == (
            f'<iframe src="{public_url}/galerie/embed?lang={lang}" title="{title}" '
            'width="100%" height="640" style="border:0" loading="lazy"></iframe>'
        )
        assert OFFICE_SITE in shell  # the sites allowed to show it, named
