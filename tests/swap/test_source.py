from __future__ import annotations

from pathlib import Path

import pytest

from tests.swap.conftest import load_face_photo
from vidswap.swap.analyser import FaceAnalyser
from vidswap.swap.errors import NoFaceError
from vidswap.swap.identity import SAME_PERSON_DISTANCE, IdentityEncoder, identity_distance
from vidswap.swap.notices import SeveralSourceFaces, SourceFaceGlasses, SourceFaceTurned
from vidswap.swap.source import analyse_source


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
