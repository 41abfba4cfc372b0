"""VideoWriter passes decoded BT.709 pictures through and converts only the changed rectangles."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from av.video.reformatter import ColorRange, Colorspace

from tests.shared_media import shared_video
from vidswap.swap.media.container import ACCURATE_CONVERSION
from vidswap.swap.media.frames import VideoFrame
from vidswap.swap.media.video import VideoReader, VideoWriter
from vidswap.swap.media.writer import bgr_to_yuv420, even_rectangle, yuv420_planes

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


def test_patch_changes_only_rectangles(tmp_path: Path) -> None:
    with (
        VideoReader(shared_video(HD_CLIP)) as reader,
        VideoWriter(tmp_path / "out.mp4", reader) as writer,
    ):
        frame = next(iter(reader))
        assert frame.yuv is not None
        frame.image[101:201, 301:451] = (0, 0, 255)
        rectangle = (301, 101, 451, 201)

        patched = writer._patch_yuv(frame.image, frame.yuv, [rectangle]).to_ndarray()
        writer.abort()

    before, after = yuv420_planes(frame.yuv, 1280, 720), yuv420_planes(patched, 1280, 720)
    left, top, right, bottom = even_rectangle(rectangle, 1280, 720)
    assert (left, top, right, bottom) == (300, 100, 452, 202)
    outside = np.ones((720, 1280), bool)
    outside[top:bottom, left:right] = False
    assert np.array_equal(after[0][outside], before[0][outside])
    chroma_outside = outside[::2, ::2]
    assert np.array_equal(after[1][chroma_outside], before[1][chroma_outside])
    # Pure red in BT.709 limited range: Y 63, Cb 102, Cr 240.
    assert after[0][150, 400] == pytest.approx(63, abs=1)
    assert after[1][75, 200] == pytest.approx(102, abs=1)
    assert after[2][75, 200] == pytest.approx(240, abs=1)


def test_unchanged_frame_passes_through(tmp_path: Path) -> None:
    with (
        VideoReader(shared_video(HD_CLIP)) as reader,
        VideoWriter(tmp_path / "out.mp4", reader) as writer,
    ):
        frame = next(iter(reader))
        assert frame.yuv is not None

        passed = writer._patch_yuv(frame.image, frame.yuv, []).to_ndarray()
        writer.abort()

    assert np.array_equal(passed, frame.yuv)
