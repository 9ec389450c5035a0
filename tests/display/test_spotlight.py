"""The spotlight layout stepped by hand: motion follows the clock, removal clears at once."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pygame
import pytest

from display.contracts import Fit
from display.layouts.spotlight import FADE_S, SLIDE_S, Spotlight
from display.rotation import FairRotation
from tests.helpers.wall_display import wall_photo

SIZE = (320, 180)


@pytest.fixture(autouse=True)
def fonts(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    pygame.display.init()
    pygame.font.init()
    yield
    pygame.quit()


class GradientSource:
    """Pictures at once, of exactly the size asked: a horizontal ramp, so a pan shows."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, tuple[int, int], Fit]] = []

    def get(self, photo_id: str, size: tuple[int, int], fit: Fit = "cover") -> pygame.Surface:
        self.asked.append((photo_id, size, fit))
        ramp = np.linspace(0, 255, size[0]).astype(np.uint8)
        pixels = np.zeros((size[0], size[1], 3), np.uint8)
        pixels[..., 0] = ramp[:, None]
        pixels[..., 2] = 255 if photo_id == "b" else 0
        return pygame.surfarray.make_surface(pixels)

    def tile_colour(self, photo_id: str) -> tuple[float, float, float] | None:  # noqa: ARG002
        return None


def frame_at(layout: Spotlight, canvas: pygame.Surface, now: float, **kw: object) -> np.ndarray:
    layout.update(now, kw["source"], kw["rotation"])  # type: ignore[arg-type]
    layout.draw(canvas, now)
    return pygame.surfarray.array3d(canvas).swapaxes(0, 1).copy()


def setup(clock: list[float]) -> tuple[Spotlight, pygame.Surface, dict[str, object]]:
    rotation = FairRotation(10.0, 1.0, lambda: clock[0])
    rotation.add(wall_photo("a", size=(1600, 1200)), fresh=False)
    layout = Spotlight()
    layout.start(SIZE, clock[0])
    return layout, pygame.Surface(SIZE), {"source": GradientSource(), "rotation": rotation}


def test_motion_follows_the_clock_not_the_frame_count() -> None:
    clock = [100.0]
    stepped, canvas, deps = setup(clock)
    for step in range(1, 41):  # 40 frames over 4 s
        frame_at(stepped, canvas, 100.0 + step * 0.1, **deps)
    smooth = frame_at(stepped, canvas, 104.0, **deps)
    jumpy, other_canvas, other_deps = setup(clock)
    frame_at(jumpy, other_canvas, 100.1, **other_deps)
    late = frame_at(jumpy, other_canvas, 104.0, **other_deps)  # one late frame, 3.9 s on
    assert np.array_equal(smooth, late)
    early = frame_at(jumpy, other_canvas, 100.2, **other_deps)
    assert not np.array_equal(early, late), "the Ken Burns pan moved the picture"


def test_photo_is_scaled_a_little_larger_than_its_place() -> None:
    clock = [0.0]
    layout, canvas, deps = setup(clock)
    frame_at(layout, canvas, 0.0, **deps)
    _photo_id, size, fit = deps["source"].asked[0]  # type: ignore[attr-defined]
    assert fit == "cover"
    assert size[1] > SIZE[1] * 0.9 and size[0] / size[1] == pytest.approx(4 / 3, rel=0.02)


def test_next_photo_crossfades_then_removal_clears_the_wall() -> None:
    clock = [0.0]
    layout, canvas, deps = setup(clock)
    rotation = deps["rotation"]
    rotation.add(wall_photo("b", size=(1600, 1200)), fresh=False)  # type: ignore[attr-defined]
    first = frame_at(layout, canvas, 0.0, **deps)  # "a": red ramp, no blue
    frame_at(layout, canvas, SLIDE_S, **deps)  # "b" (blue) ready: the fade starts
    middle = frame_at(layout, canvas, SLIDE_S + FADE_S / 2, **deps)
    done = frame_at(layout, canvas, SLIDE_S + FADE_S * 1.5, **deps)
    blue = [frame[90, 160, 2] for frame in (first, middle, done)]
    assert blue[0] < 20 and 90 < blue[1] < 170 and blue[2] == 255, blue
    corner = (5, 5)  # outside both photos' rectangles: the fade never touches it
    assert tuple(middle[corner]) == tuple(first[corner])
    rotation.remove("b")  # type: ignore[attr-defined]
    after = frame_at(layout, canvas, SLIDE_S + FADE_S * 1.6, **deps)
    assert after[..., 2].max() < 50, "the removed photo left at the next frame"


@pytest.mark.parametrize("progress", [0.0, 0.3, 0.77, 1.0])
def test_the_one_pass_crossfade_matches_the_alpha_blit(progress: float) -> None:
    """Two photos in the same place are mixed by OpenCV in one pass: the same pixels, within
    a level of rounding, as the copy and alpha blit used for photos of different shapes."""
    from display.layouts.spotlight import _crossfade, _Slide

    rng = np.random.default_rng(5)
    rect = pygame.Rect(10, 6, 120, 80)

    def slide(seed: int) -> _Slide:
        picture = pygame.Surface((130, 86), 0, 32)
        pixels = rng.integers(0, 256, (130, 86, 3), dtype=np.uint8)
        pygame.surfarray.blit_array(picture, pixels)
        return _Slide(wall_photo(f"p{seed}"), picture, rect, None, 0.0, (seed, 0.0), (3.0, 6.0))

    previous, current = slide(1), slide(4)
    one_pass = pygame.Surface((150, 100), 0, 32)
    _crossfade(one_pass, previous, current, 2.0, progress)
    reference = pygame.Surface((150, 100), 0, 32)
    reference.blit(previous.picture, rect, previous.area(2.0))
    current.picture.set_alpha(round(255 * progress))
    reference.blit(current.picture, rect, current.area(2.0))
    current.picture.set_alpha(None)
    got = pygame.surfarray.array3d(one_pass).astype(int)
    expected = pygame.surfarray.array3d(reference).astype(int)
    assert np.abs(got - expected).max() <= 2
    assert got[rect.x + 5, rect.y + 5].tolist() != [0, 0, 0]
