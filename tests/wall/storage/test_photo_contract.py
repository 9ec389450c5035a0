"""The photo repository's contract, the same tests on both backends: the embedded SQLite one
and the cluster's PostgreSQL (a real server). Ingest, moderation and the show rely on exactly
this; a backend that passes here is one they cannot tell apart."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.helpers.postgres import PostgresServer
from tests.helpers.stores import open_backend, run_on
from wall.domain import (
    Consent,
    ConsentScope,
    NewPhoto,
    PhotoStatus,
    Rendition,
    RenditionKind,
    Signals,
    Speaker,
)
from wall.events import EventBus
from wall.lifecycle import PhotoLifecycle
from wall.storage.base import (
    DuplicateIdempotencyKey,
    InvalidTransition,
    PhotoNotFound,
    Store,
    VersionConflict,
)
from wall.storage.pg_db import PgDatabase

SIGNALS = Signals(
    width=800,
    height=600,
    sharpness=120.5,
    brightness=55.0,
    clipped_dark=0.01,
    clipped_bright=0.02,
    face_count=1,
    face_area=0.05,
)
HIGH_BIT_PHASH = 0xF0F0_0000_1234_ABCD  # above 2**63: stored signed, read back unsigned


def new_photo(
    sha: str | None = None,
    *,
    key: str = "",
    contributor: str = "phone-a",
    flags: tuple[str, ...] = (),
    source: str = "upload",
    media_key: str | None = None,
) -> NewPhoto:
    sha = sha or secrets.token_hex(32)
    media = media_key or f"{sha}.jpg"
    return NewPhoto(
        id=secrets.token_urlsafe(12),
        source=source,
        caption="La place du marché, ce soir ✨",
        author="Ana",
        contributor=contributor,
        sha256=sha,
        phash=HIGH_BIT_PHASH,
        mean_lab=(52.5, -3.25, 10.0),
        signals=SIGNALS,
        flags=flags,
        renditions=(
            Rendition(RenditionKind.DISPLAY, media, 1920, 1440, 250_000),
            Rendition(RenditionKind.THUMB, f"{secrets.token_hex(32)}.jpg", 320, 240, 12_000),
        ),
        receipt_hash="r" * 64,
        consent=Consent(
            given_at=datetime(2026, 7, 14, 21, 30, tzinfo=UTC),
            text_version="2026-12-04.1",
            language="fr",
        ),
        idempotency_key=key,
    )


def test_a_photo_comes_back_as_it_went_in(any_store: Store) -> None:
    new = new_photo(flags=("dark", "faces"))

    async def scenario(store: Store) -> None:
        added = await store.photos.add(new, actor="upload:phone-a")
        got = await store.photos.get(new.id)
        assert got == added
        assert got is not None
        assert (got.status, got.version, got.phash) == (PhotoStatus.PENDING, 1, HIGH_BIT_PHASH)
        assert (got.caption, got.author, got.contributor) == (new.caption, "Ana", "phone-a")
        assert got.mean_lab == (52.5, -3.25, 10.0)
        assert got.signals == SIGNALS
        assert got.flags == ("dark", "faces")
        assert got.consent == new.consent
        assert got.created_at.tzinfo is not None
        assert {r.kind: r for r in new.renditions} == got.renditions
        assert await store.photos.receipt_hash(new.id) == "r" * 64
        await store.photos.set_receipt_hash(new.id, "s" * 64)
        assert await store.photos.receipt_hash(new.id) == "s" * 64
        assert await store.photos.get("no-such-photo") is None
        assert await store.photos.receipt_hash("no-such-photo") is None

    run_on(any_store, scenario)


def test_older_photos_keep_their_defaults(any_store: Store) -> None:
    """A photo sent without the visitor's choices: wall only, nobody said who speaks."""
    new = new_photo()

    async def scenario(store: Store) -> None:
        got = await store.photos.add(new, actor="upload:phone-a")
        assert got.consent is not None and got.consent.scopes == {ConsentScope.WALL}
        assert (got.speaker, got.speaker_in_credit) == (Speaker.UNSAID, False)
        assert RenditionKind.PRINT not in got.renditions
        sourced = await store.photos.add(_without_consent(new_photo()), actor="mastodon")
        assert sourced.consent is None

    run_on(any_store, scenario)


def _without_consent(photo: NewPhoto) -> NewPhoto:
    return NewPhoto(**{**_fields(photo), "consent": None})


