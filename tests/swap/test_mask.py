from __future__ import annotations

import numpy as np

from tests.swap.conftest import load_face_photo
from vidswap.swap.analyser import FaceAnalyser
from vidswap.swap.mask import blend_mask
from vidswap.swap.topology import INNER_LIPS, LEFT_EYE, NOSE_TIP
from vidswap.swap.warp import Region


def _mask_for(analyser: FaceAnalyser, name: str) -> tuple[np.ndarray, np.ndarray]:
    image = load_face_photo(name)
    face = analyser.find_faces(image)[0]
    region = Region.around(face.mesh, 0.1, image.shape)
    local = face.mesh - np.array([region.left, region.top], dtype=np.float32)
    coverage = np.full(region.shape, 255, dtype=np.uint8)
    return blend_mask(local, coverage, face.box.size), local


def _at(mask: np.ndarray, point: np.ndarray) -> float:
    return float(mask[int(round(point[1])), int(round(point[0]))])


def test_mask_covers_skin_not_openings(analyser: FaceAnalyser) -> None:
    mask, local = _mask_for(analyser, "obama-official-portrait-2012.jpg")

    assert _at(mask, local[NOSE_TIP]) > 0.95
    assert _at(mask, local[INNER_LIPS].mean(axis=0)) < 0.05
    assert _at(mask, local[LEFT_EYE].mean(axis=0)) < 0.1


def test_mask_fades_to_zero_at_region_border(analyser: FaceAnalyser) -> None:
    mask, _ = _mask_for(analyser, "obama-official-portrait-2012.jpg")

    border = np.concatenate([mask[0], mask[-1], mask[:, 0], mask[:, -1]])
    assert border.max() < 0.01
    assert mask.min() >= 0.0
    assert mask.max() <= 1.0
