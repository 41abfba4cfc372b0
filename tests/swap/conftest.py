from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.shared_media import shared_face
from vidswap.swap.analyser import FaceAnalyser
from vidswap.swap.face import Box, Face
from vidswap.swap.identity import IdentityEncoder
from vidswap.swap.media.images import read_picture
from vidswap.swap.options import LabelOptions, SwapOptions
from vidswap.swap.pipeline import SwapEngine
from vidswap.swap.warp import Region


@pytest.fixture(scope="session")
def analyser() -> Iterator[FaceAnalyser]:
    face_analyser = FaceAnalyser()
    yield face_analyser
    face_analyser.close()


@pytest.fixture(scope="session")
def encoder() -> IdentityEncoder:
    return IdentityEncoder()


@pytest.fixture(scope="module")
def portrait(analyser: FaceAnalyser) -> tuple[np.ndarray, Face]:
    """The official Obama portrait, a frontal face under even light, with its face."""
    image = read_picture(shared_face("obama-official-portrait-2012.jpg")).bgr
    faces = analyser.find_faces(image)
    assert faces
    return image, faces[0]


def load_face_photo(name: str) -> np.ndarray:
    image = cv2.imread(str(shared_face(name)))
    assert image is not None, name
    return image


def searched_as_swap(
    search: Callable[[np.ndarray, np.ndarray, float], np.ndarray | None],
    image: np.ndarray,
    face: Face,
) -> np.ndarray | None:
    """Return what ``search`` finds in front of ``face``, in frame pixels, searched as the swap does.

    The swap searches every ``factor``-th pixel of the region around the face,
    with the face about 64 pixels wide.
    """
    points = face.mesh
    region = Region.around(points, 0.08, image.shape)
    size = Box.around(points).size
    factor = max(1, int(size / 64))
    offset = factor // 2
    crop = image[region.top : region.bottom, region.left : region.right]
    small = np.ascontiguousarray(crop[offset::factor, offset::factor])
    local = (points - np.array([region.left, region.top], dtype=np.float32) - offset) / factor
    mask = search(small, local, size / factor)
    if mask is None:
        return None
    full = np.zeros(image.shape[:2], np.float32)
    height, width = crop.shape[:2]
    to_small = np.float32([[1 / factor, 0, -offset / factor], [0, 1 / factor, -offset / factor]])
    full[region.top : region.bottom, region.left : region.right] = cv2.warpAffine(
        mask, to_small, (width, height), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    )
    return full


def swap_photo(face: str, target: Path, output: Path) -> np.ndarray:
    """Return ``target`` with the shared face photo ``face`` swapped in, without the visible mark."""
    engine = SwapEngine(SwapOptions(label=LabelOptions(visible=False)))
    try:
        engine.swap_file(shared_face(face), target, output)
    finally:
        engine.close()
    return read_picture(output).bgr