def _choosing(photo: NewPhoto, print_key: str) -> NewPhoto:
    """The photo as a visitor who ticked print and said they live here, shown in the credit."""
    assert photo.consent is not None
    consent = Consent(
        given_at=photo.consent.given_at,
        text_version="2026-12-04.2-online",
        language="en",
        scopes=frozenset(ConsentScope),
    )
    printed = Rendition(RenditionKind.PRINT, print_key, 4032, 3024, 3_100_000)
    return NewPhoto(
        **{
            **_fields(photo),
            "consent": consent,
            "speaker": Speaker.RESIDENT,
            "speaker_in_credit": True,
            "renditions": (*photo.renditions, printed),
        }
    )


def test_the_visitors_choices_and_the_print_rendition_come_back(any_store: Store) -> None:
    new = _choosing(new_photo(), f"{secrets.token_hex(32)}.jpg")

    async def scenario(store: Store) -> None:
        added = await store.photos.add(new, actor="upload:phone-a")
        for got in (
            added,
            await store.photos.get(new.id),
            (await store.photos.list(None, limit=5)).photos[0],
        ):
            assert got is not None and got.consent is not None
            assert got.consent == new.consent
            assert got.consent.scopes == {
                ConsentScope.WALL,
                ConsentScope.ONLINE,
                ConsentScope.PRINT,
            }
            assert (got.speaker, got.speaker_in_credit) == (Speaker.RESIDENT, True)
            printed = got.renditions[RenditionKind.PRINT]
            assert (printed.width, printed.height, printed.size) == (4032, 3024, 3_100_000)
        assert new.renditions[-1].key in await store.photos.media_keys_in_use()

    run_on(any_store, scenario)


def test_a_delete_wipes_the_print_file_and_the_choices(any_store: Store) -> None:
    """A contributor's delete takes the print rendition's file with the others, and what
    they said of themselves with the row's content."""

    async def scenario(store: Store) -> None:
        keys = [
            await asyncio.to_thread(store.media.put, secrets.token_bytes(64), "jpg")
            for _ in range(3)
        ]
        plain = new_photo()
        files = (
            Rendition(RenditionKind.DISPLAY, keys[0], 1920, 1440, 64),
            Rendition(RenditionKind.THUMB, keys[1], 320, 240, 64),
        )
        new = _choosing(NewPhoto(**{**_fields(plain), "renditions": files}), keys[2])
        await store.photos.add(new, actor="upload:phone-a")
        assert all(store.media.exists(key) for key in keys)
        await PhotoLifecycle(store, EventBus()).delete(new.id, "contributor", "contributor")
        assert not any(store.media.exists(key) for key in keys)
        gone = await store.photos.get(new.id)
        assert gone is not None and gone.status is PhotoStatus.DELETED
        assert (gone.renditions, gone.speaker, gone.speaker_in_credit) == (
            {},
            Speaker.UNSAID,
            False,
        )
        assert keys[2] not in await store.photos.media_keys_in_use()

    run_on(any_store, scenario)


def test_decisions_follow_the_rules_and_their_version(any_store: Store) -> None:
    new = new_photo()

    async def scenario(store: Store) -> None:
        await store.photos.add(new, actor="upload:phone-a")
        before, after = await store.photos.transition(
            new.id, PhotoStatus.APPROVED, "mod:ana", expected_version=1
        )
        assert (before.status, after.status, after.version) == (
            PhotoStatus.PENDING,
            PhotoStatus.APPROVED,
            2,
        )
        with pytest.raises(VersionConflict):
            await store.photos.transition(new.id, PhotoStatus.REMOVED, "mod:bo", expected_version=1)
        with pytest.raises(InvalidTransition):  # a fresh decision cannot go back to the queue
            await store.photos.transition(new.id, PhotoStatus.PENDING, "mod:ana")
        _, undone = await store.photos.transition(new.id, PhotoStatus.PENDING, "mod:ana", undo=True)
        assert (undone.status, undone.version) == (PhotoStatus.PENDING, 3)
        with pytest.raises(PhotoNotFound):
            await store.photos.transition("nope", PhotoStatus.APPROVED, "mod:ana")
        actions = [entry.action for entry in await store.photos.audit_log(10)]
        assert actions == ["undo:pending", "approved", "create"]

    run_on(any_store, scenario)


def test_the_same_bytes_twice_are_a_duplicate_without_files(any_store: Store) -> None:
    sha = secrets.token_hex(32)
    first, second = new_photo(sha), new_photo(sha, contributor="phone-b")

    async def scenario(store: Store) -> None:
        original = await store.photos.add(first, actor="upload:phone-a")
        copy = await store.photos.add(second, actor="upload:phone-b")
        assert original.status is PhotoStatus.PENDING
        assert (copy.status, copy.reason, copy.renditions) == (
            PhotoStatus.REJECTED,
            "duplicate",
            {},
        )
        found = await store.photos.find_by_sha256(sha)
        assert found is not None and found.id == original.id
        # Once the original is erased, the same bytes are welcome again.
        await store.photos.delete(original.id, "visitor", "contributor's delete")
        await store.photos.delete(copy.id, "visitor", "contributor's delete")
        again = await store.photos.add(new_photo(sha), actor="upload:phone-c")
        assert again.status is PhotoStatus.PENDING

    run_on(any_store, scenario)


