"""A hat's brim over the target's forehead, and the brows under it, stay in front."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.shared_media import shared_face, shared_video
from tests.swap.conftest import searched_as_swap, swap_photo
from vidswap.swap.analyser import FaceAnalyser
from vidswap.swap.face import Face
from vidswap.swap.hats import hat_in_front
from vidswap.swap.media.images import read_picture
from vidswap.swap.media.video import VideoReader
from vidswap.swap.topology import (
    BROW_TOPS,
    FACE_OVAL,
    LEFT_EYEBROW,
    NOSE_TIP,
    OUTER_LIPS,
    RIGHT_EYEBROW,
)

TARGET = "obama-official-portrait-2012.jpg"
SOURCE = "obama-official-portrait-2012.jpg"
# In frame 480 the man in the blue sun hat, the largest face, walks close to
# the camera. The brim's navy underside comes down to his brows, about as
# bright as his shaded face.
HIKERS = "hikers-walking-toward-camera-ccby.mp4"
BRIM_FRAME = 480
# The painted brim is about two thirds as bright as the portrait's skin, so it
# is not taken for dark hair.
NAVY = (150, 95, 60)
BLACK_HAIR = (28, 30, 34)


def brim(image: np.ndarray, face: Face, lowest: float, colour: tuple[int, int, int] = NAVY) -> None:
    """Paint a brim across the face, down to ``lowest`` (a y in frame pixels)."""
    mesh = face.mesh
    left, right = mesh[FACE_OVAL, 0].min() - 10, mesh[FACE_OVAL, 0].max() + 10
    top = mesh[FACE_OVAL, 1].min() - 10
    x0, y0, x1, y1 = np.round([left, top, right, lowest]).astype(int)
    shade = np.linspace(0.8, 1.1, y1 - y0, dtype=np.float32)[:, None, None]
    image[y0:y1, x0:x1] = np.clip(np.float32(colour) * shade, 0, 255).astype(np.uint8)


def value_at(mask: np.ndarray, points: np.ndarray) -> float:
    rounded = np.round(points).astype(int)
    return float(mask[rounded[:, 1], rounded[:, 0]].mean())


def test_brim_over_brows_keeps_brim_and_brows(portrait: tuple[np.ndarray, Face]) -> None:
    image, face = portrait
    covered = image.copy()
    brows = face.mesh[np.concatenate([LEFT_EYEBROW, RIGHT_EYEBROW])]
    brim(covered, face, lowest=brows[:, 1].min() + face.box.size * 0.02)

    mask = searched_as_swap(hat_in_front, covered, face)

    assert mask is not None
    assert value_at(mask, face.mesh[LEFT_EYEBROW]) > 0.8
    assert value_at(mask, face.mesh[RIGHT_EYEBROW]) > 0.8
    assert value_at(mask, face.mesh[[NOSE_TIP]]) == 0.0
    assert value_at(mask, face.mesh[OUTER_LIPS]) == 0.0


def test_brim_above_brows_leaves_brows(portrait: tuple[np.ndarray, Face]) -> None:
    image, face = portrait
    covered = image.copy()
    brow_top = face.mesh[BROW_TOPS, 1].min()
    brim(covered, face, lowest=brow_top - face.box.size * 0.12)

    mask = searched_as_swap(hat_in_front, covered, face)

    assert mask is not None
    band = face.mesh[BROW_TOPS] - np.float32([0, face.box.size * 0.15])
    assert value_at(mask, band) > 0.8
    assert value_at(mask, face.mesh[LEFT_EYEBROW]) < 0.2
    assert value_at(mask, face.mesh[RIGHT_EYEBROW]) < 0.2


def test_fringe_down_to_brows_keeps_brows(portrait: tuple[np.ndarray, Face]) -> None:
    image, face = portrait
    covered = image.copy()
    brim(covered, face, lowest=face.mesh[BROW_TOPS, 1].max(), colour=BLACK_HAIR)

    mask = searched_as_swap(hat_in_front, covered, face)

    assert mask is not None
    assert value_at(mask, face.mesh[LEFT_EYEBROW]) > 0.8
    assert value_at(mask, face.mesh[RIGHT_EYEBROW]) > 0.8


def test_low_hairline_leaves_brows(portrait: tuple[np.ndarray, Face]) -> None:
    """Dark hair that stops short of the brows leaves them in view."""
    image, face = portrait
    covered = image.copy()
    brow_top = face.mesh[BROW_TOPS, 1].min()
    brim(covered, face, lowest=brow_top - face.box.size * 0.04, colour=BLACK_HAIR)

    mask = searched_as_swap(hat_in_front, covered, face)

    assert mask is not None
    assert value_at(mask, face.mesh[LEFT_EYEBROW]) < 0.5
    assert value_at(mask, face.mesh[RIGHT_EYEBROW]) < 0.5


@pytest.mark.parametrize(
    "name",
    [
        "obama-official-portrait-2012.jpg",
        "biden-official-vp-portrait-2013.jpg",
        "mugshot-young-man-frontal-meds2.jpg",
        "eileen-collins-astronaut-nasa.png",
    ],
)
def test_no_hat_on_bare_faces(name: str, analyser: FaceAnalyser) -> None:
    image = read_picture(shared_face(name)).bgr
    face = analyser.find_faces(image)[0]

    mask = searched_as_swap(hat_in_front, image, face)

    if mask is not None:
        outline = np.zeros(image.shape[:2], np.uint8)
        cv2.fillPoly(outline, [np.round(face.mesh[FACE_OVAL]).astype(np.int32)], 255)
        assert mask[outline > 0].mean() < 0.01


def test_grey_scale_brim_left_to_hair_search(portrait: tuple[np.ndarray, Face]) -> None:
    """Grey skin gives no colour to tell a brim from."""
    image, face = portrait
    covered = image.copy()
    brim(covered, face, lowest=face.mesh[BROW_TOPS, 1].max())
    gray = cv2.cvtColor(cv2.cvtColor(covered, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)

    assert searched_as_swap(hat_in_front, gray, face) is None


def test_brows_under_sun_hat_stay_the_targets(tmp_path: Path, analyser: FaceAnalyser) -> None:
    with VideoReader(shared_video(HIKERS)) as reader:
        frame = next(item.image for item in reader if item.index == BRIM_FRAME)
    target = tmp_path / "hiker.png"
    cv2.imwrite(str(target), frame)

    swapped = swap_photo(SOURCE, target, tmp_path / "swapped.png")

    face = analyser.find_faces(frame)[0]

    def mean_change(ring: np.ndarray) -> float:
        left, top = np.floor(face.mesh[ring].min(axis=0)).astype(int)
        right, bottom = np.ceil(face.mesh[ring].max(axis=0)).astype(int)
        before = frame[top:bottom, left:right].astype(np.float32)
        return float(np.abs(swapped[top:bottom, left:right] - before).mean())

    # The source's brows drawn along the brim's edge changed these boxes by
    # 27 to 30 grey levels.
    assert mean_change(LEFT_EYEBROW) < 8.0
    assert mean_change(RIGHT_EYEBROW) < 8.0
    assert mean_change(OUTER_LIPS) > 8.0
