"""The figures repository's contract on both backends: the night's counts by source and UTC
quarter hour, what counts as a decision (once per outcome, in the quarter of its first
standing one; an undone one not at all), and the approved photos of a range in arrival order.
The console's figures (tests/console/test_night.py) are these sums, shaped for a night.

The stores stamp rows with `utcnow`: a fake clock puts each step at a chosen instant."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.helpers.postgres import PostgresServer
from tests.helpers.stores import open_backend, run_on
from wall.domain import NewPhoto, Photo, PhotoStatus, Rendition, RenditionKind, Signals
from wall.storage import pg_photos, sqlite_photos
from wall.storage.base import NightCounts, QuarterCount, Store

START = datetime(2026, 7, 14, 12, 0, tzinfo=UTC)  # a night, noon to noon, in UTC
END = START + timedelta(days=1)
SIGNALS = Signals(
    width=800,
    height=600,
    sharpness=120.5,
    brightness=55.0,
    clipped_dark=0.01,
    clipped_bright=0.02,
    face_count=0,
    face_area=0.0,
)


class Clock:
    """What `utcnow` says inside both backends' photo repositories."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def at(self, hour: int, minute: int, second: int = 0, day: int = 14) -> datetime:
        self.now = datetime(2026, 7, day, hour, minute, second, tzinfo=UTC)
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(sqlite_photos, "utcnow", fake)
    monkeypatch.setattr(pg_photos, "utcnow", fake)
    return fake


def new_photo(
    source: str = "upload",
    contributor: str = "phone-a",
    status: PhotoStatus = PhotoStatus.PENDING,
    sha: str | None = None,
) -> NewPhoto:
    sha = sha or secrets.token_hex(32)
    return NewPhoto(
        id=secrets.token_urlsafe(12),
        source=source,
        caption="",
        author="",
        contributor=contributor,
        sha256=sha,
        phash=0x1234,
        mean_lab=(50.0, 0.0, 0.0),
        signals=SIGNALS,
        flags=(),
        renditions=(Rendition(RenditionKind.DISPLAY, f"{sha}.jpg", 1920, 1440, 250_000),),
        status=status,
    )


def q(source: str, hour: int, minute: int, count: int, day: int = 14) -> QuarterCount:
    return QuarterCount(source, datetime(2026, 7, day, hour, minute, tzinfo=UTC), count)


def by_quarter(counts: list[QuarterCount]) -> list[QuarterCount]:
    """Neither backend promises an order: the console sums them."""
    return sorted(counts, key=lambda c: (c.source, c.quarter))


def test_arrivals_count_by_source_and_quarter_hour(any_store: Store, clock: Clock) -> None:
    async def scenario(store: Store) -> NightCounts:
        photos = store.photos
        clock.at(11, 59, 59)  # the night before's last second: not this night's
        await photos.add(new_photo(contributor="early"), "upload:early")
        clock.at(21, 30)
        await photos.add(new_photo(contributor="phone-a"), "upload:phone-a")
        clock.at(21, 44, 59)
        await photos.add(new_photo(contributor="phone-b"), "upload:phone-b")
        clock.at(21, 45)
        await photos.add(new_photo(contributor="phone-a"), "upload:phone-a")
        await photos.add(new_photo("festival", "", PhotoStatus.APPROVED), "source:festival")
        clock.at(23, 59, 59)
        await photos.add(new_photo(contributor="phone-c"), "upload:phone-c")
        clock.at(0, 0, day=15)
        await photos.add(new_photo(contributor="phone-c"), "upload:phone-c")
        clock.at(12, 0, day=15)  # the night's end, excluded
        await photos.add(new_photo(contributor="late"), "upload:late")
        return await store.figures.counts(START, END)

    counts = run_on(any_store, scenario)
    assert by_quarter(counts.received) == [
        q("festival", 21, 45, 1),
        q("upload", 21, 30, 2),
        q("upload", 21, 45, 1),
        q("upload", 23, 45, 1),
        q("upload", 0, 0, 1, day=15),
    ]
    assert counts.contributors == 3  # phone-a, -b and -c; the folder names no one
    assert by_quarter(counts.approved) == [q("festival", 21, 45, 1)]  # approved on arrival
    assert (counts.rejected, counts.removed, counts.deleted, counts.shown) == ([], 0, 0, 0)


