"""Hair over the source face: strands, a fringe or sideburns inside the face outline.

The mesh's outline runs over hair that falls across the forehead and the
sides of the face, and the warp would carry those strands onto the target's
skin as dark streaks. Hair is found once per source photo, where it is much
darker than the face's own skin, in the parts of the face where hair falls:
the outer ring of the outline and the forehead above the brows. The eyes,
brows and lips are never taken for hair. The source texture is painted over
there with a smooth estimate of the skin around it, so the swap draws the
source's skin tone where the hair was. In the target, the same search finds
hair and hat brims in front of the face, which the swap leaves in front.
"""

from __future__ import annotations

import cv2
import numpy as np

from vidswap.swap.topology import (
    BETWEEN_BROWS,
    BROW_TOPS,
    CHIN,
    FACE_OVAL,
    LEFT_EYE,
    LEFT_EYEBROW,
    OUTER_LIPS,
    RIGHT_EYE,
    RIGHT_EYEBROW,
)

# Fractions of the face size. Hair is looked for within this distance of the
# outline and anywhere above the brows.
RING_WIDTH = 0.2
# The eyes, brows and lips, grown by this much, are never hair.
_FEATURE_GROWTH = 0.04
# Hair is darker than this share of the skin's median brightness. Deep shade
# on skin can be too, as a jaw's shadow is in two test photos. Painting it
# over loses little, because the colour match shades the face again.
DARKER = 0.45
_SMOOTHING = 0.005
_SPECK = 0.01
_GROWTH = 0.02
_PAINT_SIGMA = 0.1
_PAINT_FEATHER = 0.01
_PAINT_FACE = 256.0


def paint_over_hair(crop: np.ndarray, points: np.ndarray, face_size: float) -> np.ndarray:
    """Return ``crop`` (BGR) with the hair inside the face outline painted over with skin.

    The paint is a weighted Gaussian average of the skin inside the outline,
    with hair, eyes, brows and lips left out, wide enough to reach across a
    fringe from the forehead below it. Both are smooth, so they are computed
    with the face at most ``_PAINT_FACE`` pixels and resized up: on a 22
    megapixel photo the full-size blurs took seconds.
    """
    scale = min(1.0, _PAINT_FACE / max(face_size, 1.0))
    small = crop
    if scale < 1.0:
        small = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    small_points = points * scale
    small_face = face_size * scale
    hair = hair_mask(small, small_points, small_face)
    if cv2.countNonZero(hair) == 0:
        return np.ascontiguousarray(crop)

    outline = filled(small.shape[:2], [small_points[FACE_OVAL]])
    features = face_features(small.shape[:2], small_points, small_face)
    skin = cv2.bitwise_and(outline, cv2.bitwise_not(cv2.bitwise_or(hair, features)))
    weighted, total = weighted_blur(small, skin, max(small_face * _PAINT_SIGMA, 1.0))
    paint = weighted / np.maximum(total, 1e-3)[:, :, None]

    # The hair mask is grown already, so its soft edge falls on skin.
    share = cv2.GaussianBlur(hair, (0, 0), max(small_face * _PAINT_FEATHER, 0.5))
    share = share.astype(np.float32) / 255.0
    height, width = crop.shape[:2]
    if scale < 1.0:
        paint = cv2.resize(paint, (width, height), interpolation=cv2.INTER_LINEAR)
        share = cv2.resize(share, (width, height), interpolation=cv2.INTER_LINEAR)
    share = share[:, :, None]
    painted = crop.astype(np.float32) * (1.0 - share) + paint * share
    return np.clip(painted + 0.5, 0, 255).astype(np.uint8)


def weighted_blur(
    image: np.ndarray, mask: np.ndarray, sigma: float
) -> tuple[np.ndarray, np.ndarray]:
    """Return the Gaussian blur of ``image`` weighted by ``mask`` (uint8), and the blurred weight.

    Dividing the first by the second averages only the masked pixels nearby.
    """
    weight = mask.astype(np.float32) / 255.0
    total = cv2.GaussianBlur(weight, (0, 0), sigma)
    weighted = cv2.GaussianBlur(image.astype(np.float32) * weight[:, :, None], (0, 0), sigma)
    return weighted, total


