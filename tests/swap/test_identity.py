from __future__ import annotations

from tests.swap.conftest import load_face_photo
from vidswap.swap.analyser import FaceAnalyser
from vidswap.swap.identity import SAME_PERSON_DISTANCE, IdentityEncoder, identity_distance


def _embedding(analyser: FaceAnalyser, encoder: IdentityEncoder, name: str, index: int = 0):
    image = load_face_photo(name)
    faces = sorted(analyser.find_faces(image), key=lambda face: face.box.x)
    return encoder.embed(image, faces[index])


def test_same_person_close_other_person_far(
    analyser: FaceAnalyser, encoder: IdentityEncoder
) -> None:
    obama_portrait = _embedding(analyser, encoder, "obama-official-portrait-2012.jpg")
    biden_portrait = _embedding(analyser, encoder, "biden-official-vp-portrait-2013.jpg")
    # In the two-person photo Obama stands on the left.
    obama_standing = _embedding(analyser, encoder, "obama-and-biden-two-faces.jpg", 0)

    assert obama_portrait.shape == (128,)
    assert identity_distance(obama_portrait, obama_standing) < SAME_PERSON_DISTANCE
    assert identity_distance(obama_portrait, biden_portrait) > SAME_PERSON_DISTANCE
