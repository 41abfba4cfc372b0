from __future__ import annotations

import numpy as np

from tests.swap.conftest import load_face_photo
from vidswap.swap.analyser import FaceAnalyser
from vidswap.swap.warp import Region, facing_camera, warp_face


def test_warp_onto_own_mesh_is_identity(analyser: FaceAnalyser) -> None:
    image = load_face_photo("obama-official-portrait-2012.jpg")
    face = analyser.find_faces(image)[0]
    region = Region.around(face.mesh, 0.05, image.shape)

    warped, coverage = warp_face(
        image, face.mesh, facing_camera(face.mesh), face.mesh, face.landmarks[:468, 2], region
    )

    crop = image[region.top : region.bottom, region.left : region.right]
    covered = coverage > 0
    difference = np.abs(warped.astype(int) - crop.astype(int))[covered]
    assert covered.mean() > 0.4
    assert difference.mean() < 1.0


def test_warp_follows_a_shifted_mesh(analyser: FaceAnalyser) -> None:
    image = load_face_photo("obama-official-portrait-2012.jpg")
    face = analyser.find_faces(image)[0]
    shifted = face.mesh + np.array([20.0, 10.0], dtype=np.float32)
    region = Region.around(shifted, 0.05, image.shape)

    warped, coverage = warp_face(
        image, face.mesh, facing_camera(face.mesh), shifted, face.landmarks[:468, 2], region
    )

    moved = image[region.top - 10 : region.bottom - 10, region.left - 20 : region.right - 20]
    covered = coverage > 0
    difference = np.abs(warped.astype(int) - moved.astype(int))[covered]
    assert difference.mean() < 1.0


def test_hidden_triangles_left_uncovered(analyser: FaceAnalyser) -> None:
    image = load_face_photo("obama-official-portrait-2012.jpg")
    face = analyser.find_faces(image)[0]
    region = Region.around(face.mesh, 0.05, image.shape)
    nothing_visible = np.zeros(len(facing_camera(face.mesh)), dtype=bool)

    _, coverage = warp_face(
        image, face.mesh, nothing_visible, face.mesh, face.landmarks[:468, 2], region
    )

    assert coverage.max() == 0
