"""The one SDL set-up for in-process display tests (SDL's dummy driver: no screen)."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from pathlib import Path

import pygame
import pytest

from tests.helpers.layout_rig import LayoutRig


@pytest.fixture
def sdl(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    pygame.display.init()
    pygame.font.init()
    yield
    # SDL objects of the GPU path (window, renderer, texture) must go before SDL itself:
    # collected later, their destructors free what a later test's window reuses ("Renderer's
    # window has been destroyed").
    gc.collect()
    pygame.quit()


@pytest.fixture
def make_rig(tmp_path: Path) -> Iterator[Callable[[tuple[int, int]], LayoutRig]]:
    """Layout rigs of any size, each closed after the test."""
    rigs: list[LayoutRig] = []

    def make(size: tuple[int, int]) -> LayoutRig:
        rig = LayoutRig(tmp_path / f"rig{len(rigs)}", size)
        rigs.append(rig)
        return rig

    yield make
    for rig in rigs:
        rig.close()
