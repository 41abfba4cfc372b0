"""The swapped face is smeared along the target face's motion as much as the target is."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.shared_media import shared_face, shared_video
from vidswap.swap.analyser import FaceAnalyser
from vidswap.swap.face import Box
from vidswap.swap.media.video import VideoReader
from vidswap.swap.motion import MotionBlur, line_kernel
from vidswap.swap.options import LabelOptions, SwapOptions
from vidswap.swap.pipeline import SwapEngine

# The camera tilts in frames 22 to 25: the woman on the left, the largest face,
# is smeared upwards by 6 to 9 pixels a frame.
INDOOR = "indoor-group-event-640x480-ccby.mp4"
SMEARED_FRAMES = [22, 23, 24, 25]
SOURCE = "biden-official-vp-portrait-2013.jpg"
HORIZONTAL = (1.0, 0.0)
VERTICAL = (0.0, 1.0)


def gradient_energy(gray: np.ndarray, direction: tuple[float, float]) -> float:
    gradient_x = cv2.Sobel(gray.astype(np.float32), cv2.CV_32F, 1, 0)
    gradient_y = cv2.Sobel(gray.astype(np.float32), cv2.CV_32F, 0, 1)
    along = gradient_x * direction[0] + gradient_y * direction[1]
    return float(np.mean(along[8:-8, 8:-8] ** 2))


def along_ratio(gray: np.ndarray, direction: tuple[float, float]) -> float:
    across = (-direction[1], direction[0])
    return gradient_energy(gray, direction) / gradient_energy(gray, across)


@pytest.fixture(scope="module")
def texture() -> np.ndarray:
    """A detailed BGR image with the same detail in every direction."""
    noise = np.random.default_rng(7).integers(0, 256, (120, 120, 3), dtype=np.uint8)
    return cv2.GaussianBlur(noise, (0, 0), 1.0)


WEIGHT = np.ones((120, 120), np.float32)


@pytest.mark.parametrize("length", [1.0, 4.0, 7.5])
@pytest.mark.parametrize("direction", [HORIZONTAL, VERTICAL, (0.6, 0.8)])
def test_line_kernel_spreads_along_its_direction(
    length: float, direction: tuple[float, float]
) -> None:
    kernel = line_kernel(length, direction)

    assert kernel.sum() == pytest.approx(1.0, abs=1e-5)
    rows, columns = np.indices(kernel.shape)
    centre = kernel.shape[0] // 2
    along = (columns - centre) * direction[0] + (rows - centre) * direction[1]
    across = (rows - centre) * direction[0] - (columns - centre) * direction[1]
    # Its spread along the segment is the length's (a uniform segment has a
    # standard deviation of length / sqrt(12)); across it, under a pixel.
    assert np.sqrt((kernel * along**2).sum()) == pytest.approx(length / np.sqrt(12), abs=0.35)
    assert np.sqrt((kernel * across**2).sum()) < 0.5


def test_smear_matches_smeared_target(texture: np.ndarray) -> None:
    blur = MotionBlur()
    blur.apply(texture, texture, WEIGHT, (0.0, 0.0))
    target = cv2.filter2D(texture, -1, line_kernel(6.0, HORIZONTAL))

    smeared = blur.apply(texture, target, WEIGHT, (6.0, 0.0))

    gray = cv2.cvtColor(smeared, cv2.COLOR_BGR2GRAY)
    target_gray = cv2.cvtColor(target, cv2.COLOR_BGR2GRAY)
    source_gray = cv2.cvtColor(texture, cv2.COLOR_BGR2GRAY)
    # Smeared along the motion: its gradients there lose far more than across it.
    kept_along = gradient_energy(gray, HORIZONTAL) / gradient_energy(source_gray, HORIZONTAL)
    kept_across = gradient_energy(gray, VERTICAL) / gradient_energy(source_gray, VERTICAL)
    assert kept_along < 0.4 * kept_across
    assert along_ratio(gray, HORIZONTAL) == pytest.approx(
        along_ratio(target_gray, HORIZONTAL), rel=0.5
    )


def test_sharp_moving_target_left_sharp(texture: np.ndarray) -> None:
    """A fast shutter leaves a moving face sharp, and the swapped face stays sharp too."""
    blur = MotionBlur()
    blur.apply(texture, texture, WEIGHT, (0.0, 0.0))

    assert blur.apply(texture, texture, WEIGHT, (6.0, 0.0)) is texture


def test_slow_motion_left_sharp(texture: np.ndarray) -> None:
    target = cv2.filter2D(texture, -1, line_kernel(6.0, HORIZONTAL))

    assert MotionBlur().apply(texture, target, WEIGHT, (1.0, 0.0)) is texture


def test_face_at_rest_sets_what_counts_as_smeared() -> None:
    """A face whose own detail runs across it (stripes) is not taken for a smeared one."""
    rows = np.indices((120, 120))[0]
    stripes = (128 + 60 * np.sin(rows / 2.0)).astype(np.uint8)
    noise = np.random.default_rng(3).integers(-20, 21, (120, 120))
    target = cv2.cvtColor(np.clip(stripes + noise, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR)
    warped = cv2.GaussianBlur(
        np.random.default_rng(4).integers(0, 256, (120, 120, 3), dtype=np.uint8), (0, 0), 1.0
    )
    blur = MotionBlur()

    # Before a frame at rest, the face's own detail and a smear look alike.
    assert blur.apply(warped, target, WEIGHT, (6.0, 0.0)) is warped
    # Moving sideways, the stripes' gradients all point up and down, as a
    # strong smear's would; measured against the stripes at rest, there is none.
    blur.apply(warped, target, WEIGHT, (0.0, 0.0))
    assert blur.apply(warped, target, WEIGHT, (6.0, 0.0)) is warped


def test_smear_fades_over_frames(texture: np.ndarray) -> None:
    blur = MotionBlur()
    blur.apply(texture, texture, WEIGHT, (0.0, 0.0))
    smeared_target = cv2.filter2D(texture, -1, line_kernel(8.0, HORIZONTAL))
    blur.apply(texture, smeared_target, WEIGHT, (8.0, 0.0))
    gray = cv2.cvtColor(texture, cv2.COLOR_BGR2GRAY)

    # The target turns sharp while still moving: the smear shortens frame by
    # frame instead of stopping, and stops at once when the motion does.
    energies = []
    for _ in range(3):
        smeared = blur.apply(texture, texture, WEIGHT, (8.0, 0.0))
        energies.append(gradient_energy(cv2.cvtColor(smeared, cv2.COLOR_BGR2GRAY), HORIZONTAL))
    assert energies[0] < energies[1] < energies[2]
    assert energies[2] < gradient_energy(gray, HORIZONTAL)
    assert blur.apply(texture, texture, WEIGHT, (1.0, 0.0)) is texture


def test_smear_capped_by_face_size(texture: np.ndarray) -> None:
    """A track's first frames can read a motion far larger than the face moved."""
    blur = MotionBlur()
    blur.apply(texture, texture, WEIGHT, (0.0, 0.0))
    target = cv2.filter2D(texture, -1, line_kernel(50.0, HORIZONTAL))
    kernel = line_kernel(120 * 0.2, HORIZONTAL)
    capped = cv2.filter2D(texture, -1, kernel, borderType=cv2.BORDER_REFLECT)

    smeared = blur.apply(texture, target, WEIGHT, (200.0, 0.0))

    assert np.array_equal(smeared, capped)