def test_an_idempotency_key_takes_one_photo(any_store: Store) -> None:
    async def scenario(store: Store) -> None:
        first = await store.photos.add(new_photo(key="k1"), actor="upload:phone-a")
        with pytest.raises(DuplicateIdempotencyKey):
            await store.photos.add(new_photo(key="k1"), actor="upload:phone-a")
        found = await store.photos.find_by_idempotency_key("k1")
        assert found is not None and found.id == first.id
        assert await store.photos.find_by_idempotency_key("k2") is None

    run_on(any_store, scenario)


def test_racing_adds_of_the_same_photo_leave_one_original(any_store: Store) -> None:
    """Two requests with the same bytes at once (two processes in a cluster): one original,
    the rest duplicates; the same idempotency key at once: exactly one row."""
    sha = secrets.token_hex(32)

    async def scenario(store: Store) -> None:
        added = await asyncio.gather(
            *(store.photos.add(new_photo(sha), actor="upload:x") for _ in range(6))
        )
        statuses = sorted(photo.status.value for photo in added)
        assert statuses == ["pending"] + ["rejected"] * 5
        keyed = await asyncio.gather(
            *(store.photos.add(new_photo(key="same"), actor="upload:x") for _ in range(6)),
            return_exceptions=True,
        )
        assert sum(not isinstance(r, BaseException) for r in keyed) == 1
        assert all(
            isinstance(r, DuplicateIdempotencyKey) for r in keyed if isinstance(r, BaseException)
        )

    run_on(any_store, scenario)


def test_a_delete_leaves_a_tombstone_and_frees_unshared_media(any_store: Store) -> None:
    shared = f"{secrets.token_hex(32)}.jpg"
    mine, theirs = new_photo(media_key=shared), new_photo(media_key=shared)

    async def scenario(store: Store) -> None:
        await store.photos.add(mine, actor="upload:phone-a")
        await store.photos.add(theirs, actor="upload:phone-b")
        await store.shown.record_shown([mine.id], datetime.now(UTC))
        before, unused = await store.photos.delete(mine.id, "visitor", "contributor's delete")
        assert before.caption == mine.caption
        thumb = next(r.key for r in mine.renditions if r.kind is RenditionKind.THUMB)
        assert unused == [thumb]  # the display rendition is still another photo's
        gone = await store.photos.get(mine.id)
        assert gone is not None
        assert (gone.status, gone.caption, gone.contributor, gone.renditions) == (
            PhotoStatus.DELETED,
            "",
            "",
            {},
        )
        assert await store.shown.last_shown(mine.id) is None
        assert shared in await store.photos.media_keys_in_use()
        assert thumb not in await store.photos.media_keys_in_use()
        audit = [e for e in await store.photos.audit_log(20) if e.photo_id == mine.id]
        assert audit and all("phone-a" not in entry.actor for entry in audit)
        assert {entry.actor for entry in audit} >= {"upload:", "visitor"}
        with pytest.raises(PhotoNotFound):
            await store.photos.delete(mine.id, "visitor", "again")
        assert mine.id not in {pid for pid, _ in await store.photos.perceptual_hashes()}

    run_on(any_store, scenario)


def test_lists_page_filter_and_order(any_store: Store) -> None:
    photos = [new_photo(flags=("dark",) if i % 2 else ()) for i in range(5)]

    async def scenario(store: Store) -> None:
        for photo in photos:
            await store.photos.add(photo, actor="upload:x")
        for photo in (photos[3], photos[1]):
            await store.photos.transition(photo.id, PhotoStatus.APPROVED, "mod:ana")
        queue = await store.photos.list(PhotoStatus.PENDING, limit=2)
        assert queue.total == 3
        assert [p.id for p in queue.photos] == [photos[0].id, photos[2].id]
        rest = await store.photos.list(PhotoStatus.PENDING, limit=2, offset=2)
        assert [p.id for p in rest.photos] == [photos[4].id]
        approved = await store.photos.list(PhotoStatus.APPROVED, limit=10, newest_first=True)
        assert [p.id for p in approved.photos] == [photos[1].id, photos[3].id]  # last decided
        dark = await store.photos.list(None, limit=10, flag="dark")
        assert {p.id for p in dark.photos} == {photos[1].id, photos[3].id}
        assert all(p.renditions for p in dark.photos)
        assert (await store.photos.list(None, limit=10, source="mastodon")).total == 0
        assert await store.photos.pending_count("phone-a") == 3
        assert sorted(h for _, h in await store.photos.perceptual_hashes()) == [HIGH_BIT_PHASH] * 5

    run_on(any_store, scenario)