def hair_in_front(image: np.ndarray, points: np.ndarray, face_size: float) -> np.ndarray | None:
    """Return the share of each ``image`` pixel that the target's hair or a hat brim covers.

    The same search as in the source photo, on the target frame's region
    around a face, best scaled so that the face is about 64 pixels. Returns
    None when no hair is found. The mask is float32 in [0, 1].
    """
    hair = hair_mask(image, points[:468], face_size)
    if cv2.countNonZero(hair) == 0:
        return None
    soft = cv2.GaussianBlur(hair, (0, 0), max(face_size * _PAINT_FEATHER, 0.7))
    return soft.astype(np.float32) * np.float32(1.0 / 255.0)


def hair_mask(texture: np.ndarray, points: np.ndarray, face_size: float) -> np.ndarray:
    """Return a uint8 mask of ``texture`` (BGR), 255 over hair inside the face outline.

    ``points`` are the 468 mesh points in texture pixels.
    """
    shape = texture.shape[:2]
    outline = filled(shape, [points[FACE_OVAL]])
    features = face_features(shape, points, face_size)
    brightness = cv2.cvtColor(texture, cv2.COLOR_BGR2GRAY)
    brightness = cv2.GaussianBlur(brightness, (0, 0), max(face_size * _SMOOTHING, 0.7))

    inner = inside(outline, face_size * RING_WIDTH)
    skin = cv2.bitwise_and(inner, cv2.bitwise_not(features))
    if cv2.countNonZero(skin) == 0:
        return np.zeros(shape, dtype=np.uint8)
    skin_brightness = float(np.median(brightness[skin > 0]))
    dark = cv2.compare(brightness, DARKER * skin_brightness, cv2.CMP_LT)
    dark = cv2.bitwise_and(dark, cv2.bitwise_and(outline, cv2.bitwise_not(features)))
    if cv2.countNonZero(dark) == 0:
        return dark

    where_hair_falls = cv2.bitwise_or(cv2.bitwise_not(inner), above_brows(shape, points))
    hair = cv2.bitwise_and(dark, where_hair_falls)

    speck = max(1, round(face_size * _SPECK)) * 2 + 1
    hair = cv2.morphologyEx(hair, cv2.MORPH_OPEN, np.ones((speck, speck), np.uint8))
    grow = max(1, round(face_size * _GROWTH)) * 2 + 1
    hair = cv2.dilate(hair, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (grow, grow)))
    return cv2.bitwise_and(hair, cv2.bitwise_not(features))


def face_features(shape: tuple[int, int], points: np.ndarray, face_size: float) -> np.ndarray:
    rings = (LEFT_EYE, RIGHT_EYE, LEFT_EYEBROW, RIGHT_EYEBROW, OUTER_LIPS)
    hulls = [cv2.convexHull(points[ring].astype(np.float32)).reshape(-1, 2) for ring in rings]
    features = filled(shape, hulls)
    grow = max(1, round(face_size * _FEATURE_GROWTH)) * 2 + 1
    return cv2.dilate(features, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (grow, grow)))


def above_brows(shape: tuple[int, int], points: np.ndarray) -> np.ndarray:
    """Mark the pixels above the line through the tops of the brows, square to the face's axis."""
    canvas = np.zeros(shape, dtype=np.uint8)
    up = face_up(points)
    if up is None:
        return canvas
    across = np.array([-up[1], up[0]])
    brow_top = points[BROW_TOPS].mean(axis=0)
    # A rectangle on the far side of the line, larger than the image.
    reach = float(shape[0] + shape[1])
    corners = [
        brow_top - across * reach,
        brow_top + across * reach,
        brow_top + across * reach + up * reach,
        brow_top - across * reach + up * reach,
    ]
    cv2.fillConvexPoly(canvas, np.round(np.array(corners)).astype(np.int32), 255)
    return canvas


def face_up(points: np.ndarray) -> np.ndarray | None:
    """Return the unit vector from the chin towards the brows, or None for a degenerate mesh."""
    up = points[BETWEEN_BROWS] - points[CHIN]
    length = float(np.hypot(up[0], up[1]))
    if length < 1e-6:
        return None
    return up / length


def inside(mask: np.ndarray, depth: float) -> np.ndarray:
    """Mark the pixels of ``mask`` farther than ``depth`` pixels from its edge."""
    distance = cv2.distanceTransform(mask, cv2.DIST_L2, 3)
    return np.where(distance > depth, 255, 0).astype(np.uint8)


def filled(shape: tuple[int, int], polygons: list[np.ndarray]) -> np.ndarray:
    canvas = np.zeros(shape, dtype=np.uint8)
    cv2.fillPoly(canvas, [np.round(polygon).astype(np.int32) for polygon in polygons], 255)
    return canvas
