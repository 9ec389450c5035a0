"""Who is speaking, in the figures repository's counts, on both backends: arrivals, standing
approvals and distinct contributors per speaker, summing to the range's totals; a deleted
photo's choice is erased with its content, so it counts as unsaid from then on."""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import timedelta

from tests.helpers.stores import run_on
from tests.wall.storage.test_exhibitions_contract import new_photo
from wall.domain import PhotoStatus, Speaker, utcnow
from wall.events import EventBus
from wall.lifecycle import PhotoLifecycle
from wall.storage.base import NightCounts, SpeakerCount, Store


def test_counts_split_by_speaker(any_store: Store) -> None:
    async def scenario(store: Store) -> tuple[NightCounts, NightCounts]:
        lifecycle = PhotoLifecycle(store, EventBus())
        start = utcnow() - timedelta(hours=1)

        async def sent(speaker: Speaker, contributor: str, status: PhotoStatus) -> str:
            photo = replace(
                new_photo(status=status, printed=False),
                speaker=speaker,
                contributor=contributor,
                sha256=secrets.token_hex(32),
            )
            return (await store.photos.add(photo, actor=f"upload:{contributor}")).id

        pending = PhotoStatus.PENDING
        tourist = await sent(Speaker.VISITING, "phone-a", pending)
        again = await sent(Speaker.VISITING, "phone-a", pending)
        local = await sent(Speaker.RESIDENT, "phone-b", pending)
        newcomer = await sent(Speaker.NEWCOMER, "phone-c", pending)
        await sent(Speaker.UNSAID, "phone-d", pending)
        await sent(Speaker.UNSAID, "", PhotoStatus.APPROVED)  # a trusted folder's, on arrival
        for photo_id in (tourist, local):
            await lifecycle.transition(photo_id, PhotoStatus.APPROVED, "mia")
        await lifecycle.transition(newcomer, PhotoStatus.REJECTED, "mia")
        before = await store.figures.counts(start, utcnow() + timedelta(hours=1))
        await store.photos.delete(again, "contributor", "contributor")
        after = await store.figures.counts(start, utcnow() + timedelta(hours=1))
        return before, after

    before, after = run_on(any_store, scenario)
    assert sorted(before.speakers, key=lambda s: s.speaker) == [
        SpeakerCount("", received=2, approved=1, contributors=1),
        SpeakerCount("newcomer", received=1, approved=0, contributors=1),
        SpeakerCount("resident", received=1, approved=1, contributors=1),
        SpeakerCount("visiting", received=2, approved=1, contributors=1),
    ]
    received = sum(c.count for c in before.received)
    assert sum(s.received for s in before.speakers) == received == 6
    assert sum(s.approved for s in before.speakers) == sum(c.count for c in before.approved)
    # Deleted: its choice and its contributor are gone with the rest of its content.
    assert sorted(after.speakers, key=lambda s: s.speaker) == [
        SpeakerCount("", received=3, approved=1, contributors=1),
        SpeakerCount("newcomer", received=1, approved=0, contributors=1),
        SpeakerCount("resident", received=1, approved=1, contributors=1),
        SpeakerCount("visiting", received=1, approved=1, contributors=1),
    ]
