"""Face analysis: detection followed by mesh landmarks for every face found."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from vidswap.swap.detect import FaceDetector
from vidswap.swap.face import Box, Face
from vidswap.swap.landmarks import FaceLandmarker
from vidswap.swap.topology import LEFT_CHEEK, NOSE_TIP, RIGHT_CHEEK


class FaceAnalyser:
    """Detector plus landmarker, owned together. Not thread-safe: use one per thread."""

    def __init__(self) -> None:
        self.detector = FaceDetector()
        self.landmarker = FaceLandmarker()

    def find_faces(
        self, bgr: np.ndarray, *, tiles: bool = True, known: Sequence[Box] = ()
    ) -> list[Face]:
        """Return all faces that both the detector and the mesh confirm, largest first.

        Detections whose centre lies inside one of the ``known`` boxes (faces a
        tracker already follows) are skipped before the costly mesh step.
        """
        faces = []
        for box in self.detector.detect(bgr, tiles=tiles):
            if any(_centre_inside(box, other) for other in known):
                continue
            face = self.landmarker.locate(bgr, box)
            if face is not None and not _duplicate(face, faces):
                faces.append(face)
        return sorted(faces, key=lambda face: face.box.area, reverse=True)

    def locate(self, bgr: np.ndarray, box: Box) -> Face | None:
        return self.landmarker.locate(bgr, box)

    def close(self) -> None:
        self.detector.close()
        self.landmarker.close()


def _centre_inside(box: Box, other: Box) -> bool:
    center_x, center_y = box.center
    inside_x = other.x <= center_x <= other.x + other.width
    inside_y = other.y <= center_y <= other.y + other.height
    return inside_x and inside_y


def _duplicate(face: Face, faces: list[Face]) -> bool:
    return any(face.box.iou(other.box) > 0.5 for other in faces)


def estimate_yaw_degrees(face: Face) -> float:
    """Rough head yaw from how far the nose tip sits from the middle of the cheeks."""
    left = face.landmarks[LEFT_CHEEK, :2]
    right = face.landmarks[RIGHT_CHEEK, :2]
    nose = face.landmarks[NOSE_TIP, :2]
    half_width = np.linalg.norm(left - right) / 2
    if half_width < 1e-6:
        return 90.0
    middle = (left + right) / 2
    axis = (left - right) / (2 * half_width)
    offset = float(np.dot(nose - middle, axis)) / half_width
    return float(np.degrees(np.arcsin(np.clip(offset, -1.0, 1.0))))
