from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.swap.conftest import load_face_photo
from vidswap.swap.analyser import FaceAnalyser
from vidswap.swap.errors import NoFaceError
from vidswap.swap.face import Box
from vidswap.swap.identity import SAME_PERSON_DISTANCE, IdentityEncoder, identity_distance
from vidswap.swap.notices import SeveralSourceFaces, SourceFaceGlasses, SourceFaceTurned
from vidswap.swap.source import analyse_source
from vidswap.swap.topology import FACE_OVAL, NOSE_TIP
from vidswap.swap.warp import Region, warp_face


def test_single_face_analysed(analyser: FaceAnalyser) -> None:
    image = load_face_photo("biden-official-vp-portrait-2013.jpg")

    source, notices = analyse_source(image, Path("biden.jpg"), analyser)

    assert notices == []
    assert source.points.shape == (468, 2)
    height, width = source.texture.shape[:2]
    assert source.points[:, 0].min() >= 0
    assert source.points[:, 0].max() < width
    assert source.points[:, 1].max() < height
    assert source.visible_triangles.mean() > 0.95


def test_no_face_raises_with_path(analyser: FaceAnalyser) -> None:
    image = load_face_photo("no-face-coffee-cup-cc0.png")

    with pytest.raises(NoFaceError) as raised:
        analyse_source(image, Path("/photos/coffee cup.png"), analyser)

    assert "/photos/coffee cup.png" in raised.value.message("en")
    assert "/photos/coffee cup.png" in raised.value.message("zh-CN")
    assert raised.value.exit_code == 2


def test_several_faces_uses_largest(analyser: FaceAnalyser) -> None:
    image = load_face_photo("obama-and-biden-two-faces.jpg")

    source, notices = analyse_source(image, Path("two.jpg"), analyser)

    several = [notice for notice in notices if isinstance(notice, SeveralSourceFaces)]
    assert len(several) == 1
    assert several[0].params["count"] == 2
    assert several[0].params["width"] == round(source.face.box.width)
    assert "2" in several[0].message("zh-CN")


def test_turned_source_warns(analyser: FaceAnalyser) -> None:
    image = load_face_photo("cameraman-profile-grayscale-cc0.png")

    _, notices = analyse_source(image, Path("camera.png"), analyser)

    assert any(isinstance(notice, SourceFaceTurned) for notice in notices)


@pytest.mark.parametrize(
    ("name", "glasses"),
    [
        ("grace-hopper-glasses-us-navy.jpg", True),
        ("two-women-glasses-pixabay.jpg", True),
        ("obama-official-portrait-2012.jpg", False),
        ("biden-official-vp-portrait-2013.jpg", False),
        ("eileen-collins-astronaut-nasa.png", False),
        ("mugshot-young-man-frontal-meds2.jpg", False),
        ("mugshot-woman-exif-orientation5-meds2.jpg", False),
    ],
)
def test_glasses_in_source_noticed(analyser: FaceAnalyser, name: str, glasses: bool) -> None:
    image = load_face_photo(name)

    _, notices = analyse_source(image, Path(name), analyser)

    found = [notice for notice in notices if isinstance(notice, SourceFaceGlasses)]
    assert len(found) == (1 if glasses else 0)
    if glasses:
        assert found[0].message("en").startswith(f"The face in {name} wears glasses.")
        assert "眼镜" in found[0].message("zh-CN")


def test_source_identity_embedded(analyser: FaceAnalyser, encoder: IdentityEncoder) -> None:
    image = load_face_photo("obama-official-portrait-2012.jpg")
    other = load_face_photo("obama-and-biden-two-faces.jpg")

    source, _ = analyse_source(image, Path("obama.jpg"), analyser, encoder)

    assert source.embedding is not None
    assert source.embedding.shape == (128,)
    standing_obama = min(analyser.find_faces(other), key=lambda face: face.box.x)
    distance = identity_distance(source.embedding, encoder.embed(other, standing_obama))
    assert distance < SAME_PERSON_DISTANCE


def test_source_edge_fades_in_inside_outline(analyser: FaceAnalyser) -> None:
    image = load_face_photo("biden-official-vp-portrait-2013.jpg")
    source, _ = analyse_source(image, Path("biden.jpg"), analyser)
    size = source.face.box.size
    alpha = source.texture[..., 3]
    outline = np.zeros(alpha.shape, np.uint8)
    cv2.fillPoly(outline, [np.round(source.points[FACE_OVAL]).astype(np.int32)], 255)
    depth = cv2.distanceTransform(outline, cv2.DIST_L2, 3)

    assert source.texture.shape[2] == 4
    assert alpha[outline == 0].max() == 0
    assert alpha[(depth > 0) & (depth < 0.025 * size)].max() == 0
    assert alpha[depth > 0.065 * size].min() == 255
    middle = alpha[(depth > 0.04 * size) & (depth < 0.05 * size)]
    assert 0 < middle.mean() < 255


def test_halved_textures_follow_face_size(analyser: FaceAnalyser) -> None:
    image = load_face_photo("biden-official-vp-portrait-2013.jpg")
    source, _ = analyse_source(image, Path("biden.jpg"), analyser)
    size = source.face.box.size

    texture, points = source.texture_for(size)
    assert texture is source.texture
    assert points is source.points
    # A face at least twice smaller samples a halved texture, between one and
    # two times its own scale.
    for target_size in (size / 2, size / 3, size / 7):
        texture, points = source.texture_for(target_size)
        halvings = [id(level) for level in source.halved_textures].index(id(texture)) + 1
        assert 1.0 <= size / 2**halvings / target_size < 2.0
        height, width = texture.shape[:2]
        assert (width, height) == (
            pytest.approx(source.texture.shape[1] / 2**halvings, abs=1),
            pytest.approx(source.texture.shape[0] / 2**halvings, abs=1),
        )
        # The points land on the same features: the nose tip keeps its colour.
        x, y = np.round(points[NOSE_TIP]).astype(int)
        full_x, full_y = np.round(source.points[NOSE_TIP]).astype(int)
        blurred = cv2.blur(source.texture, (2**halvings, 2**halvings))
        difference = texture[y, x].astype(int) - blurred[full_y, full_x].astype(int)
        assert np.abs(difference).max() < 20


def test_small_target_warped_without_speckles(analyser: FaceAnalyser) -> None:
    # The source warped onto its own face shrunk 6 times should look like that
    # shrunk face. Sampling the full-size texture skips pixels, and the skin's
    # pores and lines turn into speckles that the shrunk face does not have.
    image = load_face_photo("biden-official-vp-portrait-2013.jpg")
    source, _ = analyse_source(image, Path("biden.jpg"), analyser)
    small = cv2.resize(image, None, fx=1 / 6, fy=1 / 6, interpolation=cv2.INTER_AREA)
    target = analyser.find_faces(small)[0]
    points = target.mesh
    region = Region.around(points, 0.0, small.shape)
    inside = small[region.top : region.bottom, region.left : region.right]

    def warped_error(texture: np.ndarray, texture_points: np.ndarray) -> float:
        warped, coverage = warp_face(
            texture,
            texture_points,
            source.visible_triangles,
            points,
            target.landmarks[:468, 2],
            region,
        )
        covered = coverage == 255
        warped_bgr = cv2.cvtColor(warped, cv2.COLOR_BGRA2BGR)
        return float(cv2.absdiff(warped_bgr, inside)[covered].mean())

    halved = warped_error(*source.texture_for(Box.around(points).size))
    full = warped_error(source.texture, source.points)

    assert halved < 0.8 * full
