"""The per-frame stages of a video swap, as generators that ``run_ahead`` can thread.

    decode → analyse (track, select) → swap (warp, blend, label) → encode

Tracking must see frames in order, so it is one stage. Swapping a frame needs
only that frame and its landmarks, so it runs one frame behind in its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from vidswap.swap.media.video import VideoFrame
from vidswap.swap.select import FaceSelector
from vidswap.swap.source import SourceFace
from vidswap.swap.swapper import swap_face
from vidswap.swap.track import FaceTracker


@dataclass
class AnalysedFrame:
    """A target frame with the landmarks of the faces that get the source face."""

    frame: VideoFrame
    targets: list[np.ndarray] = field(default_factory=list)
    track_ids: list[int] = field(default_factory=list)


def analyse_frames(
    frames: Iterator[VideoFrame], tracker: FaceTracker, selector: FaceSelector
) -> Iterator[AnalysedFrame]:
    with _closing_upstream(frames):
        yield from _analyse(frames, tracker, selector)


def swap_frames(
    analysed: Iterator[AnalysedFrame],
    source_face: SourceFace,
    label: Callable[[np.ndarray], None],
) -> Iterator[AnalysedFrame]:
    with _closing_upstream(analysed):
        yield from _swap(analysed, source_face, label)


@contextmanager
def _closing_upstream(upstream: Iterator[object]) -> Iterator[None]:
    """Close the upstream stage when this one ends, even when it is closed early."""
    try:
        yield
    finally:
        close = getattr(upstream, "close", None)
        if close is not None:
            close()


def _analyse(
    frames: Iterable[VideoFrame], tracker: FaceTracker, selector: FaceSelector
) -> Iterator[AnalysedFrame]:
    for frame in frames:
        target_frame = frame.image

        tracks = tracker.update(target_frame, frame.seconds)

        chosen = selector.choose(target_frame, tracks)
        yield AnalysedFrame(
            frame=frame,
            targets=[track.smoothed.copy() for track in chosen],
            track_ids=[track.track_id for track in tracks],
        )


def _swap(
    analysed: Iterable[AnalysedFrame],
    source_face: SourceFace,
    label: Callable[[np.ndarray], None],
) -> Iterator[AnalysedFrame]:
    for item in analysed:
        target_frame = item.frame.image

        for target_landmarks in item.targets:
            swap_face(target_frame, source_face, target_landmarks)

        label(target_frame)
        yield item
