"""The source's open mouth, painted over with its lip colour.

The swap never shows the source's teeth or tongue: inside the target's lips
it shows the target's own mouth (see mask.py). But a smiling source photo's
teeth reach the inner edge of the lips. On a target whose mouth is closed the
warp squeezes that edge into a thin line, which showed as a row of white
blocks between the lips. So the texture inside the source's inner lips, and
just beyond them, takes the colour of the lips around it, darkened as the
gap between lips is.
"""

from __future__ import annotations

import cv2
import numpy as np

from vidswap.swap.hair import filled, weighted_blur
from vidswap.swap.topology import INNER_LIPS, OUTER_LIPS

# Fractions of the face size. The opening is grown by this much, because
# teeth show a little beyond the mesh's inner lip line.
_OPENING_GROWTH = 0.015
# The lip colour is a Gaussian average of the lips with this sigma.
_PAINT_SIGMA = 0.03
_FEATHER = 0.005
# The paint is the lip colour darkened by this factor: where lips meet, or
# part, the mouth is darker than the lips.
_SHADE = 0.55
# The local average is trusted where this share of the blur's weight is lip.
_CONFIDENT_WEIGHT = 0.2


def paint_mouth_opening(texture: np.ndarray, points: np.ndarray, face_size: float) -> np.ndarray:
    """Return ``texture`` (BGR) with the mouth opening painted in the shaded colour of the lips around it."""
    sigma = max(face_size * _PAINT_SIGMA, 1.0)
    left, top = np.floor(points[OUTER_LIPS].min(axis=0) - 4 * sigma).astype(int)
    right, bottom = np.ceil(points[OUTER_LIPS].max(axis=0) + 4 * sigma).astype(int)
    height, width = texture.shape[:2]
    left, top = max(left, 0), max(top, 0)
    right, bottom = min(right, width), min(bottom, height)
    if right - left < 2 or bottom - top < 2:
        return texture
    patch = texture[top:bottom, left:right]
    local = points - np.array([left, top], dtype=np.float32)

    shape = patch.shape[:2]
    grow = max(1, round(face_size * _OPENING_GROWTH)) * 2 + 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (grow, grow))
    opening = cv2.dilate(filled(shape, [local[INNER_LIPS]]), kernel)
    beside = cv2.dilate(opening, np.ones((3, 3), np.uint8))
    lips = cv2.bitwise_and(filled(shape, [local[OUTER_LIPS]]), cv2.bitwise_not(beside))
    if cv2.countNonZero(lips) == 0:
        return texture

    # Where the lips are too far for the local average (a thin upper lip),
    # their mean colour is used instead.
    weighted, total = weighted_blur(patch, lips, sigma)
    local_colour = weighted / np.maximum(total, 1e-6)[:, :, None]
    mean_colour = np.array(cv2.mean(patch, mask=lips)[:3], dtype=np.float32)
    confidence = np.clip(total / _CONFIDENT_WEIGHT, 0.0, 1.0)[:, :, None]
    paint = (local_colour * confidence + mean_colour * (1.0 - confidence)) * _SHADE
    share = cv2.GaussianBlur(opening, (0, 0), max(face_size * _FEATHER, 0.5))
    share = (share.astype(np.float32) / 255.0)[:, :, None]

    painted = texture.copy()
    mixed = patch.astype(np.float32) * (1.0 - share) + paint * share
    painted[top:bottom, left:right] = np.clip(mixed + 0.5, 0, 255).astype(np.uint8)
    return painted
