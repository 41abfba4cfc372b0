"""Motion blur of the warped source face, matched to a moving target face.

A face that moves while the shutter is open is smeared along its motion, and a
sharp source face pasted on it looks like a sticker that does not move. The
target face's motion (pixels per frame, from its landmarks in the frames on
either side) gives the direction of the smear. How long the smear is depends
on the exposure, which the video does not record, so it is measured: blur
along the motion lowers the image's gradients along it and leaves those across
it. The target's ratio of the two, over the same ratio at rest, measures how
much it is smeared, and the warped face is smeared until its own ratio has
dropped by as much.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

# Motions below this many pixels per frame leave the face as it is. The
# target's gradients in such frames are the person's own, without a smear.
_MIN_MOTION = 1.5
# The target counts as smeared when its gradient ratio along the motion falls
# below this share of the ratio at rest.
_SMEARED = 0.85
# Weight of each new frame at rest in the running structure of the target face.
_REST_UPDATE = 0.2
# The gradients are measured with the face's region shrunk to about this many
# pixels on its shorter side. A smear tried there shrinks with it.
_MEASURE_SIDE = 128
# Smear lengths tried, as fractions of the motion per frame. A shutter open for
# the whole frame interval smears by the full motion.
_SMEAR_SHARES = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5)
# After a smeared frame, the next one keeps at least this share of its smear's
# length, within the largest share of its own motion.
_LENGTH_FADE = 0.6
# Smears shorter than this many pixels are left out.
_MIN_SMEAR = 0.5
# No smear is longer than this fraction of the face region's shorter side: a
# track's first frames can read a motion of 40 pixels a frame.
_MAX_SMEAR = 0.2


class MotionBlur:
    """Smear matcher for one tracked face: one per track, fed its frames in order.

    A face's own gradients are not the same in every direction (brows, eyes and
    lips run across it), and differ between the source and the target. So the
    target's smear is measured against the same face at rest: its gradient
    structure in the frames where it hardly moves. Until the track has such a
    frame, the face is left sharp. A smear fades out over a few frames instead
    of stopping at once, because the measure misses some smeared frames at the
    end of a move, and a face that turns sharp for one frame flickers.
    """

    def __init__(self) -> None:
        self._rest: np.ndarray | None = None
        # The smear of the last frame, in pixels.
        self._length = 0.0

    def apply(
        self,
        warped: np.ndarray,
        target: np.ndarray,
        weight: np.ndarray,
        motion: tuple[float, float],
    ) -> np.ndarray:
        """Return ``warped`` smeared along ``motion`` as much as ``target`` is, under ``weight``."""
        factor = max(1, round(min(weight.shape[:2]) / _MEASURE_SIDE))
        inside = cv2.compare(_shrink(weight, factor), 0.5, cv2.CMP_GT)
        if cv2.countNonZero(inside) < 16:
            return warped
        target_structure = _structure(_gray(target, factor), inside)
        length = math.hypot(*motion)
        if length < _MIN_MOTION:
            if self._length == 0.0:
                self._remember_rest(target_structure)
            self._length = 0.0
            return warped
        if self._rest is None:
            return warped

        direction = (motion[0] / length, motion[1] / length)
        smear = _along_ratio(target_structure, direction) / _along_ratio(self._rest, direction)
        share = 0.0
        if smear <= _SMEARED:
            share = self._measured_share(_gray(warped, factor), inside, motion, factor, smear)
        faded = min(self._length * _LENGTH_FADE, length * _SMEAR_SHARES[-1])
        self._length = min(max(length * share, faded), min(weight.shape[:2]) * _MAX_SMEAR)
        if self._length < _MIN_SMEAR:
            self._length = 0.0
            return warped
        kernel = line_kernel(self._length, direction)
        return cv2.filter2D(warped, -1, kernel, borderType=cv2.BORDER_REFLECT)

    def _measured_share(
        self,
        warped_gray: np.ndarray,
        inside: np.ndarray,
        motion: tuple[float, float],
        factor: int,
        smear: float,
    ) -> float:
        """Return the least share of ``motion`` whose smear lowers the warped face's
        gradient ratio along it by ``smear``, or the largest share tried."""
        length = math.hypot(*motion)
        direction = (motion[0] / length, motion[1] / length)
        sharp_ratio = _along_ratio(_structure(warped_gray, inside), direction)
        for share in _SMEAR_SHARES[:-1]:
            kernel = line_kernel(length * share / factor, direction)
            smeared_gray = cv2.filter2D(warped_gray, -1, kernel, borderType=cv2.BORDER_REFLECT)
            if _along_ratio(_structure(smeared_gray, inside), direction) <= smear * sharp_ratio:
                return share
        return _SMEAR_SHARES[-1]

    def _remember_rest(self, structure: np.ndarray) -> None:
        if self._rest is None:
            self._rest = structure
        else:
            self._rest = (1 - _REST_UPDATE) * self._rest + _REST_UPDATE * structure


def line_kernel(length: float, direction: tuple[float, float]) -> np.ndarray:
    """Return a normalised kernel that averages along a segment of ``length`` pixels.

    The segment is centred and points along ``direction`` (a unit vector); it is
    drawn with bilinear weights, so lengths between whole pixels differ.
    """
    radius = int(math.ceil(length / 2)) + 1
    size = 2 * radius + 1
    kernel = np.zeros((size, size), dtype=np.float32)
    samples = max(2, int(math.ceil(length * 4)))
    for step in np.linspace(-length / 2, length / 2, samples):
        x = radius + step * direction[0]
        y = radius + step * direction[1]
        left, top = int(math.floor(x)), int(math.floor(y))
        right_share, bottom_share = x - left, y - top
        kernel[top, left] += (1 - right_share) * (1 - bottom_share)
        kernel[top, left + 1] += right_share * (1 - bottom_share)
        kernel[top + 1, left] += (1 - right_share) * bottom_share
        kernel[top + 1, left + 1] += right_share * bottom_share
    return kernel / kernel.sum()


def _shrink(image: np.ndarray, factor: int) -> np.ndarray:
    if factor == 1:
        return image
    # Whole blocks of pixels take INTER_AREA's fast path, which averages them.
    height, width = image.shape[0] // factor, image.shape[1] // factor
    whole = image[: height * factor, : width * factor]
    return cv2.resize(whole, (width, height), interpolation=cv2.INTER_AREA)


def _gray(bgr: np.ndarray, factor: int) -> np.ndarray:
    return _shrink(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY), factor)


def _structure(gray: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """Return the mean gradient structure tensor inside the mask, scaled to a trace of one."""
    gradient_x = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3)
    gradient_y = cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3)
    xx = cv2.mean(gradient_x * gradient_x, mask=inside)[0]
    xy = cv2.mean(gradient_x * gradient_y, mask=inside)[0]
    yy = cv2.mean(gradient_y * gradient_y, mask=inside)[0]
    trace = max(xx + yy, 1e-6)
    return np.array([[xx, xy], [xy, yy]]) / trace


def _along_ratio(structure: np.ndarray, direction: tuple[float, float]) -> float:
    """Return the gradient energy along ``direction`` over that across it."""
    along = np.array(direction)
    across = np.array((-direction[1], direction[0]))
    return float(along @ structure @ along) / max(float(across @ structure @ across), 1e-6)
