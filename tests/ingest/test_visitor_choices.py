"""The visitor's choices through `POST /api/photos` (in-process app): what the consent covers,
who is speaking, and the print rendition kept only for a photo consented to print: full size,
upright, sRGB, with nothing of the original's metadata, and never served."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import httpx
import numpy as np
import pytest
from PIL import ImageCms

from display.credits import credit_line
from tests.helpers import images
from tests.helpers.accounts import add_account, login
from tests.helpers.app_server import AppServer
from tests.helpers.uploads import accepted, assert_refused, post
from wall.domain import ConsentScope, Photo, RenditionKind, Speaker
from wall.i18n import CONSENT_VERSION, CONSENT_VERSION_ONLINE, NBSP
from wall.schemas import WallPhoto

SENT = (2400, 1600)  # stored sideways (orientation 6): upright it is 1600 × 2400
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-'
    b'rdf-syntax-ns#"><rdf:Description photoshop:City="Brive"/></rdf:RDF></x:xmpmeta>'
)


@pytest.fixture(scope="module")
def walls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, AppServer]]:
    """One wall without the online gallery (the default), one with it."""
    off = AppServer(tmp_path_factory.mktemp("gallery-off")).start()
    on = AppServer(tmp_path_factory.mktemp("gallery-on"), gallery={"enabled": True}).start()
    try:
        yield {"off": off, "on": on}
    finally:
        off.stop()
        on.stop()


@pytest.fixture(scope="module")
def wall(walls: dict[str, AppServer]) -> AppServer:
    return walls["off"]


@pytest.fixture
def client(wall: AppServer) -> Iterator[httpx.Client]:
    with wall.client() as http:
        yield http


def _stored(server: AppServer, photo_id: str) -> Photo:
    photo = server.call(server.app.state.services.store.photos.get(photo_id))  # type: ignore[union-attr]
    assert photo is not None
    return photo


def _file(server: AppServer, photo: Photo, kind: RenditionKind) -> bytes:
    media = server.app.state.services.store.media  # type: ignore[union-attr]
    return bytes(media.read(photo.renditions[kind].key))


def _phone_photo() -> bytes:
    """What a phone sends: sideways pixels with a red band on the stored top, an orientation
    and a GPS fix in EXIF, the city in XMP, and a colour profile that swaps red and green (so
    that a file converted to sRGB shows the band green)."""
    return images.jpeg(
        images.red_top_band(SENT),
        exif=images.exif_with_gps(6),
        icc_profile=images.channel_swapping_icc(),
        xmp=XMP,
    )


def _segments(data: bytes) -> list[bytes]:
    """The JPEG's marker segments before the image data: (marker, payload start)."""
    found, at = [], 2
    while data[at] == 0xFF and data[at + 1] not in (0xDA, 0xD9):
        length = int.from_bytes(data[at + 2 : at + 4], "big")
        found.append(data[at + 1 : at + 2] + data[at + 4 : at + 4 + 14])
        at += 2 + length
    return found


