"""The projection pass: the composed content canvas onto the outputs, every frame.

The content is one canvas, (outputs × width − blend_px) wide; each output (projector) shows its
slice of it, warped so that the slice's corners land where the calibration put them, with the
overlap of two outputs ramped so that the two projectors' light sums to one, the mask polygons
black and every pixel capped by `brightness`.

Cost is what this is about (a 4K warp is ~10 full-frame copies): everything that does not
change is computed once (the inverse homographies, the blend weights already warped into
output space and cut to their bounding box, the masks rasterised once as stencils), the
pixels are read and written in place through numpy views of the Surfaces, only the output
regions that a changed canvas rectangle maps to are warped again, and with no calibration the
pass is skipped altogether (`active` is False and the render loop keeps its 1:1 path).
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import cv2
import numpy as np
import pygame

from display.calibration import (
    Calibration,
    OutputCalibration,
    apply_homography,
    calibration_path,
    load_for_show,
)
from wall.config import DisplaySection, Settings

# cv2.warpPerspective computes its maps in small blocks on the fly: measured here it beats
# cv2.remap on precomputed maps, float or converted to fixed point by cv2.convertMaps
# (1080p: 5.9 ms against 6.3 and 8.3 ms; 4K: 24 against 27 and 47 ms), and needs no 100 MB
# of maps at 4K.
WARP_FLAGS = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
# A changed content pixel moves the bilinear samples of its neighbours: warp one more pixel.
SAMPLE_MARGIN_PX = 1
# Insurance against a layout that forgets a changed rectangle (the warped output would keep
# the stale pixels): one band of this many per frame is warped again, so at 60 fps the whole
# output is refreshed every 2 s for ~1/120 of a full warp per frame.
ROLLING_BANDS = 120
# Changed rectangles are merged until none overlap (each output pixel dimmed once); beyond
# this many, one bounding box per output is cheaper than a warp call each.
MAX_REGIONS_PER_OUTPUT = 24
# A 4K warp takes ~24 ms of one core, more than a 60 fps frame: the render loop gets a second
# hand for it. Unlike OpenCV's own pool (off in display.app, for the decoders' sake), it runs
# only during the warp, beside the render thread, and sleeps the rest of the frame.
WARP_THREADS = 2 if (os.cpu_count() or 1) > 1 else 1
SPLIT_MIN_PIXELS = 256 * 256  # below this, handing half to the helper costs more than it saves
MASK_SHIFT = 4  # mask vertices in 1/16 px: fillPoly keeps sub-pixel corners
WEIGHT_ONE = 255  # blend weights as bytes: 255 leaves a pixel alone
BLACK = 0

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Geometry:
    """The display's outputs from `[display]`: how wide the content and the window are."""

    output_size: tuple[int, int]
    outputs: int = 1
    blend_px: int = 0
    blend_gamma: float = 2.2
    brightness: float = 1.0

    @property
    def content_size(self) -> tuple[int, int]:
        width, height = self.output_size
        return self.outputs * width - (self.outputs - 1) * self.blend_px, height

    @property
    def window_size(self) -> tuple[int, int]:
        return self.outputs * self.output_size[0], self.output_size[1]

    def slice_x(self, index: int) -> int:
        """Where output `index`'s slice starts on the content canvas."""
        return index * (self.output_size[0] - self.blend_px)


def surface_pixels(surface: pygame.Surface) -> np.ndarray:
    """(height, width, 4) bytes over the Surface's own memory, no copy; the Surface stays
    locked (no blit to or from it) until the array is dropped."""
    width, height = surface.get_size()
    view = pygame.surfarray.pixels2d(surface).T.view(np.uint8)
    return view.reshape(height, width, 4)


def blend_ramp(overlap: int, gamma: float) -> tuple[np.ndarray, np.ndarray]:
    """Per overlap column, the pixel multipliers of the left and right outputs. Light is
    value^gamma, so multipliers of ramp^(1/gamma) give light shares of ramp and 1 - ramp:
    together exactly the light of one projector."""
    share = (np.arange(overlap, dtype=np.float64) + 0.5) / overlap  # the right one's share
    return (1.0 - share) ** (1.0 / gamma), share ** (1.0 / gamma)


