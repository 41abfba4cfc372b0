"""Encode processed frames to H.264 MP4 with the source's timestamps and audio."""

from __future__ import annotations

from collections import deque
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import av
import av.container
import av.error
import cv2
import numpy as np
import structlog
from av.video.reformatter import ColorRange, Colorspace

from vidswap.swap.errors import MediaEncodeError, OutputFormatError
from vidswap.swap.media.atomic import check_output_path, make_temp_path, remove_quietly
from vidswap.swap.media.container import ACCURATE_CONVERSION
from vidswap.swap.media.remux import (
    COPYABLE_AUDIO_CODECS,
    AudioSource,
    label_metadata,
    mux_final,
    mux_options,
)
from vidswap.swap.options import LABEL_METADATA_VALUE

if TYPE_CHECKING:
    from vidswap.swap.media.frames import VideoFrame, VideoSource

log = structlog.get_logger(__name__)

# Output extension -> FFmpeg muxer. Both muxers support faststart.
MUXER_BY_EXTENSION = {".mp4": "mp4", ".m4v": "mp4", ".mov": "mov"}

# FFmpeg's value for BT.709 primaries, transfer and matrix coefficients.
BT709 = 1
# Packets held back until close(). x264 puts at most 16 B-frames in a row (its
# placebo preset; 3 by default), so the last frame shown is among these.
_HELD_PACKETS = 24


