"""Benchmark inputs: the shared test media, and clips made from them with PyAV.

The real photos and videos live in ``../shared/data`` beside the repository
root. They are never copied into the repository; derived clips and swap
outputs go to a temporary folder or to ``bench/out/`` (git-ignored).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.container
import structlog

from vidswap.swap.media.label import draw_visible_label
from vidswap.swap.media.video import VideoReader, VideoWriter
from vidswap.swap.options import LabelOptions

REPOSITORY_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPOSITORY_ROOT.parent / "shared" / "data"
BENCH_OUT = REPOSITORY_ROOT / "bench" / "out"

# Settings for the derived input clips. They only need to look like a phone or
# camera upload; the encoder settings under test are the VideoWriter's.
CLIP_CRF = 18
CLIP_PRESET = "veryfast"


def shared_video(name: str) -> Path:
    return _require(SHARED_DATA / "videos" / name)


def shared_face(name: str) -> Path:
    return _require(SHARED_DATA / "faces" / name)


def _require(path: Path) -> Path:
    if not path.is_file():
        raise FileNotFoundError(
            f"benchmark media {path} not found; the shared media are expected in "
            f"{SHARED_DATA} (the folder shared/data beside the repository root)"
        )
    return path


def quiet_engine_logs() -> None:
    """Drop the engine's info logs, so the bench output stays readable; warnings still show."""
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
    )


def status(message: str) -> None:
    """Write a progress line to stderr; stdout carries only the markdown report."""
    sys.stderr.write(f"[bench] {message}\n")
    sys.stderr.flush()


@dataclass(frozen=True)
class ClipRequest:
    """How to derive a clip: the output height (None keeps the size) and a maximum length."""

    height: int | None = None
    max_seconds: float | None = None


def make_clip(source: Path, destination: Path, request: ClipRequest) -> Path:
    """Re-encode ``source`` scaled to ``request.height`` and cut to ``request.max_seconds``.

    Video frames keep their timestamps. Audio packets are copied unchanged up to
    the cut. Raises ValueError for a video with rotation metadata, because the
    scaled size would be computed from the stored, not the displayed, frame.
    """
    with av.open(str(source)) as input_container, av.open(str(destination), "w") as output:
        video_in = input_container.streams.video[0]
        video_in.codec_context.thread_type = "AUTO"
        audio_in = input_container.streams.audio[0] if input_container.streams.audio else None
        width, height = _scaled_size(video_in.codec_context, request.height)
        video_out = _add_h264_stream(output, video_in, width, height)
        audio_out = output.add_stream_from_template(audio_in) if audio_in is not None else None

        streams = [video_in] if audio_in is None else [video_in, audio_in]
        for packet in input_container.demux(streams):
            # The last video packet is an empty one that flushes the decoder's
            # delayed frames, so it is decoded like the others.
            if packet.stream is video_in:
                for frame in packet.decode():
                    if _past_cut(frame.pts, video_in.time_base, request.max_seconds):
                        continue
                    if frame.rotation:
                        raise ValueError(f"{source}: rotated videos are not supported as inputs")
                    scaled = frame.reformat(width=width, height=height, format="yuv420p")
                    scaled.pts = frame.pts
                    scaled.time_base = video_in.time_base
                    output.mux(video_out.encode(scaled))
            elif packet.dts is not None and not _past_cut(
                packet.pts, packet.time_base, request.max_seconds
            ):
                packet.stream = audio_out
                output.mux(packet)
        output.mux(video_out.encode(None))
    return destination


def _scaled_size(codec_context: av.VideoCodecContext, height: int | None) -> tuple[int, int]:
    if height is None:
        return codec_context.width, codec_context.height
    width = round(codec_context.width * height / codec_context.height / 2) * 2
    return width, height


def _add_h264_stream(
    output: av.container.OutputContainer, video_in: av.VideoStream, width: int, height: int
) -> av.VideoStream:
    stream = output.add_stream("libx264", rate=video_in.average_rate)
    stream.width = width
    stream.height = height
    stream.pix_fmt = "yuv420p"
    stream.time_base = video_in.time_base
    stream.codec_context.time_base = video_in.time_base
    stream.codec_context.thread_type = "AUTO"
    stream.codec_context.options = {"crf": str(CLIP_CRF), "preset": CLIP_PRESET}
    return stream


def _past_cut(pts: int | None, time_base: Fraction | None, max_seconds: float | None) -> bool:
    if max_seconds is None or pts is None or time_base is None:
        return False
    return float(pts * time_base) >= max_seconds


def concatenate_clip(source: Path, destination: Path, copies: int) -> Path:
    """Write ``copies`` copies of ``source`` one after another, without re-encoding.

    Every stream's timestamps continue where the previous copy ended, so the
    result plays as one video ``copies`` times as long.
    """
    with av.open(str(destination), "w") as output:
        spans = _stream_spans(source)
        output_streams: dict[int, av.stream.Stream] = {}
        for copy_index in range(copies):
            with av.open(str(source)) as input_container:
                if not output_streams:
                    for stream in input_container.streams:
                        if stream.type in ("video", "audio"):
                            output_streams[stream.index] = output.add_stream_from_template(stream)
                for packet in _timed_packets(input_container, list(output_streams)):
                    offset = spans[packet.stream.index] * copy_index
                    packet.pts += offset
                    packet.dts += offset
                    packet.stream = output_streams[packet.stream.index]
                    output.mux(packet)
    return destination


def _stream_spans(source: Path) -> dict[int, int]:
    """Return each stream's length in its own time base: last packet end minus first pts."""
    starts: dict[int, int] = {}
    ends: dict[int, int] = {}
    with av.open(str(source)) as input_container:
        indices = [s.index for s in input_container.streams if s.type in ("video", "audio")]
        for packet in _timed_packets(input_container, indices):
            index = packet.stream.index
            end = packet.pts + (packet.duration or 0)
            starts[index] = min(starts.get(index, packet.pts), packet.pts)
            ends[index] = max(ends.get(index, end), end)
    return {index: ends[index] - starts[index] for index in starts}


def _timed_packets(
    input_container: av.container.InputContainer, indices: list[int]
) -> Iterator[av.Packet]:
    streams = [input_container.streams[index] for index in indices]
    for packet in input_container.demux(streams):
        if packet.dts is not None and packet.pts is not None:
            yield packet


def transcode(source: Path, destination: Path, *, crf: int, label: LabelOptions | None) -> int:
    """Decode and re-encode ``source`` through VideoReader and VideoWriter, as a swap does.

    The writer uses its default preset, the one SwapEngine uses. ``label`` draws
    the visible AI-generated label on every frame, as the swap does; None skips
    it. Returns the number of frames written.
    """
    frames = 0
    with (
        VideoReader(source) as reader,
        VideoWriter(destination, reader, crf=crf) as writer,
    ):
        for frame in reader:
            if label is not None:
                draw_visible_label(frame.image, label)
            writer.write(frame.image, frame)
            frames += 1
    return frames
