"""Value types shared by the engine steps: boxes and analysed faces."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Box:
    """An axis-aligned face box in pixels, with the detector's confidence."""

    x: float
    y: float
    width: float
    height: float
    score: float = 1.0

    @property
    def center(self) -> tuple[float, float]:
        return self.x + self.width / 2, self.y + self.height / 2

    @property
    def size(self) -> float:
        return max(self.width, self.height)

    @property
    def area(self) -> float:
        return self.width * self.height

    def iou(self, other: Box) -> float:
        left, top = max(self.x, other.x), max(self.y, other.y)
        right = min(self.x + self.width, other.x + other.width)
        bottom = min(self.y + self.height, other.y + other.height)
        overlap = max(0.0, right - left) * max(0.0, bottom - top)
        union = self.area + other.area - overlap
        return overlap / union if union > 0 else 0.0

    @classmethod
    def around(cls, landmarks: np.ndarray, score: float = 1.0) -> Box:
        """Return the tight box around a set of landmark points."""
        low = landmarks[:, :2].min(axis=0)
        high = landmarks[:, :2].max(axis=0)
        return cls(
            float(low[0]), float(low[1]), float(high[0] - low[0]), float(high[1] - low[1]), score
        )


@dataclass
class Face:
    """One face in one image: its box and 478 mesh landmarks.

    ``landmarks`` is a float32 array of shape (478, 3): x and y in pixels of
    the image, z in the same pixel scale with smaller values nearer the camera.
    Points 0-467 are the face mesh, 468-477 the two irises.
    """

    box: Box
    landmarks: np.ndarray

    @property
    def mesh(self) -> np.ndarray:
        """The 468 mesh points in x, y."""
        return self.landmarks[:468, :2]
