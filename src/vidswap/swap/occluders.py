"""Pale objects in front of a face: a white phone or a sheet of paper held over it.

The mesh is fitted through an object held in front of the face (a phone
raised to take a picture). The colour match then lightens the swapped face
to the object's white, which leaves a pale copy of the source's features
drawn on the object. Two parts of the target face are compared:
the band from the eyes to the nose tip, and the chin below the mouth. When
one is much brighter than the other and has lost most of skin's colour, it
is taken for an object. An object over the eyes and nose leaves the whole
face as it is. Over the mouth and chin, the pixels whose colour is nearer
the object's than the skin's stay the target's, and the rest is swapped.

Skin keeps its colour when it is lit brighter (a sunlit nose, an overexposed
face), so light alone does not trigger it. A grey-scale target has no skin
colour to compare and is never changed. Dark objects (a black phone, a
microphone) are not found: beards and shadows look the same to this test.
"""

from __future__ import annotations

import cv2
import numpy as np

from vidswap.swap.topology import (
    CHIN,
    LEFT_EYE,
    LEFT_EYEBROW,
    OUTER_LIPS,
    RIGHT_EYE,
    RIGHT_EYEBROW,
)

# The point between the eyes; with CHIN it sets the face's vertical axis.
_NOSE_BRIDGE = 168
# Parts along the axis (0 at the nose bridge, 1 at the chin) and across it,
# in lengths of the axis.
_BAND_ALONG = (-0.05, 0.5)
_BAND_ACROSS = 0.45
_CHIN_ALONG = (0.8, 0.97)
_CHIN_ACROSS = 0.35
# An object is this many grey levels (Y, 0 to 255) brighter than the skin ...
_BRIGHTER = 45.0
# ... with less than this share of the skin's colour (distance from grey in CrCb).
_PALER = 0.5
# Skin with less colour than this (a grey-scale target) gives no reference.
_MIN_SKIN_CHROMA = 8.0
# Chroma differences count this much more than brightness differences when a
# pixel is given to the object or the skin: shading changes brightness most.
_CHROMA_WEIGHT = 2.0
_GROWTH = 0.04
_FEATHER = 0.03

_NOT_SKIN = np.unique(
    np.concatenate([LEFT_EYE, RIGHT_EYE, OUTER_LIPS, LEFT_EYEBROW, RIGHT_EYEBROW])
)
# An eye with its brow, or the mouth, that the object covers this much is
# covered whole. The mesh places it through the object, so the part outside
# would draw the source's lashes or lips along the object's edge.
_FEATURES = (
    np.concatenate([LEFT_EYE, LEFT_EYEBROW]),
    np.concatenate([RIGHT_EYE, RIGHT_EYEBROW]),
    OUTER_LIPS,
)
_MOSTLY_HIDDEN = 0.3


def object_mask(image: np.ndarray, points: np.ndarray, face_size: float) -> np.ndarray | None:
    """Return the share of each ``image`` pixel covered by a pale object, or None when none is.

    ``image`` is the target's BGR region around the face, best scaled so that
    the face is about 64 pixels (larger costs time and gains nothing), and
    ``points`` the 468 mesh points in its pixels. The mask is float32 in
    [0, 1], 1 where the object is.
    """
    colours = cv2.cvtColor(image, cv2.COLOR_BGR2YCrCb).astype(np.float32)
    points = points[:468]

    parts = _band_and_chin(points)
    if parts is None:
        return None
    band, chin = (np.median(_sample(colours, points[part]), axis=0) for part in parts)

    # Over the eyes and nose, the mesh fitted through the object puts the eyes
    # and brows along its edge, where the source's would show: the whole face is kept.
    if _pale_object(band, chin):
        return np.ones(image.shape[:2], dtype=np.float32)
    if not _pale_object(chin, band):
        return None

    covered = _nearer(colours, chin, band)
    covered = _cleaned(covered, face_size)
    if not covered.any():
        return None
    _cover_hidden_features(covered, points)

    blurred = cv2.GaussianBlur(covered, (0, 0), sigmaX=max(face_size * _FEATHER, 0.5))
    return np.minimum(blurred.astype(np.float32) * np.float32(2.0 / 255.0), np.float32(1.0))


def _band_and_chin(points: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Return the mesh point indices of the eye-to-nose band and of the chin."""
    top = points[_NOSE_BRIDGE]
    axis = points[CHIN] - top
    length = float(np.hypot(axis[0], axis[1]))
    if length < 4.0:
        return None
    down = axis / length
    right = np.array([-down[1], down[0]], dtype=np.float32)
    along = (points - top) @ down / length
    across = np.abs((points - top) @ right) / length

    skin = np.ones(len(points), dtype=bool)
    skin[_NOT_SKIN] = False
    band = skin & (along > _BAND_ALONG[0]) & (along < _BAND_ALONG[1]) & (across < _BAND_ACROSS)
    chin = skin & (along > _CHIN_ALONG[0]) & (along < _CHIN_ALONG[1]) & (across < _CHIN_ACROSS)
    if band.sum() < 10 or chin.sum() < 5:
        return None
    return np.flatnonzero(band), np.flatnonzero(chin)


def _sample(colours: np.ndarray, points: np.ndarray) -> np.ndarray:
    height, width = colours.shape[:2]
    columns = np.clip(np.round(points[:, 0]).astype(int), 0, width - 1)
    rows = np.clip(np.round(points[:, 1]).astype(int), 0, height - 1)
    return colours[rows, columns]


def _pale_object(suspect: np.ndarray, skin: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Return (object colour, skin colour) when ``suspect`` is a pale object in front of skin."""
    skin_chroma = _chroma(skin)
    if skin_chroma < _MIN_SKIN_CHROMA:
        return None
    brighter = suspect[0] - skin[0] > _BRIGHTER
    paler = _chroma(suspect) < _PALER * skin_chroma
    if brighter and paler:
        return suspect, skin
    return None


def _chroma(colour: np.ndarray) -> float:
    return float(np.hypot(colour[1] - 128.0, colour[2] - 128.0))


def _nearer(colours: np.ndarray, object_colour: np.ndarray, skin_colour: np.ndarray) -> np.ndarray:
    """Mark (255) the pixels whose colour is nearer the object's than the skin's."""
    weights = np.array([1.0, _CHROMA_WEIGHT, _CHROMA_WEIGHT], dtype=np.float32) ** 2
    to_object = ((colours - object_colour) ** 2 * weights).sum(axis=2)
    to_skin = ((colours - skin_colour) ** 2 * weights).sum(axis=2)
    return np.where(to_object < to_skin, 255, 0).astype(np.uint8)


def _cover_hidden_features(covered: np.ndarray, points: np.ndarray) -> None:
    """Fill the outline of each feature that the object mostly covers, in place."""
    for feature in _FEATURES:
        outline = np.zeros_like(covered)
        hull = cv2.convexHull(np.round(points[feature] * 16).astype(np.int32))
        cv2.fillConvexPoly(outline, hull, 255, lineType=cv2.LINE_AA, shift=4)
        area = cv2.countNonZero(outline)
        if area and cv2.countNonZero(cv2.bitwise_and(outline, covered)) > _MOSTLY_HIDDEN * area:
            cv2.bitwise_or(covered, outline, dst=covered)


def _cleaned(covered: np.ndarray, face_size: float) -> np.ndarray:
    """Drop specks (highlights, eye whites) and grow the rest over the object's blurred edge."""
    opened = cv2.morphologyEx(covered, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    grow = max(1, round(face_size * _GROWTH)) * 2 + 1
    return cv2.dilate(opened, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (grow, grow)))
