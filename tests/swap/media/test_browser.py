"""Which videos browsers play as they are, and the H.264 MP4 copy of those they do not."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from tests.shared_media import shared_video
from tests.swap.media.conftest import VideoSpec, make_video
from vidswap.swap.errors import SwapCancelledError
from vidswap.swap.media.browser import (
    PlaybackFormat,
    PreviewMethod,
    plays_in_browsers,
    preview_method,
    preview_size,
    probe_playback_format,
    write_browser_copy,
)
from vidswap.swap.media.video import probe_video
from vidswap.swap.options import Progress

PLAYBACK_CASES = [
    (PlaybackFormat("mp4", "h264", "yuv420p", "aac"), True),
    (PlaybackFormat("mp4", "h264", "yuvj420p", None), True),
    (PlaybackFormat("mp4", "h264", "yuv420p", "mp3float"), True),
    (PlaybackFormat("mp4", "vp9", "yuv420p", "opus"), True),
    (PlaybackFormat("mp4", "av1", "yuv420p10le", "aac"), True),
    (PlaybackFormat("webm", "vp8", "yuv420p", "opus"), True),
    (PlaybackFormat("webm", "vp9", "yuv420p", "vorbis"), True),
    (PlaybackFormat("webm", "libdav1d", "yuv420p", None), True),
    (PlaybackFormat("mp4", "hevc", "yuv420p", "aac"), False),
    (PlaybackFormat("mp4", "mpeg4", "yuv420p", "aac"), False),
    (PlaybackFormat("mp4", "h264", "yuv420p10le", "aac"), False),
    (PlaybackFormat("mp4", "h264", "yuv422p", "aac"), False),
    (PlaybackFormat("mp4", "h264", None, "aac"), False),
    (PlaybackFormat("mp4", "vp8", "yuv420p", "aac"), False),
    (PlaybackFormat("mp4", "h264", "yuv420p", "ac3"), False),
    (PlaybackFormat("mp4", "h264", "yuv420p", "pcm_s16le"), False),
    (PlaybackFormat("webm", "vp9", "yuv420p", "aac"), False),
    (PlaybackFormat("webm", "h264", "yuv420p", "opus"), False),
    (PlaybackFormat("mov", "h264", "yuv420p", "aac"), False),
    (PlaybackFormat("mov", "prores", "yuv422p10le", "pcm_s16le"), False),
    (PlaybackFormat("3gp", "h264", "yuv420p", "aac"), False),
    (PlaybackFormat("matroska", "h264", "yuv420p", "aac"), False),
    (PlaybackFormat("avi", "mjpeg", "yuvj420p", "pcm_s16le"), False),
    (PlaybackFormat("gif", "gif", "bgra", None), False),
]


@pytest.mark.parametrize(("playback", "expected"), PLAYBACK_CASES)
def test_plays_in_browsers_rule(playback: PlaybackFormat, expected: bool) -> None:
    assert plays_in_browsers(playback) is expected


MADE_VIDEOS = {
    "h264.mp4": (VideoSpec(audio_codec="aac"), "mp4", True),
    "h264.mov": (VideoSpec(audio_codec="aac"), "mov", False),
    "h264.mkv": (VideoSpec(audio_codec="libopus"), "matroska", False),
    "vp9.webm": (
        VideoSpec(codec="libvpx-vp9", time_base=Fraction(1, 1000), pts=[i * 42 for i in range(8)]),
        "webm",
        True,
    ),
    "mpeg4.avi": (VideoSpec(codec="mpeg4"), "avi", False),
    "mjpeg.avi": (VideoSpec(codec="mjpeg", pix_fmt="yuvj420p"), "avi", False),
    "animated.gif": (
        VideoSpec(
            codec="gif",
            pix_fmt="rgb8",
            rate=Fraction(10),
            time_base=Fraction(1, 100),
            pts=[i * 10 for i in range(8)],
        ),
        "gif",
        False,
    ),
}


@pytest.mark.parametrize("name", sorted(MADE_VIDEOS))
def test_probe_tells_containers_apart(tmp_path: Path, name: str) -> None:
    spec, container, playable = MADE_VIDEOS[name]
    path = tmp_path / name
    make_video(path, spec)

    playback = probe_playback_format(path)

    assert playback.container == container
    assert plays_in_browsers(playback) is playable


@pytest.mark.parametrize(
    ("name", "container", "video_codec", "playable"),
    [
        ("indoor-group-event-1s-hevc-ccby.mp4", "mp4", "hevc", False),
        ("indoor-group-event-640x480-ccby.mp4", "mp4", "h264", True),
        ("indoor-group-event-1s-vp8-opus-ccby.webm", "webm", "vp8", True),
        ("marathon-crowd-small-faces-pd.mkv", "matroska", "h264", False),
    ],
)
def test_probe_real_videos(name: str, container: str, video_codec: str, playable: bool) -> None:
    playback = probe_playback_format(shared_video(name))

    assert playback.container == container
    assert playback.video_codec == video_codec
    assert plays_in_browsers(playback) is playable


def test_copy_of_hevc_plays_in_browsers(tmp_path: Path) -> None:
    source = shared_video("indoor-group-event-1s-hevc-ccby.mp4")
    output = tmp_path / "copy.mp4"
    reported: list[Progress] = []

    frames = write_browser_copy(source, output, progress=reported.append)

    playback = probe_playback_format(output)
    assert plays_in_browsers(playback)
    assert playback.video_codec == "h264"
    assert playback.audio_codec == "aac"
    original, copy = probe_video(source), probe_video(output)
    assert frames == original.frame_count
    assert copy.frame_count == original.frame_count
    assert copy.duration == pytest.approx(original.duration, abs=0.01)
    assert [progress.frames_done for progress in reported] == list(range(1, frames + 1))
    with av.open(str(output)) as container:
        assert "ai_generated" not in container.metadata


def test_copy_reencodes_pcm_audio(tmp_path: Path) -> None:
    source = tmp_path / "mjpeg.avi"
    make_video(source, VideoSpec(codec="mjpeg", pix_fmt="yuvj420p", audio_codec="pcm_s16le"))
    output = tmp_path / "copy.mp4"

    write_browser_copy(source, output)

    playback = probe_playback_format(output)
    assert playback.container == "mp4"
    assert playback.audio_codec == "aac"
    assert plays_in_browsers(playback)


@pytest.mark.parametrize(
    ("name", "spec"),
    [("mpeg4.avi", VideoSpec(codec="mpeg4")), ("h264.mkv", VideoSpec())],
    ids=["reencode", "remux"],
)
def test_cancelled_copy_leaves_nothing(tmp_path: Path, name: str, spec: VideoSpec) -> None:
    source = tmp_path / name
    make_video(source, spec)
    output = tmp_path / "copy.mp4"
    calls: list[None] = []

    def cancel_on_third() -> bool:
        calls.append(None)
        return len(calls) == 3

    with pytest.raises(SwapCancelledError):
        write_browser_copy(source, output, cancel=cancel_on_third)

    assert list(tmp_path.iterdir()) == [source]


METHOD_CASES = [
    (PlaybackFormat("mp4", "h264", "yuv420p", "aac"), None),
    (PlaybackFormat("mov", "h264", "yuv420p", "aac"), PreviewMethod.REMUX),
    (PlaybackFormat("matroska", "h264", "yuvj420p", "pcm_s16le"), PreviewMethod.REMUX),
    (PlaybackFormat("avi", "h264", "yuv420p", None), PreviewMethod.REMUX),
    (PlaybackFormat("3gp", "h264", "yuv420p", "amr_nb"), PreviewMethod.REMUX),
    (PlaybackFormat("mp4", "h264", "yuv420p", "ac3"), PreviewMethod.REMUX),
    (PlaybackFormat("mp4", "h264", "yuv420p10le", "aac"), PreviewMethod.REENCODE),
    (PlaybackFormat("mov", "h264", "yuv422p", "aac"), PreviewMethod.REENCODE),
    (PlaybackFormat("mp4", "hevc", "yuv420p", "aac"), PreviewMethod.REENCODE),
    (PlaybackFormat("mov", "prores", "yuv422p10le", "pcm_s16le"), PreviewMethod.REENCODE),
    (PlaybackFormat("avi", "mjpeg", "yuvj420p", "pcm_s16le"), PreviewMethod.REENCODE),
    (PlaybackFormat("gif", "gif", "bgra", None), PreviewMethod.REENCODE),
]


@pytest.mark.parametrize(("playback", "expected"), METHOD_CASES)
def test_preview_method_rule(playback: PlaybackFormat, expected: PreviewMethod | None) -> None:
    assert preview_method(playback) is expected


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((1920, 1080), (1280, 720)),
        ((3840, 2160), (1280, 720)),
        ((1080, 1920), (404, 720)),
        ((2560, 720), (1280, 360)),
        ((1440, 1080), (960, 720)),
        ((1281, 721), (1280, 720)),
        ((1280, 720), None),
        ((640, 480), None),
        ((720, 720), None),
    ],
)
def test_preview_size_fits_720p(size: tuple[int, int], expected: tuple[int, int] | None) -> None:
    assert preview_size(*size) == expected


def _video_packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [bytes(packet) for packet in container.demux(stream) if packet.size]


def _frame_times(path: Path) -> list[Fraction]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [frame.pts * frame.time_base for frame in container.decode(stream)]


def _video_end(path: Path) -> Fraction:
    """Return when the video track ends, as a player reads it from the header."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.start_time is not None
        assert stream.duration is not None
        return (stream.start_time + stream.duration) * stream.time_base


