"""Announcements in the real render loop (SDL dummy driver), read from the frames' pixels: a
slide takes the whole wall inside its window and never outside it (the wall's clock is the
test's), between layouts when asked, then the photos come back; a text slide draws its words
in the wall's fonts over its photo, darkened."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pygame
import pytest

from display.announcement_feed import IMAGE_KIND, slide_images
from display.cache import RenditionCache
from display.overlays import CallToAction
from display.slide import SlideDrawing, background
from tests.helpers.images import distinctive_jpeg
from tests.helpers.slide_wall import Wall
from tests.helpers.wall_display import MAGENTA, colour_share
from wall.wire import WallAnnouncement

SIZE = (320, 180)
CTA = CallToAction("Mur", "#mur", "Envoyez vos photos", "Send your photos", "http://wall.test/")
LIME = (40, 230, 40)
# 14 July 2027, on Paris's clock
BEFORE = datetime(2027, 7, 14, 18, 59, tzinfo=UTC).timestamp()  # 20:59 in Paris
INSIDE = datetime(2027, 7, 14, 19, 30, tzinfo=UTC).timestamp()  # 21:30 in Paris


@pytest.fixture
def screen(monkeypatch: pytest.MonkeyPatch) -> Iterator[pygame.Surface]:
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    pygame.display.init()
    pygame.font.init()
    yield pygame.display.set_mode(SIZE)
    pygame.quit()


def slide(slide_id: str, every: int | None, seconds: int = 1, **texts: str) -> WallAnnouncement:
    return WallAnnouncement(
        id=slide_id,
        version=1,
        kind="text" if texts else "image",
        image_id="" if texts else "lime",
        image_url="" if texts else "/api/wall/announcement-images/lime.jpg",
        first_day=date(2027, 7, 14),
        last_day=date(2027, 7, 14),
        start="21:00",
        end="23:00",
        every_minutes=every,
        seconds=seconds,  # shorter than an operator may ask: the test's frames are real time
        **texts,
    )


def lime_images(tmp_path: Path) -> RenditionCache:
    images = slide_images(tmp_path / "cache")
    images.put("lime", IMAGE_KIND, distinctive_jpeg(LIME, (1600, 900)))
    return images


def test_a_slide_takes_the_wall_in_its_window_only(screen: pygame.Surface, tmp_path: Path) -> None:
    wall = Wall(screen, tmp_path, lime_images(tmp_path), [slide("concert", every=1)], BEFORE)
    try:
        before = wall.play(40)  # 20:59 on the wall's clock: the photos only
        assert max(colour_share(f, LIME) for f in before) < 0.01
        assert colour_share(before[-1], MAGENTA) > 0.2
        wall.clock[0] = INSIDE  # 21:30: the window is open, the cadence allows it
        inside = wall.play(30)
        on = [i for i, frame in enumerate(inside) if colour_share(frame, LIME) > 0.5]
        assert on, "the slide came on"
        assert on[0] < 10, f"the slide waited {on[0]} frames for its drawing"
        full = inside[on[0] + 1]
        assert colour_share(full, MAGENTA) < 0.002, "full-screen: no photo, no band beside it"
        assert wall.announcements.shown == ["concert"]
        after = wall.play(80)  # its second is over: the photos are back, the slide stays off
        assert colour_share(after[-1], MAGENTA) > 0.2 and colour_share(after[-1], LIME) < 0.01
        assert wall.announcements.shown == ["concert"], "every minute: not again so soon"
    finally:
        wall.close()


def test_between_layouts_waits_for_the_turn_to_end(screen: pygame.Surface, tmp_path: Path) -> None:
    wall = Wall(screen, tmp_path, lime_images(tmp_path), [slide("expo", every=None)], INSIDE)
    try:
        frames = wall.play(100)  # a layout's turn is 1 s here: it ends at about frame 60
        on = [i for i, frame in enumerate(frames) if colour_share(frame, LIME) > 0.5]
        assert on, "the slide came on at the end of the turn"
        assert 45 <= on[0] <= 75, f"between two layouts, not before: frame {on[0]}"
        assert colour_share(frames[on[0] - 2], MAGENTA) > 0.2
    finally:
        wall.close()


def test_a_text_slide_sets_its_words_over_its_photo_darkened(screen: pygame.Surface) -> None:
    del screen  # pygame's display and fonts, as in the display process
    words = slide("concert", 15, title_fr="Concert ce soir 🎺", title_en="Concert tonight")
    photo = background(distinctive_jpeg(LIME, (800, 600)), SIZE, "text")
    drawn = SlideDrawing(words, SIZE, photo).draw()
    pixels = pygame.surfarray.array3d(drawn).swapaxes(0, 1)
    # The photo is there but dark: the lime reads at PHOTO_LIGHT of its level at most.
    assert colour_share(pixels, LIME) < 0.01
    assert 40 < pixels[..., 1].mean() < 110
    # The words: white-ish pixels in the middle band, none at the top and bottom edges.
    white = (pixels.min(axis=2) > 200).mean(axis=1)
    assert white[40:140].sum() > 0.3 and white[:10].sum() == 0 and white[-10:].sum() == 0
    image_slide = SlideDrawing(
        slide("img", 15), SIZE, background(distinctive_jpeg(LIME, (400, 400)), SIZE, "image")
    ).draw()
    square = pygame.surfarray.array3d(image_slide).swapaxes(0, 1)
    assert colour_share(square, LIME) > 0.45  # the image whole, 180 of 320 columns
    assert square[:, :40].max() == 0 and square[:, -40:].max() == 0  # true black beside it


def test_an_image_slide_whose_file_is_damaged_stays_off(
    screen: pygame.Surface, tmp_path: Path
) -> None:
    images = slide_images(tmp_path / "cache")
    images.put("lime", IMAGE_KIND, distinctive_jpeg(LIME, (1600, 900))[:300])  # cut short
    wall = Wall(screen, tmp_path, images, [slide("concert", every=1)], INSIDE)
    try:
        frames = wall.play(40)
    finally:
        wall.close()
    assert wall.announcements.shown == []  # never a black screen in its place
    assert colour_share(frames[-1], MAGENTA) > 0.2
    assert not images.has("lime", IMAGE_KIND)  # forgotten: the feed fetches it again
