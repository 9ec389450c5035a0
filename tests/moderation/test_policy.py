"""Auto-checks: what gets flagged for the moderators, and who gets throttled."""

import io
import sqlite3

import pytest
from PIL import Image

from moderation.blocklist import Blocklist, builtin_terms, normalise
from moderation.near_duplicates import NearDuplicateIndex
from tests.conftest import SAMPLES_DIR
from tests.helpers.app_server import AppServer


@pytest.mark.parametrize(
    "caption",
    ["Quel C0NN4RD !", "côññard", "coooonnard", "c o n n a r d", "what the FUCK", "b!tch"],
)
def test_disguised_insults_are_flagged(caption: str) -> None:
    assert Blocklist(builtin_terms()).matches(caption)


@pytest.mark.parametrize(
    "caption", ["Scunthorpe", "Vue sur la Corrèze !", "Nice view!", "Le marché de Brive", ""]
)
def test_ordinary_captions_are_not_flagged(caption: str) -> None:
    assert Blocklist(builtin_terms()).matches(caption) == []


def test_config_terms_are_matched_like_builtin_ones() -> None:
    blocklist = Blocklist(["Mauvais Goût"])
    assert blocklist.matches("quel mauvais gout") == [normalise("Mauvais Goût")]


@pytest.mark.parametrize(
    ("caption", "marked"),
    [
        ("Quel C0NN4RD !", ["C0NN4RD"]),
        ("côññard", ["côññard"]),
        ("oh le coooonnard 😀 là", ["coooonnard"]),
        ("oh c o n n a r d", ["c o n n a r d"]),
        ("what the FUCK, b!tch", ["FUCK", "b!tch"]),
        ("quel  Mauvais   Goût, non", ["Mauvais   Goût"]),
        ("Scunthorpe, vue sur la Corrèze !", []),
    ],
)
def test_the_blocked_words_are_found_where_they_were_written(
    caption: str, marked: list[str]
) -> None:
    blocklist = Blocklist([*builtin_terms(), "mauvais goût"])
    assert [caption[start:end] for start, end in blocklist.spans(caption)] == marked
    assert bool(blocklist.matches(caption)) == bool(marked)  # the flag and the marks agree


def test_a_photo_asks_which_other_photo_it_resembles() -> None:
    index = NearDuplicateIndex()
    index.load([("original", 0b1111_0000), ("far", 0xFFFF_0000_FFFF_0000)])
    index.add("copy", 0b1111_0001)
    assert index.nearest(0b1111_0001) == ("copy", 0)  # itself, when not excluded
    assert index.nearest(0b1111_0001, exclude="copy") == ("original", 1)
    lonely = NearDuplicateIndex()
    lonely.add("only", 0xAB)
    assert lonely.nearest(0xAB, exclude="only") is None


def test_near_duplicate_index_finds_the_closest_hash() -> None:
    index = NearDuplicateIndex()
    assert index.nearest(0xFF) is None
    index.load([("a", 0b1111_0000), ("b", 0xFFFF_0000_FFFF_0000)])
    index.add("c", 0b1111_0011)
    assert index.nearest(0b1111_0001) == ("a", 1)
    for i in range(3000):  # grows past its initial capacity
        index.add(f"x{i}", (i * 0x9E3779B97F4A7C15) & 0xFFFF_FFFF_FFFF_FFFF)
    assert index.nearest(0xFFFF_0000_FFFF_0000) == ("b", 0)
    assert len(index) == 3003


def test_a_forgotten_photo_is_no_longer_anyones_near_duplicate() -> None:
    index = NearDuplicateIndex()
    index.load([("a", 0b1111_0000), ("b", 0xFFFF_0000_FFFF_0000), ("c", 0xAAAA)])
    index.forget("a")
    index.forget("unknown")  # a photo that never had a hash: nothing to do
    assert len(index) == 2
    assert index.nearest(0b1111_0000) != ("a", 0)
    assert index.nearest(0xFFFF_0000_FFFF_0000) == ("b", 0)
    assert index.nearest(0xAAAA) == ("c", 0)  # the one moved into the hole still answers


def test_a_deleted_photo_sent_again_is_not_a_duplicate(make_app_server) -> None:  # type: ignore[no-untyped-def]
    """A contributor who deleted a photo and sends it again has erased the first one: its
    hash must not linger in memory to flag the second."""
    server: AppServer = make_app_server()
    original = Image.open(SAMPLES_DIR / "rocket.jpg")
    with server.client() as client:
        first = _post(client, _jpeg(original, 92)).json()
        deleted = client.delete(
            f"/api/photos/{first['id']}", params={"token": first["receipt_token"]}
        )
        assert deleted.status_code == 204
        again = _post(client, _jpeg(original, 80))
        assert again.status_code == 201
    db = sqlite3.connect(server.data_dir / "wall.sqlite3")
    flags = dict(db.execute("SELECT id, flags FROM photos").fetchall())
    assert "near_duplicate" not in flags[again.json()["id"]]


def _jpeg(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def _post(client, data: bytes, caption: str = ""):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/photos",
        files={"file": ("p.jpg", data, "image/jpeg")},
        data={"consent": "true", "caption": caption},
    )


def test_flags_reach_the_stored_photo(make_app_server) -> None:  # type: ignore[no-untyped-def]
    server: AppServer = make_app_server()
    original = Image.open(SAMPLES_DIR / "rocket.jpg")
    with server.client() as client:
        first = _post(client, _jpeg(original, 92), "Décollage")
        # Re-encoded and resized: not the same bytes, but the same picture.
        copy = _post(client, _jpeg(original.resize((560, 374)), 70), "Quel c0nnard")
        assert first.status_code == copy.status_code == 201
    db = sqlite3.connect(server.data_dir / "wall.sqlite3")
    flags = dict(db.execute("SELECT id, flags FROM photos").fetchall())
    assert "near_duplicate" not in flags[first.json()["id"]]
    assert "near_duplicate" in flags[copy.json()["id"]]
    assert "blocklist" in flags[copy.json()["id"]]
    assert "tiny" in flags[copy.json()["id"]]


def test_a_flooding_contributor_is_throttled(make_app_server) -> None:  # type: ignore[no-untyped-def]
    server: AppServer = make_app_server(upload={"max_pending_per_contributor": 2})
    samples = ["coffee.jpg", "chelsea.jpg", "brick.jpg"]
    with server.client() as client:
        answers = [_post(client, (SAMPLES_DIR / name).read_bytes()) for name in samples]
    assert [a.status_code for a in answers] == [201, 201, 429]
    assert answers[2].json()["error"]["code"] == "rate_limited"
    assert int(answers[2].headers["retry-after"]) >= 1
