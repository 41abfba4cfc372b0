"""The blend mask: the face inside its outline, without the eye openings and the mouth.

The eye openings and the inside of the mouth stay the target's, so blinks,
gaze, teeth and tongue follow the target exactly. The outline is pulled in
and feathered so the swapped skin fades into the target's without a seam.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from vidswap.swap.topology import (
    BETWEEN_BROWS,
    BROW_TOPS,
    CHIN,
    FACE_OVAL,
    INNER_LIPS,
    LEFT_EYE,
    LEFT_EYEBROW,
    RIGHT_EYE,
    RIGHT_EYEBROW,
)

# Fractions of the face size (the larger side of the mesh's box).
_OUTLINE_INSET = 0.07
_OUTLINE_FEATHER = 0.035
# The mesh reaches the hairline. Only this fraction of the forehead above the
# brows is swapped, so a source fringe or hairline never lands on the target.
_FOREHEAD_KEPT = 0.45
_WORKING_SIZE = 200.0
_BROW_GROWTH = 0.04
_OPENING_GROWTH = 0.008
_OPENING_FEATHER = 0.008


@dataclass(frozen=True)
class FaceMasks:
    """The masks of one swapped face, float32 in [0, 1].

    ``blend`` has the region's size and is zero outside the warped mesh.
    ``colour``, the weight of colour matching, is the blend mask without the
    eyebrows, drawn at the working size (the region scaled down so that the
    face is at most ``_WORKING_SIZE`` pixels).
    """

    blend: np.ndarray
    colour: np.ndarray


def face_masks(local_points: np.ndarray, coverage: np.ndarray, face_size: float) -> FaceMasks:
    """Draw the masks for mesh points in region pixels and a ``coverage`` map of the region.

    The masks are smooth, so they are drawn with the face scaled to at most
    ``_WORKING_SIZE`` pixels, and only the blend mask is resized up.
    """
    height, width = coverage.shape
    scale = min(1.0, _WORKING_SIZE / max(face_size, 1.0))
    small_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small_points = local_points * scale
    small_face = face_size * scale
    small_coverage = cv2.resize(coverage, small_size, interpolation=cv2.INTER_NEAREST)

    outline_mask = _outline_mask(small_points, small_coverage, small_face)

    openings_mask = _openings_mask(small_points, small_coverage.shape, small_face)

    small_mask = outline_mask * (1.0 - openings_mask)
    mask = cv2.resize(small_mask, (width, height), interpolation=cv2.INTER_LINEAR)

    # Zero outside the warped mesh, so pixels beyond the face never change. The
    # feather has fallen below 3% by then. Coverage is 0 or 255.
    mask = cv2.multiply(mask, coverage, scale=1.0 / 255.0, dtype=cv2.CV_32F)

    colour = small_mask * (1.0 - _brows_mask(small_points, small_coverage.shape, small_face))
    colour[small_coverage == 0] = 0.0
    return FaceMasks(blend=mask, colour=colour)


def _brows_mask(points: np.ndarray, shape: tuple[int, ...], face_size: float) -> np.ndarray:
    """Draw both eyebrows, grown a little and feathered.

    Colour matching leaves the brows out: otherwise the low-pass carries the
    target's brows onto the swapped skin as a dark band beside the source's.
    """
    brows = _filled(shape, [points[LEFT_EYEBROW], points[RIGHT_EYEBROW]])
    growth = _odd(face_size * _BROW_GROWTH)
    brows = cv2.dilate(brows, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (growth, growth)))
    return _feather(brows, 1.0)


def _outline_mask(points: np.ndarray, coverage: np.ndarray, face_size: float) -> np.ndarray:
    """Draw the face outline, inset and feathered, within the warped mesh.

    The feather is wide, so it is blurred at half size, at a quarter of the
    cost, and resized back. On a 364 px portrait face the mask differed from
    a full-size blur by at most 0.75% of its range.
    """
    outline = _filled(coverage.shape, [_lower_forehead(points)])
    outline = cv2.bitwise_and(outline, coverage)
    inset = _odd(face_size * _OUTLINE_INSET)
    outline = cv2.erode(outline, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (inset, inset)))

    # An even size keeps the half-size pixels centred on pixel pairs, so the
    # outline does not move by half a pixel.
    height, width = outline.shape
    outline = cv2.copyMakeBorder(outline, 0, height % 2, 0, width % 2, cv2.BORDER_CONSTANT)
    half_size = ((width + 1) // 2, (height + 1) // 2)
    half = cv2.resize(outline, half_size, interpolation=cv2.INTER_AREA)
    feathered = _feather(half, face_size * _OUTLINE_FEATHER / 2)
    full = cv2.resize(
        feathered, (half_size[0] * 2, half_size[1] * 2), interpolation=cv2.INTER_LINEAR
    )
    return full[:height, :width]


def _openings_mask(points: np.ndarray, shape: tuple[int, ...], face_size: float) -> np.ndarray:
    """Draw the eye openings and the inside of the mouth, grown a little and feathered."""
    openings = _filled(shape, [points[LEFT_EYE], points[RIGHT_EYE], points[INNER_LIPS]])
    growth = _odd(face_size * _OPENING_GROWTH)
    openings = cv2.dilate(openings, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (growth, growth)))
    return _feather(openings, face_size * _OPENING_FEATHER)


def _lower_forehead(points: np.ndarray) -> np.ndarray:
    """Return the face outline with the part above the brows pulled down towards them."""
    outline = points[FACE_OVAL].astype(np.float32).copy()
    up = points[BETWEEN_BROWS] - points[CHIN]
    length = float(np.linalg.norm(up))
    if length < 1e-6:
        return outline
    up /= length

    brow_top = points[BROW_TOPS].mean(axis=0)
    height_above_brows = (outline - brow_top) @ up
    excess = np.clip(height_above_brows, 0, None) * (1 - _FOREHEAD_KEPT)
    return outline - excess[:, None] * up[None, :]


def _filled(shape: tuple[int, ...], polygons: list[np.ndarray]) -> np.ndarray:
    canvas = np.zeros(shape[:2], dtype=np.uint8)
    fixed_point = [np.round(polygon * 16).astype(np.int32) for polygon in polygons]
    cv2.fillPoly(canvas, fixed_point, 255, lineType=cv2.LINE_AA, shift=4)
    return canvas


def _feather(mask: np.ndarray, sigma: float) -> np.ndarray:
    blurred = cv2.GaussianBlur(mask, (0, 0), sigmaX=max(sigma, 0.5))
    return blurred.astype(np.float32) / 255.0


def _odd(size: float) -> int:
    return max(1, int(size) // 2 * 2 + 1)
