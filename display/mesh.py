"""The calibration's homography as a mesh of triangles, and mask polygons as triangles: what the
GPU path (`display.gpu_warp`) draws. Pure numpy, no pygame: the mesh's error and the
triangulation are tested alone.

A GPU interpolates texture coordinates linearly across each triangle, so a mesh makes the
homography H piecewise affine: exact at the grid points, off in between by about
(w² |H_xx| + 2wh |H_xy| + h² |H_yy|) / 8 for a w × h cell (a linear interpolant's error on a
quadratic). With H(p) = (A p + b) / D(p), D(p) = c·p + 1 and J its Jacobian, the second
derivative along a direction u is H'' = −2 (c·u) / D · J u: it is large where the projector is
far off-axis and the picture stretched (D small). So the grid lines are graded, closer where H
bends more (each axis's lines equidistribute the square root of its curvature), the cell
counts come from that model, and the error is then measured on the grid (a lattice of points in
every triangle) and the grid refined or coarsened until the measured error is within
`MAX_MESH_ERROR_PX`: each cell is a draw call every frame, so no finer than needed.

The geometry itself is `display.calibration`'s: the mesh points are that homography's images of
the grid, so both paths put a content point at the same place.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from display.calibration import Point, apply_homography

# The mesh's share of the half pixel the GPU path may be off by. The rest covers the measured
# maximum being a sampled one (the true one is within a few per cent) and the rasteriser's
# snapping (1/16 to 1/256 px on GPUs; SDL's software renderer rounds to whole pixels).
MAX_MESH_ERROR_PX = 0.4
# A near-degenerate quad could ask for thousands of cells; this many per axis is 15 px cells
# at 4K, far finer than any sound calibration needs (the error is then logged, not met).
MAX_CELLS_PER_AXIS = 256
# Points per axis where the curvature is sampled to grade the grid: it varies smoothly.
CURVATURE_LATTICE = 33
# The grading follows the curvature, but no cell is more than ~10× another's size: where H is
# flat the lines still come at a tenth of the densest spacing.
UNIFORM_SHARE = 0.1
MEASURE_STEPS = 8  # lattice steps per triangle edge where the mesh's error is measured
COLLINEAR = 1e-9  # relative cross product under which three mask points count as aligned


@dataclass(frozen=True)
class Mesh:
    """A grid over one output's content slice and where each grid point lands on the output."""

    xs: np.ndarray  # grid columns, whole slice pixels from 0 to the width
    ys: np.ndarray  # grid rows
    points: np.ndarray  # (len(ys), len(xs), 2): each grid point's output position
    error: float  # px, measured: the farthest a content point lands from the homography's place

    @property
    def cells(self) -> int:
        return (len(self.xs) - 1) * (len(self.ys) - 1)


