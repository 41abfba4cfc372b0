"""Identity embeddings: dlib's 128-d face descriptor, used to pick a person by a reference photo.

The models come from the ``face-recognition-models`` wheel: the 5-point
shape predictor (CC0) aligns the face and the ResNet descriptor (CC0) embeds
it. Two photos of the same person are usually closer than 0.6 in Euclidean
distance (dlib's published threshold for LFW).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import cv2
import dlib
import numpy as np

from vidswap.swap.face import Face

SAME_PERSON_DISTANCE = 0.6


def _model_path(name: str) -> str:
    # The package's __init__ imports pkg_resources, which Python 3.12 venvs no
    # longer ship, so its folder is found without importing it.
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("face_recognition_models is not installed")
    return str(Path(spec.submodule_search_locations[0]) / "models" / name)


class IdentityEncoder:
    """Compute identity descriptors for faces. Not thread-safe: use one per thread."""

    def __init__(self) -> None:
        self._shape_predictor = dlib.shape_predictor(
            _model_path("shape_predictor_5_face_landmarks.dat")
        )
        self._descriptor = dlib.face_recognition_model_v1(
            _model_path("dlib_face_recognition_resnet_model_v1.dat")
        )

    def embed(self, bgr: np.ndarray, face: Face) -> np.ndarray:
        """Return the 128-d descriptor (float64) of ``face`` in ``bgr``."""
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        box = face.box
        rectangle = dlib.rectangle(
            int(box.x), int(box.y), int(box.x + box.width), int(box.y + box.height)
        )
        shape = self._shape_predictor(rgb, rectangle)
        return np.asarray(self._descriptor.compute_face_descriptor(rgb, shape), dtype=np.float64)


def identity_distance(first: np.ndarray, second: np.ndarray) -> float:
    return float(np.linalg.norm(first - second))