def test_print_consent_keeps_a_full_size_upright_srgb_print_without_metadata(
    wall: AppServer, client: httpx.Client
) -> None:
    sent = _phone_photo()
    photo_id, token = accepted(post(client, sent, consent_print="true"))
    photo = _stored(wall, photo_id)
    assert photo.consent is not None
    assert photo.consent.scopes == {ConsentScope.WALL, ConsentScope.PRINT}
    printed = photo.renditions[RenditionKind.PRINT]
    assert (printed.width, printed.height) == (1600, 2400)  # every pixel sent, upright
    assert photo.renditions[RenditionKind.DISPLAY].height == 1920

    data = _file(wall, photo, RenditionKind.PRINT)
    assert printed.size == len(data)
    image = images.open_bytes(data)
    assert (image.format, image.size, image.mode) == ("JPEG", (1600, 2400), "RGB")
    # Nothing of the original's metadata: no EXIF (orientation, GPS), no XMP, no comment.
    assert not image.getexif() and "exif" not in image.info and "xmp" not in image.info
    assert b"Exif\0\0" not in data and b"adobe:ns:meta" not in data and b"Brive" not in data
    markers = [segment[:1] for segment in _segments(data)]
    assert b"\xe1" not in markers and b"\xfe" not in markers  # no APP1 (EXIF/XMP), no COM
    # Only the colour space is said, and it is sRGB: the swapped profile was applied.
    profile = ImageCms.ImageCmsProfile(io.BytesIO(image.info["icc_profile"]))
    assert "sRGB" in ImageCms.getProfileDescription(profile)
    pixels = np.asarray(image, dtype=np.int16)
    band, body = pixels[1200, -40], pixels[1200, 40]  # the stored top is now on the right
    assert band[1] > 200 and band[0] < 60 and band[2] < 60, band  # the red, seen as green
    assert body[2] > 200 and body[0] < 60, body  # the blue stays blue

    # Never served, to anyone: not with the receipt, not to the display.
    for params in ({"token": token}, {"token": wall.display_token}, {}):
        assert client.get(f"/media/print/{photo_id}.jpg", params=params).status_code == 404
    assert client.get(f"/media/display/{photo_id}.jpg", params={"token": token}).status_code == 200


def test_without_print_consent_no_print_rendition_is_kept(
    wall: AppServer, client: httpx.Client
) -> None:
    photo_id, _ = accepted(post(client, images.oriented_gps_jpeg(SENT)))
    photo = _stored(wall, photo_id)
    assert set(photo.renditions) == {RenditionKind.DISPLAY, RenditionKind.THUMB, RenditionKind.TILE}
    assert photo.consent is not None and photo.consent.scopes == {ConsentScope.WALL}
    assert photo.consent.text_version == CONSENT_VERSION  # the page's text, when not said
    assert (photo.speaker, photo.speaker_in_credit) == (Speaker.UNSAID, False)
    untick = post(client, images.distinctive_jpeg(seed=41), consent_print="false")
    assert RenditionKind.PRINT not in _stored(wall, accepted(untick)[0]).renditions


def test_who_is_speaking_is_kept_and_shown_only_when_ticked(
    wall: AppServer, client: httpx.Client
) -> None:
    said = post(
        client,
        images.distinctive_jpeg(seed=42),
        speaker="newcomer",
        speaker_in_credit="true",
        consent_version="2026-12-04.2",
    )
    photo = _stored(wall, accepted(said)[0])
    assert (photo.speaker, photo.speaker_in_credit) == (Speaker.NEWCOMER, True)
    assert photo.consent is not None and photo.consent.text_version == "2026-12-04.2"
    quiet = _stored(
        wall, accepted(post(client, images.distinctive_jpeg(seed=43), speaker="visiting"))[0]
    )
    assert (quiet.speaker, quiet.speaker_in_credit) == (Speaker.VISITING, False)
    nothing_said = post(client, images.distinctive_jpeg(seed=44), speaker_in_credit="true")
    unsaid = _stored(wall, accepted(nothing_said)[0])
    assert (unsaid.speaker, unsaid.speaker_in_credit) == (Speaker.UNSAID, False)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("speaker", "tourist"),
        ("speaker", "visiting,resident"),
        ("consent_print", "maybe"),
        ("speaker_in_credit", "2"),
    ],
)
def test_a_bad_choice_is_a_400_naming_its_field(
    client: httpx.Client, field: str, value: str
) -> None:
    response = post(client, images.distinctive_jpeg(seed=45), **{field: value})
    assert_refused(response, 400, "invalid_field")
    error = response.json()["error"]
    assert error["field"] == field
    generic = client.post("/api/photos", data={"consent": "true"}).json()["error"]["message"]
    assert error["message"] != generic  # the field's own words, not the caption's limits
    english = post(client, images.distinctive_jpeg(seed=45), lang="en", **{field: value})
    assert english.status_code == 400


