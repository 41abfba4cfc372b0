"""Which videos browsers play as they are, and the H.264 MP4 copy of those they do not."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import pytest

from tests.shared_media import shared_video
from tests.swap.media.conftest import VideoSpec, make_video
from vidswap.swap.errors import SwapCancelledError
from vidswap.swap.media.browser import (
    PlaybackFormat,
    plays_in_browsers,
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


def test_cancelled_copy_leaves_nothing(tmp_path: Path) -> None:
    source = tmp_path / "h264.mov"
    make_video(source, VideoSpec(frames=8))
    output = tmp_path / "copy.mp4"
    calls: list[None] = []

    def cancel_on_third() -> bool:
        calls.append(None)
        return len(calls) == 3

    with pytest.raises(SwapCancelledError):
        write_browser_copy(source, output, cancel=cancel_on_third)

    assert list(tmp_path.iterdir()) == [source]