def face_box(frame: np.ndarray, analyser: FaceAnalyser) -> Box:
    faces = analyser.find_faces(frame)
    assert faces, "the woman on the left is found"
    return faces[0].box


def test_swapped_face_smeared_with_camera_tilt(tmp_path: Path, analyser: FaceAnalyser) -> None:
    video = shared_video(INDOOR)
    output = tmp_path / "swapped.mp4"
    engine = SwapEngine(SwapOptions(label=LabelOptions(visible=False)))
    try:
        engine.swap_file(shared_face(SOURCE), video, output)
    finally:
        engine.close()

    with VideoReader(video) as reader:
        before = {frame.index: frame.image for frame in reader if frame.index <= 25}
    with VideoReader(output) as reader:
        after = {frame.index: frame.image for frame in reader if frame.index <= 25}

    def inner_face(image: np.ndarray, box: Box) -> np.ndarray:
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        left, top = int(box.x + box.width * 0.2), int(box.y + box.height * 0.2)
        right, bottom = int(box.x + box.width * 0.8), int(box.y + box.height * 0.8)
        return gray[top:bottom, left:right]

    for index in SMEARED_FRAMES:
        box = face_box(before[index], analyser)
        target_ratio = along_ratio(inner_face(before[index], box), VERTICAL)
        swapped_ratio = along_ratio(inner_face(after[index], box), VERTICAL)
        # The smeared target has about half as much vertical gradient as
        # horizontal. The source's sharp brows and wrinkles, pasted without a
        # smear, gave four to five times the target's ratio. With the smear
        # it is 1.1 to 1.7 times, and the edges of the source's mouth and
        # brows move it by up to 0.2.
        assert target_ratio < 0.8
        assert swapped_ratio < 1.8 * target_ratio, index
    # Before the tilt, in still frames, the swapped face keeps its own detail.
    box = face_box(before[18], analyser)
    assert along_ratio(inner_face(after[18], box), VERTICAL) > 1.0
