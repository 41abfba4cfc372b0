"""Open media with PyAV and turn its errors into the engine's media errors."""

from __future__ import annotations

import os
import re
from fractions import Fraction
from pathlib import Path

import av
import av.container
import av.error
import av.video.stream
from av.video.reformatter import Interpolation

from vidswap.swap.errors import (
    CorruptMediaError,
    EmptyMediaError,
    MediaNotFoundError,
    MediaUnreadableError,
    NoVideoStreamError,
    UnsupportedMediaError,
)

# swscale's default flags (PyAV 18.1) darken every decode and re-encode by one
# to two levels: without ACCURATE_RND grey 128 becomes Y 125, and without full
# horizontal chroma interpolation the YUV to BGR step loses about one more.
ACCURATE_CONVERSION = (
    Interpolation.BILINEAR
    | Interpolation.ACCURATE_RND
    | Interpolation.FULL_CHR_H_INT
    | Interpolation.FULL_CHR_H_INP
)

# The reason of a MediaUnreadableError for a file without read permission.
PERMISSION_DENIED = {"reason": "permission denied", "reason_zh": "没有读取权限"}


def check_input_file(path: Path) -> int:
    """Return the size of ``path`` in bytes; raise the media error that names why it is unusable."""
    try:
        stat = path.stat()
    except FileNotFoundError as exc:
        raise MediaNotFoundError(path=str(path)) from exc
    except PermissionError as exc:
        raise MediaUnreadableError(path=str(path), **PERMISSION_DENIED) from exc
    except OSError as exc:
        raise MediaUnreadableError(path=str(path), reason=exc.strerror or str(exc)) from exc

    if path.is_dir():
        raise MediaUnreadableError(
            path=str(path), reason="it is a folder, not a file", reason_zh="它是文件夹，不是文件"
        )
    if not os.access(path, os.R_OK):
        raise MediaUnreadableError(path=str(path), **PERMISSION_DENIED)
    if stat.st_size == 0:
        raise EmptyMediaError(path=str(path))
    return stat.st_size


def open_input(path: Path) -> av.container.InputContainer:
    """Open ``path`` for demuxing; a file FFmpeg cannot parse raises UnsupportedMediaError."""
    try:
        return av.open(str(path), mode="r", metadata_errors="replace")
    except PermissionError as exc:
        raise MediaUnreadableError(path=str(path), **PERMISSION_DENIED) from exc
    except FileNotFoundError as exc:
        raise MediaNotFoundError(path=str(path)) from exc
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise UnsupportedMediaError(
            path=str(path), detail=f"FFmpeg cannot parse it: {exc}"
        ) from exc


def find_video_stream(
    container: av.container.InputContainer, path: Path
) -> av.video.stream.VideoStream:
    """Return the first video stream that is not a cover picture.

    Raises NoVideoStreamError when the container has only audio, and
    UnsupportedMediaError when it has neither audio nor video.
    """
    for stream in container.streams.video:
        if not stream.disposition & av.stream.Disposition.attached_pic:
            return stream
    if container.streams.audio:
        raise NoVideoStreamError(path=str(path))
    raise UnsupportedMediaError(path=str(path), detail="it contains no video or audio stream")


def check_not_truncated(stream: av.video.stream.VideoStream, path: Path, file_size: int) -> None:
    """Raise CorruptMediaError when the container's index points past the end of the file.

    Only containers with a sample index (MP4/MOV, and Matroska with cues) can be
    checked this way; for the others truncation shows up as a decoding error.
    """
    entries = stream.index_entries
    count = len(entries)
    if count == 0:
        return
    last = entries[count - 1]
    if last.pos >= 0 and last.pos + last.size > file_size:
        raise CorruptMediaError(
            path=str(path),
            detail=(
                f"the file is {file_size} bytes but its index refers to data up to byte "
                f"{last.pos + last.size}, so it was cut short"
            ),
        )


# Matroska's per-track DURATION tag, which FFmpeg's muxer writes, e.g. "00:00:01.000000000".
_TAG_DURATION = re.compile(r"^(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$")
# A file counts as cut when its frames end before the tagged duration (or the
# Segment duration) by more than 3 frame times or 2% of that duration,
# whichever is longer.
_END_SLACK_FRAMES = 3
_END_SLACK_FRACTION = 0.02


def check_stream_complete(
    stream: av.video.stream.VideoStream,
    path: Path,
    *,
    last_packet_corrupt: bool,
    end_seconds: float | None,
    packets_read: int = 0,
    header_frames: int = 0,
    segment_duration: float | None = None,
    streams_end_seconds: float | None = None,
) -> None:
    """Raise CorruptMediaError when the frames read show that the file was cut short.

    This catches what check_not_truncated cannot see in files without a sample
    index: a last packet that the demuxer read only in part, fewer packets than
    the frame count in the header (AVI), and frames that end well before the
    duration in the stream's DURATION tag (Matroska). ``end_seconds`` is the end
    time of the last frame decoded.

    A Matroska video stream without a DURATION tag is checked against
    ``segment_duration`` instead, the duration in the Segment Info in seconds.
    That duration covers every stream, so it is compared with
    ``streams_end_seconds``, the end time of the last packet of any stream.
    """
    if last_packet_corrupt:
        raise CorruptMediaError(
            path=str(path), detail="the file ends part-way through a frame, so it was cut short"
        )

    slack_frames = max(_END_SLACK_FRAMES, round(_END_SLACK_FRACTION * header_frames))
    if header_frames and header_frames - packets_read > slack_frames:
        raise CorruptMediaError(
            path=str(path),
            detail=(
                f"the header counts {header_frames} frames but the file contains "
                f"{packets_read}, so it was cut short"
            ),
        )

    tagged = tagged_duration(stream)
    if tagged is not None:
        if end_seconds is not None and _ends_early(stream, tagged, end_seconds):
            raise CorruptMediaError(
                path=str(path),
                detail=(
                    f"the video stream is tagged as {tagged:.3f} s long but its frames end at "
                    f"{end_seconds:.3f} s, so the file was cut short"
                ),
            )
        return

    if (
        segment_duration
        and streams_end_seconds is not None
        and _ends_early(stream, segment_duration, streams_end_seconds)
    ):
        raise CorruptMediaError(
            path=str(path),
            detail=(
                f"the Matroska Segment Info gives a duration of {segment_duration:.3f} s but "
                f"its streams end at {streams_end_seconds:.3f} s, so the file was cut short"
            ),
        )


def _ends_early(stream: av.video.stream.VideoStream, duration: float, end_seconds: float) -> bool:
    """Return whether ``end_seconds`` falls short of ``duration`` by more than the slack."""
    rate = stream.average_rate or stream.guessed_rate
    frame_seconds = float(1 / rate) if rate else 0.0
    slack = max(_END_SLACK_FRAMES * frame_seconds, _END_SLACK_FRACTION * duration)
    return duration - end_seconds > slack


def tagged_duration(stream: av.video.stream.VideoStream) -> float | None:
    """Return the stream's DURATION tag in seconds, or None when it has no valid one."""
    match = _TAG_DURATION.match(stream.metadata.get("DURATION", "").strip())
    if match is None:
        return None
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(Fraction(seconds))