def test_a_decision_counts_once_where_it_first_stood(any_store: Store, clock: Clock) -> None:
    async def scenario(store: Store) -> NightCounts:
        photos = store.photos
        clock.at(21, 40)
        late = await photos.add(new_photo(), "upload:a")
        twice = await photos.add(new_photo(), "upload:a")
        undone = await photos.add(new_photo(), "upload:a")
        taken_back = await photos.add(new_photo(), "upload:a")
        folder = await photos.add(new_photo("festival", "", PhotoStatus.APPROVED), "folder")
        # The same bytes again: refused on arrival, a rejection in the quarter it came.
        copy = await photos.add(new_photo(sha=late.sha256), "upload:b")
        assert copy.status is PhotoStatus.REJECTED

        clock.at(22, 5)
        await photos.transition(late.id, PhotoStatus.APPROVED, "mod:mia")
        clock.at(22, 10)
        await photos.transition(twice.id, PhotoStatus.APPROVED, "mod:mia")
        clock.at(22, 20)
        await photos.transition(twice.id, PhotoStatus.REMOVED, "op:olga")
        clock.at(22, 35)  # approved again: still one approval, in its first quarter
        await photos.transition(twice.id, PhotoStatus.APPROVED, "op:olga")
        clock.at(22, 36)
        await photos.transition(undone.id, PhotoStatus.APPROVED, "mod:mia")
        clock.at(22, 36, 5)  # the moderators' undo: that approval never stood
        await photos.transition(undone.id, PhotoStatus.PENDING, "mod:mia", undo=True)
        clock.at(22, 46)
        await photos.transition(undone.id, PhotoStatus.REJECTED, "mod:mia")
        clock.at(22, 50)
        await photos.transition(taken_back.id, PhotoStatus.APPROVED, "mod:mia")
        clock.at(23, 0)
        await photos.transition(taken_back.id, PhotoStatus.REMOVED, "op:olga")
        clock.at(23, 0, 4)  # a removal undone: approved again, by the undo
        await photos.transition(taken_back.id, PhotoStatus.APPROVED, "op:olga", undo=True)
        clock.at(23, 30)  # decisions on a photo since deleted still count, under its source
        await photos.transition(folder.id, PhotoStatus.REMOVED, "op:olga")
        await photos.delete(folder.id, "visitor", "mine")
        return await store.figures.counts(START, END)

    counts = run_on(any_store, scenario)
    assert by_quarter(counts.approved) == [
        q("festival", 21, 30, 1),
        q("upload", 22, 0, 2),  # late and twice
        q("upload", 22, 45, 1),  # taken_back: its removal was undone, its approval stands
    ]
    assert by_quarter(counts.rejected) == [
        q("upload", 21, 30, 1),  # the copy, by policy on arrival
        q("upload", 22, 45, 1),  # undone, rejected after its approval was taken back
    ]
    assert counts.removed == 2  # twice and the folder's; not taken_back
    assert counts.deleted == 1


def test_the_range_edges_and_an_undo_just_past_the_end(any_store: Store, clock: Clock) -> None:
    async def scenario(store: Store) -> NightCounts:
        photos = store.photos
        clock.at(11, 50)
        before = await photos.add(new_photo(), "upload:a")
        kept = await photos.add(new_photo(), "upload:a")
        undone = await photos.add(new_photo(), "upload:a")
        clock.at(11, 55)  # decided before the night began
        await photos.transition(before.id, PhotoStatus.APPROVED, "mod:mia")
        clock.at(11, 59, 58, day=15)
        await photos.transition(kept.id, PhotoStatus.APPROVED, "mod:mia")
        await photos.transition(undone.id, PhotoStatus.APPROVED, "mod:mia")
        clock.at(12, 0, 5, day=15)  # undone after the end, within the lookahead
        await photos.transition(undone.id, PhotoStatus.PENDING, "mod:mia", undo=True)
        clock.at(12, 10, day=15)  # removed after the end: not this night's
        await photos.transition(kept.id, PhotoStatus.REMOVED, "op:olga")
        await photos.delete(before.id, "visitor", "mine")
        return await store.figures.counts(START, END)

    counts = run_on(any_store, scenario)
    assert counts.received == []
    assert counts.approved == [q("upload", 11, 45, 1, day=15)]
    assert (counts.rejected, counts.removed, counts.deleted) == ([], 0, 0)


def test_what_was_shown_counts_each_photo_once(any_store: Store, clock: Clock) -> None:
    async def scenario(store: Store) -> tuple[NightCounts, NightCounts]:
        clock.at(21, 0)
        added = [
            await store.photos.add(new_photo(status=PhotoStatus.APPROVED), "source:x")
            for _ in range(3)
        ]
        first, second, third = (p.id for p in added)
        await store.shown.record_shown([first, second, "no-such-photo"], clock.at(21, 10))
        await store.shown.record_shown([first, second], clock.at(21, 11))
        await store.shown.record_shown([first, third], clock.at(22, 30))
        await store.shown.record_shown([third], clock.at(12, 0, day=15))  # the end: excluded
        counted = await store.figures.counts(START, END)
        clock.at(23, 0)
        await store.photos.delete(second, "visitor", "mine")  # its showings go with it
        return counted, await store.figures.counts(START, END)

    counted, after = run_on(any_store, scenario)
    assert counted.shown == 3
    assert (after.shown, after.deleted) == (2, 1)
    # A deleted photo's contributor is erased with it; the others remain.
    assert (counted.contributors, after.contributors) == (1, 1)


