"""Colour and lighting correction of the warped source face to the target frame.

Per BGR channel, the warped face keeps its own fine detail (high frequencies:
skin texture, brows, lips) and takes the target's low frequencies (skin tone,
shading, light direction). Detail darker than the source's low-pass is
scaled by the ratio of the two low-passes, brighter detail is kept as it is. The low-pass is a masked Gaussian (normalised
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
# The colour gain is (target + floor) / (source + floor) per channel, within
# 1 / _MAX_GAIN and _MAX_GAIN, so a near-black source area is not blown up.
_GAIN_FLOOR = 8.0
_MAX_GAIN = 3.0
# The gain map is stored as (gain - 1) times this in 16 bits.
_GAIN_SCALE = 256.0
_LOW_PASS_WORKING_SIGMA = 3.0
_MAX_SHARPNESS_SIGMA = 0.012
_SHARPNESS_SIGMAS = (0.5, 0.8, 1.2, 1.7, 2.4, 3.3, 4.5)


def match_colour(
    warped: np.ndarray, target: np.ndarray, weight: np.ndarray, face_size: float
) -> np.ndarray:
    """Return ``warped`` (BGR uint8) with the target's tone and lighting under ``weight``.

    ``weight`` may be smaller than the images, with the same aspect (the
    working-size colour weight of ``face_masks``); it is resized to their size.
    """
    height, width = target.shape[:2]
    sigma = max(face_size * _LOW_PASS_SIGMA, 1.0)
    # With an integer factor INTER_AREA takes its fast path, which averages
    # whole blocks in 0.12 ms on a 426x367 crop (0.47 ms with a fractional one).
    factor = max(1, int(sigma / _LOW_PASS_WORKING_SIGMA))
    if weight.shape[:2] != (height, width):
        weight = cv2.resize(weight, (width, height), interpolation=cv2.INTER_LINEAR)

    small_weight = _shrink(weight, factor)
    small_target = _shrink(target, factor)
    target_low = _masked_blur(small_target, small_weight, sigma / factor)
    warped_low = _masked_blur(_shrink(warped, factor), small_weight, sigma / factor)

    # Each pixel is the target's low-pass plus its own difference from the
    # source's. Brighter differences stay as they are, which keeps detail.
    # Darker ones are scaled by the ratio of the two low-passes, so the
    # target's light dims dark features as it dims the skin: an offset alone
    # took near-black brows to (64, 35, 30), blue-black, on a pale face lit
    # blue-grey. Both rules give the target's low-pass at the source's, so no
    # edge shows where a pixel crosses it.
    # The maps are resized up as 8 and 16-bit integers: float maps of a
    # 720p face's region took three times as long as the rest of this step.
    padded_size = (small_weight.shape[1] * factor, small_weight.shape[0] * factor)
    shift = _resized(target_low - warped_low, np.int16, padded_size, height, width)
    gain = np.clip(
        (target_low + _GAIN_FLOOR) / (warped_low + _GAIN_FLOOR), 1 / _MAX_GAIN, _MAX_GAIN
    )
    gain_step = _resized((gain - 1.0) * _GAIN_SCALE, np.int16, padded_size, height, width)
    source_low = _resized(warped_low, np.uint8, padded_size, height, width)
    # OpenCV's arithmetic on two different pixel types took five times as long.
    below = cv2.subtract(cv2.min(warped, source_low), source_low, dtype=cv2.CV_16S)
    extra = cv2.multiply(below, gain_step, scale=1.0 / _GAIN_SCALE, dtype=cv2.CV_16S)
    total = cv2.add(cv2.add(warped.astype(np.int16), shift), extra)
    corrected = cv2.convertScaleAbs(cv2.max(total, 0))

    if _is_grayscale(small_target, small_weight):
        gray = cv2.cvtColor(corrected, cv2.COLOR_BGR2GRAY)
        corrected = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
    return corrected


def match_sharpness(
    warped: np.ndarray, target: np.ndarray, weight: np.ndarray, face_size: float
) -> np.ndarray:
    """Blur ``warped`` until its fine detail is no stronger than the target's.

    A sharp source photo pasted on a soft or out-of-focus target face looks
    like a sticker. The detail level is the variance of the Laplacian of the
    gray image where ``weight`` (the region's size) is above 0.5. Gaussian
    sigmas are tried from small to large on the gray image, and the colour
    image is blurred once with the sigma found. The sigma stays below
    ``_MAX_SHARPNESS_SIGMA`` of the face size, because more blur than that
    erases what makes the face the source person's on small faces.
    """
    inside = cv2.compare(weight, 0.5, cv2.CMP_GT)
    if cv2.countNonZero(inside) < 16:
        return warped
    target_detail = _detail(cv2.cvtColor(target, cv2.COLOR_BGR2GRAY), inside)
    warped_gray = cv2.cvtColor(warped, cv2.COLOR_BGR2GRAY)
    if _detail(warped_gray, inside) <= target_detail:
        return warped

    largest_sigma = face_size * _MAX_SHARPNESS_SIGMA
    chosen_sigma = 0.0
    for sigma in _SHARPNESS_SIGMAS:
        if sigma > largest_sigma:
            break
        chosen_sigma = sigma
        blurred_gray = cv2.GaussianBlur(warped_gray, (0, 0), sigmaX=sigma)
        if _detail(blurred_gray, inside) <= target_detail:
            break
    if chosen_sigma == 0.0:
        return warped
    return cv2.GaussianBlur(warped, (0, 0), sigmaX=chosen_sigma)


def _detail(gray: np.ndarray, inside: np.ndarray) -> float:
    """Return the variance of the Laplacian of ``gray`` over the uint8 mask ``inside``."""
    laplacian = cv2.Laplacian(gray, cv2.CV_32F)
    _, deviation = cv2.meanStdDev(laplacian, mask=inside)
    return float(deviation[0, 0]) ** 2


def _shrink(image: np.ndarray, factor: int) -> np.ndarray:
    """Average ``factor`` x ``factor`` blocks into float32 pixels.

    The image is first padded at the right and bottom, repeating its edge, to
    a multiple of ``factor``, so small pixel ``j`` is the mean of full pixels
    ``j * factor`` to ``(j + 1) * factor - 1``.
    """
    height, width = image.shape[:2]
    padded_height = -(-height // factor) * factor
    padded_width = -(-width // factor) * factor
    if (padded_height, padded_width) != (height, width):
        image = cv2.copyMakeBorder(
            image, 0, padded_height - height, 0, padded_width - width, cv2.BORDER_REPLICATE
        )
    small = cv2.resize(
        image,
        (padded_width // factor, padded_height // factor),
        interpolation=cv2.INTER_AREA,
    )
    return small.astype(np.float32)


def _resized(
    small: np.ndarray,
    dtype: type[np.integer],
    padded_size: tuple[int, int],
    height: int,
    width: int,
) -> np.ndarray:
    """Round ``small`` to ``dtype`` and resize it up to the image's padded size, cut to the image."""
    limits = np.iinfo(dtype)
    rounded = np.clip(np.round(small), limits.min, limits.max).astype(dtype)
    return cv2.resize(rounded, padded_size, interpolation=cv2.INTER_LINEAR)[:height, :width]


def _masked_blur(small_image: np.ndarray, small_weight: np.ndarray, sigma: float) -> np.ndarray:
    """Weighted Gaussian low-pass of a shrunk image, which only low frequencies survive.

    The image and the weight are shrunk separately before they are multiplied,
    which costs far less than a full-size float product. It lets background
    leak in only within one small pixel of the mask's edge, where the blend
    weight is near zero.
    """
    weighted = cv2.GaussianBlur(small_image * small_weight[:, :, None], (0, 0), sigma)
    total = cv2.GaussianBlur(small_weight, (0, 0), sigmaX=sigma)
    return weighted / np.maximum(total, 1e-3)[:, :, None]


def _is_grayscale(small_target: np.ndarray, small_weight: np.ndarray) -> bool:
    """Decide from the block means of the shrunk target whether the face is gray."""
    inside = small_weight > 0.5
    if not inside.any():
        return False
    pixels = small_target[inside]
    spread = np.abs(pixels[:, 0] - pixels[:, 1]) + np.abs(pixels[:, 1] - pixels[:, 2])
    return bool(spread.mean() < _GRAYSCALE_SPREAD)


def blend(target: np.ndarray, face: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Alpha-blend ``face`` over ``target`` (both BGR uint8) with ``mask`` in [0, 1]."""
    return cv2.blendLinear(face, target, mask, 1.0 - mask)
