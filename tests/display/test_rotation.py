"""Fair rotation, stepped with a fake clock: fresh first, nobody forgotten, nobody hogging."""

from __future__ import annotations

from collections import Counter

from display.contracts import Shown
from display.rotation import FRESH_STREAK_LIMIT, FairRotation
from tests.helpers.wall_display import wall_photo as photo


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def rotation(clock: FakeClock, max_minutes: float = 10.0, share: float = 0.25) -> FairRotation:
    return FairRotation(max_minutes, share, clock)


def show(rot: FairRotation, clock: FakeClock, count: int, every_s: float) -> list[str]:
    """A spotlight-like layout: one photo at a time, `every_s` each."""
    shown = []
    current: set[str] = set()
    for _ in range(count):
        picked = rot.next_photo(current) or rot.next_photo(set())
        assert picked is not None
        shown.append(picked.id)
        current = {picked.id}
        clock.advance(every_s)
        rot.record(Shown(picked.id, 0.8, every_s))
    return shown


def test_fresh_photo_comes_first_and_once() -> None:
    clock = FakeClock()
    rot = rotation(clock)
    for index in range(5):
        rot.add(photo(f"old{index}"), fresh=False)
    show(rot, clock, 3, 8.0)
    rot.add(photo("new", minutes_ago=0), fresh=True)
    assert rot.next_photo(set()).id == "new"  # type: ignore[union-attr]
    assert "new" not in show(rot, clock, 3, 8.0)[:2]


def test_take_fresh_returns_each_new_photo_once_in_arrival_order() -> None:
    clock = FakeClock()
    rot = rotation(clock)
    rot.add(photo("a"), fresh=False)
    rot.add(photo("b"), fresh=True)
    rot.add(photo("c"), fresh=True)
    rot.add(photo("b"), fresh=True)  # announced twice: still one photo, still fresh once
    assert [p.id for p in rot.take_fresh()] == ["b", "c"]
    assert rot.take_fresh() == []
    assert len(rot) == 3


def test_every_photo_is_shown_within_the_bound() -> None:
    clock = FakeClock()
    max_minutes = 10.0
    rot = rotation(clock, max_minutes)
    count = 60  # 60 photos at 8 s each: a full turn takes 8 minutes
    for index in range(count):
        rot.add(photo(f"p{index}", minutes_ago=index), fresh=False)
    last_seen: dict[str, float] = {}
    longest_wait = 0.0
    for index, picked in enumerate(show(rot, clock, count * 3, 8.0)):
        shown_at = index * 8.0  # seconds since the photos arrived
        longest_wait = max(longest_wait, shown_at - last_seen.get(picked, 0.0))
        last_seen[picked] = shown_at
    assert len(last_seen) == count
    assert longest_wait <= max_minutes * 60


def test_a_stream_of_fresh_photos_does_not_starve_the_old_ones() -> None:
    clock = FakeClock()
    rot = rotation(clock, max_minutes=1.0)
    for index in range(20):
        rot.add(photo(f"old{index}"), fresh=False)
    clock.advance(120)  # everyone is overdue
    picks = []
    for index in range(2 * (FRESH_STREAK_LIMIT + 1)):
        rot.add(photo(f"new{index}", minutes_ago=0), fresh=True)
        picks.append(rot.next_photo(set()).id)  # type: ignore[union-attr]
    old = [p for p in picks if p.startswith("old")]
    assert len(old) >= 2, picks
    assert picks[:FRESH_STREAK_LIMIT] == [f"new{i}" for i in range(FRESH_STREAK_LIMIT)]


def test_one_contributor_cannot_take_more_than_the_share_while_others_wait() -> None:
    clock = FakeClock()
    rot = rotation(clock, share=0.25)
    for index in range(40):
        rot.add(photo(f"flood{index}", contributor="flooder"), fresh=True)
    for index in range(6):
        rot.add(photo(f"other{index}", contributor=f"visitor{index}"), fresh=False)
    picks = show(rot, clock, 40, 8.0)
    by_whom = Counter("flooder" if p.startswith("flood") else "others" for p in picks)
    assert by_whom["flooder"] / len(picks) <= 0.25 + 1 / len(picks)
    assert by_whom["others"] > 0


def test_alone_on_the_wall_a_contributor_is_not_held_back() -> None:
    clock = FakeClock()
    rot = rotation(clock, share=0.25)
    for index in range(4):
        rot.add(photo(f"solo{index}", contributor="solo"), fresh=False)
    assert len(set(show(rot, clock, 8, 8.0))) == 4


def test_removed_photo_is_never_picked_again() -> None:
    clock = FakeClock()
    rot = rotation(clock)
    rot.add(photo("keep"), fresh=False)
    rot.add(photo("gone"), fresh=True)
    rot.remove("gone")
    assert not rot.is_live("gone")
    assert {p.id for p in rot.photos()} == {"keep"}
    assert set(show(rot, clock, 5, 8.0)) == {"keep"}
    rot.retain({"nothing"})
    assert rot.next_photo(set()) is None


def test_excluded_photos_are_skipped() -> None:
    clock = FakeClock()
    rot = rotation(clock)
    rot.add(photo("a"), fresh=False)
    rot.add(photo("b"), fresh=False)
    assert rot.next_photo({"a"}).id == "b"  # type: ignore[union-attr]
    assert rot.next_photo({"a", "b"}) is None