def _moov_before_mdat(path: Path) -> bool:
    data = path.read_bytes()
    return data.index(b"moov") < data.index(b"mdat")


def test_remux_of_matroska_copies_packets(tmp_path: Path) -> None:
    # H.264 with B-frames and PCM audio; the first packets carry no dts.
    source = shared_video("marathon-crowd-small-faces-pd.mkv")
    output = tmp_path / "copy.mp4"
    reported: list[Progress] = []

    frames = write_browser_copy(source, output, progress=reported.append)

    playback = probe_playback_format(output)
    assert plays_in_browsers(playback)
    assert playback.container == "mp4"
    assert playback.video_codec == "h264"
    assert playback.audio_codec == "aac"
    source_times = _frame_times(source)
    assert frames == len(source_times) == 138
    assert _frame_times(output) == source_times
    # The last frame starts at 5.096 s and lasts 33 ms.
    assert _video_end(output) == Fraction(5129, 1000)
    assert _video_packets(output) == _video_packets(source)
    assert _moov_before_mdat(output)
    assert [progress.frames_done for progress in reported] == list(range(1, frames + 1))


def test_remux_of_rotated_mov_keeps_rotation(tmp_path: Path) -> None:
    source = tmp_path / "phone.mov"
    make_video(source, VideoSpec(width=64, height=48, frames=12, audio_codec="aac", rotation=90))
    output = tmp_path / "copy.mp4"

    frames = write_browser_copy(source, output)

    original, copy = probe_video(source), probe_video(output)
    assert frames == 12
    assert copy.frame_count == 12
    assert copy.rotation == original.rotation == 270
    assert (copy.width, copy.height) == (48, 64)
    assert copy.duration == pytest.approx(original.duration, abs=1e-6)
    assert _frame_times(output) == _frame_times(source)
    assert _video_packets(output) == _video_packets(source)
    with av.open(str(source)) as before, av.open(str(output)) as after:
        assert (
            after.streams.video[0].codec_context.extradata
            == before.streams.video[0].codec_context.extradata
        )
        audio_before = [bytes(p) for p in before.demux(before.streams.audio[0]) if p.size]
        audio_after = [bytes(p) for p in after.demux(after.streams.audio[0]) if p.size]
    assert audio_after == audio_before
    assert _moov_before_mdat(output)


