"""The projection pass on the GPU: the unwarped content texture drawn into each output as a mesh
of triangles that follows the calibration's homography (`display.mesh`), the blend ramp as a
texture multiplied over the overlap (SDL_BLENDMODE_MOD), the masks as black triangles, the
brightness cap as the content texture's colour modulation. Everything is worked out once per
calibration; `draw` replays the same calls every frame, since the renderer redraws the whole
window at each present. Only `display.gpu` uses it, for the GPU presenter.

The values are the CPU path's (`display.projection`): the same homography, the same ramp
bytes, the same brightness level. Unwarped outputs are plain texture copies (exact on every
renderer); warped ones are the mesh.

SDL's software renderer (the tests, or `renderer = "gpu"` on a machine without a GPU) draws
geometry its own way: it truncates vertex positions and texture coordinates to whole pixels,
shrinks each triangle's texture range by one texel at its far edges, samples the nearest texel
and overflows 32-bit integers on large triangles. `_software_triangle` undoes the first two
(a content pixel then lands within a pixel of where a GPU puts it), the padding texels keep the
undone shrink inside the texture, and the mesh keeps its triangles small enough.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pygame
from pygame._sdl2 import video

from display.calibration import Calibration, OutputCalibration, Point
from display.mesh import MAX_MESH_ERROR_PX, Mesh, build_mesh, triangulate
from display.projection import Geometry, blend_ramp, mask_stencil

log = logging.getLogger(__name__)

BLENDMODE_MOD = 4  # SDL_BLENDMODE_MOD: the target's pixels × the texture's
BLACK = (0, 0, 0, 255)
# Textures are two texels wider and taller than what they hold: on the software renderer a
# triangle's far texture coordinate is passed one texel and a quarter further out (see above),
# and SDL refuses coordinates past the texture's edge.
PAD = 2
# The software renderer's triangle computes texture coordinate × 8 × area in a 32-bit int.
SOFTWARE_INT_LIMIT = 2**31
# Texture coordinates a quarter texel past the whole one: the software renderer truncates
# them, and float rounding must not take a whole texel off.
TEXEL_SNAP = 0.25
RAMP_ROW = 0.5  # the ramp textures are one row tall: sample its middle


Call = tuple[Callable[..., Any], tuple[Any, ...]]


class GpuWarp:
    """The per-frame draw calls of the projection pass, for one renderer and content texture."""

    def __init__(
        self,
        renderer: video.Renderer,
        content: video.Texture,
        geometry: Geometry,
        calibration: Calibration,
        dest: pygame.Rect,
        *,
        software: bool,
    ) -> None:
        """`dest`: where the window's logical pixels (`geometry.window_size`) lie in the
        renderer's own (a magnified LED wall, a fullscreen window larger than the wall)."""
        self._renderer = renderer
        self._content = content
        self._geometry = geometry
        self._software = software
        self._dest = dest
        self._factor = (dest.w / geometry.window_size[0], dest.h / geometry.window_size[1])
        self._calls: list[Call] = []
        self._keep: list[video.Texture] = []  # textures the calls draw: alive as long as they
        level = round(geometry.brightness * 255)
        if level < 255:
            content.color = (level, level, level)  # also folded into each vertex by pygame
        self._ramps = self._ramp_textures() if geometry.blend_px else None
        self.meshes: list[Mesh | None] = []
        for index, output in enumerate(calibration.outputs):
            self._add_output(index, output)
        self._calls.append((renderer.set_viewport, (None,)))

    @property
    def draw_calls(self) -> int:
        """Calls replayed each frame: the render thread's share of the pass on a real GPU."""
        return len(self._calls)

    def draw(self) -> None:
        """Every output, into the renderer's back buffer (cleared black by the caller)."""
        self._renderer.draw_color = BLACK  # the masks' colour
        for function, arguments in self._calls:
            function(*arguments)

    # Building the calls

    def _add_output(self, index: int, output: OutputCalibration) -> None:
        width, height = self._geometry.output_size
        left = index * width
        viewport = self._window_rect(left, 0, width, height)
        self._calls.append((self._renderer.set_viewport, (viewport,)))
        place = self._placer(left, viewport)
        slice_x = self._geometry.slice_x(index)
        ramps = self._ramp_spans(index)
        if output.warped:
            mesh = self._mesh(output, [x for start, n, _ in ramps for x in (start, start + n)])
            self.meshes.append(mesh)
            self._textured(self._content, mesh, place, slice_x, range(len(mesh.xs) - 1))
            for start, length, ramp in ramps:
                columns = [i for i, x in enumerate(mesh.xs[:-1]) if start <= x < start + length]
                self._textured(ramp, mesh, place, -start, columns, ramp=True)
        else:
            self.meshes.append(None)
            source = pygame.Rect(slice_x, 0, width, height)
            self._calls.append((self._content.draw, (source, place.rect(0, 0, width, height))))
            for start, length, ramp in ramps:
                target = place.rect(start, 0, length, height)
                self._calls.append((ramp.draw, (pygame.Rect(0, 0, length, 1), target)))
        for polygon in output.masks:
            self._add_mask(polygon, place, pygame.Rect(0, 0, width, height))

    def _mesh(self, output: OutputCalibration, breaks: Sequence[int]) -> Mesh:
        limit = None
        if self._software:
            side = max(self._content.width, self._content.height)
            limit = SOFTWARE_INT_LIMIT / (16 * side) / (self._factor[0] * self._factor[1])
        mesh = build_mesh(
            output.slice_to_output(), output.size, breaks=breaks, max_triangle_area=limit
        )
        if mesh.error > MAX_MESH_ERROR_PX:
            log.warning(
                "projection mesh: %.2f px off at most (corners nearly degenerate)", mesh.error
            )
        return mesh

    def _textured(
        self,
        texture: video.Texture,
        mesh: Mesh,
        place: _Placer,
        shift_x: int,
        columns: Sequence[int] | range,
        *,
        ramp: bool = False,
    ) -> None:
        """The cells of `columns` (all rows), at texture x = slice x + `shift_x` (the content
        texture holds every slice side by side; a ramp starts at its overlap), y = slice y
        (a ramp's one row everywhere)."""
        size = (texture.width, texture.height)
        for row in range(len(mesh.ys) - 1):
            for column in columns:
                corners = (
                    (row, column),
                    (row, column + 1),
                    (row + 1, column + 1),
                    (row + 1, column),
                )
                targets = [place.point(mesh.points[r, c]) for r, c in corners]
                sources = [
                    (float(mesh.xs[c] + shift_x), RAMP_ROW if ramp else float(mesh.ys[r]))
                    for r, c in corners
                ]
                if self._software:
                    for triangle in ((0, 1, 2), (2, 3, 0)):
                        self._calls.append(
                            (
                                texture.draw_triangle,
                                _software_triangle(
                                    [targets[k] for k in triangle],
                                    [sources[k] for k in triangle],
                                    size,
                                    flat_v=ramp,
                                ),
                            )
                        )
                else:
                    uvs = [(x / size[0], y / size[1]) for x, y in sources]
                    self._calls.append((texture.draw_quad, (*targets, *uvs)))

    def _add_mask(self, polygon: Sequence[Point], place: _Placer, bounds: pygame.Rect) -> None:
        triangles = triangulate(polygon)
        if triangles is None:  # crosses itself: the CPU path's own raster, multiplied in
            box, keep = mask_stencil(polygon, bounds)
            if box.w and box.h:
                surface = pygame.image.frombuffer(
                    np.ascontiguousarray(keep[:, :, :3]).tobytes(), box.size, "RGB"
                )
                stencil = video.Texture.from_surface(self._renderer, surface)
                stencil.blend_mode = BLENDMODE_MOD
                self._keep.append(stencil)
                self._calls.append((stencil.draw, (None, place.rect(*box))))
            return
        for triangle in triangles:
            corners = [place.point(p) for p in triangle]
            if self._software:
                corners = [_whole(p) for p in corners]
            self._calls.append((self._renderer.fill_triangle, tuple(corners)))

    # The blend ramp

    def _ramp_textures(self) -> tuple[video.Texture, video.Texture]:
        """The right output's multipliers rising over the overlap, and the left's falling: the
        CPU path's bytes, one row, the padding texels repeating the last."""
        overlap = self._geometry.blend_px
        falling, rising = blend_ramp(overlap, self._geometry.blend_gamma)
        textures = []
        for values in (rising, falling):
            levels = np.round(values * 255).astype(np.uint8)
            row = np.append(levels, [levels[-1]] * PAD)[:, None].repeat(3, axis=1)
            surface = pygame.image.frombuffer(row.tobytes(), (overlap + PAD, 1), "RGB")
            texture = video.Texture.from_surface(self._renderer, surface)
            texture.blend_mode = BLENDMODE_MOD
            self._keep.append(texture)
            textures.append(texture)
        return textures[0], textures[1]

    def _ramp_spans(self, index: int) -> list[tuple[int, int, video.Texture]]:
        """(first slice column, columns, texture) of the overlaps this output has."""
        if self._ramps is None:
            return []
        rising, falling = self._ramps
        overlap, width = self._geometry.blend_px, self._geometry.output_size[0]
        spans = []
        if index > 0:
            spans.append((0, overlap, rising))
        if index < self._geometry.outputs - 1:
            spans.append((width - overlap, overlap, falling))
        return spans

    # Where output pixels go in the renderer

    def _window_rect(self, x: float, y: float, w: float, h: float) -> pygame.Rect:
        fx, fy = self._factor
        left, top = round(self._dest.x + x * fx), round(self._dest.y + y * fy)
        right, bottom = round(self._dest.x + (x + w) * fx), round(self._dest.y + (y + h) * fy)
        return pygame.Rect(left, top, right - left, bottom - top)

    def _placer(self, left: int, viewport: pygame.Rect) -> _Placer:
        fx, fy = self._factor
        return _Placer(self._dest.x + left * fx - viewport.x, self._dest.y - viewport.y, fx, fy)


