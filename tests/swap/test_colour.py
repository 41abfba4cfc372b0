from __future__ import annotations

import cv2
import numpy as np

from vidswap.swap.colour import blend, match_colour, match_sharpness


def _textured(
    colour: tuple[int, int, int], seed: int = 3, shape: tuple[int, int] = (120, 120)
) -> np.ndarray:
    rng = np.random.default_rng(seed)
    image = np.zeros((*shape, 3), dtype=np.float32) + np.array(colour, dtype=np.float32)
    image += rng.normal(0, 12, size=(*shape, 1))
    return np.clip(image, 0, 255).astype(np.uint8)


def test_tone_moves_to_target_detail_stays() -> None:
    warped = _textured((60, 90, 200))
    target = np.full_like(warped, (150, 150, 150))
    weight = np.ones(warped.shape[:2], dtype=np.float32)

    corrected = match_colour(warped, target, weight, face_size=100)

    mean_difference = np.abs(corrected.reshape(-1, 3).mean(axis=0) - 150).max()
    assert mean_difference < 8
    assert corrected.astype(float).std() > 6


def test_dark_brow_keeps_neutral_hue_on_pale_target() -> None:
    # Warm brown skin with a near-black brow, moved onto a pale face lit
    # blue-grey: an offset taken from the skin turned the brow blue-black.
    warped = np.full((120, 120, 3), (100, 140, 190), dtype=np.uint8)
    warped[55:65, 30:90] = (53, 52, 58)
    target = np.full_like(warped, (110, 116, 151))
    weight = np.ones(warped.shape[:2], dtype=np.float32)
    weight[55:65, 30:90] = 0.0

    corrected = match_colour(warped, target, weight, face_size=100)

    brow = corrected[58:62, 40:80].reshape(-1, 3).mean(axis=0)
    skin = corrected[10:20, 10:110].reshape(-1, 3).mean(axis=0)
    assert np.abs(skin - (110, 116, 151)).max() < 4
    assert brow.max() - brow.min() < 20
    assert brow.mean() < 0.6 * skin.mean()


def test_no_edge_where_detail_crosses_low_pass() -> None:
    # A smooth ramp onto a much darker face: the ramp crosses its own low-pass
    # in the middle, where the dark half is scaled and the bright half shifted.
    ramp = np.linspace(100, 200, 120, dtype=np.float32)
    warped = np.repeat(np.repeat(ramp[None, :, None], 120, axis=0), 3, axis=2).astype(np.uint8)
    target = np.full_like(warped, 40)
    weight = np.ones(warped.shape[:2], dtype=np.float32)

    corrected = match_colour(warped, target, weight, face_size=100).astype(int)

    steps = np.abs(np.diff(corrected[40:80, 20:100], axis=1))
    assert steps.max() <= 2
    assert abs(corrected[40:80, 55:65].mean() - 40) < 6


def test_weight_smaller_than_images_accepted() -> None:
    warped = _textured((60, 90, 200))
    target = np.full_like(warped, (150, 150, 150))
    target[:, 60:] = (40, 40, 40)
    full_weight = np.zeros(warped.shape[:2], dtype=np.float32)
    full_weight[20:100, 20:100] = 1.0
    small_weight = np.zeros((60, 60), dtype=np.float32)
    small_weight[10:50, 10:50] = 1.0

    from_full = match_colour(warped, target, full_weight, face_size=100).astype(int)
    from_small = match_colour(warped, target, small_weight, face_size=100).astype(int)

    assert from_small.shape == warped.shape
    assert np.abs(from_full - from_small)[20:100, 20:100].mean() < 2
    assert from_small[20:100, 20:50].mean() > from_small[20:100, 70:100].mean() + 60


def test_size_not_a_multiple_of_the_shrink() -> None:
    # face_size 100 shrinks by 3, and 121 x 133 is not a multiple of 3 either way.
    warped = _textured((100, 100, 100), shape=(121, 133))
    target = np.full_like(warped, (170, 170, 170))
    weight = np.ones(warped.shape[:2], dtype=np.float32)

    corrected = match_colour(warped, target, weight, face_size=100)

    assert corrected.shape == (121, 133, 3)
    assert abs(corrected[-10:, -10:].mean() - 170) < 8
    assert abs(corrected[:10, :10].mean() - 170) < 8


def test_grayscale_target_gives_gray_face() -> None:
    warped = _textured((40, 120, 220))
    target = cv2.cvtColor(
        cv2.cvtColor(_textured((90, 90, 90), 5), cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR
    )
    weight = np.ones(warped.shape[:2], dtype=np.float32)

    corrected = match_colour(warped, target, weight, face_size=100).astype(int)

    spread = np.abs(corrected[:, :, 0] - corrected[:, :, 1]) + np.abs(
        corrected[:, :, 1] - corrected[:, :, 2]
    )
    assert spread.max() <= 4


def test_sharp_face_softened_for_blurry_target() -> None:
    warped = _textured((120, 120, 120))
    target = cv2.GaussianBlur(_textured((120, 120, 120), 9), (0, 0), 2.0)
    weight = np.ones(warped.shape[:2], dtype=np.float32)

    softened = match_sharpness(warped, target, weight, face_size=400)

    def detail(image: np.ndarray) -> float:
        return float(cv2.Laplacian(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), cv2.CV_32F).var())

    assert detail(softened) <= detail(target)
    assert detail(softened) < detail(warped) / 4


def test_blend_keeps_target_where_mask_is_zero() -> None:
    target = np.full((10, 10, 3), 30, dtype=np.uint8)
    face = np.full((10, 10, 3), 200, dtype=np.uint8)
    mask = np.zeros((10, 10), dtype=np.float32)
    mask[:, 5:] = 1.0

    mixed = blend(target, face, mask)

    assert (mixed[:, :5] == 30).all()
    assert (mixed[:, 5:] == 200).all()


def test_small_face_blur_capped() -> None:
    warped = _textured((120, 120, 120))
    target = cv2.GaussianBlur(_textured((120, 120, 120), 9), (0, 0), 4.0)
    weight = np.ones(warped.shape[:2], dtype=np.float32)

    softened = match_sharpness(warped, target, weight, face_size=60)

    # 1.2% of a 60 px face allows sigma 0.5 at most, far short of the target's blur.
    expected = cv2.GaussianBlur(warped, (0, 0), sigmaX=0.5)
    assert np.array_equal(softened, expected)
