from __future__ import annotations

import numpy as np

from tests.swap.conftest import load_face_photo
from vidswap.swap import topology
from vidswap.swap.analyser import FaceAnalyser
from vidswap.swap.warp import facing_camera, signed_areas


def test_triangles_cover_the_mesh() -> None:
    assert 850 <= len(topology.TRIANGLES) <= 900
    assert set(np.unique(topology.TRIANGLES)) == set(range(topology.MESH_POINT_COUNT))


def test_contours_are_closed_rings() -> None:
    assert len(topology.FACE_OVAL) == 36
    assert len(topology.LEFT_EYE) == 16
    assert len(topology.RIGHT_EYE) == 16
    assert len(topology.INNER_LIPS) == 20
    assert len(topology.OUTER_LIPS) == 20
    assert not set(topology.INNER_LIPS) & set(topology.OUTER_LIPS)


def test_winding_is_consistent_on_frontal_face(analyser: FaceAnalyser) -> None:
    image = load_face_photo("obama-official-portrait-2012.jpg")
    face = analyser.find_faces(image)[0]

    areas = signed_areas(face.mesh)
    same_sign = max((areas > 0).mean(), (areas < 0).mean())

    assert same_sign > 0.97
    assert facing_camera(face.mesh).mean() > 0.95
