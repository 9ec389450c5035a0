"""The exhibitions repository's contract on both backends: who may be picked (approved, print
consent, a print rendition), in what order, up to what limit; what the listings keep (approved
or removed, never deleted: a delete takes the photo out of every exhibition in its own
transaction); the picker; and the export's line in the audit log."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from tests.helpers.stores import run_on
from wall.domain import (
    Consent,
    ConsentScope,
    NewPhoto,
    PhotoStatus,
    Rendition,
    RenditionKind,
    Signals,
)
from wall.events import EventBus
from wall.lifecycle import PhotoLifecycle
from wall.storage.base import (
    ExhibitionExists,
    ExhibitionFull,
    ExhibitionNotFound,
    NotPrintable,
    PhotoNotFound,
    Store,
)

SIGNALS = Signals(800, 600, 120.0, 55.0, 0.01, 0.02, 0, 0.0)
WALL_ONLY = frozenset({ConsentScope.WALL})
WITH_PRINT = frozenset({ConsentScope.WALL, ConsentScope.PRINT})


def new_photo(
    scopes: frozenset[ConsentScope] = WITH_PRINT,
    status: PhotoStatus = PhotoStatus.APPROVED,
    printed: bool = True,
) -> NewPhoto:
    sha = secrets.token_hex(32)
    renditions = [Rendition(RenditionKind.THUMB, f"{sha}.jpg", 400, 300, 20_000)]
    if printed:
        renditions.append(Rendition(RenditionKind.PRINT, f"{sha[::-1]}.jpg", 4000, 3000, 3_000_000))
    consent = Consent(datetime(2027, 7, 14, 21, tzinfo=UTC), "v", "fr", scopes)
    return NewPhoto(
        id=secrets.token_urlsafe(9),
        source="upload",
        caption="",
        author="Léa",
        contributor="phone-a",
        sha256=sha,
        phash=0,
        mean_lab=(50.0, 0.0, 0.0),
        signals=SIGNALS,
        flags=(),
        renditions=tuple(renditions),
        consent=consent,
        status=status,
    )


async def add(store: Store, photo: NewPhoto) -> str:
    return (await store.photos.add(photo, actor="upload:phone-a")).id


async def add_with_files(store: Store) -> str:
    """A printable photo whose renditions are real objects (a delete wipes them)."""
    photo = new_photo()
    files = []
    for rendition in photo.renditions:
        key = await asyncio.to_thread(store.media.put, secrets.token_bytes(64), "jpg")
        files.append(replace(rendition, key=key))
    return await add(store, replace(photo, renditions=tuple(files)))


async def ids_in(store: Store, exhibition_id: str) -> list[str]:
    return [photo.id for photo in await store.exhibitions.photos(exhibition_id)]


def test_only_printable_photos_are_picked_in_order_up_to_the_limit(any_store: Store) -> None:
    async def scenario(store: Store) -> None:
        repo = store.exhibitions
        made = await repo.create("ex1", "Regards d'été 2027", "olga")
        assert (made.name, made.created_by, made.photo_count) == ("Regards d'été 2027", "olga", 0)
        with pytest.raises(ExhibitionExists):
            await repo.create("ex2", "REGARDS D'ÉTÉ 2027", "olga")  # the same name, however typed
        first, second, third = [await add(store, new_photo()) for _ in range(3)]
        no_consent = await add(store, new_photo(WALL_ONLY))
        no_print_file = await add(store, new_photo(printed=False))
        pending = await add(store, new_photo(status=PhotoStatus.PENDING))

        for photo_id in (second, first, second):  # twice: no second copy, no move
            await repo.add_photo("ex1", photo_id, "olga", limit=2)
        assert await ids_in(store, "ex1") == [second, first]
        with pytest.raises(ExhibitionFull):
            await repo.add_photo("ex1", third, "olga", limit=2)
        for refused, reason in (
            (no_consent, "no_print_consent"),
            (no_print_file, "no_print_consent"),
            (pending, "not_approved"),
        ):
            with pytest.raises(NotPrintable) as caught:
                await repo.add_photo("ex1", refused, "olga", limit=10)
            assert caught.value.reason == reason
        with pytest.raises(PhotoNotFound):
            await repo.add_photo("ex1", "no-such-photo", "olga", limit=10)
        with pytest.raises(ExhibitionNotFound):
            await repo.add_photo("no-such-exhibition", third, "olga", limit=10)

        await repo.drop_photo("ex1", second)
        await repo.add_photo("ex1", third, "olga", limit=2)
        assert await ids_in(store, "ex1") == [first, third]
        found = await repo.get("ex1")
        assert found is not None and found.photo_count == 2
        page = await repo.candidates(limit=10)
        assert page.total == 3 and {p.id for p in page.photos} == {first, second, third}

    run_on(any_store, scenario)


def test_a_delete_takes_the_photo_out_a_removal_does_not(any_store: Store) -> None:
    async def scenario(store: Store) -> None:
        repo = store.exhibitions
        lifecycle = PhotoLifecycle(store, EventBus())
        await repo.create("ex1", "Été", "olga")
        await repo.create("ex2", "Hiver", "olga")
        kept, removed, deleted = [await add_with_files(store) for _ in range(3)]
        for exhibition in ("ex1", "ex2"):
            for photo_id in (kept, removed, deleted):
                await repo.add_photo(exhibition, photo_id, "olga", limit=10)

        await lifecycle.transition(removed, PhotoStatus.REMOVED, "mia")
        await lifecycle.delete(deleted, "contributor", "contributor")
        for exhibition in ("ex1", "ex2"):
            assert await ids_in(store, exhibition) == [kept, removed]
        # Off the wall, it is not offered any more, nor can it be picked again.
        assert [p.id for p in (await repo.candidates(limit=10)).photos] == [kept]
        with pytest.raises(NotPrintable):
            await repo.add_photo("ex1", removed, "olga", limit=10)
        with pytest.raises(PhotoNotFound):
            await repo.add_photo("ex1", deleted, "olga", limit=10)
        # Approved again: it was never out of the exhibition.
        await lifecycle.transition(removed, PhotoStatus.APPROVED, "mia", undo=True)
        assert await ids_in(store, "ex1") == [kept, removed]

    run_on(any_store, scenario)


def test_exports_are_audited_and_exhibitions_go_whole(any_store: Store) -> None:
    async def scenario(store: Store) -> None:
        repo = store.exhibitions
        await repo.create("ex1", "Été", "olga")
        await repo.create("ex2", "Hiver", "olga")
        photo = await add(store, new_photo())
        await repo.add_photo("ex1", photo, "olga", limit=10)
        await repo.record_export("ex1", "olga", 1)
        (entry,) = [e for e in await store.photos.audit_log(10) if e.action == "exhibition.export"]
        assert (entry.actor, entry.photo_id) == ("olga", "")
        assert "ex1" in entry.reason and "Été" in entry.reason and "1 photos" in entry.reason
        assert [e.name for e in await repo.list_all()] == ["Hiver", "Été"]  # newest first

        await repo.remove("ex1", "olga")
        assert await repo.get("ex1") is None and await ids_in(store, "ex1") == []
        assert (await store.photos.get(photo)) is not None  # the photo stays on the wall
        for missing in (repo.remove("ex1", "olga"), repo.drop_photo("ex1", photo)):
            with pytest.raises(ExhibitionNotFound):
                await missing
        with pytest.raises(ExhibitionNotFound):
            await repo.record_export("ex1", "olga", 0)

    run_on(any_store, scenario)