class VideoWriter:
    """Encode BGR frames to H.264 High, yuv420p, in an MP4 (or MOV) with faststart.

    At ``crf`` 0 the video is lossless, in the High 4:4:4 Predictive profile,
    because libx264 encodes lossless video only in a High 4:4:4 profile.

    Every frame keeps the pts of the VideoFrame it replaces, in the source time
    base, so the output has the same frame count and timestamps as the input.
    libx264 cannot encode odd widths or heights in yuv420p, so an odd-sized frame
    is padded by one pixel on the right or bottom, repeating the edge pixels: a
    321x241 input gives a 322x242 output. With ``size`` (width, height; both
    even) every frame is scaled to that size instead, in the same swscale pass
    that converts it to yuv420p.

    The container carries the AI-generated tags with ``metadata_text`` unless
    ``ai_generated`` is False. Source audio in ``copy_audio_codecs`` is copied,
    and other audio is re-encoded to AAC.

    The output appears at ``path`` only when close() succeeds. On any error,
    including KeyboardInterrupt, the temporary files are deleted and nothing is
    left at ``path``.
    """

    def __init__(
        self,
        path: Path,
        source: VideoSource,
        *,
        crf: int = 18,
        keep_audio: bool = True,
        metadata_text: str = LABEL_METADATA_VALUE,
        preset: str = "veryfast",
        ai_generated: bool = True,
        copy_audio_codecs: frozenset[str] = COPYABLE_AUDIO_CODECS,
        size: tuple[int, int] | None = None,
    ) -> None:
        self.path = Path(path)
        self._muxer = output_muxer(self.path)
        check_output_path(self.path)

        self._source_path = source.path
        self._time_base = source.time_base
        # Only AI-generated output carries the label tags; a plain re-encode has none.
        self._tags = label_metadata(metadata_text) if ai_generated else {}
        self._copy_audio_codecs = copy_audio_codecs
        self._audio_index = source.audio_stream_index if keep_audio else None
        if size is not None and (size[0] % 2 or size[1] % 2):
            raise ValueError(f"the output size must be even, got {size[0]}x{size[1]}")
        self._scaled = size is not None
        if size is None:
            size = (
                source.info.width + source.info.width % 2,
                source.info.height + source.info.height % 2,
            )
        self._width, self._height = size
        self._last_pts: int | None = None
        self._last_duration = 0
        self._first_pts: int | None = None
        self._first_dts: int | None = None
        # The newest packets are held back, so close() can give the last frame
        # its duration (libx264's packets carry none).
        self._held_packets: deque[av.Packet] = deque()
        self._frames_written = 0
        self._closed = False

        # Without audio the encoder writes the final file directly; with audio it
        # writes a video-only file that close() muxes together with the audio.
        self._final_temp = make_temp_path(self.path)
        self._video_temp = (
            make_temp_path(self.path, tag="video.") if self._audio_index is not None else None
        )
        try:
            self._container = self._open_encoder(crf, preset, source.average_rate)
        except BaseException:
            self._remove_temps()
            raise

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def write(self, image: np.ndarray, frame: VideoFrame) -> None:
        """Encode ``image`` (BGR uint8, the size of ``frame.image``) at ``frame``'s timestamp."""
        if image.shape != frame.image.shape or image.dtype != np.uint8:
            raise ValueError(
                f"frame {frame.index}: expected a uint8 image of shape {frame.image.shape}, "
                f"got {image.dtype} {image.shape}"
            )
        try:
            av_frame = self._to_av_frame(image)
            av_frame.pts = self._next_pts(frame)
            av_frame.time_base = self._time_base
            if frame.duration:
                av_frame.duration = frame.duration
                self._last_duration = frame.duration
            self._mux(self._stream.encode(av_frame))
        except BaseException:
            self.abort()
            raise
        self._frames_written += 1

    def close(self) -> None:
        """Flush the encoder, add audio and metadata, and move the output into place."""
        if self._closed:
            return
        try:
            self._mux(self._stream.encode(None))
            self._mux_last()
            self._container.close()
            if self._video_temp is not None:
                audio = AudioSource(path=self._source_path, stream_index=self._audio_index)
                mux_final(
                    self._video_temp,
                    audio,
                    self._final_temp,
                    self._muxer,
                    self._tags,
                    self._copy_audio_codecs,
                )
            self._final_temp.replace(self.path)
        except BaseException as exc:
            self.abort()
            if isinstance(exc, av.error.FFmpegError):
                raise MediaEncodeError(path=str(self.path), detail=str(exc)) from exc
            raise
        finally:
            self._remove_temps()
        self._closed = True
        log.info("media.video_written", path=str(self.path), frames=self._frames_written)

    def abort(self) -> None:
        """Stop writing and delete the temporary files; nothing appears at ``path``."""
        if self._closed:
            return
        self._closed = True
        try:
            self._container.close()
        except (av.error.FFmpegError, OSError) as exc:
            log.debug("media.encoder_close_failed", path=str(self.path), error=str(exc))
        self._remove_temps()

    def _open_encoder(
        self, crf: int, preset: str, rate: Fraction | None
    ) -> av.container.OutputContainer:
        target = self._video_temp or self._final_temp
        options = mux_options(self._time_base, final=self._video_temp is None)
        try:
            container = av.open(str(target), mode="w", format=self._muxer, options=options)
        except (av.error.FFmpegError, OSError) as exc:
            raise MediaEncodeError(path=str(self.path), detail=str(exc)) from exc
        if self._video_temp is None:
            container.metadata.update(self._tags)

        stream = container.add_stream("libx264", rate=rate)
        stream.width = self._width
        stream.height = self._height
        stream.pix_fmt = "yuv420p"
        stream.time_base = self._time_base
        stream.codec_context.time_base = self._time_base
        stream.codec_context.thread_type = "AUTO"
        stream.codec_context.color_primaries = BT709
        stream.codec_context.color_trc = BT709
        stream.codec_context.colorspace = BT709
        stream.codec_context.color_range = ColorRange.MPEG
        # libx264 rejects lossless coding (crf 0) under the High profile. High 4:4:4
        # Predictive allows it and still takes yuv420p (checked with PyAV 18.1).
        profile = "high444" if crf == 0 else "high"
        stream.codec_context.options = {"crf": str(crf), "preset": preset, "profile": profile}
        self._stream = stream
        return container

    def _to_av_frame(self, image: np.ndarray) -> av.VideoFrame:
        """Wrap ``image`` without copying, pad or scale it to the output size, convert to
        BT.709 yuv420p."""
        height, width = image.shape[:2]
        if not self._scaled and (width, height) != (self._width, self._height):
            image = cv2.copyMakeBorder(
                image, 0, self._height - height, 0, self._width - width, cv2.BORDER_REPLICATE
            )
        if image.flags.c_contiguous:
            bgr = av.VideoFrame.from_numpy_buffer(image, format="bgr24")
        else:
            bgr = av.VideoFrame.from_ndarray(image, format="bgr24")
        return bgr.reformat(
            width=self._width,
            height=self._height,
            format="yuv420p",
            dst_colorspace=Colorspace.ITU709,
            dst_color_range=ColorRange.MPEG,
            interpolation=ACCURATE_CONVERSION,
        )

    def _next_pts(self, frame: VideoFrame) -> int:
        """Return the frame's pts, moved forward when not increasing (libx264 requires that)."""
        pts = frame.pts
        if pts is None or (self._last_pts is not None and pts <= self._last_pts):
            fixed = 0 if self._last_pts is None else self._last_pts + 1
            log.warning(
                "media.pts_adjusted", path=str(self.path), index=frame.index, pts=pts, to=fixed
            )
            pts = fixed
        self._last_pts = pts
        if self._first_pts is None:
            self._first_pts = pts
        return pts

    def _mux(self, packets: list[av.Packet]) -> None:
        """Mux ``packets``, holding back the newest ``_HELD_PACKETS`` for close()."""
        if packets and self._first_dts is None:
            self._first_dts = packets[0].dts
        self._held_packets.extend(packets)
        ready = []
        while len(self._held_packets) > _HELD_PACKETS:
            ready.append(self._held_packets.popleft())
        self._mux_now(ready)

    def _mux_last(self) -> None:
        """Give the last frame its duration and mux the held packets.

        The packet shown last gets the last frame's duration. The MP4 track
        lasts as long as its sample durations add up to: each is the gap to
        the next dts, and the last is the last packet's duration. libx264's dts
        lag behind the pts by a few frames, so that last duration is what makes
        the total reach the end of the last frame.
        """
        held_packets = list(self._held_packets)
        self._held_packets.clear()
        self._set_last_durations(held_packets)
        self._mux_now(held_packets)

    def _set_last_durations(self, packets: list[av.Packet]) -> None:
        if not packets or not self._last_duration:
            return
        last_shown = max(packets, key=lambda packet: packet.pts or 0)
        last_decoded = packets[-1]
        if (
            last_shown.pts != self._last_pts
            or self._first_pts is None
            or self._first_dts is None
            or last_decoded.dts is None
        ):
            return
        last_shown.duration = self._last_duration
        shown_span = last_shown.pts + self._last_duration - self._first_pts
        decoded_span = last_decoded.dts - self._first_dts
        if shown_span > decoded_span:
            last_decoded.duration = shown_span - decoded_span

    def _mux_now(self, packets: list[av.Packet]) -> None:
        if not packets:
            return
        try:
            self._container.mux(packets)
        except av.error.FFmpegError as exc:
            raise MediaEncodeError(path=str(self.path), detail=str(exc)) from exc

    def _remove_temps(self) -> None:
        remove_quietly(self._final_temp)
        if self._video_temp is not None:
            remove_quietly(self._video_temp)


def output_muxer(path: Path) -> str:
    extension = path.suffix.lower()
    muxer = MUXER_BY_EXTENSION.get(extension)
    if muxer is None:
        raise OutputFormatError(
            path=str(path),
            extension=extension,
            allowed=", ".join(MUXER_BY_EXTENSION),
        )
    return muxer
