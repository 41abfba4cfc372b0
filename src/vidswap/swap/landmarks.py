"""Dense landmarks: the MediaPipe face mesh (468 points plus 10 iris points) on a face crop.

The mesh model runs on a square crop around each face box, scaled to
``crop_size`` pixels, so small faces are enlarged before the model runs
and faces far from the camera get landmarks too. The mesh graph's own
short-range detector runs on the crop and so confirms that the box contains a face.
"""

from __future__ import annotations

import cv2
import numpy as np
from mediapipe.python.solutions import face_mesh

from vidswap.swap.face import Box, Face


class FaceLandmarker:
    """Compute 478 landmarks for a face box. Not thread-safe: use one per thread."""

    def __init__(
        self, *, crop_size: int = 256, crop_scales: tuple[float, ...] = (1.9, 1.5, 2.4)
    ) -> None:
        self._model = _mesh_model(static=True)
        self._crop_size = crop_size
        self._crop_scales = crop_scales

    def locate(self, bgr: np.ndarray, box: Box) -> Face | None:
        """Return the face in ``box`` with its landmarks, or None when no crop contains a face.

        The mesh graph's detector misses some faces (a head bowed or turned) at
        one framing and finds them at another, so the crop scales are tried in
        turn until one gives a mesh.
        """
        for crop_scale in self._crop_scales:
            face = _mesh_in_crop(self._model, bgr, box, crop_scale, self._crop_size)
            if face is not None:
                return face
        return None

    def close(self) -> None:
        self._model.close()


class FaceFollower:
    """Landmarks for one face followed from frame to frame (one per tracked person).

    The mesh graph runs in its video mode: it takes the region of interest from
    its own landmarks of the previous crop instead of running its detector, which
    saves about a third of the time per face. The crop is centred on the face's
    previous position, so the face stays near where the graph expects it.
    """

    def __init__(self, *, crop_size: int = 256, crop_scale: float = 1.9) -> None:
        self._model = _mesh_model(static=False)
        self._crop_size = crop_size
        self._crop_scale = crop_scale

    def follow(self, bgr: np.ndarray, box: Box) -> Face | None:
        return _mesh_in_crop(self._model, bgr, box, self._crop_scale, self._crop_size)

    def close(self) -> None:
        self._model.close()


def _mesh_model(*, static: bool) -> face_mesh.FaceMesh:
    # In video mode the graph drops a face whose presence score falls below the
    # tracking confidence. Its default, 0.5, lost a face half hidden by a waving
    # hand for 12 frames of a selfie clip; 0.3 kept it in all of them.
    return face_mesh.FaceMesh(
        static_image_mode=static,
        max_num_faces=1,
        refine_landmarks=True,
        min_detection_confidence=0.3,
        min_tracking_confidence=0.3,
    )


def _mesh_in_crop(
    model: face_mesh.FaceMesh, bgr: np.ndarray, box: Box, crop_scale: float, crop_size: int
) -> Face | None:
    center_x, center_y = box.center
    side = box.size * crop_scale
    scale = crop_size / side

    crop_to_image = np.array(
        [[1 / scale, 0, center_x - side / 2], [0, 1 / scale, center_y - side / 2]],
        dtype=np.float64,
    )
    image_to_crop = cv2.invertAffineTransform(crop_to_image)
    crop = cv2.warpAffine(
        bgr,
        image_to_crop,
        (crop_size, crop_size),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
    )
    result = model.process(cv2.cvtColor(crop, cv2.COLOR_BGR2RGB))
    if not result.multi_face_landmarks:
        return None

    points = (
        np.array(
            [(p.x, p.y, p.z) for p in result.multi_face_landmarks[0].landmark], dtype=np.float32
        )
        * crop_size
    )
    landmarks = np.empty_like(points)
    landmarks[:, 0] = points[:, 0] / scale + crop_to_image[0, 2]
    landmarks[:, 1] = points[:, 1] / scale + crop_to_image[1, 2]
    landmarks[:, 2] = points[:, 2] / scale

    located = Box.around(landmarks[:468], box.score)
    if not _belongs_to(located, box):
        return None
    return Face(box=located, landmarks=landmarks)


def _belongs_to(located: Box, expected: Box) -> bool:
    """Reject a mesh that landed on a neighbouring face inside the enlarged crop."""
    located_x, located_y = located.center
    expected_x, expected_y = expected.center
    distance = np.hypot(located_x - expected_x, located_y - expected_y)
    return bool(distance < expected.size * 0.6 and located.size < expected.size * 3)