def test_retention_finds_what_is_past_its_time(any_store: Store) -> None:
    async def scenario(store: Store) -> None:
        kept = new_photo()
        rejected = new_photo()
        await store.photos.add(kept, actor="upload:x")
        await store.photos.add(rejected, actor="upload:x")
        await store.photos.transition(rejected.id, PhotoStatus.REJECTED, "mod:ana")
        now = datetime.now(UTC)
        past = now - timedelta(days=1)
        assert await store.photos.expired(past, past, 10) == []
        assert await store.photos.expired(past, now + timedelta(seconds=1), 10) == [rejected.id]
        everything = await store.photos.expired(now + timedelta(seconds=1), past, 10)
        assert everything == [kept.id, rejected.id]

    run_on(any_store, scenario)


def test_sources_remember_their_cursor_and_posts(any_store: Store) -> None:
    async def scenario(store: Store) -> None:
        assert await store.sources.get("mastodon:#brive", "since_id") is None
        await store.sources.set("mastodon:#brive", "since_id", "41")
        await store.sources.set("mastodon:#brive", "since_id", "42")
        assert await store.sources.get("mastodon:#brive", "since_id") == "42"
        photo = new_photo(source="mastodon")
        await store.photos.add(
            NewPhoto(**{**_fields(photo), "source_ref": "https://m.example/@a/1"}), actor="m"
        )
        assert await store.sources.has_source_ref("https://m.example/@a/1")
        assert not await store.sources.has_source_ref("https://m.example/@a/2")

    run_on(any_store, scenario)


def test_what_came_on_the_wall_is_recorded_once_a_quarter(any_store: Store) -> None:
    async def scenario(store: Store) -> None:
        photo = new_photo()
        await store.photos.add(photo, actor="upload:x")
        first = datetime(2026, 7, 14, 21, 31, 5, tzinfo=UTC)
        await store.shown.record_shown([photo.id, "unknown-id"], first)
        await store.shown.record_shown([photo.id], first + timedelta(minutes=5))
        assert await store.shown.last_shown(photo.id) == first  # the quarter's first report
        later = first + timedelta(minutes=20)
        await store.shown.record_shown([photo.id], later)
        assert await store.shown.last_shown(photo.id) == later
        assert await store.shown.last_shown("unknown-id") is None

    run_on(any_store, scenario)


