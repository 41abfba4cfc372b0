"""Swap one source face onto one target face inside a target frame."""

from __future__ import annotations

import functools
from collections.abc import Sequence

import cv2
import numpy as np

from vidswap.swap.colour import blend, match_colour, match_sharpness
from vidswap.swap.face import Box
from vidswap.swap.hair import hair_in_front
from vidswap.swap.hands import hand_mask
from vidswap.swap.hats import hat_in_front
from vidswap.swap.mask import FaceMasks, face_masks
from vidswap.swap.motion import MotionBlur
from vidswap.swap.occluders import object_mask
from vidswap.swap.shape import OPENINGS, ShapedFace
from vidswap.swap.source import SourceFace
from vidswap.swap.warp import Region, warp_face

_REGION_MARGIN = 0.08
# The moved pixels reach this far beyond an opening, then fade out over the
# next part, both as fractions of the face size. The blend mask's opening is
# grown by less (see mask.py), so it never shows the fade.
_OPENING_REACH = 0.03
_OPENING_FADE = 0.01
# Shifts below this many pixels leave the openings where they are.
_MIN_SHIFT = 0.05
# Objects and hair in front of the face are searched with the face this many pixels wide.
_SEARCH_FACE = 64.0


def swap_face(
    target_frame: np.ndarray,
    source_face: SourceFace,
    shaped_face: ShapedFace,
    hands: Sequence[np.ndarray] = (),
    *,
    motion: tuple[float, float] = (0.0, 0.0),
    motion_blur: MotionBlur | None = None,
) -> bool:
    """Replace the face at ``shaped_face`` (frame pixels) in ``target_frame``, in place.

    ``hands`` (21 landmarks each, frame pixels) stay in front of the swapped face.
    ``motion`` is how far the target face moves per frame, x and y in pixels;
    with the track's ``motion_blur``, the swapped face is smeared along it as
    much as the target face is.
    Returns False when the face is left as it is: too small to draw, or hidden
    behind a pale object (see occluders.py).
    """
    target_points = shaped_face.landmarks[:468, :2]
    target_depth = shaped_face.landmarks[:468, 2]
    face_size = Box.around(target_points).size
    region = Region.around(target_points, _REGION_MARGIN, target_frame.shape)
    if region.shape[0] < 4 or region.shape[1] < 4:
        return False

    crop = target_frame[region.top : region.bottom, region.left : region.right]
    local_points = target_points - np.array([region.left, region.top], dtype=np.float32)

    # Hands, pale objects and hair over the face stay in front of it: neither
    # the swapped face nor the moved openings are drawn over them.
    in_front = _in_front(crop, local_points, face_size, hands, region)
    if in_front is not None and in_front.min() >= 1.0:
        return False

    texture, texture_points = source_face.texture_for(face_size)
    warped_bgra, coverage = warp_face(
        texture,
        texture_points,
        source_face.visible_triangles,
        target_points,
        target_depth,
        region,
    )
    warped = cv2.cvtColor(warped_bgra, cv2.COLOR_BGRA2BGR)
    source_weight = cv2.extractChannel(warped_bgra, 3)

    # The eye openings and the mouth show the target's own pixels, moved with
    # the openings by the shape transfer.
    backdrop = shift_openings(crop, local_points, shaped_face.opening_shifts, face_size)

    # Where no source texture landed, the target's own pixels stand in, so the
    # low-pass and the blur below never see garbage.
    cv2.copyTo(backdrop, cv2.bitwise_not(coverage), warped)

    masks = face_masks(local_points, coverage, face_size)

    masks = _without(masks, in_front)

    # The colour shift holds only low frequencies, so softening before it gives
    # nearly the same face as softening after it.
    if motion_blur is not None:
        warped = motion_blur.apply(warped, backdrop, masks.blend, motion)
    softened = match_sharpness(warped, backdrop, masks.blend, face_size)

    corrected = match_colour(softened, backdrop, masks.colour, face_size)

    # The texture's alpha leaves out the band inside the source's outline
    # (see source_edge). Only the last step uses it: the colour and blur
    # measures keep the whole face region.
    weight = cv2.multiply(masks.blend, source_weight, scale=1.0 / 255.0, dtype=cv2.CV_32F)
    swapped = blend(backdrop, corrected, weight)
    if in_front is not None:
        swapped = blend(swapped, crop, in_front)
    crop[:] = swapped
    return True


