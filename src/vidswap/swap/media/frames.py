"""Decoded video frames, stream facts and the interface every video reader offers."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self

import numpy as np


@dataclass(frozen=True)
class VideoInfo:
    """Stream facts for a video, with the size as displayed (after rotation)."""

    width: int
    height: int
    # Clockwise degrees (0, 90, 180 or 270) a player rotates the stored picture by.
    rotation: int
    # Frame count from the container header; an estimate from duration x fps when
    # the header has none (Matroska, WebM); None when neither is known.
    frame_count: int | None
    duration: float
    average_fps: float
    codec: str
    pixel_format: str
    bit_depth: int
    is_hdr: bool
    has_audio: bool
    audio_codec: str | None
    # FFmpeg demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2" or "matroska,webm".
    container: str
    # Whether a player mirrors the picture left to right after rotating it, as
    # the display matrix of some front-camera recordings requests.
    mirrored: bool = False


@dataclass
class VideoFrame:
    """One decoded frame: upright 8-bit BGR pixels and its timestamp in ``time_base`` units."""

    image: np.ndarray
    pts: int | None
    time_base: Fraction
    index: int
    # Display duration in time_base units, when the decoder provides it.
    duration: int | None = None

    @property
    def seconds(self) -> float:
        """Presentation time in seconds; NaN when the frame has no timestamp."""
        if self.pts is None:
            return math.nan
        return float(self.pts * self.time_base)


class VideoSource(Protocol):
    """An open video that yields upright VideoFrames once; VideoWriter copies its timing."""

    path: Path
    info: VideoInfo

    @property
    def time_base(self) -> Fraction: ...

    @property
    def average_rate(self) -> Fraction | None: ...

    @property
    def audio_stream_index(self) -> int | None: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    def close(self) -> None: ...

    def __iter__(self) -> Iterator[VideoFrame]: ...