def test_approved_between_is_what_still_stands_in_arrival_order(
    any_store: Store, clock: Clock
) -> None:
    async def scenario(store: Store) -> tuple[list[Photo], list[str], list[str]]:
        photos = store.photos
        clock.at(11, 0)
        yesterday = await photos.add(new_photo(), "upload:a")
        await photos.transition(yesterday.id, PhotoStatus.APPROVED, "mod:mia")
        clock.at(21, 0)
        third = await photos.add(new_photo(), "upload:a")
        clock.at(20, 0)
        first = await photos.add(new_photo(), "upload:a")
        removed = await photos.add(new_photo(), "upload:a")
        pending = await photos.add(new_photo(), "upload:a")
        clock.at(20, 30)
        second = await photos.add(new_photo("festival", "", PhotoStatus.APPROVED), "folder")
        clock.at(22, 0)
        for photo in (third, first, removed):
            await photos.transition(photo.id, PhotoStatus.APPROVED, "mod:mia")
        await photos.transition(removed.id, PhotoStatus.REMOVED, "op:olga")
        assert pending.status is PhotoStatus.PENDING
        got = await store.figures.approved_between(START, END)
        expected = [await photos.get(p.id) for p in (first, second, third)]
        earlier = await store.figures.approved_between(START - timedelta(days=1), START)
        return got, [p.id for p in expected if p], [p.id for p in earlier]

    got, expected, earlier = run_on(any_store, scenario)
    assert [p.id for p in got] == expected
    assert all(p.status is PhotoStatus.APPROVED and p.renditions for p in got)
    assert len(earlier) == 1  # yesterday's, approved before this night


def test_approved_between_returns_whole_photos(any_store: Store, clock: Clock) -> None:
    async def scenario(store: Store) -> tuple[list[Photo], list[Photo | None]]:
        clock.at(21, 0)
        added = [
            await store.photos.add(new_photo(status=PhotoStatus.APPROVED), "source:x")
            for _ in range(2)
        ]
        got = await store.figures.approved_between(START, END)
        return got, [await store.photos.get(p.id) for p in added]

    got, stored = run_on(any_store, scenario)
    # Arrival ties break by id, in byte order on both backends.
    assert got == sorted(stored, key=lambda p: p.id.encode() if p else b"")


def test_figures_want_aware_times(any_store: Store) -> None:
    async def scenario(store: Store) -> None:
        naive = datetime(2026, 7, 14, 12, 0)
        with pytest.raises(ValueError):
            await store.figures.counts(naive, naive + timedelta(days=1))
        with pytest.raises(ValueError):
            await store.figures.approved_between(naive, naive + timedelta(days=1))

    run_on(any_store, scenario)


def test_walls_on_one_cluster_count_only_their_own(
    postgres_server: PostgresServer, tmp_path: Path, clock: Clock
) -> None:
    dsn = postgres_server.fresh_database()
    brive = open_backend("cluster", tmp_path / "a", postgres_server, "brive", dsn)
    tulle = open_backend("cluster", tmp_path / "b", postgres_server, "tulle", dsn)

    async def scenario() -> tuple[NightCounts, NightCounts, list[Photo]]:
        await brive.photos.open()
        await tulle.photos.open()
        try:
            clock.at(21, 0)
            ours = await brive.photos.add(new_photo(status=PhotoStatus.APPROVED), "source:x")
            await brive.photos.add(new_photo(contributor="phone-b"), "upload:b")
            await brive.shown.record_shown([ours.id], clock.at(21, 5))
            theirs = await tulle.photos.add(new_photo(), "upload:a")
            await tulle.photos.transition(theirs.id, PhotoStatus.REJECTED, "mod:x")
            return (
                await brive.figures.counts(START, END),
                await tulle.figures.counts(START, END),
                await tulle.figures.approved_between(START, END),
            )
        finally:
            await brive.photos.close()
            await tulle.photos.close()

    ours, theirs, approved = asyncio.run(scenario())
    assert ours.received == [q("upload", 21, 0, 2)]
    assert ours.approved == [q("upload", 21, 0, 1)]
    assert (ours.rejected, ours.shown, ours.contributors) == ([], 1, 2)
    assert theirs.received == [q("upload", 21, 0, 1)]
    assert (theirs.approved, theirs.rejected) == ([], [q("upload", 21, 0, 1)])
    assert (theirs.shown, theirs.contributors, approved) == (0, 1, [])
