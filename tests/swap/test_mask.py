from __future__ import annotations

import numpy as np

from tests.swap.conftest import load_face_photo
from vidswap.swap.analyser import FaceAnalyser
from vidswap.swap.mask import FaceMasks, face_masks
from vidswap.swap.topology import INNER_LIPS, LEFT_EYE, LEFT_EYEBROW, NOSE_TIP
from vidswap.swap.warp import Region


def _masks_for(analyser: FaceAnalyser, name: str) -> tuple[FaceMasks, np.ndarray, float]:
    image = load_face_photo(name)
    face = analyser.find_faces(image)[0]
    region = Region.around(face.mesh, 0.1, image.shape)
    local = face.mesh - np.array([region.left, region.top], dtype=np.float32)
    coverage = np.full(region.shape, 255, dtype=np.uint8)
    return face_masks(local, coverage, face.box.size), local, face.box.size


def _mask_for(analyser: FaceAnalyser, name: str) -> tuple[np.ndarray, np.ndarray]:
    masks, local, _ = _masks_for(analyser, name)
    return masks.blend, local


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


def test_colour_weight_leaves_out_brows(analyser: FaceAnalyser) -> None:
    masks, local, face_size = _masks_for(analyser, "obama-official-portrait-2012.jpg")
    height, width = masks.blend.shape
    scale = masks.colour.shape[1] / width

    assert max(masks.colour.shape) < max(height, width)
    assert face_size * scale <= 201
    assert abs(masks.colour.shape[0] / height - scale) < 0.01
    assert _at(masks.colour, local[NOSE_TIP] * scale) > 0.95
    assert _at(masks.colour, local[LEFT_EYEBROW].mean(axis=0) * scale) < 0.05
    assert _at(masks.blend, local[LEFT_EYEBROW].mean(axis=0)) > 0.9


def test_blend_mask_zero_outside_coverage(analyser: FaceAnalyser) -> None:
    image = load_face_photo("obama-official-portrait-2012.jpg")
    face = analyser.find_faces(image)[0]
    region = Region.around(face.mesh, 0.1, image.shape)
    local = face.mesh - np.array([region.left, region.top], dtype=np.float32)
    coverage = np.full(region.shape, 255, dtype=np.uint8)
    nose_x, nose_y = local[NOSE_TIP].round().astype(int)
    coverage[:, nose_x:] = 0

    mask = face_masks(local, coverage, face.box.size).blend

    assert mask[:, nose_x:].max() == 0.0
    assert mask[nose_y, nose_x - 40] > 0.5
