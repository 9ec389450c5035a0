"""The display's rendition cache and saved catalog: bounded, atomic, rebuilt from disk."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from display.cache import RenditionCache
from display.catalog import Catalog
from display.commands import Command, PhotoGone, Resync
from display.decode import DecodeError, decode_scaled
from tests.helpers.images import distinctive_jpeg
from tests.helpers.wall_display import wall_photo as photo

KB = 1024


def test_put_then_read_back(tmp_path: Path) -> None:
    cache = RenditionCache(tmp_path, 1024 * KB)
    path = cache.put("abc", "display", b"x" * 100)
    assert cache.path("abc", "display") == path
    assert path.read_bytes() == b"x" * 100
    assert cache.has("abc", "display") and not cache.has("abc", "thumb")
    assert not list(tmp_path.rglob(".tmp-*")), "no temp file left behind"


def test_least_recently_used_goes_first_when_full(tmp_path: Path) -> None:
    cache = RenditionCache(tmp_path, 300 * KB)
    for name in ("a", "b", "c"):
        cache.put(name, "display", bytes(100 * KB))
    assert cache.path("a", "display") is not None  # "a" is now the most recent
    cache.put("d", "display", bytes(100 * KB))
    assert cache.photo_ids() == {"a", "c", "d"}
    assert not (tmp_path / "display" / "b.jpg").exists()
    assert cache.total_bytes <= 300 * KB


def test_index_is_rebuilt_from_disk_oldest_first(tmp_path: Path) -> None:
    first = RenditionCache(tmp_path, 1024 * KB)
    for age, name in enumerate(("new", "mid", "old")):
        path = first.put(name, "thumb", bytes(100 * KB))
        stamp = time.time() - 1000 * (age + 1)
        os.utime(path, (stamp, stamp))
    (tmp_path / "thumb" / ".tmp-half-written").write_bytes(b"partial")
    (tmp_path / "thumb" / "empty.jpg").write_bytes(b"")
    again = RenditionCache(tmp_path, 250 * KB)  # a smaller bound: the oldest must go
    assert again.photo_ids() == {"new", "mid"}
    assert not (tmp_path / "thumb" / ".tmp-half-written").exists()
    assert not (tmp_path / "thumb" / "empty.jpg").exists()


def test_vanished_file_is_forgotten_not_fatal(tmp_path: Path) -> None:
    cache = RenditionCache(tmp_path, 1024 * KB)
    cache.put("gone", "tile", b"data")
    (tmp_path / "tile" / "gone.jpg").unlink()
    assert cache.path("gone", "tile") is None
    assert not cache.has("gone", "tile")


def test_unsafe_ids_are_refused(tmp_path: Path) -> None:
    cache = RenditionCache(tmp_path, 1024 * KB)
    with pytest.raises(ValueError):
        cache.put("../escape", "display", b"x")
    with pytest.raises(ValueError):
        cache.put("ok", "original", b"x")


def test_corrupt_file_raises_decode_error_and_good_one_scales_exactly(tmp_path: Path) -> None:
    good = tmp_path / "good.jpg"
    good.write_bytes(distinctive_jpeg((255, 0, 255), (800, 600)))
    for fit in ("cover", "contain"):
        pixels = decode_scaled(good, (123, 45), fit)
        assert pixels.shape == (45, 123, 4)
    letterboxed = decode_scaled(good, (400, 100), "contain")
    assert letterboxed[:, :50, :3].max() == 0, "black bars beside a contained photo"
    assert np.all(letterboxed[..., 3] == 255)
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff garbage " * 20)
    with pytest.raises(DecodeError):
        decode_scaled(bad, (100, 100), "cover")
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(good.read_bytes()[:2000])
    with pytest.raises(DecodeError):
        decode_scaled(truncated, (100, 100), "cover")


def test_catalog_survives_a_restart_and_reconciles(tmp_path: Path) -> None:
    posted: list[Command] = []
    catalog = Catalog(tmp_path, posted.append)
    assert catalog.load() == [] and not catalog.has_history
    catalog.reconcile([photo("a"), photo("b")])
    catalog.save(force=True)

    posted.clear()
    again = Catalog(tmp_path, posted.append)
    assert {p.id for p in again.load()} == {"a", "b"} and again.has_history
    new, gone = again.reconcile([photo("b"), photo("c")])
    assert [p.id for p in new] == ["c"] and gone == ["a"]
    assert posted[0] == PhotoGone("a")
    assert posted[-1] == Resync(frozenset({"b", "c"}))


def test_damaged_catalog_file_starts_empty(tmp_path: Path) -> None:
    (tmp_path / "catalog.json").write_text("{not json")
    assert Catalog(tmp_path, lambda _command: None).load() == []
