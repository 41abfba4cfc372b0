"""Hats over the target's forehead: a brim, a cap or a band whose colour is not skin.

The dark-hair search (hair.py) finds a brim only when it is much darker than
the face. A sunlit hiker's blue brim is about as bright as his shaded face,
and the swap drew the source's forehead and brows along its edge. Its colour
gives it away: in the CrCb plane, skin of most tones lies in a small region,
and a blue, grey or white brim lies far from the face's own skin. A red brim
can lie close to it and is not found this way. Above the brows,
pixels far from the colour of the face's cheeks are kept in front of the
swapped face. Where a brim comes down over the brows, the brows are kept too,
so the source's brows are not drawn along its edge.
"""

from __future__ import annotations

import cv2
import numpy as np

from vidswap.swap.hair import (
    DARKER,
    RING_WIDTH,
    above_brows,
    face_features,
    face_up,
    filled,
    inside,
)
from vidswap.swap.topology import FACE_OVAL, LEFT_EYEBROW, RIGHT_EYEBROW

# Fractions of the face size, as in hair.py.
_SMOOTHING = 0.01
_SPECK = 0.02
_GROWTH = 0.02
_FEATHER = 0.01
# Skin with less colour than this (distance from grey in CrCb) gives no
# reference: a grey-scale frame, or a face hidden behind a white object.
_MIN_SKIN_CHROMA = 8.0
# A pixel is off skin when its CrCb lies farther than this share of the skin's
# own chroma from the skin's median colour.
_OFF_SKIN = 0.7
# A brow is under the hat when this share of the strip above it is hat.
_BROW_COVERED = 0.5
# The strip is the brow's outline moved up by this fraction of the face size.
_STRIP_HEIGHT = 0.08
# Dark hair covers a brow when it fills this share of the strip above it.
_FRINGE_COVERED = 0.9


def hat_in_front(image: np.ndarray, points: np.ndarray, face_size: float) -> np.ndarray | None:
    """Return the share of each ``image`` pixel that a hat above the brows covers, or None.

    ``points`` are the 468 mesh points in ``image`` pixels. The mask is float32 in [0, 1].
    """
    shape = image.shape[:2]
    outline = filled(shape, [points[FACE_OVAL]])
    features = face_features(shape, points, face_size)
    above = above_brows(shape, points)

    cheeks = cv2.bitwise_and(
        inside(outline, face_size * RING_WIDTH),
        cv2.bitwise_not(cv2.bitwise_or(features, above)),
    )
    if cv2.countNonZero(cheeks) < 8:
        return None
    smoothed = cv2.GaussianBlur(image, (0, 0), max(face_size * _SMOOTHING, 0.7))
    ycrcb = cv2.cvtColor(smoothed, cv2.COLOR_BGR2YCrCb)
    chroma = ycrcb[..., 1:].astype(np.float32)
    skin = np.median(chroma[cheeks > 0], axis=0)
    skin_chroma = float(np.hypot(skin[0] - 128.0, skin[1] - 128.0))
    if skin_chroma < _MIN_SKIN_CHROMA:
        return None

    distance = np.hypot(chroma[..., 0] - skin[0], chroma[..., 1] - skin[1])
    off_skin = np.where(distance > _OFF_SKIN * skin_chroma, 255, 0).astype(np.uint8)
    hat = cv2.bitwise_and(off_skin, cv2.bitwise_and(outline, above))
    speck = max(1, round(face_size * _SPECK)) * 2 + 1
    hat = cv2.morphologyEx(hat, cv2.MORPH_OPEN, np.ones((speck, speck), np.uint8))
    if cv2.countNonZero(hat) == 0:
        return None

    luma = ycrcb[..., 0]
    skin_luma = float(np.median(luma[cheeks > 0]))
    dark = cv2.compare(luma, DARKER * skin_luma, cv2.CMP_LT)
    covered_brows = _brows_under(hat, dark, points, face_size)
    hat = cv2.bitwise_and(hat, cv2.bitwise_not(features))
    grow = max(1, round(face_size * _GROWTH)) * 2 + 1
    hat = cv2.dilate(hat, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (grow, grow)))
    hat = cv2.bitwise_or(hat, covered_brows)
    soft = cv2.GaussianBlur(hat, (0, 0), max(face_size * _FEATHER, 0.7))
    return soft.astype(np.float32) * np.float32(1.0 / 255.0)


def _brows_under(
    hat: np.ndarray, dark: np.ndarray, points: np.ndarray, face_size: float
) -> np.ndarray:
    """Mark each brow, grown, that a brim or a fringe covers.

    A brow is under a brim when the strip just above it is mostly hat lighter
    than hair. Dark hair above a brow (a low hairline) usually leaves the brow
    in view. So dark hair covers the brow only when it fills nearly all of the
    strip, as a fringe down to the brow does.
    """
    shape = hat.shape
    covered = np.zeros(shape, dtype=np.uint8)
    up = face_up(points)
    if up is None:
        return covered
    light_hat = cv2.bitwise_and(hat, cv2.bitwise_not(dark))
    for ring in (LEFT_EYEBROW, RIGHT_EYEBROW):
        brow = cv2.convexHull(points[ring].astype(np.float32)).reshape(-1, 2)
        raised = brow + up * face_size * _STRIP_HEIGHT
        strip = cv2.bitwise_and(filled(shape, [raised]), cv2.bitwise_not(filled(shape, [brow])))
        strip_area = cv2.countNonZero(strip)
        if strip_area == 0:
            continue
        hat_share = cv2.countNonZero(cv2.bitwise_and(strip, hat)) / strip_area
        light_share = cv2.countNonZero(cv2.bitwise_and(strip, light_hat)) / strip_area
        if light_share >= _BROW_COVERED or hat_share >= _FRINGE_COVERED:
            covered = cv2.bitwise_or(covered, filled(shape, [brow, raised]))
    if cv2.countNonZero(covered) == 0:
        return covered
    grow = max(1, round(face_size * _GROWTH)) * 2 + 1
    return cv2.dilate(covered, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (grow, grow)))
