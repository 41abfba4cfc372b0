"""Hands in front of a face stay in front of the swapped face."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.shared_media import shared_face, shared_video
from tests.swap.conftest import swap_photo
from vidswap.swap.analyser import FaceAnalyser
from vidswap.swap.face import Box
from vidswap.swap.hands import HandFinder, _in_front_of, hand_mask
from vidswap.swap.media.images import read_picture
from vidswap.swap.media.video import VideoReader, VideoWriter
from vidswap.swap.options import LabelOptions, SwapOptions
from vidswap.swap.pipeline import SwapEngine

SELFIE = "selfie-three-people-rotation-metadata-ccby.mp4"
SOURCE = "eileen-collins-astronaut-nasa.png"
# The woman in front waves her open hand across her face in frames 151 to 172.
CLIP_START, CLIP_END = 140, 185
HAND_FRAME = 160
NO_HAND_FRAME = 140


@pytest.fixture(scope="module")
def selfie_frames() -> dict[int, np.ndarray]:
    """The upright frames CLIP_START to CLIP_END of the selfie video."""
    frames = {}
    with VideoReader(shared_video(SELFIE)) as reader:
        for frame in reader:
            if CLIP_START <= frame.index <= CLIP_END:
                frames[frame.index] = frame.image
            if frame.index >= CLIP_END:
                break
    return frames


@pytest.fixture(scope="module")
def hand_finder() -> Iterator[HandFinder]:
    finder = HandFinder()
    yield finder
    finder.close()


@pytest.fixture(scope="module")
def wave_face(selfie_frames: dict[int, np.ndarray], analyser: FaceAnalyser) -> Box:
    """The waving woman's face box in HAND_FRAME, where the detector still finds it."""
    faces = analyser.find_faces(selfie_frames[HAND_FRAME])
    assert faces, "no face found in the selfie's frame 160"
    return faces[0].box


def covered_pixels(hands: list[np.ndarray], face: Box, shape: tuple[int, ...]) -> np.ndarray:
    """Boolean map of the face box's pixels that the hand mask fully covers."""
    mask = hand_mask(hands, (0, 0), shape[:2])
    assert mask is not None
    inside_face = np.zeros(shape[:2], bool)
    inside_face[int(face.y) : int(face.y + face.height), int(face.x) : int(face.x + face.width)] = (
        True
    )
    return (mask >= 1.0) & inside_face


def mean_change(before: np.ndarray, after: np.ndarray, where: np.ndarray) -> float:
    difference = cv2.absdiff(before, after).astype(np.float32).mean(axis=2)
    return float(difference[where].mean())


def test_hand_found_over_face(
    selfie_frames: dict[int, np.ndarray], hand_finder: HandFinder, wave_face: Box
) -> None:
    hands = hand_finder.find(selfie_frames[HAND_FRAME], wave_face)

    assert len(hands) == 1
    assert hands[0].shape == (21, 2)
    wrist_y = hands[0][0, 1]
    assert wrist_y > wave_face.y + wave_face.height
    covered = covered_pixels(hands, wave_face, selfie_frames[HAND_FRAME].shape)
    assert covered.sum() > 0.2 * wave_face.area


def test_no_hand_before_wave(
    selfie_frames: dict[int, np.ndarray], hand_finder: HandFinder, analyser: FaceAnalyser
) -> None:
    face = analyser.find_faces(selfie_frames[NO_HAND_FRAME])[0]

    assert hand_finder.find(selfie_frames[NO_HAND_FRAME], face.box) == []


@pytest.mark.parametrize(
    "name",
    [
        "obama-official-portrait-2012.jpg",
        "solvay-conference-1927-group-grayscale.jpg",
        "runners-race-small-faces-ccby.jpg",
    ],
)
def test_no_hand_in_photos_without_hands(
    name: str, hand_finder: HandFinder, analyser: FaceAnalyser
) -> None:
    image = read_picture(shared_face(name)).bgr
    faces = analyser.find_faces(image)

    assert faces
    assert [hand for face in faces for hand in hand_finder.find(image, face.box)] == []


