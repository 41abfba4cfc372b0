"""Decide whether browsers play a video as it is, and write an H.264 MP4 copy when they do not.

The rule looks only at the container, the video codec with its pixel format, and
the audio codec, as FFmpeg probes them. A video counts as playable when its
container is MP4 or WebM and both codecs are in the tables below for that
container. Everything else (HEVC, MPEG-4 Part 2, ProRes,
MJPEG, MOV, Matroska, AVI, GIF, animated WebP) gets a copy.

When the video is already H.264 in 8-bit 4:2:0 and only the container or the
audio is the problem, the copy keeps the video packets as they are and only
moves them into an MP4 (PreviewMethod.REMUX). Any other video is decoded and
re-encoded at no more than 1280x720 (PreviewMethod.REENCODE), because the copy
only plays beside the result in an app.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import av.container
import structlog

from vidswap.swap.errors import SwapCancelledError
from vidswap.swap.media.container import check_input_file, find_video_stream, open_input
from vidswap.swap.media.stream_copy import copy_into_mp4
from vidswap.swap.media.video import VideoWriter, open_video
from vidswap.swap.options import CancelCheck, Progress, ProgressCallback

log = structlog.get_logger(__name__)

# Video codecs by container, as FFmpeg's decoders name them (PyAV may decode AV1
# with libdav1d). VP8 has no standard mapping into MP4, so it counts only in WebM.
BROWSER_VIDEO_CODECS = {
    "mp4": frozenset({"h264", "vp9", "av1", "libdav1d"}),
    "webm": frozenset({"vp8", "vp9", "av1", "libdav1d"}),
}
BROWSER_AUDIO_CODECS = {
    "mp4": frozenset({"aac", "mp3", "mp3float", "opus", "flac"}),
    "webm": frozenset({"opus", "vorbis"}),
}
# H.264 counts as playable only in 8-bit 4:2:0 (the Baseline, Main and High profiles).
# NOTE: that High 10 and 4:2:2 H.264 fail in browsers was not tested here, so such
# video gets a copy to be safe.
BROWSER_H264_PIXEL_FORMATS = frozenset({"yuv420p", "yuvj420p"})

# The copy is for looking at, not for keeping, so it uses a moderate quality, a
# fast preset and at most 720 lines (1280 columns for landscape video).
PREVIEW_CRF = 23
PREVIEW_PRESET = "veryfast"
PREVIEW_MAX_WIDTH = 1280
PREVIEW_MAX_HEIGHT = 720
# Audio that every browser plays in MP4 is copied. Other audio is re-encoded to AAC.
PREVIEW_COPY_AUDIO_CODECS = frozenset({"aac", "mp3", "mp3float"})

# The EBML DocType element of a WebM file: ID 0x4282, size 4, "webm".
_WEBM_DOCTYPE = b"\x42\x82\x84webm"
_EBML_HEADER_BYTES = 64


@dataclass(frozen=True)
class PlaybackFormat:
    """The facts about a video that decide whether browsers play it."""

    # "mp4", "mov", "3gp", "webm", "matroska", or FFmpeg's demuxer name ("avi", "gif").
    container: str
    video_codec: str
    pixel_format: str | None
    audio_codec: str | None


class PreviewMethod(Enum):
    """Method that makes the browser-playable copy of a video."""

    # Copy the H.264 packets into an MP4 and copy or convert the audio.
    REMUX = "remux"
    # Decode every frame and encode it again as H.264, scaled down.
    REENCODE = "reencode"


def plays_in_browsers(playback: PlaybackFormat) -> bool:
    """Return whether browsers play a video of this format without a converted copy."""
    video_codecs = BROWSER_VIDEO_CODECS.get(playback.container)
    audio_codecs = BROWSER_AUDIO_CODECS.get(playback.container)
    if video_codecs is None or audio_codecs is None:
        return False
    if playback.video_codec not in video_codecs:
        return False
    if playback.video_codec == "h264" and playback.pixel_format not in BROWSER_H264_PIXEL_FORMATS:
        return False
    return playback.audio_codec is None or playback.audio_codec in audio_codecs


def preview_method(playback: PlaybackFormat) -> PreviewMethod | None:
    """Return how to make the browser copy of a video of this format, or None when
    browsers play it as it is."""
    if plays_in_browsers(playback):
        return None
    if playback.video_codec == "h264" and playback.pixel_format in BROWSER_H264_PIXEL_FORMATS:
        return PreviewMethod.REMUX
    return PreviewMethod.REENCODE


def preview_size(width: int, height: int) -> tuple[int, int] | None:
    """Return the even size that fits ``width`` x ``height`` into 1280x720 with its
    aspect ratio kept, or None when the video already fits and is not scaled."""
    scale = min(PREVIEW_MAX_WIDTH / width, PREVIEW_MAX_HEIGHT / height)
    if scale >= 1:
        return None
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def probe_playback_format(path: Path) -> PlaybackFormat:
    """Read the container header of the video at ``path`` and return its PlaybackFormat.

    Raises the engine's media errors (MediaNotFoundError, UnsupportedMediaError,
    NoVideoStreamError and the like) for a file that is not a readable video.
    """
    path = Path(path)
    check_input_file(path)
    with open_input(path) as container:
        stream = find_video_stream(container, path)
        audio = container.streams.audio
        return PlaybackFormat(
            container=container_name(container, path),
            video_codec=stream.codec_context.name,
            pixel_format=stream.codec_context.pix_fmt,
            audio_codec=audio[0].codec_context.name if audio else None,
        )


def container_name(container: av.container.InputContainer, path: Path) -> str:
    """Tell apart the formats that FFmpeg reads with one demuxer: MP4, MOV and 3GP by
    the major brand, WebM and Matroska by the EBML DocType."""
    format_name = container.format.name
    if format_name.startswith("mov,mp4"):
        brand = container.metadata.get("major_brand", "").strip().lower()
        # QuickTime files have the brand "qt" or, when older, no "ftyp" box at all.
        if brand in ("", "qt"):
            return "mov"
        if brand.startswith("3g"):
            return "3gp"
        return "mp4"
    if format_name.startswith("matroska"):
        with path.open("rb") as file:
            header = file.read(_EBML_HEADER_BYTES)
        return "webm" if _WEBM_DOCTYPE in header else "matroska"
    return format_name


def write_browser_copy(
    source: Path,
    output: Path,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> int:
    """Write an H.264 MP4 copy of ``source`` at ``output`` that browsers play; return
    the number of frames written.

    H.264 in 8-bit 4:2:0 is copied packet by packet into the MP4 (see
    copy_into_mp4). Other video is re-encoded (see reencode_for_browsers). Either
    way the copy has the same frame count and timestamps, memory use does not
    grow with the length, and audio that browsers play in MP4 is copied while
    other audio becomes AAC. Raises SwapCancelledError when ``cancel`` returns
    True between frames, and the engine's media errors otherwise; nothing is
    left at ``output`` on any error.
    """
    method = preview_method(probe_playback_format(source))
    if method is PreviewMethod.REMUX:
        return copy_into_mp4(
            source,
            output,
            copy_audio_codecs=PREVIEW_COPY_AUDIO_CODECS,
            progress=progress,
            cancel=cancel,
        )
    return reencode_for_browsers(source, output, progress=progress, cancel=cancel)


def reencode_for_browsers(
    source: Path,
    output: Path,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    preset: str = PREVIEW_PRESET,
) -> int:
    """Re-encode ``source`` to an H.264 MP4 at ``output``, scaled to fit 1280x720, with
    the x264 ``preset``; return the number of frames written.

    Frames are streamed one at a time with their source timestamps. The copy is
    upright, 8-bit SDR and carries no AI-generated tags. Errors are those of
    write_browser_copy.
    """
    started = time.monotonic()
    frames = 0
    with open_video(source) as reader:
        total = reader.info.frame_count
        with VideoWriter(
            output,
            reader,
            crf=PREVIEW_CRF,
            preset=preset,
            ai_generated=False,
            copy_audio_codecs=PREVIEW_COPY_AUDIO_CODECS,
            size=preview_size(reader.info.width, reader.info.height),
        ) as writer:
            for frame in reader:
                if cancel is not None and cancel():
                    raise SwapCancelledError()
                writer.write(frame.image, frame)
                frames += 1
                if progress is not None:
                    progress(Progress(frames, total, time.monotonic() - started))
    log.info("media.browser_copy_written", source=str(source), frames=frames)
    return frames