def test_walls_on_one_cluster_see_nothing_of_each_other(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    dsn = postgres_server.fresh_database()
    brive = open_backend("cluster", tmp_path / "a", postgres_server, "brive", dsn)
    tulle = open_backend("cluster", tmp_path / "b", postgres_server, "tulle", dsn)
    sha = secrets.token_hex(32)

    async def scenario() -> None:
        await brive.photos.open()
        await tulle.photos.open()
        try:
            ours = await brive.photos.add(new_photo(sha, key="k"), actor="upload:x")
            # Same bytes and same idempotency key on another wall: its own original.
            theirs = await tulle.photos.add(new_photo(sha, key="k"), actor="upload:x")
            assert theirs.status is PhotoStatus.PENDING
            assert await tulle.photos.get(ours.id) is None
            assert (await tulle.photos.list(None, limit=10)).photos == [theirs]
            assert await tulle.photos.pending_count("phone-a") == 1
            with pytest.raises(PhotoNotFound):
                await tulle.photos.transition(ours.id, PhotoStatus.APPROVED, "mod:x")
            with pytest.raises(PhotoNotFound):
                await tulle.photos.delete(ours.id, "visitor", "not theirs")
            assert [e.photo_id for e in await tulle.photos.audit_log(10)] == [theirs.id]
            await brive.sources.set("folder", "seen", "a.jpg")
            assert await tulle.sources.get("folder", "seen") is None
        finally:
            await brive.photos.close()
            await tulle.photos.close()

    asyncio.run(scenario())


def _fields(photo: NewPhoto) -> dict[str, object]:
    return {name: getattr(photo, name) for name in photo.__dataclass_fields__}


def test_a_moderators_last_decision_is_read_from_the_audit(any_store: Store) -> None:
    """What the undo button takes back, the same through any process."""

    async def scenario(store: Store) -> None:
        first, second = new_photo(), new_photo()
        await store.photos.add(first, actor="upload:x")
        await store.photos.add(second, actor="upload:x")
        assert await store.photos.last_decision("mod:ana") is None  # a create is no decision
        await store.photos.transition(first.id, PhotoStatus.APPROVED, "mod:ana")
        _, after = await store.photos.transition(second.id, PhotoStatus.REJECTED, "mod:ana")
        last = await store.photos.last_decision("mod:ana")
        assert last is not None
        assert (last.photo_id, last.action, last.before, last.version, last.superseded) == (
            second.id,
            "rejected",
            PhotoStatus.PENDING,
            after.version,
            False,
        )
        assert (datetime.now(UTC) - last.at).total_seconds() < 60
        await store.photos.transition(second.id, PhotoStatus.APPROVED, "mod:bo")
        moved_on = await store.photos.last_decision("mod:ana")
        assert moved_on is not None and moved_on.superseded
        assert await store.photos.last_decision("mod:bo") is not None
        assert await store.photos.last_decision("mod:nobody") is None

    run_on(any_store, scenario)


def test_a_wipe_and_an_add_naming_the_same_object_take_turns_across_processes(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    """Media are content-addressed and shared: process one wipes an object no row names
    while process two commits a photo naming the same bytes. Two's add waits for the wipe
    (then its upload puts the file back); a wipe that comes second finds the key in use."""
    dsn = postgres_server.fresh_database()
    one = open_backend("cluster", tmp_path / "1", postgres_server, "brive", dsn)
    two = open_backend("cluster", tmp_path / "2", postgres_server, "tulle", dsn)
    shared = f"{secrets.token_hex(32)}.jpg"

    async def scenario() -> None:
        await one.photos.open()
        await two.photos.open()
        try:
            wiping, release = asyncio.Event(), asyncio.Event()
            wiped: list[str] = []

            async def slow_wipe(keys: list[str]) -> None:
                wiping.set()
                await release.wait()
                wiped.extend(keys)

            wipe = asyncio.create_task(one.photos.wipe_unused([shared], slow_wipe))
            await wiping.wait()
            add = asyncio.create_task(two.photos.add(new_photo(media_key=shared), actor="x"))
            await asyncio.sleep(0.5)
            assert not add.done()  # held until the object is gone
            release.set()
            await wipe
            added = await add
            assert wiped == [shared]
            assert shared in {r.key for r in added.renditions.values()}

            async def must_not_wipe(keys: list[str]) -> None:
                assert keys == []

            await one.photos.wipe_unused([shared], must_not_wipe)  # now a row names it
        finally:
            await one.photos.close()
            await two.photos.close()

    asyncio.run(scenario())


def test_processes_starting_together_migrate_once(postgres_server: PostgresServer) -> None:
    """Ten processes of a cluster start at the same moment on an empty database."""
    postgres_server._admin("CREATE DATABASE empty_start")
    dsn = postgres_server.dsn("empty_start")

    async def scenario() -> list[int]:
        databases = [PgDatabase(dsn, f"wall{i % 3}") for i in range(10)]
        await asyncio.gather(*(db.open() for db in databases))
        try:
            async with databases[0].connection() as conn:
                rows = await conn.fetch("SELECT version FROM schema_version ORDER BY version")
                return [row["version"] for row in rows]
        finally:
            await asyncio.gather(*(db.close() for db in databases))

    versions = asyncio.run(scenario())
    assert versions == sorted(set(versions)) and versions[0] == 1  # each applied once
    assert len(versions) == len(list(_pg_migration_files()))


def _pg_migration_files() -> list[str]:
    folder = Path(__file__).resolve().parents[3] / "wall" / "storage" / "pg_migrations"
    return sorted(p.name for p in folder.glob("*.sql"))


def test_an_erased_caption_is_nowhere_in_the_embedded_files(tmp_path: Path) -> None:
    """Not in the database file's free pages, not in its write-ahead log."""
    secret = "Ma-légende-à-effacer-7f3a9"
    photo = NewPhoto(**{**_fields(new_photo()), "caption": secret})
    store = open_backend("embedded", tmp_path / "data", None)

    needle = secret.encode()

    def files() -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in (tmp_path / "data").glob("wall.sqlite3*")}

    async def scenario(store: Store) -> None:
        await store.photos.add(photo, actor="upload:phone-a")
        assert any(needle in data for data in files().values())  # it was written
        await store.photos.delete(photo.id, "visitor", "contributor's delete")
        # Read while the server still runs (closing the database would checkpoint anyway).
        for name, data in files().items():
            assert needle not in data, name

    run_on(store, scenario)
