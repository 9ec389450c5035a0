"""The one SDL set-up for in-process display tests (SDL's dummy driver: no screen)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pygame
import pytest


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
