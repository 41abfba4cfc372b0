"""Turn a video's display matrix into the rotation and mirror a player applies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

import av
import cv2
import numpy as np
from av.sidedata.sidedata import SideData


@dataclass(frozen=True)
class DisplayTransform:
    """The axis-aligned part of a display matrix, in image coordinates (y down).

    A stored pixel (x, y) is shown at (x', y'): x' = a*x + c*y and y' = b*x + d*y,
    shifted back into the frame. Each of a, b, c, d is -1, 0 or 1.
    """

    a: int = 1
    b: int = 0
    c: int = 0
    d: int = 1

    @property
    def swaps_axes(self) -> bool:
        return self.a == 0

    @property
    def mirrored(self) -> bool:
        """Whether the transform reflects the picture (negative determinant)."""
        return self.a * self.d - self.b * self.c < 0

    @property
    def rotation(self) -> int:
        """Clockwise degrees of the rotation a player applies before mirroring left to right."""
        if self.swaps_axes:
            # Transposing is a clockwise quarter turn and a left-right mirror.
            return 90 if (self.c < 0) != self.mirrored else 270
        return 180 if self.d < 0 else 0

    def apply(self, image: np.ndarray) -> np.ndarray:
        """Return ``image`` as a player shows it; the input array is not changed."""
        if self.swaps_axes:
            image = cv2.transpose(image)
            flip_x, flip_y = self.c < 0, self.b < 0
        else:
            flip_x, flip_y = self.a < 0, self.d < 0
        if flip_x and flip_y:
            return cv2.flip(image, -1)
        if flip_x:
            return cv2.flip(image, 1)
        if flip_y:
            return cv2.flip(image, 0)
        return image


IDENTITY = DisplayTransform()


def display_transform(frame: av.VideoFrame) -> DisplayTransform:
    """Return the transform that the frame's display matrix requests.

    FFmpeg stores the matrix as 9 int32 values, a to d in 16.16 fixed point at
    indices 0, 1, 3 and 4. A matrix that is not a multiple of a quarter turn is
    rounded to the nearest quarter turn, keeping its mirror.
    """
    # PyAV 18.1's stub types side_data as holding motion vectors only.
    side_data = cast(Mapping[str, SideData], frame.side_data)
    if "DISPLAYMATRIX" not in side_data:
        return IDENTITY
    matrix = np.frombuffer(bytes(side_data["DISPLAYMATRIX"]), dtype=np.int32)
    a, b, c, d = (int(matrix[index]) for index in (0, 1, 3, 4))
    if abs(a) + abs(d) >= abs(b) + abs(c):
        return DisplayTransform(a=sign(a) or 1, d=sign(d) or 1)
    return DisplayTransform(a=0, b=sign(b) or 1, c=sign(c) or 1, d=0)


def sign(value: int) -> int:
    return (value > 0) - (value < 0)
