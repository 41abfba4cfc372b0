"""Swap one source face onto one target face inside a target frame."""

from __future__ import annotations

import cv2
import numpy as np

from vidswap.swap.colour import blend, match_colour, match_sharpness
from vidswap.swap.face import Box
from vidswap.swap.mask import face_masks
from vidswap.swap.source import SourceFace
from vidswap.swap.warp import Region, warp_face

_REGION_MARGIN = 0.08


def swap_face(
    target_frame: np.ndarray, source_face: SourceFace, target_landmarks: np.ndarray
) -> None:
    """Replace the face at ``target_landmarks`` (478x3, frame pixels) in ``target_frame``, in place."""
    target_points = target_landmarks[:468, :2]
    target_depth = target_landmarks[:468, 2]
    face_size = Box.around(target_points).size
    region = Region.around(target_points, _REGION_MARGIN, target_frame.shape)
    if region.shape[0] < 4 or region.shape[1] < 4:
        return

    crop = target_frame[region.top : region.bottom, region.left : region.right]
    local_points = target_points - np.array([region.left, region.top], dtype=np.float32)

    warped, coverage = warp_face(
        source_face.texture,
        source_face.points,
        source_face.visible_triangles,
        target_points,
        target_depth,
        region,
    )

    # Where no source texture landed, the target's own pixels stand in, so the
    # low-pass and the blur below never see garbage.
    cv2.copyTo(crop, cv2.bitwise_not(coverage), warped)

    masks = face_masks(local_points, coverage, face_size)

    # The colour shift holds only low frequencies, so softening before it gives
    # nearly the same face as softening after it.
    softened = match_sharpness(warped, crop, masks.blend, face_size)

    corrected = match_colour(softened, crop, masks.colour, face_size)

    crop[:] = blend(crop, corrected, masks.blend)
