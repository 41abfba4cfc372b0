"""Face analysis: detection followed by mesh landmarks for every face found."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from vidswap.swap.detect import FaceDetector
from vidswap.swap.face import Box, Face
from vidswap.swap.landmarks import FaceLandmarker
from vidswap.swap.topology import LEFT_CHEEK, RIGHT_CHEEK

# The angle between the cheeks in the mesh's depth, times this, matched the
# yaw judged by eye on test photos and frames. Unscaled, a selfie turning from
# about 35° to 45° read 27° to 31°, and heads turned 60° to 90° read 44° to 52°.
_DEPTH_YAW_SCALE = 1.5


class FaceAnalyser:
    """Detector plus landmarker, owned together. Not thread-safe: use one per thread."""

    def __init__(self) -> None:
        self.detector = FaceDetector()
        self.landmarker = FaceLandmarker()

    def find_faces(
        self,
        bgr: np.ndarray,
        *,
        tiles: bool = True,
        largest_only: bool = False,
        known: Sequence[Box] = (),
    ) -> list[Face]:
        """Return all faces that both the detector and the mesh confirm, largest first.

        Detections whose centre lies inside one of the ``known`` boxes (faces a
        tracker already follows) are skipped before the costly mesh step. With
        ``largest_only``, small faces are searched only where no large face is
        (see ``FaceDetector.detect``), so the first face returned is still the
        largest but small ones may be missing.
        """
        faces = []
        for box in self.detector.detect(bgr, tiles=tiles, largest_only=largest_only):
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
    """Estimate the head's yaw from the mesh's depth at the two cheek points.

    The nose tip's offset from the middle of the cheeks was used before. It
    reached its 90° limit on heads turned only 35° to 50° (a hiker in a sun
    hat, a woman with glasses), because the nose protrudes in front of the
    cheeks. The mesh's depth is flatter than a real face's, so its angle is
    scaled by ``_DEPTH_YAW_SCALE``.
    """
    across = face.landmarks[LEFT_CHEEK] - face.landmarks[RIGHT_CHEEK]
    depth_angle = float(np.degrees(np.arctan2(across[2], across[0])))
    return float(np.clip(depth_angle * _DEPTH_YAW_SCALE, -90.0, 90.0))
