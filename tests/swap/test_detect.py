from __future__ import annotations

import numpy as np
import pytest

from tests.shared_media import shared_video
from tests.swap.conftest import load_face_photo
from vidswap.swap.analyser import FaceAnalyser, estimate_yaw_degrees
from vidswap.swap.detect import SMALL_FACE_DIVISOR
from vidswap.swap.media.video import VideoReader


@pytest.mark.parametrize(
    ("name", "minimum", "maximum"),
    [
        ("obama-official-portrait-2012.jpg", 1, 1),
        ("biden-official-vp-portrait-2013.jpg", 1, 1),
        ("obama-and-biden-two-faces.jpg", 2, 2),
        ("two-women-glasses-pixabay.jpg", 2, 2),
        ("mugshot-young-man-frontal-meds2.jpg", 1, 1),
        ("grace-hopper-glasses-us-navy.jpg", 1, 1),
        ("no-face-coffee-cup-cc0.png", 0, 0),
        ("no-human-face-cat-cc0.png", 0, 0),
    ],
)
def test_face_count(analyser: FaceAnalyser, name: str, minimum: int, maximum: int) -> None:
    faces = analyser.find_faces(load_face_photo(name))

    assert minimum <= len(faces) <= maximum


def test_turned_faces_found(analyser: FaceAnalyser) -> None:
    faces = analyser.find_faces(load_face_photo("obama-hawking-group-turned-faces.jpg"))

    yaws = [abs(estimate_yaw_degrees(face)) for face in faces]
    assert len(faces) >= 4
    assert max(yaws) > 45


def test_profile_face_found(analyser: FaceAnalyser) -> None:
    faces = analyser.find_faces(load_face_photo("cameraman-profile-grayscale-cc0.png"))

    assert len(faces) == 1
    assert abs(estimate_yaw_degrees(faces[0])) > 45


def test_small_faces_found(analyser: FaceAnalyser) -> None:
    runners = analyser.find_faces(load_face_photo("runners-race-small-faces-ccby.jpg"))
    solvay = analyser.find_faces(load_face_photo("solvay-conference-1927-group-grayscale.jpg"))

    assert len(runners) >= 2
    assert min(face.box.width for face in runners) < 45
    assert len(solvay) >= 20


def test_crowd_faces_found_in_video(analyser: FaceAnalyser) -> None:
    # Runners' faces 15 to 50 px wide in a 960x540 frame. Tiles of 640 px alone
    # found 2 faces in frame 0 and none in frame 30.
    counts = {}
    with VideoReader(shared_video("marathon-crowd-small-faces-pd.mkv")) as reader:
        for frame in reader:
            if frame.index in (0, 30):
                counts[frame.index] = len(analyser.find_faces(frame.image))
            if frame.index == 30:
                break

    assert counts[0] >= 4
    assert counts[30] >= 3


def _portrait_among_small_faces() -> np.ndarray:
    """Return the 1927 Solvay group photo (3000 px across, faces 74 to 96 px wide)
    with Biden's 1200 px portrait (his face 446 px wide) pasted into its top left corner."""
    group = load_face_photo("solvay-conference-1927-group-grayscale.jpg").copy()
    portrait = load_face_photo("biden-official-vp-portrait-2013.jpg")
    height, width = portrait.shape[:2]
    group[:height, :width] = portrait
    return group


def test_largest_only_skips_tiles_beside_a_large_face(analyser: FaceAnalyser) -> None:
    image = _portrait_among_small_faces()

    every_face = analyser.detector.detect(image)
    largest = analyser.detector.detect(image, largest_only=True)

    widest = max(every_face, key=lambda box: box.width)
    assert widest.width * SMALL_FACE_DIVISOR >= image.shape[1]
    assert len(every_face) >= 20
    assert len(largest) == 1
    assert largest[0].iou(widest) > 0.9


def test_largest_only_searches_tiles_without_a_large_face(analyser: FaceAnalyser) -> None:
    # The largest face of the group photo is 292 of 2333 px, under an eighth.
    image = load_face_photo("obama-hawking-group-turned-faces.jpg")

    every_face = analyser.find_faces(image)
    largest = analyser.find_faces(image, largest_only=True)

    assert len(largest) == len(every_face) >= 4
    assert largest[0].box.iou(every_face[0].box) > 0.9


def test_landmarks_lie_inside_the_face(analyser: FaceAnalyser) -> None:
    image = load_face_photo("mugshot-young-man-frontal-meds2.jpg")
    face = analyser.find_faces(image)[0]

    assert face.landmarks.shape == (478, 3)
    height, width = image.shape[:2]
    assert face.landmarks[:, 0].min() >= 0
    assert face.landmarks[:, 0].max() <= width
    assert face.landmarks[:, 1].max() <= height
    assert 100 < face.box.width < 400


@pytest.mark.parametrize(
    "name",
    [
        "obama-official-portrait-2012.jpg",
        "biden-official-vp-portrait-2013.jpg",
        "mugshot-young-man-frontal-meds2.jpg",
        "grace-hopper-glasses-us-navy.jpg",
    ],
)
def test_frontal_faces_read_small_yaw(name: str, analyser: FaceAnalyser) -> None:
    face = analyser.find_faces(load_face_photo(name))[0]

    assert abs(estimate_yaw_degrees(face)) < 10