def _in_front(
    crop: np.ndarray,
    local_points: np.ndarray,
    face_size: float,
    hands: Sequence[np.ndarray],
    region: Region,
) -> np.ndarray | None:
    """Return the share of each region pixel that a hand, a pale object or hair covers, or None."""
    found = [
        mask
        for mask in (
            hand_mask(hands, (region.left, region.top), region.shape),
            _objects_and_hair(crop, local_points, face_size),
        )
        if mask is not None
    ]
    if not found:
        return None
    return functools.reduce(np.maximum, found)


def _objects_and_hair(
    crop: np.ndarray, local_points: np.ndarray, face_size: float
) -> np.ndarray | None:
    """Search pale objects and hair over the face on every ``factor``-th pixel of ``crop``.

    The searches need the face only about _SEARCH_FACE pixels wide, and they
    smooth what they sample, so one pixel of each block stands for it: an
    area-averaging resize of a 720p face's region cost 0.4 ms, longer than
    both searches. The mask found is resized back to ``crop``.
    """
    factor = max(1, int(face_size / _SEARCH_FACE))
    offset = factor // 2
    small = np.ascontiguousarray(crop[offset::factor, offset::factor])
    small_height, small_width = small.shape[:2]
    if small_height < 4 or small_width < 4:
        return None
    # Small pixel j is full pixel j * factor + offset.
    small_points = (local_points - offset) / factor
    small_face = face_size / factor

    found = [
        mask
        for mask in (
            object_mask(small, small_points, small_face),
            hair_in_front(small, small_points, small_face),
            hat_in_front(small, small_points, small_face),
        )
        if mask is not None
    ]
    if not found:
        return None
    mask = functools.reduce(np.maximum, found)
    if factor == 1:
        return mask
    # Full pixel x lies at small x' = (x - offset) / factor, which warpAffine maps.
    height, width = crop.shape[:2]
    to_small = np.float32([[1 / factor, 0, -offset / factor], [0, 1 / factor, -offset / factor]])
    return cv2.warpAffine(
        mask,
        to_small,
        (width, height),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE,
    )


def _without(masks: FaceMasks, occluded: np.ndarray | None) -> FaceMasks:
    """Take ``occluded`` (the share of each region pixel in front of the face) out of both masks."""
    if occluded is None:
        return masks
    face_share = 1.0 - occluded
    small_size = (masks.colour.shape[1], masks.colour.shape[0])
    small_share = cv2.resize(face_share, small_size, interpolation=cv2.INTER_AREA)
    return FaceMasks(blend=masks.blend * face_share, colour=masks.colour * small_share)


def shift_openings(
    crop: np.ndarray, local_points: np.ndarray, shifts: np.ndarray, face_size: float
) -> np.ndarray:
    """Return ``crop`` with the pixels in and around each opening moved by that opening's shift.

    The moved pixels fill the opening grown by ``_OPENING_REACH`` of the face
    size and fade out over ``_OPENING_FADE``. The box around them leaves room
    for the fade, so no edge of the moved patch shows where the swapped face
    does not cover it (a turned head's far side).
    """
    if not np.any(np.abs(shifts) >= _MIN_SHIFT):
        return crop
    backdrop = crop.copy()
    height, width = crop.shape[:2]
    reach = face_size * _OPENING_REACH
    fade = max(face_size * _OPENING_FADE, 0.5)
    margin = reach + 3 * fade
    for ring, (dx, dy) in zip(OPENINGS, shifts, strict=True):
        if abs(dx) < _MIN_SHIFT and abs(dy) < _MIN_SHIFT:
            continue
        low = np.floor(local_points[ring].min(axis=0) - margin).astype(int)
        high = np.ceil(local_points[ring].max(axis=0) + margin).astype(int)
        left, top = max(0, low[0]), max(0, low[1])
        right, bottom = min(width, high[0]), min(height, high[1])
        if right <= left or bottom <= top:
            continue
        size = (right - left, bottom - top)

        # Pixel (x, y) of the box shows crop pixel (x - dx, y - dy).
        moving = np.float32([[1, 0, left - dx], [0, 1, top - dy]])
        moved = cv2.warpAffine(
            crop,
            moving,
            size,
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REPLICATE,
        )

        weight = np.zeros((size[1], size[0]), dtype=np.uint8)
        polygon = np.round((local_points[ring] - [left, top]) * 16).astype(np.int32)
        cv2.fillPoly(weight, [polygon], 255, lineType=cv2.LINE_AA, shift=4)
        grow = max(1, int(reach) // 2 * 2 + 1)
        weight = cv2.dilate(weight, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (grow, grow)))
        soft = cv2.GaussianBlur(weight, (0, 0), sigmaX=fade).astype(np.float32) / 255.0

        box = backdrop[top:bottom, left:right]
        box[:] = cv2.blendLinear(moved, box, soft, 1.0 - soft)
    return backdrop