def test_online_is_consented_only_while_the_gallery_is_on(walls: dict[str, AppServer]) -> None:
    on, off = walls["on"], walls["off"]
    with on.client() as http:
        current = _stored(on, accepted(post(http, images.distinctive_jpeg(seed=46)))[0])
        assert current.consent is not None
        assert current.consent.text_version == CONSENT_VERSION_ONLINE
        assert current.consent.scopes == {ConsentScope.WALL, ConsentScope.ONLINE}
        # A page loaded before the gallery was switched on showed the wall-only text.
        stale = post(http, images.distinctive_jpeg(seed=47), consent_version=CONSENT_VERSION)
        older = _stored(on, accepted(stale)[0])
        assert older.consent is not None and older.consent.scopes == {ConsentScope.WALL}
        both = post(
            http,
            images.distinctive_jpeg(seed=48),
            consent_version=CONSENT_VERSION_ONLINE,
            consent_print="on",
        )
        everything = _stored(on, accepted(both)[0])
        assert everything.consent is not None
        assert everything.consent.scopes == set(ConsentScope)
    with off.client() as http:
        late = post(http, images.distinctive_jpeg(seed=49), consent_version=CONSENT_VERSION_ONLINE)
        photo = _stored(off, accepted(late)[0])
        assert photo.consent is not None and photo.consent.scopes == {ConsentScope.WALL}


def test_the_page_names_online_publication_only_while_the_gallery_is_on(
    walls: dict[str, AppServer],
) -> None:
    for name, version, online in (
        ("on", CONSENT_VERSION_ONLINE, True),
        ("off", CONSENT_VERSION, False),
    ):
        with walls[name].client() as http:
            french = http.get("/").text
            english = http.get("/", params={"lang": "en"}).text
        assert f'data-consent-version="{version}"' in french
        assert ("galerie en ligne" in _consent_sentence(french)) is online
        assert ("online gallery" in _consent_sentence(english)) is online
        # The choices are plain form fields: what the form posts is what the API reads.
        assert 'name="consent_print" value="true"' in french
        assert 'name="speaker_in_credit" value="true"' in french
        for speaker in Speaker:
            assert f'name="speaker"\n             value="{speaker.value}"' in french


def _consent_sentence(html: str) -> str:
    found = re.search(r'<label for="consent" id="consent-text">([^<]*)</label>', html)
    assert found, "no consent sentence on the page"
    return found.group(1)


def test_credits_say_who_is_speaking_only_when_the_visitor_let_them(
    wall: AppServer, client: httpx.Client
) -> None:
    """The moderation queue and the display feed carry it; the wall's credit appends it."""
    told = post(
        client,
        images.distinctive_jpeg(seed=50),
        author="Ana",
        speaker="resident",
        speaker_in_credit="true",
    )
    kept = post(client, images.distinctive_jpeg(seed=51), author="Bo", speaker="visiting")
    ids = {accepted(told)[0]: "resident", accepted(kept)[0]: ""}
    add_account(wall, "credits-mod", "moderator", "a long enough password")
    with login(wall, "credits-mod", "a long enough password") as moderator:
        queue = moderator.get("/api/moderation/queue", params={"limit": 200}).json()["photos"]
        assert {p["id"]: p["speaker"] for p in queue if p["id"] in ids} == ids
        for photo in queue:
            if photo["id"] in ids:
                decision = {"decision": "approve", "version": photo["version"]}
                answer = moderator.post(
                    f"/api/moderation/photos/{photo['id']}/decision", json=decision
                )
                assert answer.status_code == 200, answer.text
    feed = client.get("/api/wall/photos", params={"token": wall.display_token}).json()
    shown = {p["id"]: WallPhoto.model_validate(p) for p in feed["photos"] if p["id"] in ids}
    assert {pid: p.speaker for pid, p in shown.items()} == ids
    credits = sorted(credit_line(p, "fr").replace(NBSP, " ") for p in shown.values())
    assert credits == ["Photo : Ana · habite ici", "Photo : Bo"]
    assert sorted(credit_line(p, "en") for p in shown.values()) == [
        "Photo: Ana · lives here",
        "Photo: Bo",
    ]