def build_mesh(
    matrix: np.ndarray,
    size: tuple[int, int],
    *,
    breaks: Sequence[int] = (),
    max_triangle_area: float | None = None,
    budget: float = MAX_MESH_ERROR_PX,
) -> Mesh:
    """The graded grid with the fewest cells found whose measured error is within `budget`;
    `breaks`: columns it must have (where the blend ramp starts or ends); its triangles'
    output areas stay under `max_triangle_area` (SDL's software renderer overflows beyond)."""
    grading = _Grading(matrix, size)
    # The model above with w·g_x = Ix / columns and h·g_y = Iy / rows: error ≈ (Ix/columns +
    # Iy/rows)² / 8, the fewest cells for a given error when both terms are equal.
    step = math.sqrt(8.0 * budget) / 2.0
    columns = _clamp(math.ceil(grading.integral_x / step))
    rows = _clamp(math.ceil(grading.integral_y / step))
    mesh = grading.mesh(columns, rows, breaks)
    if mesh.error > 0:  # the model is approximate: rescale once from what was measured
        factor = math.sqrt(mesh.error / budget)
        columns, rows = _clamp(math.ceil(columns * factor)), _clamp(math.ceil(rows * factor))
        mesh = grading.mesh(columns, rows, breaks)
    while not _fits(mesh, budget, max_triangle_area) and max(columns, rows) < MAX_CELLS_PER_AXIS:
        columns = _clamp(columns + max(1, columns // 8))
        rows = _clamp(rows + max(1, rows // 8))
        mesh = grading.mesh(columns, rows, breaks)
    return mesh


def _clamp(count: int) -> int:
    return min(MAX_CELLS_PER_AXIS, max(1, count))


def _fits(mesh: Mesh, budget: float, max_triangle_area: float | None) -> bool:
    if mesh.error > budget:
        return False
    return max_triangle_area is None or _largest_triangle(mesh.points) <= max_triangle_area


class _Grading:
    """Where H bends, per axis: √(|H_xx| + |H_xy|) along x (the most over y), √(|H_yy| +
    |H_xy|) along y, sampled on a lattice; grid lines equidistribute them."""

    def __init__(self, matrix: np.ndarray, size: tuple[int, int]) -> None:
        self.matrix, self.size = matrix / matrix[2, 2], size
        self.at_x = np.linspace(0, size[0], CURVATURE_LATTICE)
        self.at_y = np.linspace(0, size[1], CURVATURE_LATTICE)
        lattice = np.stack(np.meshgrid(self.at_x, self.at_y), axis=-1).reshape(-1, 2)
        perspective = self.matrix[2, :2]
        denominator = lattice @ perspective + 1.0
        mapped = apply_homography(self.matrix, lattice)
        jacobian = (self.matrix[:2, :2][None] - mapped[:, :, None] * perspective) / denominator[
            :, None, None
        ]
        along_x, along_y = jacobian[:, :, 0], jacobian[:, :, 1]
        bend = -2.0 / denominator[:, None]
        shape = (CURVATURE_LATTICE, CURVATURE_LATTICE)
        h_xx = np.linalg.norm(bend * perspective[0] * along_x, axis=1).reshape(shape)
        h_yy = np.linalg.norm(bend * perspective[1] * along_y, axis=1).reshape(shape)
        h_xy = np.linalg.norm(
            (perspective[0] * along_y + perspective[1] * along_x) / denominator[:, None], axis=1
        ).reshape(shape)
        self.density_x = np.sqrt((h_xx + h_xy).max(axis=0))
        self.density_y = np.sqrt((h_yy + h_xy).max(axis=1))
        self.integral_x = float(np.trapezoid(self.density_x, self.at_x))
        self.integral_y = float(np.trapezoid(self.density_y, self.at_y))

    def mesh(self, columns: int, rows: int, breaks: Sequence[int]) -> Mesh:
        xs = _graded_lines(self.at_x, self.density_x, columns, breaks)
        ys = _graded_lines(self.at_y, self.density_y, rows, ())
        grid = np.stack(np.meshgrid(xs, ys), axis=-1).astype(np.float64)
        points = apply_homography(self.matrix, grid.reshape(-1, 2)).reshape(grid.shape)
        return Mesh(xs, ys, points, measured_error(self.matrix, grid, points))


def _graded_lines(
    at: np.ndarray, density: np.ndarray, count: int, breaks: Sequence[int]
) -> np.ndarray:
    """`count` cells whose integrals of `density` are equal, on whole pixels (texture
    coordinates stay exact on every renderer), with the `breaks` columns added."""
    weights = density + UNIFORM_SHARE * float(density.max()) + 1e-12
    cumulative = np.concatenate([[0.0], np.cumsum((weights[1:] + weights[:-1]) / 2 * np.diff(at))])
    lines = np.interp(np.linspace(0.0, 1.0, count + 1), cumulative / cumulative[-1], at)
    length = int(round(at[-1]))
    extra = [b for b in breaks if 0 < b < length]
    return np.unique(
        np.concatenate([np.round(lines).astype(np.int64), np.asarray(extra, np.int64)])
    )


def measured_error(matrix: np.ndarray, grid: np.ndarray, points: np.ndarray) -> float:
    """The largest distance, over a lattice of points in every triangle, between where the
    mesh draws a content point and where the homography puts it."""
    worst = 0.0
    rows, columns = grid.shape[0] - 1, grid.shape[1] - 1
    for corners in _TRIANGLES:
        sources = np.stack([grid[r : r + rows, c : c + columns] for r, c in corners])
        targets = np.stack([points[r : r + rows, c : c + columns] for r, c in corners])
        for weights in _BARYCENTRIC:
            source = np.tensordot(weights, sources, axes=1)  # Σ weight × corner, every cell
            drawn = np.tensordot(weights, targets, axes=1)
            exact = apply_homography(matrix, source.reshape(-1, 2)).reshape(drawn.shape)
            worst = max(worst, float(np.linalg.norm(exact - drawn, axis=-1).max()))
    return worst


# A cell's two triangles, split along its top-left to bottom-right diagonal (as a GPU draws a
# quad), as (row, column) offsets of their corners; and the barycentric lattice inside a
# triangle where the error is measured (the error is a smooth bump vanishing at the corners).
_TRIANGLES = (((0, 0), (0, 1), (1, 1)), ((0, 0), (1, 1), (1, 0)))
_BARYCENTRIC = tuple(
    (i / MEASURE_STEPS, j / MEASURE_STEPS, 1 - (i + j) / MEASURE_STEPS)
    for i in range(MEASURE_STEPS + 1)
    for j in range(MEASURE_STEPS + 1 - i)
)


def _largest_triangle(points: np.ndarray) -> float:
    """The largest output area of a cell's two triangles."""
    top_left, top_right = points[:-1, :-1], points[:-1, 1:]
    bottom_left, bottom_right = points[1:, :-1], points[1:, 1:]
    upper = _areas(top_left, top_right, bottom_right)
    lower = _areas(top_left, bottom_right, bottom_left)
    return float(max(upper.max(), lower.max()))


def _areas(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    ab, ac = b - a, c - a
    return np.abs(ab[..., 0] * ac[..., 1] - ab[..., 1] * ac[..., 0]) / 2.0


# Mask polygons


def triangulate(polygon: Sequence[Point]) -> list[tuple[Point, Point, Point]] | None:
    """The polygon (convex or not, either winding) as triangles, by ear clipping; [] when it
    has no area; None when it crosses itself (no set of triangles is "the" inside then)."""
    points = _simplified(polygon)
    if len(points) < 3:
        return []
    if _crosses_itself(points):
        return None
    area = _signed_area(points)
    if abs(area) <= COLLINEAR * _extent(points) ** 2:
        return []
    orientation = 1.0 if area > 0 else -1.0
    remaining = list(range(len(points)))
    triangles: list[tuple[Point, Point, Point]] = []
    while len(remaining) > 3:
        ear = _find_ear(points, remaining, orientation)
        if ear is None:
            return None  # only on numerically degenerate input: the caller's fallback draws it
        before, vertex, after = (remaining[(ear + k) % len(remaining)] for k in (-1, 0, 1))
        triangles.append((points[before], points[vertex], points[after]))
        del remaining[ear]
    a, b, c = (points[i] for i in remaining)
    triangles.append((a, b, c))
    return triangles


def _simplified(polygon: Sequence[Point]) -> list[Point]:
    """Repeated points and points on a straight run dropped: they make zero-area ears."""
    points = [(float(x), float(y)) for x, y in polygon]
    changed = True
    while changed and len(points) >= 3:
        changed = False
        scale = _extent(points) ** 2
        for index in range(len(points)):
            a, b, c = points[index - 1], points[index], points[(index + 1) % len(points)]
            if b == a or abs(_cross(a, b, c)) <= COLLINEAR * scale:
                del points[index]
                changed = True
                break
    return points


def _find_ear(points: list[Point], remaining: list[int], orientation: float) -> int | None:
    count = len(remaining)
    for position in range(count):
        a, b, c = (points[remaining[(position + k) % count]] for k in (-1, 0, 1))
        if _cross(a, b, c) * orientation <= 0:
            continue  # a reflex (or flat) corner: cutting it would leave the polygon
        corner = (count - 1, 0, 1)  # the ear's own three vertices, as offsets from it
        others = (
            points[i] for k, i in enumerate(remaining) if (k - position) % count not in corner
        )
        if not any(_inside_or_on(p, a, b, c, orientation) for p in others):
            return position
    return None


def _inside_or_on(p: Point, a: Point, b: Point, c: Point, orientation: float) -> bool:
    return all(_cross(u, v, p) * orientation >= 0 for u, v in ((a, b), (b, c), (c, a)))


def _crosses_itself(points: list[Point]) -> bool:
    count = len(points)
    edges = [(points[i], points[(i + 1) % count]) for i in range(count)]
    for i in range(count):
        for j in range(i + 1, count):
            if j == i + 1 or (i == 0 and j == count - 1):
                continue  # neighbours share a vertex by construction
            if _segments_meet(*edges[i], *edges[j]):
                return True
    return False


def _segments_meet(p: Point, q: Point, r: Point, s: Point) -> bool:
    """Whether segments pq and rs share a point (touching counts)."""
    d1, d2 = _cross(r, s, p), _cross(r, s, q)
    d3, d4 = _cross(p, q, r), _cross(p, q, s)
    if ((d1 > 0) != (d2 > 0)) and ((d3 > 0) != (d4 > 0)) and d1 and d2 and d3 and d4:
        return True
    return any(
        d == 0 and _on_segment(point, u, v)
        for d, point, u, v in ((d1, p, r, s), (d2, q, r, s), (d3, r, p, q), (d4, s, p, q))
    )


def _on_segment(p: Point, a: Point, b: Point) -> bool:
    return min(a[0], b[0]) <= p[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= p[1] <= max(a[1], b[1])


def _cross(a: Point, b: Point, c: Point) -> float:
    """(b − a) × (c − a): positive when a, b, c turn clockwise on screen (y downwards)."""
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])


def _signed_area(points: list[Point]) -> float:
    return 0.5 * sum(
        x0 * y1 - x1 * y0
        for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True)
    )


def _extent(points: list[Point]) -> float:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return max(max(xs) - min(xs), max(ys) - min(ys), 1.0)
