"""The GPU path: the layouts still paint a Surface; only what changed goes up to a texture.

The canvas stays in RAM in the CPU screen's own pixel layout (XRGB8888), so the layouts, the
photo library's worker-built Surfaces and the dirty rectangles are exactly the CPU path's.
Each frame the presenter uploads the changed rectangles into one streaming texture; the GPU
draws it into the window, magnified by a whole factor with nearest sampling for LED walls (no
blur, and no CPU cost for the magnification), and presents it (vsync where the driver grants
it). Only `display.window.open_output` chooses this path; the CPU path never imports it.

With a calibration (corners, masks, blend, brightness), the canvas holds the unwarped content
and the GPU does the projection pass itself (`display.gpu_warp`: the texture drawn as a mesh
that follows the homography): the CPU neither warps nor uploads more than what changed.
"""

from __future__ import annotations

import logging
import time

import pygame
from pygame._sdl2 import video
from pygame._sdl2.sdl2 import error as RendererError

from display.gpu_warp import PAD, GpuWarp
from display.projection import Projection

log = logging.getLogger(__name__)

# XRGB8888, what SDL screens usually are: the photo library's workers build Surfaces in
# this layout (display.library.BGRA_MASKS), so the layouts' blits stay plain copies.
CANVAS_MASKS = (0xFF0000, 0xFF00, 0xFF, 0)
NEAREST = 0  # texture scale quality: whole pixels on an LED wall, no blur
LINEAR = 1  # for a warped picture: bilinear, as the CPU path's warp
BLENDMODE_NONE = 0  # the canvas's fourth byte is padding, not alpha: never blend on it
# Insurance against a layout that forgets a changed rectangle: everything goes up this often.
FULL_UPLOAD_S = 5.0
# Beyond this many rectangles in a frame (a photomosaic filling in), one upload of their
# bounding box is cheaper than a call each: each call converts and copies on its own.
MAX_UPLOADS_PER_FRAME = 32
BLACK = (0, 0, 0, 255)  # the bars around a wall that does not fill a fullscreen window
# What SDL's refusals raise: the Window is pygame's own, the Renderer and Texture Cython's.
SDL_ERRORS = (pygame.error, RendererError)


class GpuUnavailable(Exception):
    """No SDL renderer for this window: the caller falls back to the CPU path or says so."""


