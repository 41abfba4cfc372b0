from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.shared_media import shared_video
from tests.swap.conftest import load_face_photo
from vidswap.swap import warp
from vidswap.swap.analyser import FaceAnalyser
from vidswap.swap.face import Box
from vidswap.swap.media.video import VideoReader
from vidswap.swap.source import analyse_source
from vidswap.swap.topology import OUTER_LIPS
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


def test_closed_mouth_covered_without_gaps(
    analyser: FaceAnalyser, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The talking selfie's first frame has the lips closed. The mesh's hole
    # inside them is a sliver, and the grid cells that missed it showed as
    # blocks along the lip line.
    source, _ = analyse_source(
        load_face_photo("biden-official-vp-portrait-2013.jpg"), Path("biden.jpg"), analyser
    )
    with VideoReader(shared_video("selfie-talking-vertical-720x1280.mp4")) as reader:
        image = next(iter(reader)).image
    face = analyser.find_faces(image)[0]
    points = face.landmarks[:468, :2]
    region = Region.around(points, 0.08, image.shape)
    texture, texture_points = source.texture_for(Box.around(points).size)
    around_lips = np.zeros(region.shape, np.uint8)
    lips = np.round(points[OUTER_LIPS] - [region.left, region.top]).astype(np.int32)
    cv2.fillPoly(around_lips, [lips], 255)
    around_lips = cv2.dilate(around_lips, np.ones((21, 21), np.uint8)) > 0

    def uncovered() -> int:
        _, coverage = warp_face(
            texture,
            texture_points,
            source.visible_triangles,
            points,
            face.landmarks[:468, 2],
            region,
        )
        return int((around_lips & (coverage == 0)).sum())

    filled = uncovered()
    monkeypatch.setattr(warp, "_fill_gaps", lambda *maps: None)
    unfilled = uncovered()

    assert filled == 0
    assert unfilled > 50