def test_remux_of_avi_keeps_pictures(tmp_path: Path) -> None:
    # AVI stores H.264 as an Annex B byte stream, which the MP4 muxer rewrites to
    # length-prefixed NAL units, so the packet bytes differ but the pictures may not.
    source = tmp_path / "camera.avi"
    make_video(source, VideoSpec(frames=10))
    output = tmp_path / "copy.mp4"

    frames = write_browser_copy(source, output)

    assert frames == 10
    assert _frame_times(output) == _frame_times(source)
    with av.open(str(source)) as before, av.open(str(output)) as after:
        pictures_before = [f.to_ndarray() for f in before.decode(before.streams.video[0])]
        pictures_after = [f.to_ndarray() for f in after.decode(after.streams.video[0])]
    assert len(pictures_after) == len(pictures_before)
    for picture_before, picture_after in zip(pictures_before, pictures_after, strict=True):
        np.testing.assert_array_equal(picture_after, picture_before)


def test_reencode_scales_rotated_video_to_720(tmp_path: Path) -> None:
    # Stored 1920x1080 with a quarter turn: a phone's portrait video, 1080x1920 upright.
    source = tmp_path / "portrait.mp4"
    times = make_video(
        source,
        VideoSpec(
            codec="mpeg4",
            width=1920,
            height=1080,
            frames=4,
            rate=Fraction(30),
            time_base=Fraction(1, 30000),
            pts=[0, 1000, 2000, 4000],
            rotation=90,
        ),
    )
    output = tmp_path / "copy.mp4"

    frames = write_browser_copy(source, output)

    copy = probe_video(output)
    assert frames == 4
    assert (copy.width, copy.height) == (404, 720)
    assert copy.rotation == 0
    assert copy.codec == "h264"
    assert _frame_times(output) == times


def test_reencode_keeps_small_video_size(tmp_path: Path) -> None:
    source = tmp_path / "odd.avi"
    make_video(source, VideoSpec(codec="mpeg4", width=63, height=47, frames=3))
    output = tmp_path / "copy.mp4"

    write_browser_copy(source, output)

    copy = probe_video(output)
    assert (copy.width, copy.height) == (64, 48)