class OutputWarp:
    """One output: its slice of the content, the warp, the blend weights and the masks."""

    def __init__(self, geometry: Geometry, index: int, calibration: OutputCalibration) -> None:
        width, height = geometry.output_size
        self.index = index
        self.slice_x = geometry.slice_x(index)
        self.window_x = index * width
        self.bounds = pygame.Rect(0, 0, width, height)
        self.warped = calibration.warped
        self._forward = calibration.slice_to_output()
        # Pixel (i, j) covers [i, i+1): its centre is at i + 0.5, in the source as in the output.
        half = np.array([[1, 0, 0.5], [0, 1, 0.5], [0, 0, 1]])
        unhalf = np.array([[1, 0, -0.5], [0, 1, -0.5], [0, 0, 1]])
        self._inverse = unhalf @ np.linalg.inv(self._forward) @ half
        self._masks = [mask_stencil(mask, self.bounds) for mask in calibration.masks]
        self.weights_rect, self._weights = self._blend_weights(geometry)

    @property
    def has_weights(self) -> bool:
        return self._weights is not None or bool(self._masks)

    def _blend_weights(self, geometry: Geometry) -> tuple[pygame.Rect, np.ndarray | None]:
        """The blend ramp in output pixels, cut to where it is below 1, as 4-channel bytes."""
        overlap = geometry.blend_px
        if not overlap:
            return pygame.Rect(0, 0, 0, 0), None
        width, height = geometry.output_size
        falling, rising = blend_ramp(overlap, geometry.blend_gamma)
        ramp: np.ndarray = np.ones((height, width), np.float32)
        if self.index < geometry.outputs - 1:
            ramp[:, width - overlap :] = falling
        if self.index > 0:
            ramp[:, :overlap] = rising
        if self.warped:
            ramp = cv2.warpPerspective(
                ramp,
                self._inverse,
                (width, height),
                flags=WARP_FLAGS,
                borderMode=cv2.BORDER_CONSTANT,
                borderValue=1.0,
            )
        weights = np.round(ramp * WEIGHT_ONE).astype(np.uint8)
        rows, cols = np.nonzero(weights < WEIGHT_ONE)
        if not len(rows):
            return pygame.Rect(0, 0, 0, 0), None
        top, left = int(rows.min()), int(cols.min())
        box = pygame.Rect(left, top, int(cols.max()) - left + 1, int(rows.max()) - top + 1)
        patch = weights[box.top : box.bottom, box.left : box.right]
        return box, np.ascontiguousarray(np.repeat(patch[:, :, None], 4, axis=2))

    def region_for(self, rect: pygame.Rect) -> pygame.Rect | None:
        """The output pixels (this output's own coordinates) that content `rect` reaches."""
        width, height = self.bounds.size
        local = rect.clip(pygame.Rect(self.slice_x, 0, width, height)).move(-self.slice_x, 0)
        if not local.w or not local.h:
            return None
        if not self.warped:
            return local
        m = SAMPLE_MARGIN_PX
        left, top, right, bottom = local.left - m, local.top - m, local.right + m, local.bottom + m
        corners = apply_homography(
            self._forward, [(left, top), (right, top), (right, bottom), (left, bottom)]
        )
        x0, y0 = np.floor(corners.min(axis=0)).astype(int) - m
        x1, y1 = np.ceil(corners.max(axis=0)).astype(int) + m
        region = pygame.Rect(int(x0), int(y0), int(x1 - x0), int(y1 - y0)).clip(self.bounds)
        return region if region.w and region.h else None

    def render(self, source: np.ndarray, target: np.ndarray, region: pygame.Rect) -> None:
        """Output `region` (own coordinates) from the content pixels; `target` is the window."""
        width = self.bounds.w
        piece = source[:, self.slice_x : self.slice_x + width]
        out = target[region.top : region.bottom, self.window_x + region.left :][:, : region.w]
        if self.warped:
            shift = np.array([[1, 0, region.left], [0, 1, region.top], [0, 0, 1]], np.float64)
            cv2.warpPerspective(
                piece,
                self._inverse @ shift,
                region.size,
                dst=out,
                flags=WARP_FLAGS,
                borderMode=cv2.BORDER_CONSTANT,
                borderValue=BLACK,
            )
        else:
            np.copyto(out, piece[region.top : region.bottom, region.left : region.right])
        self._weigh(out, region)
        self._mask(out, region)

    def _weigh(self, out: np.ndarray, region: pygame.Rect) -> None:
        if self._weights is None:
            return
        common = region.clip(self.weights_rect)
        if not common.w or not common.h:
            return
        pixels = out[common.top - region.top :, common.left - region.left :][: common.h, : common.w]
        box = common.move(-self.weights_rect.left, -self.weights_rect.top)
        weights = self._weights[box.top : box.bottom, box.left : box.right]
        cv2.multiply(pixels, weights, dst=pixels, scale=1 / WEIGHT_ONE)

    def _mask(self, out: np.ndarray, region: pygame.Rect) -> None:
        for box, keep in self._masks:
            common = region.clip(box)
            if common.w and common.h:
                pixels = out[common.top - region.top :, common.left - region.left :][
                    : common.h, : common.w
                ]
                part = keep[common.top - box.top :, common.left - box.left :][
                    : common.h, : common.w
                ]
                cv2.bitwise_and(pixels, part, dst=pixels)


