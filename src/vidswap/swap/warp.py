"""Piecewise-affine warp of the source face onto the target's mesh.

Each mesh triangle of the target gets the affine map that sends it onto the
same triangle of the source, so the source texture follows the target's pose
and expression point by point. A compiled kernel paints the triangles' pixel
maps, and one ``cv2.remap`` samples the source through them.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from vidswap.swap.raster import fill_pixel_maps
from vidswap.swap.topology import TRIANGLES

_MIN_TRIANGLE_AREA = 0.05
# The pixel maps are computed on a grid of at most this many pixels a side.
_MAP_WORKING_SIZE = 200.0
# Gaps in the coverage narrower than this many grid cells are filled.
_GAP_KERNEL = np.ones((5, 5), dtype=np.uint8)


@dataclass(frozen=True)
class Region:
    """A rectangle of the target frame: left, top, right, bottom in pixels (right, bottom excluded)."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def shape(self) -> tuple[int, int]:
        return self.bottom - self.top, self.right - self.left

    @classmethod
    def around(cls, points: np.ndarray, margin: float, frame_shape: tuple[int, ...]) -> Region:
        low = points.min(axis=0)
        high = points.max(axis=0)
        pad = (high - low).max() * margin
        height, width = frame_shape[:2]
        return cls(
            max(0, int(low[0] - pad)),
            max(0, int(low[1] - pad)),
            min(width, int(np.ceil(high[0] + pad)) + 1),
            min(height, int(np.ceil(high[1] + pad)) + 1),
        )


def signed_areas(points: np.ndarray) -> np.ndarray:
    """Signed area of every mesh triangle projected to x, y (one sign faces the camera)."""
    a, b, c = points[TRIANGLES[:, 0]], points[TRIANGLES[:, 1]], points[TRIANGLES[:, 2]]
    return 0.5 * (
        (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (c[:, 0] - a[:, 0]) * (b[:, 1] - a[:, 1])
    )


def facing_camera(points: np.ndarray) -> np.ndarray:
    """Boolean mask of the triangles that face the camera.

    The winding is consistent over the mesh, so the visible side is the sign
    that covers the larger projected area. The other sign marks triangles
    folded behind the face by a head turn.
    """
    areas = signed_areas(points)
    positive = areas[areas > 0].sum()
    negative = -areas[areas < 0].sum()
    visible_sign = 1.0 if positive >= negative else -1.0
    return areas * visible_sign > _MIN_TRIANGLE_AREA


def warp_face(
    source_image: np.ndarray,
    source_points: np.ndarray,
    source_visible: np.ndarray,
    target_points: np.ndarray,
    target_depth: np.ndarray,
    region: Region,
) -> tuple[np.ndarray, np.ndarray]:
    """Warp the source face into ``region`` of the target frame.

    Returns the warped BGR crop of the region's size and a uint8 coverage map
    (255 where a visible target triangle received visible source texture).
    """
    offset = np.array([region.left, region.top], dtype=np.float64)
    local_target = target_points.astype(np.float64) - offset
    height, width = region.shape
    reduction = min(1.0, _MAP_WORKING_SIZE / max(height, width))
    small_shape = (max(1, round(height * reduction)), max(1, round(width * reduction)))
    # cv2.resize puts the centre of small pixel j at full-size coordinate
    # (j + 0.5) / scale - 0.5, so the small grid uses the inverse of that.
    scale = np.array([small_shape[1] / width, small_shape[0] / height])
    small_target = (local_target + 0.5) * scale - 0.5

    usable = facing_camera(local_target) & source_visible
    order = _far_to_near(target_depth, usable)
    triangles = TRIANGLES[order]

    # Pixels that no triangle covers sample the texture's corner, a point
    # inside it: remap takes a slow path for points outside the source, and
    # the caller replaces those pixels by the target's own.
    map_x = np.zeros(small_shape, dtype=np.float32)
    map_y = np.zeros(small_shape, dtype=np.float32)
    coverage = np.zeros(small_shape, dtype=np.uint8)
    fill_pixel_maps(
        small_target[triangles],
        source_points.astype(np.float64)[triangles],
        map_x,
        map_y,
        coverage,
    )
    _fill_gaps(map_x, map_y, coverage)
    if reduction < 1.0:
        # The map is continuous and piecewise linear, so computing it at reduced
        # size and resizing it up moves a pixel by a small fraction of a pixel.
        map_x = cv2.resize(map_x, (width, height), interpolation=cv2.INTER_LINEAR)
        map_y = cv2.resize(map_y, (width, height), interpolation=cv2.INTER_LINEAR)
        coverage = cv2.resize(coverage, (width, height), interpolation=cv2.INTER_NEAREST)
        coverage = cv2.erode(coverage, np.ones((3, 3), dtype=np.uint8))

    # remap samples at 1/32 pixel either way, and maps converted to fixed point
    # first take its faster path.
    fixed_map, fraction_map = cv2.convertMaps(map_x, map_y, cv2.CV_16SC2)
    warped = cv2.remap(
        source_image,
        fixed_map,
        fraction_map,
        interpolation=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    return warped, coverage


def _fill_gaps(map_x: np.ndarray, map_y: np.ndarray, coverage: np.ndarray) -> None:
    """Cover gaps a few grid cells wide inside the mesh, in place, from the maps around them.

    The mesh has holes inside the lips and the eyelids. A closed mouth leaves a
    sliver there, partly under grid cells and partly not, and resized up the
    uncovered cells showed as a row of blocks along the lip line. Wide holes
    (an open mouth) stay uncovered: the target's own mouth shows there.
    """
    closed = cv2.morphologyEx(coverage, cv2.MORPH_CLOSE, _GAP_KERNEL)
    gaps = cv2.bitwise_and(closed, cv2.bitwise_not(coverage))
    if cv2.countNonZero(gaps) == 0:
        return
    weight = coverage.astype(np.float32) * np.float32(1.0 / 255.0)
    total = cv2.blur(weight, _GAP_KERNEL.shape)
    inside = (gaps > 0) & (total > 0)
    for pixel_map in (map_x, map_y):
        average = cv2.blur(pixel_map * weight, _GAP_KERNEL.shape)
        pixel_map[inside] = average[inside] / total[inside]
    coverage[inside] = 255


def _far_to_near(depth: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """Indices of the usable triangles, farthest first, so nearer ones are painted over them."""
    triangle_depth = depth[TRIANGLES].mean(axis=1)
    candidates = np.flatnonzero(usable)
    return candidates[np.argsort(-triangle_depth[candidates], kind="stable")]