def test_hand_stays_in_front_in_photo(
    tmp_path: Path,
    selfie_frames: dict[int, np.ndarray],
    hand_finder: HandFinder,
    wave_face: Box,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = selfie_frames[HAND_FRAME]
    target = tmp_path / "wave.png"
    cv2.imwrite(str(target), before)
    hands = hand_finder.find(before, wave_face)
    covered = covered_pixels(hands, wave_face, before.shape)

    after = swap_photo(SOURCE, target, tmp_path / "kept.png")
    monkeypatch.setattr(HandFinder, "find", lambda *args, **kwargs: [])
    painted = swap_photo(SOURCE, target, tmp_path / "painted.png")

    assert mean_change(before, after, covered) < 1.0
    # Without the hand search the swapped face is drawn over the same pixels.
    assert mean_change(before, painted, covered) > 8.0
    # The rest of the face is still swapped.
    face_only = np.zeros(before.shape[:2], bool)
    rows, columns = wave_face_core(wave_face)
    face_only[rows, columns] = True
    assert mean_change(before, after, face_only & ~covered) > 8.0


def wave_face_core(face: Box) -> tuple[slice, slice]:
    """The middle half of the face box, well inside the blend mask."""
    return (
        slice(int(face.y + face.height / 4), int(face.y + face.height * 3 / 4)),
        slice(int(face.x + face.width / 4), int(face.x + face.width * 3 / 4)),
    )


def write_clip(path: Path) -> None:
    """Write the selfie's frames CLIP_START to CLIP_END through the engine's own writer (CRF 18)."""
    with (
        VideoReader(shared_video(SELFIE)) as reader,
        VideoWriter(path, reader, keep_audio=False, ai_generated=False) as writer,
    ):
        for frame in reader:
            if CLIP_START <= frame.index <= CLIP_END:
                writer.write(frame.image, frame)
            if frame.index >= CLIP_END:
                break


def decoded(path: Path) -> list[np.ndarray]:
    with VideoReader(path) as reader:
        return [frame.image for frame in reader]


def test_hand_stays_in_front_in_video(
    tmp_path: Path,
    selfie_frames: dict[int, np.ndarray],
    hand_finder: HandFinder,
    wave_face: Box,
) -> None:
    clip = tmp_path / "wave.mp4"
    write_clip(clip)
    output = tmp_path / "swapped.mp4"
    engine = SwapEngine(SwapOptions(label=LabelOptions(visible=False)))
    try:
        report = engine.swap_file(shared_face(SOURCE), clip, output)
    finally:
        engine.close()
    before, after = decoded(clip), decoded(output)

    assert len(after) == len(before)
    # The face stays tracked under the hand (the mesh's tracking confidence).
    assert report.frames_swapped == len(before)
    # Frame 153 comes before the first searched frame with the hand (155), so it
    # is only kept by searching back; 166 by searching every frame while the hand stays.
    for index in (153, HAND_FRAME, 166):
        position = index - CLIP_START
        hands = hand_finder.find(before[position], wave_face)
        covered = covered_pixels(hands, wave_face, before[position].shape)
        assert covered.sum() > 0.1 * wave_face.area, index
        # The output's own encoding changes a still background by 1 to 3 levels;
        # a face painted over the hand changes it by 8 to 17.
        assert mean_change(before[position], after[position], covered) < 5.0, index


# An open right hand, fingers up, wrist at (0, 0), 83 units from wrist to the
# middle fingertip, in the hand model's landmark order.
OPEN_HAND = np.array(
    [
        (0, 0),
        (-20, -10), (-30, -20), (-38, -30), (-45, -40),
        (-12, -40), (-14, -55), (-15, -67), (-16, -77),
        (-2, -42), (-2, -59), (-2, -72), (-2, -83),
        (8, -40), (9, -55), (10, -67), (11, -76),
        (17, -35), (19, -47), (21, -56), (22, -64),
    ],
    np.float32,
)  # fmt: skip


def open_hand(wrist: tuple[float, float], height: float) -> np.ndarray:
    """OPEN_HAND with its wrist at ``wrist``, ``height`` pixels from wrist to fingertips."""
    return OPEN_HAND * np.float32(height / 83) + np.float32(wrist)


FACE = Box(100, 100, 100, 120)


def test_hand_rising_from_below_chin_in_front() -> None:
    assert _in_front_of(open_hand((150, 260), 150), FACE)


def test_curled_hand_inside_face_rejected() -> None:
    # The hand model's mistake on blurred faces: a small "hand" within the face.
    assert not _in_front_of(open_hand((150, 200), 70), FACE)


def test_small_hand_outside_face_rejected() -> None:
    # Smaller than the face: farther from the camera, so not in front of it.
    assert not _in_front_of(open_hand((150, 260), 60), FACE)


def test_hand_mask_skips_far_hands() -> None:
    hand = open_hand((500, 500), 150)

    assert hand_mask([hand], (0, 0), (200, 200)) is None


def test_hand_mask_covers_fingertip_and_fades() -> None:
    hand = open_hand((100, 180), 150)

    mask = hand_mask([hand], (0, 0), (200, 200))

    assert mask is not None
    tip_x, tip_y = np.round(hand[20]).astype(int)
    assert mask[tip_y, tip_x] == pytest.approx(1.0)
    assert mask[5, 5] == 0.0
    assert mask.dtype == np.float32
    # Rightwards from the little fingertip, the mask fades from 1 to 0 over a few pixels.
    row = mask[tip_y, tip_x:]
    fade = row[(row > 0.0) & (row < 1.0)]
    assert fade.size >= 3
    assert np.all(np.diff(row) <= 1e-6)
    assert row[-1] == 0.0
