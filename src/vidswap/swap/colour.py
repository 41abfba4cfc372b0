"""Colour and lighting correction of the warped source face to the target frame.

Per BGR channel, the warped face keeps its own fine detail (high frequencies:
skin texture, brows, lips) and takes the target's low frequencies (skin tone,
shading, light direction). The low-pass is a masked Gaussian (normalised
convolution) so that background and hair around the face do not leak into it.
A grayscale target gives a grayscale face.
"""

from __future__ import annotations

import cv2
import numpy as np

# Gaussian sigma of the low-pass, as a fraction of the face size. Larger keeps
# more of the source's own shading and tone; smaller copies more of the target.
_LOW_PASS_SIGMA = 0.09
_GRAYSCALE_SPREAD = 6.0
_LOW_PASS_WORKING_SIGMA = 3.0
_MAX_SHARPNESS_SIGMA = 0.012
_SHARPNESS_SIGMAS = (0.5, 0.8, 1.2, 1.7, 2.4, 3.3, 4.5)


def match_colour(
    warped: np.ndarray, target: np.ndarray, weight: np.ndarray, face_size: float
) -> np.ndarray:
    """Return ``warped`` (BGR uint8) with the target's tone and lighting under ``weight``."""
    height, width = weight.shape
    sigma = max(face_size * _LOW_PASS_SIGMA, 1.0)
    factor = max(1.0, sigma / _LOW_PASS_WORKING_SIGMA)
    small_size = (max(1, round(width / factor)), max(1, round(height / factor)))

    target_low = _masked_blur(target, weight, small_size, sigma / factor)
    warped_low = _masked_blur(warped, weight, small_size, sigma / factor)
    shift = cv2.resize(target_low - warped_low, (width, height), interpolation=cv2.INTER_LINEAR)

    corrected = cv2.add(warped, shift, dtype=cv2.CV_8U)

    if _is_grayscale(target, weight):
        gray = cv2.cvtColor(corrected, cv2.COLOR_BGR2GRAY)
        corrected = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
    return corrected


def match_sharpness(
    warped: np.ndarray, target: np.ndarray, weight: np.ndarray, face_size: float
) -> np.ndarray:
    """Blur ``warped`` until its fine detail is no stronger than the target's.

    A sharp source photo pasted on a soft or out-of-focus target face looks
    like a sticker. The detail level is the weighted variance of the Laplacian
    of the gray image, and Gaussian sigmas are tried from small to large. The
    sigma stays below ``_MAX_SHARPNESS_SIGMA`` of the face size, because more
    blur than that erases what makes the face the source person's on small faces.
    """
    inside = weight > 0.5
    if inside.sum() < 16:
        return warped
    target_detail = _detail(target, inside)
    if _detail(warped, inside) <= target_detail:
        return warped
    largest_sigma = face_size * _MAX_SHARPNESS_SIGMA
    blurred = warped
    for sigma in _SHARPNESS_SIGMAS:
        if sigma > largest_sigma:
            break
        blurred = cv2.GaussianBlur(warped, (0, 0), sigmaX=sigma)
        if _detail(blurred, inside) <= target_detail:
            break
    return blurred


def _detail(image: np.ndarray, inside: np.ndarray) -> float:
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return float(cv2.Laplacian(gray, cv2.CV_32F)[inside].var())


def _masked_blur(
    image: np.ndarray, weight: np.ndarray, small_size: tuple[int, int], small_sigma: float
) -> np.ndarray:
    """Weighted Gaussian low-pass of ``image`` at ``small_size``; only low frequencies survive it.

    The image and the weight are shrunk separately before they are multiplied,
    which costs far less than a full-size float product. It lets background
    leak in only within one small pixel of the mask's edge, where the blend
    weight is near zero.
    """
    small_image = cv2.resize(image, small_size, interpolation=cv2.INTER_AREA).astype(np.float32)
    small_weight = cv2.resize(weight, small_size, interpolation=cv2.INTER_AREA)
    weighted = cv2.GaussianBlur(small_image * small_weight[:, :, None], (0, 0), small_sigma)
    total = cv2.GaussianBlur(small_weight, (0, 0), sigmaX=small_sigma)
    return weighted / np.maximum(total, 1e-3)[:, :, None]


def _is_grayscale(target: np.ndarray, weight: np.ndarray) -> bool:
    # Every fourth pixel in each direction is plenty for a mean.
    inside = weight[::4, ::4] > 0.5
    if not inside.any():
        return False
    pixels = target[::4, ::4][inside].astype(np.int16)
    spread = np.abs(pixels[:, 0] - pixels[:, 1]) + np.abs(pixels[:, 1] - pixels[:, 2])
    return bool(spread.mean() < _GRAYSCALE_SPREAD)


def blend(target: np.ndarray, face: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Alpha-blend ``face`` over ``target`` (both BGR uint8) with ``mask`` in [0, 1]."""
    return cv2.blendLinear(face, target, mask, 1.0 - mask)
