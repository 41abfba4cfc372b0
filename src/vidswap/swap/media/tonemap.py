"""Convert HDR video frames (PQ or HLG, BT.2020) to 8-bit SDR BT.709 BGR arrays.

Steps per frame: decode to 16-bit RGB with the BT.2020 matrix, linearise to
display nits (PQ EOTF from SMPTE ST 2084, or the HLG inverse OETF plus the
BT.2100 OOTF for a 1000-nit display), convert the BT.2020 primaries to BT.709,
compress the luminance range with a curve applied to max(R, G, B) so hue and
saturation survive, and encode for a BT.1886 (gamma 2.4) SDR display.
"""

from __future__ import annotations

from functools import cache

import av
import cv2
import numpy as np

# FFmpeg AVColorTransferCharacteristic values.
TRC_SMPTE2084 = 16
TRC_ARIB_STD_B67 = 18
HDR_TRANSFERS = {TRC_SMPTE2084, TRC_ARIB_STD_B67}

# Nits that HDR diffuse ("reference") white is graded at, per ITU-R BT.2408.
REFERENCE_WHITE_NITS = 203.0
HLG_DISPLAY_PEAK_NITS = 1000.0
HLG_SYSTEM_GAMMA = 1.2

# Tone curve: identity below KNEE (relative to reference white), then a rational
# shoulder with matching slope that approaches 1.0. Reference white lands at 0.9.
KNEE = 0.8

# Linear-light BT.2020 RGB -> BT.709 RGB (ITU-R BT.2087), rows reordered to emit BGR.
BT2020_TO_BT709_BGR = np.array(
    [
        [-0.0182, -0.1006, 1.1187],
        [-0.1246, 1.1329, -0.0083],
        [1.6605, -0.5876, -0.0728],
    ],
    dtype=np.float32,
)
BT2020_LUMA = np.array([0.2627, 0.6780, 0.0593], dtype=np.float32)

# Display-encoding lookup table size for linear values in [0, 1].
OUTPUT_STEPS = 4096


def is_hdr_transfer(color_trc: int) -> bool:
    return color_trc in HDR_TRANSFERS


@cache
def pq_to_nits_table() -> np.ndarray:
    """Return a 65536-entry table: 16-bit PQ code value -> display light in nits."""
    m1 = 2610 / 16384
    m2 = 2523 / 4096 * 128
    c1 = 3424 / 4096
    c2 = 2413 / 4096 * 32
    c3 = 2392 / 4096 * 32
    signal = np.arange(65536, dtype=np.float64) / 65535.0
    powered = signal ** (1 / m2)
    linear = (np.maximum(powered - c1, 0.0) / (c2 - c3 * powered)) ** (1 / m1)
    return (linear * 10000.0).astype(np.float32)


@cache
def hlg_to_scene_linear_table() -> np.ndarray:
    """Return a 65536-entry table: 16-bit HLG code value -> scene light in [0, 1]."""
    a = 0.17883277
    b = 1 - 4 * a
    c = 0.5 - a * np.log(4 * a)
    signal = np.arange(65536, dtype=np.float64) / 65535.0
    low = signal**2 / 3
    high = (np.exp((signal - c) / a) + b) / 12
    return np.where(signal <= 0.5, low, high).astype(np.float32)


@cache
def display_encode_table() -> np.ndarray:
    """Return the table: linear light in OUTPUT_STEPS steps -> 8-bit BT.1886 code value."""
    linear = np.linspace(0.0, 1.0, OUTPUT_STEPS, dtype=np.float64)
    return np.round(255.0 * linear ** (1 / 2.4)).astype(np.uint8)


def hdr_frame_to_sdr_bgr(frame: av.VideoFrame) -> np.ndarray:
    """Tone-map one PQ or HLG frame to an 8-bit BT.709 BGR array (H x W x 3, C-contiguous)."""
    code = frame.to_ndarray(format="rgb48le")
    nits = linearize(code, frame.color_trc)
    bgr709 = cv2.transform(nits, BT2020_TO_BT709_BGR)
    np.maximum(bgr709, 0.0, out=bgr709)
    compress_luminance(bgr709)
    return encode_for_display(bgr709)


def linearize(code: np.ndarray, color_trc: int) -> np.ndarray:
    """Return display light in nits (float32 RGB) for 16-bit PQ or HLG code values."""
    if color_trc == TRC_SMPTE2084:
        return pq_to_nits_table()[code]

    scene = hlg_to_scene_linear_table()[code]
    luminance = scene @ BT2020_LUMA
    gain = HLG_DISPLAY_PEAK_NITS * np.power(luminance, HLG_SYSTEM_GAMMA - 1.0)
    scene *= gain[:, :, np.newaxis]
    return scene


def compress_luminance(bgr_nits: np.ndarray) -> None:
    """Scale each pixel in place so max(R, G, B) follows the tone curve, in [0, 1]."""
    bgr_nits *= 1.0 / REFERENCE_WHITE_NITS
    peak = bgr_nits.max(axis=2)
    excess = np.maximum(peak - KNEE, 0.0)
    shoulder = KNEE + (1.0 - KNEE) * excess / (excess + (1.0 - KNEE))
    mapped = np.where(peak > KNEE, shoulder, peak)
    scale = mapped / np.maximum(peak, 1e-6)
    bgr_nits *= scale[:, :, np.newaxis]


def encode_for_display(linear_bgr: np.ndarray) -> np.ndarray:
    index = np.clip(linear_bgr * (OUTPUT_STEPS - 1) + 0.5, 0, OUTPUT_STEPS - 1).astype(np.uint16)
    return display_encode_table()[index]