def integer_fit(canvas: tuple[int, int], window: tuple[int, int]) -> pygame.Rect:
    """The canvas magnified by the largest whole factor that fits, centred; a wall larger than
    the window is shrunk to fit instead (keeping its aspect)."""
    factor: float = min(window[0] // canvas[0], window[1] // canvas[1])
    if factor < 1:
        factor = min(window[0] / canvas[0], window[1] / canvas[1])
    width, height = round(canvas[0] * factor), round(canvas[1] * factor)
    return pygame.Rect((window[0] - width) // 2, (window[1] - height) // 2, width, height)


class GpuPresenter:
    """Uploads what changed on `canvas` and presents it scaled into the window."""

    def __init__(
        self,
        window: video.Window,
        renderer: video.Renderer,
        size: tuple[int, int],
        *,
        vsync: bool,
        read_back: bool,
        projection: Projection | None = None,
        software: bool = False,
    ) -> None:
        """`size`: the window's logical pixels. `read_back` keeps a copy of every presented
        frame for `shown` (headless recording: reading the GPU's pixels back is slow, so a live
        wall does not). An active `projection` is drawn here: `canvas` is then its unwarped
        content. `software`: the renderer is SDL's software one (see `display.gpu_warp`)."""
        self._window = window
        self._renderer = renderer
        self.vsync = vsync
        warp = projection if projection is not None and projection.active else None
        canvas_size = warp.geometry.content_size if warp is not None else size
        self.canvas = pygame.Surface(canvas_size, 0, 32, CANVAS_MASKS)
        texture_size, quality = canvas_size, NEAREST
        if warp is not None:
            texture_size = (canvas_size[0] + PAD, canvas_size[1] + PAD)
            if any(output.warped for output in warp.calibration.outputs):
                quality = LINEAR  # resampled anyway
        self._texture = video.Texture(renderer, texture_size, streaming=True, scale_quality=quality)
        self._texture.blend_mode = BLENDMODE_NONE
        self._dest = integer_fit(size, window.size)
        self._warp: GpuWarp | None = None
        if warp is not None:
            # The padding texels stay black, as the CPU warp's border.
            self._texture.update(pygame.Surface(texture_size, 0, 32, CANVAS_MASKS))
            self._warp = GpuWarp(
                renderer,
                self._texture,
                warp.geometry,
                warp.calibration,
                self._dest,
                software=software,
            )
        self.projects = self._warp is not None  # the runner then skips its CPU projection
        self._bounds = self.canvas.get_rect()
        self._read_back = read_back
        self._shown: pygame.Surface | None = None
        self._last_full = -FULL_UPLOAD_S
        self.uploaded_pixels = 0  # since start: what the dirty rectangles saved is measurable
        renderer.draw_color = BLACK

    def present(self, changed: list[pygame.Rect] | None) -> None:
        """`changed`: the canvas rectangles painted this frame, or None for all of it."""
        now = time.monotonic()
        if changed is None or now - self._last_full >= FULL_UPLOAD_S:
            self._last_full = now
            self._upload(self._bounds)
        elif len(changed) > MAX_UPLOADS_PER_FRAME:
            self._upload(changed[0].unionall(changed[1:]))
        else:
            for rect in changed:
                self._upload(rect)
        self._renderer.clear()
        if self._warp is not None:
            self._warp.draw()  # the whole mesh, every frame: the back buffer starts black
        else:
            self._renderer.blit(self._texture, self._dest)
        if self._read_back:  # before present: the back buffer is undefined after it
            self._shown = self._renderer.to_surface(self._shown)
        self._renderer.present()

    def _upload(self, rect: pygame.Rect) -> None:
        area = rect.clip(self._bounds)
        if not area.w or not area.h:
            return
        # The area as a tuple, not a Rect: pygame-ce 2.5's Texture.update reads the size from
        # its own scratch copy, which a Rect bypasses, and then writes the pixels at (0, 0).
        self._texture.update(self.canvas.subsurface(area), tuple(area))
        self.uploaded_pixels += area.w * area.h

    def shown(self) -> pygame.Surface:
        """The last presented frame as the window shows it (read back), else the canvas."""
        return self._shown if self._shown is not None else self.canvas

    @property
    def warp(self) -> GpuWarp | None:
        """The projection pass this presenter draws, if any (its meshes, for the benchmark)."""
        return self._warp

    @property
    def dest(self) -> pygame.Rect:
        """Where the canvas lies in the window: mouse positions map back through it."""
        return self._dest.copy()


def open_gpu(
    size: tuple[int, int],
    scale: int,
    *,
    fullscreen: bool,
    vsync: bool,
    hardware_only: bool,
    read_back: bool,
    projection: Projection | None = None,
) -> GpuPresenter:
    """A window with an SDL renderer, or GpuUnavailable. `hardware_only` refuses SDL's
    software renderer: on a real window it gains nothing over the CPU path. `projection`:
    the calibration the presenter draws (see `GpuPresenter`)."""
    window_size = (size[0] * scale, size[1] * scale)
    try:
        window = video.Window("wall display", size=window_size, fullscreen_desktop=fullscreen)
    except SDL_ERRORS as exc:
        raise GpuUnavailable(f"no SDL window: {exc}") from exc
    kinds = [1] if hardware_only else [1, 0]  # hardware first, SDL's software renderer last
    attempts = [(kind, sync) for kind in kinds for sync in ([True, False] if vsync else [False])]
    last_error: Exception | None = None
    for accelerated, attempt_vsync in attempts:
        try:
            renderer = video.Renderer(window, accelerated=accelerated, vsync=attempt_vsync)
            presenter = GpuPresenter(
                window,
                renderer,
                size,
                vsync=attempt_vsync,
                read_back=read_back,
                projection=projection,
                software=not accelerated,
            )
        except SDL_ERRORS as exc:
            kind = "hardware" if accelerated else "software"
            log.info("SDL %s renderer (vsync %s) refused: %s", kind, attempt_vsync, exc)
            last_error = exc
            continue
        if fullscreen:
            pygame.mouse.set_visible(False)
        return presenter
    window.destroy()  # the CPU path opens its own window
    raise GpuUnavailable(f"no SDL renderer: {last_error}")