class _Placer:
    """Output pixels → the viewport's own coordinates (renderer pixels from its corner)."""

    def __init__(self, x: float, y: float, fx: float, fy: float) -> None:
        self._x, self._y, self._fx, self._fy = x, y, fx, fy

    def point(self, p: Sequence[float] | np.ndarray) -> tuple[float, float]:
        return (self._x + float(p[0]) * self._fx, self._y + float(p[1]) * self._fy)

    def rect(self, x: float, y: float, w: float, h: float) -> pygame.Rect:
        left, top = self.point((x, y))
        right, bottom = self.point((x + w, y + h))
        return pygame.Rect(
            round(left), round(top), round(right) - round(left), round(bottom) - round(top)
        )


def _whole(point: tuple[float, float]) -> tuple[float, float]:
    """Rounded to the nearest pixel: the software renderer truncates, which would shift
    everything up and left by half a pixel on average."""
    return (float(math.floor(point[0] + 0.5)), float(math.floor(point[1] + 0.5)))


def _software_triangle(
    targets: list[tuple[float, float]],
    sources: list[tuple[float, float]],
    size: tuple[int, int],
    *,
    flat_v: bool,
) -> tuple[Any, ...]:
    """draw_triangle's arguments for SDL's software renderer: whole-pixel positions, whole
    texel coordinates (a quarter texel over, for its truncation), and one texel added where
    it will take one off (its triangle's largest coordinate on each axis with any extent)."""
    texels = [[math.floor(x), 0 if flat_v else math.floor(y)] for x, y in sources]
    for axis in (0, 1):
        values = [texel[axis] for texel in texels]
        high = max(values)
        if high > min(values):
            for texel in texels:
                if texel[axis] == high:
                    texel[axis] += 1
    uvs = [((x + TEXEL_SNAP) / size[0], (y + TEXEL_SNAP) / size[1]) for x, y in texels]
    return (*[_whole(p) for p in targets], *uvs)
