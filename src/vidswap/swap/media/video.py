"""Streamed video input and output: probe, read upright BGR frames, write labelled H.264 MP4.

Frames are decoded and encoded one at a time, so memory use does not depend on
the length of the video. The reader rotates frames as a player would and
converts 10-bit and HDR input to 8-bit SDR. The writer keeps every input
frame's timestamp, so variable frame rate survives.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from types import TracebackType

import av
import av.container
import av.error
import av.video.stream
import numpy as np
import structlog
from av.video.reformatter import ColorRange, Colorspace

from vidswap.swap.errors import CorruptMediaError
from vidswap.swap.media.animated import AnimatedImageReader, is_animated_webp
from vidswap.swap.media.container import (
    ACCURATE_CONVERSION,
    check_input_file,
    check_not_truncated,
    check_stream_complete,
    find_video_stream,
    open_input,
)
from vidswap.swap.media.frames import VideoFrame, VideoInfo, VideoSource
from vidswap.swap.media.orientation import display_transform
from vidswap.swap.media.tonemap import hdr_frame_to_sdr_bgr, is_hdr_transfer
from vidswap.swap.media.writer import VideoWriter

__all__ = [
    "VideoFrame",
    "VideoInfo",
    "VideoReader",
    "VideoSource",
    "VideoWriter",
    "open_video",
    "probe_video",
]

log = structlog.get_logger(__name__)


def open_video(path: Path) -> VideoSource:
    """Open ``path`` for reading frames: PyAV for video files, Pillow for animated WebP."""
    path = Path(path)
    check_input_file(path)
    if is_animated_webp(path):
        return AnimatedImageReader(path)
    return VideoReader(path)


def probe_video(path: Path) -> VideoInfo:
    """Return the VideoInfo of ``path``, decoding only its first frame (all frames of a WebP)."""
    with open_video(path) as reader:
        return reader.info


class VideoReader:
    """Decode a video into upright 8-bit BGR VideoFrames; iterate it once.

    Opening decodes the first frame, so an unreadable, truncated or audio-only
    file raises its media error here rather than on the first iteration.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        file_size = check_input_file(self.path)
        self._container = open_input(self.path)
        try:
            self._stream = find_video_stream(self._container, self.path)
            check_not_truncated(self._stream, self.path, file_size)
            self._stream.codec_context.thread_type = "AUTO"
            self._av_frames = self._decode()
            self._first = next(self._av_frames, None)
            if self._first is None:
                raise CorruptMediaError(path=str(self.path), detail="the video has no frames")
            self._transform = display_transform(self._first)
            self.info = self._build_info(self._first)
        except BaseException:
            self._container.close()
            raise

    @property
    def time_base(self) -> Fraction:
        """Time base of the source video stream, in which VideoFrame.pts is counted."""
        return self._stream.time_base or Fraction(1, 90000)

    @property
    def average_rate(self) -> Fraction | None:
        return self._stream.average_rate or self._stream.guessed_rate

    @property
    def audio_stream_index(self) -> int | None:
        """Container index of the first audio stream, or None without audio."""
        audio = self._container.streams.audio
        return audio[0].index if audio else None

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._container.close()

    def __iter__(self) -> Iterator[VideoFrame]:
        if self._first is None:
            raise RuntimeError(f"VideoReader for {self.path} can only be iterated once")
        first, self._first = self._first, None

        transform = self._transform
        time_base = self.time_base
        step = self._pts_step()
        last_pts: int | None = None

        for index, av_frame in enumerate(self._chain(first)):
            image = transform.apply(to_bgr(av_frame))
            pts = av_frame.pts
            if pts is None:
                pts = 0 if last_pts is None else last_pts + step
            last_pts = pts
            yield VideoFrame(
                image=image,
                pts=pts,
                time_base=time_base,
                index=index,
                duration=av_frame.duration or None,
            )

    def _chain(self, first: av.VideoFrame) -> Iterator[av.VideoFrame]:
        yield first
        yield from self._av_frames

    def _pts_step(self) -> int:
        """Return one frame's duration in time_base units, for frames without a timestamp."""
        rate = self.average_rate
        if not rate:
            return 1
        return max(1, round(1 / (rate * self.time_base)))

    def _decode(self) -> Iterator[av.VideoFrame]:
        """Yield decoded frames, then check that the file was not cut short.

        A decoding error raises CorruptMediaError with the frame index, and so
        does a file that check_stream_complete finds cut short, after its last frame.
        """
        decoded = 0
        packets = 0
        last_packet_corrupt = False
        end_seconds: float | None = None
        streams_end_seconds: float | None = None
        video_index = self._stream.index
        try:
            # Every stream is demuxed, because the end of the last audio packet is
            # part of the Matroska duration check. FFmpeg reads those packets anyway.
            for packet in self._container.demux():
                packet_end = packet_end_seconds(packet)
                if packet_end is not None:
                    streams_end_seconds = max(streams_end_seconds or 0.0, packet_end)
                if packet.stream.index != video_index:
                    continue
                if packet.size or packet.dts is not None:
                    packets += 1  # the empty packet that flushes the decoder has no dts
                if packet.size:
                    last_packet_corrupt = packet.is_corrupt
                for frame in packet.decode():
                    decoded += 1
                    if frame.pts is not None and frame.time_base:
                        end = float((frame.pts + (frame.duration or 0)) * frame.time_base)
                        end_seconds = end if end_seconds is None else max(end_seconds, end)
                    yield frame
        except (av.error.FFmpegError, ValueError) as exc:
            raise CorruptMediaError(
                path=str(self.path),
                detail=f"decoding failed after {decoded} frames, at frame index {decoded}: {exc}",
            ) from exc

        # NOTE: a file cut between clusters that has neither cues nor a duration
        # (WebM recorded by a browser) looks like a shorter recording and ends early.
        format_name = self._container.format.name
        check_stream_complete(
            self._stream,
            self.path,
            last_packet_corrupt=last_packet_corrupt,
            end_seconds=end_seconds,
            packets_read=packets,
            header_frames=self._stream.frames if format_name == "avi" else 0,
            segment_duration=self._segment_duration() if "matroska" in format_name else None,
            streams_end_seconds=streams_end_seconds,
        )

    def _segment_duration(self) -> float | None:
        """Return the container's duration in seconds, or None when it has none."""
        # NOTE: for a file without a duration, libavformat may estimate one from the
        # bitrate (estimate_timings_from_bit_rate), and such an estimate can be far off.
        duration = self._container.duration
        return duration / av.time_base if duration else None

    def _build_info(self, first: av.VideoFrame) -> VideoInfo:
        stream = self._stream
        width, height = first.width, first.height
        if self._transform.swaps_axes:
            width, height = height, width

        duration = stream_duration(self._container, stream)
        rate = self.average_rate
        average_fps = float(rate) if rate else 0.0
        frame_count: int | None = stream.frames or None
        if frame_count is None and duration > 0 and average_fps > 0:
            frame_count = round(duration * average_fps)

        pixel_format = first.format.name
        audio = self._container.streams.audio
        return VideoInfo(
            width=width,
            height=height,
            rotation=self._transform.rotation,
            mirrored=self._transform.mirrored,
            frame_count=frame_count,
            duration=duration,
            average_fps=average_fps,
            codec=stream.codec_context.name,
            pixel_format=pixel_format,
            bit_depth=max(component.bits for component in first.format.components),
            is_hdr=is_hdr_transfer(first.color_trc),
            has_audio=bool(audio),
            audio_codec=audio[0].codec_context.name if audio else None,
            container=self._container.format.name,
        )


