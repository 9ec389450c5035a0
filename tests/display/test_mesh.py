"""The GPU path's geometry alone: how far the piecewise-affine mesh strays from the homography
for the keystones an installer meets, and mask polygons cut into triangles.

The error is measured here independently of `display.mesh.measured_error`: random points in
every triangle, each mapped by the affine map the GPU applies on that triangle (solved from its
three corners) and by OpenCV's own homography of the corners.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from display.calibration import check_corners, full_frame, homography
from display.mesh import MAX_MESH_ERROR_PX, build_mesh, triangulate

SIZES = ((1920, 1080), (3840, 2160))
HALF_PIXEL = 0.5  # the GPU path must put every content point within this of the homography
POINTS_PER_TRIANGLE = 40
# Corner shares of the frame (x, y), clockwise from the top left.
NAMED_KEYSTONES = {
    "bench: corners in by 2-4 %": ((0.03, 0.02), (0.97, 0.035), (0.98, 0.97), (0.02, 0.985)),
    "ceiling mount, top 30 % narrower": ((0.15, 0.0), (0.85, 0.05), (1.0, 1.0), (0.0, 0.95)),
    "steep tilt, top half as wide": ((0.25, 0.0), (0.75, 0.0), (1.0, 1.0), (0.0, 1.0)),
    "side throw, far edge 60 % high": ((0.0, 0.0), (1.0, 0.2), (1.0, 0.8), (0.0, 1.0)),
    "tilted and off to the side": ((0.25, 0.1), (0.75, 0.0), (1.0, 1.0), (0.0, 0.9)),
    "rotated 4 degrees": None,  # built below
}
RANDOM_KEYSTONES = 12
MAX_PULL = 0.15  # random keystones: each corner pulled in by up to this share of the frame


def keystones(size: tuple[int, int]) -> list[tuple[str, tuple[tuple[float, float], ...]]]:
    width, height = size
    cases = []
    for name, shares in NAMED_KEYSTONES.items():
        if shares is None:
            angle = math.radians(4)
            centre = np.array([width / 2, height / 2])
            rotation = np.array(
                [[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]]
            )
            corners = (np.array(full_frame(size)) - centre) @ rotation.T * 0.9 + centre
            cases.append((name, tuple(map(tuple, corners))))
        else:
            cases.append((name, tuple((width * x, height * y) for x, y in shares)))
    rng = np.random.default_rng(11)
    for number in range(RANDOM_KEYSTONES):
        pulls = rng.uniform(0, MAX_PULL, (4, 2)) * (width, height)
        signs = np.array([(1, 1), (-1, 1), (-1, -1), (1, -1)])  # inwards from each corner
        corners = np.array(full_frame(size)) + signs * pulls
        cases.append((f"random {number}", tuple(map(tuple, corners))))
    for _name, corners in cases:
        check_corners(corners)  # only corners the calibration would accept
    return cases


def largest_error(matrix: np.ndarray, xs: np.ndarray, ys: np.ndarray, points: np.ndarray) -> float:
    rng = np.random.default_rng(5)
    worst = 0.0
    cv_matrix = matrix.astype(np.float64)
    for row in range(len(ys) - 1):
        for column in range(len(xs) - 1):
            corners = [(row, column), (row, column + 1), (row + 1, column + 1), (row + 1, column)]
            for triangle in ((0, 1, 2), (2, 3, 0)):
                source = np.array([(xs[corners[k][1]], ys[corners[k][0]]) for k in triangle], float)
                drawn = np.array([points[corners[k]] for k in triangle])
                affine = cv2.getAffineTransform(source.astype(np.float32), drawn.astype(np.float32))
                weights = rng.dirichlet((1, 1, 1), POINTS_PER_TRIANGLE)
                weights = np.vstack([weights, [(0.5, 0.5, 0), (0, 0.5, 0.5), (0.5, 0, 0.5)]])
                samples = weights @ source
                gpu = samples @ affine[:, :2].T.astype(np.float64) + affine[:, 2]
                exact = cv2.perspectiveTransform(samples[None], cv_matrix)[0]
                worst = max(worst, float(np.linalg.norm(gpu - exact, axis=1).max()))
    return worst


@pytest.mark.parametrize("size", SIZES, ids=["1080p", "4K"])
def test_the_mesh_stays_within_half_a_pixel_of_the_homography(size: tuple[int, int]) -> None:
    counts = {}
    for name, corners in keystones(size):
        matrix = homography(full_frame(size), corners)
        reference = cv2.getPerspectiveTransform(np.float32(full_frame(size)), np.float32(corners))
        mesh = build_mesh(matrix, size)
        assert mesh.xs[0] == 0 and mesh.xs[-1] == size[0] and mesh.ys[-1] == size[1]
        grid = np.stack(np.meshgrid(mesh.xs, mesh.ys), axis=-1).reshape(-1, 1, 2)
        expected = cv2.perspectiveTransform(grid.astype(np.float64), reference.astype(np.float64))
        assert np.abs(mesh.points.reshape(-1, 2) - expected[:, 0]).max() < 1e-3, (
            "the grid points are the calibration's homography of the grid"
        )
        error = largest_error(reference, mesh.xs, mesh.ys, mesh.points)
        assert error < HALF_PIXEL, (name, error, mesh.cells)
        assert error <= MAX_MESH_ERROR_PX * 1.05, "the module's own measure is not optimistic"
        counts[name] = mesh.cells
    assert counts["bench: corners in by 2-4 %"] <= 100, "a mild keystone is a few dozen cells"


def test_the_grid_is_as_coarse_as_the_error_allows() -> None:
    """Halving the cells of each axis would break the budget: the grid is not needlessly fine
    (each cell is a draw call every frame)."""
    size = (1920, 1080)
    for name, corners in keystones(size)[:5]:
        matrix = homography(full_frame(size), corners)
        mesh = build_mesh(matrix, size)
        coarse = build_mesh(matrix, size, budget=MAX_MESH_ERROR_PX * 4)
        assert coarse.cells < mesh.cells, name
        assert coarse.error > MAX_MESH_ERROR_PX, name


def test_an_unwarped_or_affine_output_is_one_cell_and_breaks_are_kept() -> None:
    size = (1920, 1080)
    assert build_mesh(homography(full_frame(size), full_frame(size)), size).cells == 1
    shrunk = ((100.0, 50.0), (1820.0, 50.0), (1820.0, 1030.0), (100.0, 1030.0))
    mesh = build_mesh(homography(full_frame(size), shrunk), size, breaks=(1728,))
    assert list(mesh.xs) == [0, 1728, 1920] and mesh.error < 1e-6


def test_triangles_stay_small_enough_for_the_software_renderer() -> None:
    size = (3840, 2160)
    matrix = homography(full_frame(size), keystones(size)[0][1])
    mesh = build_mesh(matrix, size, max_triangle_area=20_000.0)
    cells = mesh.points
    for row in range(len(mesh.ys) - 1):
        for column in range(len(mesh.xs) - 1):
            a, b = cells[row, column], cells[row, column + 1]
            c, d = cells[row + 1, column + 1], cells[row + 1, column]
            for p, q, r in ((a, b, c), (a, c, d)):
                area = abs((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])) / 2
                assert area <= 20_000.0


# Masks

DOOR_ARCH = tuple(
    [(100.0, 400.0), (100.0, 200.0)]
    + [(150 - 50 * math.cos(t), 200 - 50 * math.sin(t)) for t in np.linspace(0.2, math.pi - 0.2, 9)]
    + [(200.0, 200.0), (200.0, 400.0)]
)
SHAPES = {
    "square window": ((10.0, 10.0), (60.0, 10.0), (60.0, 40.0), (10.0, 40.0)),
    "door, not convex": ((40.0, 40.0), (120.0, 30.0), (130.0, 150.0), (70.0, 120.0)),
    "L-shaped shop front": (
        (0.0, 0.0), (90.0, 0.0), (90.0, 30.0), (30.0, 30.0), (30.0, 80.0), (0.0, 80.0),
    ),
    "U around a pillar": (
        (0.0, 0.0), (20.0, 0.0), (20.0, 50.0), (40.0, 50.0), (40.0, 0.0), (60.0, 0.0),
        (60.0, 70.0), (0.0, 70.0),
    ),
    "arched door": DOOR_ARCH,
    "with points on a straight run": (
        (0.0, 0.0), (50.0, 0.0), (100.0, 0.0), (100.0, 60.0), (0.0, 60.0),
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", list(SHAPES))
@pytest.mark.parametrize("reverse", [False, True], ids=["clockwise", "anticlockwise"])
def test_masks_become_triangles_that_tile_them(name: str, reverse: bool) -> None:
    polygon = SHAPES[name][::-1] if reverse else SHAPES[name]
    triangles = triangulate(polygon)
    assert triangles is not None and triangles
    contour = np.float32(polygon).reshape(-1, 1, 2)
    area = abs(cv2.contourArea(contour))
    pieces = [abs(cv2.contourArea(np.float32(t).reshape(-1, 1, 2))) for t in triangles]
    assert all(piece > 0 for piece in pieces), "no sliver"
    assert sum(pieces) == pytest.approx(area, rel=1e-9), "together exactly the polygon"
    for triangle in triangles:
        centre = tuple(float(v) for v in np.mean(triangle, axis=0))
        assert cv2.pointPolygonTest(contour, centre, False) > 0, "every piece is inside"
    # A tiling has no overlap: a fine lattice of points is covered once inside, never outside.
    for x in np.arange(0.37, 230, 3.1):
        for y in np.arange(0.29, 410, 3.1):
            inside = cv2.pointPolygonTest(contour, (float(x), float(y)), False) > 0
            hits = sum(_in_triangle((x, y), t) for t in triangles)
            assert hits == (1 if inside else 0), (name, x, y)


def _in_triangle(p: tuple[float, float], triangle: tuple) -> bool:
    a, b, c = triangle
    signs = [
        (v[0] - u[0]) * (p[1] - u[1]) - (v[1] - u[1]) * (p[0] - u[0])
        for u, v in ((a, b), (b, c), (c, a))
    ]
    return all(s > 0 for s in signs) or all(s < 0 for s in signs)


def test_self_crossing_or_flat_masks_are_told_apart() -> None:
    assert triangulate(((0.0, 0.0), (50.0, 50.0), (50.0, 0.0), (0.0, 50.0))) is None  # bow tie
    assert triangulate(((0.0, 0.0), (10.0, 0.0), (20.0, 0.0))) == []  # a line: nothing to fill
    assert triangulate(((5.0, 5.0), (5.0, 5.0), (5.0, 5.0))) == []
