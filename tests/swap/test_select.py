"""FaceSelector on the real faces of a two-person photo (Obama left, Biden right)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.swap.conftest import load_face_photo
from vidswap.swap.analyser import FaceAnalyser
from vidswap.swap.face import Box, Face
from vidswap.swap.identity import IdentityEncoder
from vidswap.swap.options import FaceSelection
from vidswap.swap.select import FaceSelector
from vidswap.swap.track import Track

TWO_FACES = "obama-and-biden-two-faces.jpg"


@pytest.fixture(scope="module")
def two_faces(analyser: FaceAnalyser) -> tuple[np.ndarray, dict[str, Face]]:
    image = load_face_photo(TWO_FACES)
    faces = analyser.find_faces(image)
    assert len(faces) == 2
    left, right = sorted(faces, key=lambda face: face.box.x)
    return image, {"obama": left, "biden": right}


def make_track(track_id: int, face: Face, *, scale: float = 1.0, missed: int = 0) -> Track:
    """Return a track on ``face``, with its landmarks scaled by ``scale`` about their centre."""
    centre = face.landmarks[:, :2].mean(axis=0)
    landmarks = face.landmarks.copy()
    landmarks[:, :2] = centre + (landmarks[:, :2] - centre) * scale
    return Track(
        track_id=track_id,
        face=Face(box=Box.around(landmarks), landmarks=landmarks),
        smoothed=landmarks,
        first_frame=0,
        missed_frames=missed,
    )


def reference_selector(name: str, analyser: FaceAnalyser, encoder: IdentityEncoder) -> FaceSelector:
    photo = load_face_photo(name)
    faces = analyser.find_faces(photo)
    assert faces, name
    return FaceSelector(
        FaceSelection.REFERENCE,
        reference_embedding=encoder.embed(photo, faces[0]),
        encoder=encoder,
    )


def test_largest_picks_larger(two_faces: tuple[np.ndarray, dict[str, Face]]) -> None:
    image, faces = two_faces
    selector = FaceSelector(FaceSelection.LARGEST)
    obama = make_track(1, faces["obama"], scale=1.3)
    biden = make_track(2, faces["biden"])

    chosen = selector.choose(image, [obama, biden])

    assert [track.track_id for track in chosen] == [1]


def test_largest_stays_locked(two_faces: tuple[np.ndarray, dict[str, Face]]) -> None:
    image, faces = two_faces
    selector = FaceSelector(FaceSelection.LARGEST)
    biden = make_track(2, faces["biden"], scale=1.3)
    selector.choose(image, [make_track(1, faces["obama"]), biden])
    grown_obama = make_track(1, faces["obama"], scale=2.0)
    assert Box.around(grown_obama.smoothed).area > Box.around(biden.smoothed).area

    chosen = selector.choose(image, [grown_obama, biden])

    assert [track.track_id for track in chosen] == [2]


def test_largest_moves_when_track_ends(two_faces: tuple[np.ndarray, dict[str, Face]]) -> None:
    image, faces = two_faces
    selector = FaceSelector(FaceSelection.LARGEST)
    obama = make_track(1, faces["obama"], scale=1.3)
    biden = make_track(2, faces["biden"])
    selector.choose(image, [obama, biden])

    after_exit = selector.choose(image, [biden])
    after_return = selector.choose(image, [obama, biden])

    assert [track.track_id for track in after_exit] == [2]
    assert [track.track_id for track in after_return] == [2]


def test_all_returns_every_track(two_faces: tuple[np.ndarray, dict[str, Face]]) -> None:
    image, faces = two_faces
    tracks = [make_track(1, faces["obama"]), make_track(2, faces["biden"])]

    chosen = FaceSelector(FaceSelection.ALL).choose(image, tracks)

    assert [track.track_id for track in chosen] == [1, 2]


@pytest.mark.parametrize(
    ("reference", "expected_id"),
    [("biden-official-vp-portrait-2013.jpg", 2), ("obama-official-portrait-2012.jpg", 1)],
)
def test_reference_picks_match(
    two_faces: tuple[np.ndarray, dict[str, Face]],
    analyser: FaceAnalyser,
    encoder: IdentityEncoder,
    reference: str,
    expected_id: int,
) -> None:
    image, faces = two_faces
    selector = reference_selector(reference, analyser, encoder)
    tracks = [make_track(1, faces["obama"]), make_track(2, faces["biden"])]

    chosen = selector.choose(image, tracks)

    assert [track.track_id for track in chosen] == [expected_id]
    assert selector.matched_reference


def test_reference_stranger_unmatched(
    two_faces: tuple[np.ndarray, dict[str, Face]],
    analyser: FaceAnalyser,
    encoder: IdentityEncoder,
) -> None:
    image, faces = two_faces
    selector = reference_selector("eileen-collins-astronaut-nasa.png", analyser, encoder)
    tracks = [make_track(1, faces["obama"]), make_track(2, faces["biden"])]

    chosen = selector.choose(image, tracks)

    assert chosen == []
    assert not selector.matched_reference


def test_reference_skips_hidden_track(
    two_faces: tuple[np.ndarray, dict[str, Face]],
    analyser: FaceAnalyser,
    encoder: IdentityEncoder,
) -> None:
    image, faces = two_faces
    selector = reference_selector("biden-official-vp-portrait-2013.jpg", analyser, encoder)
    hidden = make_track(2, faces["biden"], missed=1)

    chosen = selector.choose(image, [hidden])

    assert chosen == []
    assert hidden.reference_distance is None


def test_reference_needs_embedding() -> None:
    with pytest.raises(ValueError, match="reference embedding"):
        FaceSelector(FaceSelection.REFERENCE)