def mask_stencil(
    polygon: Sequence[tuple[float, float]], bounds: pygame.Rect
) -> tuple[pygame.Rect, np.ndarray]:
    """The mask rasterised once over its bounding box: 0 inside, 255 outside, 4 channels, so
    that each frame ANDs it in. Drawing the polygon into each warped region instead would
    clip it differently region by region, and its edge would flicker by a pixel."""
    xs, ys = [p[0] for p in polygon], [p[1] for p in polygon]
    left, top = math.floor(min(xs)), math.floor(min(ys))
    box = pygame.Rect(left, top, math.ceil(max(xs)) - left + 1, math.ceil(max(ys)) - top + 1)
    box = box.clip(bounds)
    keep = np.full((max(1, box.h), max(1, box.w)), 255, np.uint8)
    points = np.round((np.asarray(polygon) - (box.left, box.top)) * (1 << MASK_SHIFT))
    cv2.fillPoly(keep, [points.astype(np.int32)], BLACK, cv2.LINE_8, MASK_SHIFT)
    return box, np.ascontiguousarray(np.repeat(keep[:, :, None], 4, axis=2))


class Projection:
    """The content canvas onto the window, per output; `apply` once a frame."""

    def __init__(self, geometry: Geometry, calibration: Calibration, threads: int = 1) -> None:
        """`threads` 2: a helper thread warps half of each large region while the render
        thread warps the other half (call `close` when done)."""
        if len(calibration.outputs) != geometry.outputs:
            raise ValueError("one calibration per output expected")
        self.geometry = geometry
        self.calibration = calibration  # the GPU path draws the same geometry as a mesh
        self._helper = ThreadPoolExecutor(1, "display-warp") if threads > 1 else None
        self.outputs = [
            OutputWarp(geometry, index, output) for index, output in enumerate(calibration.outputs)
        ]
        self._brightness = round(geometry.brightness * 255)
        self._band = 0
        self.active = (
            geometry.blend_px > 0
            or self._brightness < 255
            or any(output.warped or output.has_weights for output in self.outputs)
        )

    @property
    def window_size(self) -> tuple[int, int]:
        return self.geometry.window_size

    def apply(
        self,
        frame: pygame.Surface,
        target: pygame.Surface,
        dirty: Sequence[pygame.Rect] | None,
    ) -> list[pygame.Rect] | None:
        """Projects what changed on `frame` (content) onto `target` (the window); returns the
        window rectangles it repainted, or None when it repainted everything."""
        if dirty is None:  # all of each output: black where the picture no longer reaches
            regions = [(output, output.bounds) for output in self.outputs]
        else:
            changed = [*dirty, self._next_band()]
            regions = [
                (output, merged)
                for output in self.outputs
                for merged in _disjoint([r for r in map(output.region_for, changed) if r])
            ]
        source, window = surface_pixels(frame), surface_pixels(target)
        self._render(source, window, regions)
        del source, window  # unlocks both Surfaces: pygame's fill below needs them free
        placed = [region.move(output.window_x, 0) for output, region in regions]
        if self._brightness < 255:
            level = (self._brightness,) * 3
            for rect in placed:
                target.fill(level, rect, special_flags=pygame.BLEND_MULT)
        return None if dirty is None else placed

    def _render(
        self, source: np.ndarray, window: np.ndarray, regions: list[tuple[OutputWarp, pygame.Rect]]
    ) -> None:
        """Large regions split in two row halves, the lower ones warped by the helper: both
        threads write disjoint rows and only read the source (OpenCV releases the GIL)."""
        mine: list[tuple[OutputWarp, pygame.Rect]] = []
        helpers: list[tuple[OutputWarp, pygame.Rect]] = []
        for output, region in regions:
            if self._helper is None or region.w * region.h < SPLIT_MIN_PIXELS:
                mine.append((output, region))
                continue
            half = region.h // 2
            mine.append((output, pygame.Rect(region.x, region.y, region.w, half)))
            helpers.append(
                (output, pygame.Rect(region.x, region.y + half, region.w, region.h - half))
            )
        pending = None
        if helpers and self._helper is not None:
            pending = self._helper.submit(_render_regions, source, window, helpers)
        _render_regions(source, window, mine)
        if pending is not None:
            pending.result()

    def close(self) -> None:
        if self._helper is not None:
            self._helper.shutdown()

    def _next_band(self) -> pygame.Rect:
        width, height = self.geometry.content_size
        rows = -(-height // ROLLING_BANDS)
        top = self._band * rows
        self._band = (self._band + 1) % -(-height // rows)
        return pygame.Rect(0, top, width, min(rows, height - top))


def _render_regions(
    source: np.ndarray, window: np.ndarray, regions: list[tuple[OutputWarp, pygame.Rect]]
) -> None:
    for output, region in regions:
        output.render(source, window, region)


def _disjoint(rects: list[pygame.Rect]) -> list[pygame.Rect]:
    """Overlapping rectangles merged until none overlap (each pixel is dimmed only once)."""
    if len(rects) > MAX_REGIONS_PER_OUTPUT:
        return [rects[0].unionall(rects[1:])]
    merged: list[pygame.Rect] = []
    pending = list(rects)
    while pending:
        rect = pending.pop()
        hits = rect.collidelistall(merged)
        if not hits:
            merged.append(rect)
            continue
        for index in sorted(hits, reverse=True):
            rect = rect.union(merged.pop(index))
        pending.append(rect)  # the union may now reach others
    return merged


def geometry_of(section: DisplaySection) -> Geometry:
    return Geometry(
        output_size=section.output_size,
        outputs=section.outputs,
        blend_px=section.blend_px,
        blend_gamma=section.blend_gamma,
        brightness=section.brightness,
    )


def projection_for_show(settings: Settings) -> Projection:
    """The saved calibration where it is sound (else no warp, logged), with `[display]`'s
    outputs, blend and brightness."""
    section = settings.display
    path = calibration_path(settings.wall.data_dir, section.calibration_file)
    calibration = load_for_show(path, section.output_size, section.outputs)
    projection = Projection(geometry_of(section), calibration, WARP_THREADS)
    if projection.active:
        log.info(
            "projection: %d output(s), warped %s, %d mask(s), blend %d px (gamma %.1f), "
            "brightness %.2f",
            section.outputs,
            [number for number, o in enumerate(calibration.outputs, 1) if o.warped] or "none",
            sum(len(o.masks) for o in calibration.outputs),
            section.blend_px,
            section.blend_gamma,
            section.brightness,
        )
    return projection