# FFmpeg's AVColorSpace values that carry no YUV matrix.
_RGB_COLORSPACE = 0
_UNSPECIFIED_COLORSPACE = 2
_HD_HEIGHT = 720


def stream_duration(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream
) -> float:
    """Return the video stream's duration in seconds, falling back to the container's."""
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / av.time_base
    return 0.0


def packet_end_seconds(packet: av.Packet) -> float | None:
    """Return the end time of ``packet`` in seconds, or None when it has no timestamp."""
    if packet.pts is None or not packet.time_base:
        return None
    return float((packet.pts + (packet.duration or 0)) * packet.time_base)


def source_colorspace(frame: av.VideoFrame) -> int:
    """Return the frame's YUV matrix; untagged video gets BT.709 from 720 lines up,
    else BT.601, the guess that browsers and common players make."""
    if frame.colorspace not in (_UNSPECIFIED_COLORSPACE, _RGB_COLORSPACE):
        return int(frame.colorspace)
    return Colorspace.ITU709 if frame.height >= _HD_HEIGHT else Colorspace.ITU601


def to_bgr(frame: av.VideoFrame) -> np.ndarray:
    """Convert a decoded frame to a C-contiguous, writable 8-bit BGR array (SDR)."""
    if is_hdr_transfer(frame.color_trc):
        return hdr_frame_to_sdr_bgr(frame)
    converted = frame.reformat(
        format="bgr24",
        src_colorspace=source_colorspace(frame),
        src_color_range=frame.color_range or ColorRange.MPEG,
        interpolation=ACCURATE_CONVERSION,
    )
    image = converted.to_ndarray()
    if not image.flags.c_contiguous or not image.flags.writeable:
        image = image.copy()
    return image
