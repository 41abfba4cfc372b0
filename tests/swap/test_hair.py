"""Hair over the source face is found and painted over with skin."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.swap.conftest import load_face_photo, swap_photo
from vidswap.swap.analyser import FaceAnalyser
from vidswap.swap.face import Face
from vidswap.swap.hair import hair_mask
from vidswap.swap.source import analyse_source
from vidswap.swap.topology import FACE_OVAL, LEFT_EYE, LEFT_EYEBROW, OUTER_LIPS, RIGHT_EYE
from vidswap.swap.warp import Region

# The larger of the two women wears a fringe down to her brows and long hair
# over both sides of her face.
FRINGE = "two-women-glasses-pixabay.jpg"


def texture_of(name: str, analyser: FaceAnalyser) -> tuple[np.ndarray, np.ndarray, Face]:
    """Return the source's texture crop before painting, its mesh points and the face."""
    image = load_face_photo(name)
    face = analyser.find_faces(image)[0]
    region = Region.around(face.mesh, 0.25, image.shape)
    crop = image[region.top : region.bottom, region.left : region.right]
    return crop, face.mesh - np.float32([region.left, region.top]), face


def outline_of(shape: tuple[int, ...], points: np.ndarray) -> np.ndarray:
    outline = np.zeros(shape[:2], np.uint8)
    cv2.fillPoly(outline, [np.round(points[FACE_OVAL]).astype(np.int32)], 255)
    return outline > 0


def test_fringe_and_side_hair_found(analyser: FaceAnalyser) -> None:
    crop, points, face = texture_of(FRINGE, analyser)

    hair = hair_mask(crop, points, face.box.size) > 0

    outline = outline_of(crop.shape, points)
    assert hair[outline].mean() > 0.1
    # The fringe: the band between the brows' tops and the outline's top.
    brow_top = int(points[LEFT_EYEBROW, 1].min())
    outline_top = int(points[FACE_OVAL, 1].min())
    forehead = outline.copy()
    forehead[brow_top:] = False
    forehead[:outline_top] = False
    assert hair[forehead].mean() > 0.4


def test_eyes_brows_and_lips_never_hair(analyser: FaceAnalyser) -> None:
    crop, points, face = texture_of(FRINGE, analyser)

    hair = hair_mask(crop, points, face.box.size)

    for ring in (LEFT_EYE, RIGHT_EYE, LEFT_EYEBROW, OUTER_LIPS):
        for x, y in np.round(points[ring]).astype(int):
            assert hair[y, x] == 0


@pytest.mark.parametrize(
    "name",
    [
        "obama-official-portrait-2012.jpg",
        "mugshot-young-man-frontal-meds2.jpg",
    ],
)
def test_no_hair_on_bare_faces(name: str, analyser: FaceAnalyser) -> None:
    crop, points, face = texture_of(name, analyser)

    hair = hair_mask(crop, points, face.box.size) > 0

    assert hair[outline_of(crop.shape, points)].mean() < 0.005


def test_source_texture_painted_over_hair(analyser: FaceAnalyser) -> None:
    crop, points, face = texture_of(FRINGE, analyser)
    hair = hair_mask(crop, points, face.box.size) > 0

    source, _ = analyse_source(load_face_photo(FRINGE), Path(FRINGE), analyser)

    painted = cv2.cvtColor(source.texture, cv2.COLOR_BGRA2BGR)
    assert painted.shape == crop.shape
    before = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)[hair]
    after = cv2.cvtColor(painted, cv2.COLOR_BGR2GRAY)[hair]
    skin = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)[outline_of(crop.shape, points) & ~hair]
    # Black hair becomes skin-bright, and the texture beyond the paint's
    # soft edge is untouched.
    assert before.mean() < 0.4 * np.median(skin)
    assert after.mean() > 0.7 * np.median(skin)
    edge = round(face.box.size * 0.05) * 2 + 1
    near_hair = cv2.dilate(hair.astype(np.uint8), np.ones((edge, edge), np.uint8)) > 0
    # The open mouth is painted too (see mouth.py).
    mouth = np.zeros(crop.shape[:2], np.uint8)
    cv2.fillPoly(mouth, [np.round(points[OUTER_LIPS]).astype(np.int32)], 255)
    near_mouth = cv2.dilate(mouth, np.ones((edge, edge), np.uint8)) > 0
    untouched = ~near_hair & ~near_mouth
    assert np.array_equal(painted[untouched], crop[untouched])


def test_target_fringe_stays_in_front(tmp_path: Path, analyser: FaceAnalyser) -> None:
    image = load_face_photo(FRINGE)
    crop, points, face = texture_of(FRINGE, analyser)
    hair = hair_mask(crop, points, face.box.size) > 0
    inside = outline_of(crop.shape, points)
    target = tmp_path / "fringe.png"
    cv2.imwrite(str(target), image)

    after = swap_photo("obama-official-portrait-2012.jpg", target, tmp_path / "out.png")

    region = Region.around(face.mesh, 0.25, image.shape)
    swapped = after[region.top : region.bottom, region.left : region.right]
    change = cv2.absdiff(crop, swapped).astype(np.float32).mean(axis=2)
    # Hair well inside the fringe keeps its pixels; the skin is swapped.
    core = cv2.erode(hair.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    assert core.sum() > 500
    assert change[core & inside].mean() < 3.0
    assert change[inside & ~hair].mean() > 8.0
