from __future__ import annotations

import cv2
import numpy as np

from tests.swap.conftest import load_face_photo
from vidswap.swap.analyser import FaceAnalyser
from vidswap.swap.mouth import paint_mouth_opening
from vidswap.swap.topology import INNER_LIPS, OUTER_LIPS


def _gray(image: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    mask = np.zeros(image.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(polygon).astype(np.int32)], 255)
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)[mask > 0]


def test_teeth_painted_darker_than_lips(analyser: FaceAnalyser) -> None:
    # Biden smiles with his upper teeth showing between the lips.
    image = load_face_photo("biden-official-vp-portrait-2013.jpg")
    face = analyser.find_faces(image)[0]
    points = face.mesh

    painted = paint_mouth_opening(image, points, face.box.size)

    lips = np.median(_gray(image, points[OUTER_LIPS]))
    assert _gray(image, points[INNER_LIPS]).max() > lips + 60
    assert _gray(painted, points[INNER_LIPS]).max() < lips


def test_paint_stays_near_mouth(analyser: FaceAnalyser) -> None:
    image = load_face_photo("biden-official-vp-portrait-2013.jpg")
    face = analyser.find_faces(image)[0]
    points = face.mesh

    painted = paint_mouth_opening(image, points, face.box.size)

    changed = np.argwhere(np.any(painted != image, axis=2))
    low, high = points[OUTER_LIPS].min(axis=0), points[OUTER_LIPS].max(axis=0)
    assert len(changed) > 0
    assert changed[:, 1].min() >= low[0] - 0.03 * face.box.size
    assert changed[:, 1].max() <= high[0] + 0.03 * face.box.size
    assert changed[:, 0].min() >= low[1] - 0.03 * face.box.size
    assert changed[:, 0].max() <= high[1] + 0.03 * face.box.size
