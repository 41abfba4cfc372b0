"""VideoWriter passes decoded BT.709 pictures through and converts only the changed rectangles."""

from __future__ import annotations

import av
import numpy as np
import pytest
from av.video.reformatter import ColorRange, Colorspace

from tests.shared_media import shared_video
from vidswap.swap.media.container import ACCURATE_CONVERSION
from vidswap.swap.media.frames import VideoFrame
from vidswap.swap.media.video import VideoReader
from vidswap.swap.media.writer import bgr_to_yuv420, patch_yuv, yuv420_planes

HD_CLIP = "obama-weekly-address-talking-720p-a.mp4"
# 640x480 and untagged, so BT.601: its planes are not what the writer encodes.
SD_CLIP = "indoor-group-event-640x480-ccby.mp4"


def first_frame(name: str) -> VideoFrame:
    with VideoReader(shared_video(name)) as reader:
        return next(iter(reader))


def test_reader_keeps_bt709_planes() -> None:
    frame = first_frame(HD_CLIP)

    assert frame.yuv is not None
    assert frame.yuv.shape == (720 * 3 // 2, 1280)
    assert frame.changed is None


def test_reader_drops_bt601_planes() -> None:
    assert first_frame(SD_CLIP).yuv is None


def test_bgr_to_yuv420_matches_swscale() -> None:
    image = np.ascontiguousarray(first_frame(HD_CLIP).image[100:450, 500:800])
    reference = av.VideoFrame.from_ndarray(image, format="bgr24").reformat(
        format="yuv420p",
        dst_colorspace=Colorspace.ITU709,
        dst_color_range=ColorRange.MPEG,
        interpolation=ACCURATE_CONVERSION,
    )

    ours = yuv420_planes(bgr_to_yuv420(image), 300, 350)
    theirs = yuv420_planes(reference.to_ndarray(), 300, 350)

    for plane, (mine, swscale) in zip("YUV", zip(ours, theirs, strict=True), strict=True):
        difference = np.abs(mine.astype(int) - swscale.astype(int))
        assert difference.max() <= 4, plane
        assert difference.mean() < 0.1, plane


def test_patch_changes_only_changed_pixels() -> None:
    frame = first_frame(HD_CLIP)
    assert frame.yuv is not None
    decoded_image = frame.image.copy()
    frame.image[101:201, 301:451] = (0, 0, 255)
    # The rectangle reaches past the painted block: its other pixels stay as decoded.
    rectangle = (281, 81, 481, 231)

    patched = patch_yuv(frame.image, decoded_image, frame.yuv, [rectangle]).to_ndarray()

    before, after = yuv420_planes(frame.yuv, 1280, 720), yuv420_planes(patched, 1280, 720)
    outside = np.ones((720, 1280), bool)
    outside[101:201, 301:451] = False
    assert np.array_equal(after[0][outside], before[0][outside])
    chroma_outside = np.ones((360, 640), bool)
    chroma_outside[50:101, 150:226] = False
    assert np.array_equal(after[1][chroma_outside], before[1][chroma_outside])
    assert np.array_equal(after[2][chroma_outside], before[2][chroma_outside])
    # Pure red in BT.709 limited range: Y 63, Cb 102, Cr 240.
    assert after[0][150, 400] == pytest.approx(63, abs=1)
    assert after[1][75, 200] == pytest.approx(102, abs=1)
    assert after[2][75, 200] == pytest.approx(240, abs=1)


def test_unchanged_frame_passes_through() -> None:
    frame = first_frame(HD_CLIP)
    assert frame.yuv is not None

    passed = patch_yuv(frame.image, frame.image.copy(), frame.yuv, []).to_ndarray()
    untouched = patch_yuv(frame.image, frame.image.copy(), frame.yuv, [(0, 0, 64, 64)])

    assert np.array_equal(passed, frame.yuv)
    assert np.array_equal(untouched.to_ndarray(), frame.yuv)
