"""Decide whether browsers play a video as it is, and write an H.264 MP4 copy when they do not.

The rule looks only at the container, the video codec with its pixel format, and
the audio codec, as FFmpeg probes them. A video counts as playable when its
container is MP4 or WebM and both codecs are in the tables below for that
container. Everything else (HEVC, MPEG-4 Part 2, ProRes,
MJPEG, MOV, Matroska, AVI, GIF, animated WebP) gets a copy.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import av.container
import structlog

from vidswap.swap.errors import SwapCancelledError
from vidswap.swap.media.container import check_input_file, find_video_stream, open_input
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

# The copy is for looking at, not for keeping, so it uses a moderate quality and a
# fast preset.
PREVIEW_CRF = 23
PREVIEW_PRESET = "veryfast"
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
    """Re-encode ``source`` to an H.264 MP4 at ``output`` that browsers play; return the
    number of frames written.

    Frames are streamed one at a time with their source timestamps, so the copy has
    the same frame count and timing and memory use does not grow with the length. The
    copy is upright, 8-bit SDR and carries no AI-generated tags. Raises
    SwapCancelledError when ``cancel`` returns True between frames, and the engine's
    media errors otherwise; nothing is left at ``output`` on any error.
    """
    started = time.monotonic()
    frames = 0
    with open_video(source) as reader:
        total = reader.info.frame_count
        with VideoWriter(
            output,
            reader,
            crf=PREVIEW_CRF,
            preset=PREVIEW_PRESET,
            ai_generated=False,
            copy_audio_codecs=PREVIEW_COPY_AUDIO_CODECS,
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
