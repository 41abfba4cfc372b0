"""Make small test videos with PyAV: any codec and container, chosen timestamps, audio, rotation."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

FrameSource = Callable[[int], np.ndarray]


def gradient_frame(width: int, height: int) -> FrameSource:
    """Return a frame source: a colour gradient with a bright square that moves per frame."""
    ys, xs = np.mgrid[0:height, 0:width]
    base = np.stack(
        [xs * 255 // max(width - 1, 1), ys * 255 // max(height - 1, 1), np.full_like(xs, 96)],
        axis=2,
    ).astype(np.uint8)

    def frame(index: int) -> np.ndarray:
        image = base.copy()
        x = (index * 3) % max(width - 8, 1)
        image[2:10, x : x + 8] = 255
        return image

    return frame


@dataclass
class VideoSpec:
    """What make_video writes. ``pts`` defaults to 0, 1, 2, ... in ``time_base`` units."""

    codec: str = "libx264"
    container_format: str | None = None
    width: int = 64
    height: int = 48
    frames: int = 8
    rate: Fraction = Fraction(24)
    time_base: Fraction = Fraction(1, 24)
    pix_fmt: str = "yuv420p"
    pts: Sequence[int] | None = None
    audio_codec: str | None = None
    audio_rate: int = 48000
    # Counter-clockwise degrees for the display matrix; hflip mirrors after rotating.
    rotation: int | None = None
    hflip: bool = False
    source: FrameSource | None = None
    color_tags: dict[str, int] = field(default_factory=dict)


def mux_packets(
    container: av.container.OutputContainer, packets: list[av.Packet], spec: VideoSpec
) -> None:
    for packet in packets:
        if spec.codec == "libx265":
            # libx265 in PyAV 18.1 at times leaves a packet's dts uninitialised (a huge
            # negative number), which the MP4 muxer rejects as "pts/dts pair unsupported".
            packet.dts = packet.pts
        container.mux(packet)


def make_video(path: Path, spec: VideoSpec) -> list[Fraction]:
    """Write the video of ``spec`` to ``path`` and return each frame's time in seconds."""
    source = spec.source or gradient_frame(spec.width, spec.height)
    pts_list = list(spec.pts) if spec.pts is not None else list(range(spec.frames))
    times: list[Fraction] = []
    # MP4/MOV write the start offset in the movie timescale (1/1000 s by default).
    options = {}
    if path.suffix in (".mp4", ".mov", ".m4a"):
        options["movie_timescale"] = str(spec.time_base.denominator)
    with av.open(str(path), mode="w", format=spec.container_format, options=options) as container:
        video = container.add_stream(spec.codec, rate=spec.rate)
        video.width = spec.width
        video.height = spec.height
        video.pix_fmt = spec.pix_fmt
        video.time_base = spec.time_base
        video.codec_context.time_base = spec.time_base
        for name, value in spec.color_tags.items():
            setattr(video.codec_context, name, value)
        if spec.codec == "libx265":
            # Without B-frames every dts equals its pts, which mux_packets relies on.
            video.codec_context.options = {"x265-params": "bframes=0:log-level=error"}
        if spec.rotation is not None:
            video.set_display_rotation(spec.rotation, hflip=spec.hflip)
        audio = add_audio(container, spec) if spec.audio_codec else None

        for index, pts in enumerate(pts_list):
            frame = to_av_frame(source(index), spec)
            frame.pts = pts
            frame.time_base = video.codec_context.time_base
            times.append(pts * frame.time_base)
            mux_packets(container, video.encode(frame), spec)
        mux_packets(container, video.encode(None), spec)

        if audio is not None:
            duration = float(times[-1] + 1 / spec.rate)
            write_tone(container, audio, duration)
    return times


def to_av_frame(image: np.ndarray, spec: VideoSpec) -> av.VideoFrame:
    if image.dtype == np.uint16:
        frame = av.VideoFrame.from_ndarray(image, format="rgb48le")
    else:
        frame = av.VideoFrame.from_ndarray(image, format="bgr24")
    for name, value in spec.color_tags.items():
        if name != "color_range":
            setattr(frame, name, value)
    if spec.codec == "gif":
        return frame.reformat(format="rgb8")
    return frame.reformat(format=spec.pix_fmt, dst_colorspace=spec.color_tags.get("colorspace"))


def add_audio(container: av.container.OutputContainer, spec: VideoSpec) -> av.AudioStream:
    return container.add_stream(spec.audio_codec, rate=spec.audio_rate, layout="stereo")


def write_tone(
    container: av.container.OutputContainer, stream: av.AudioStream, seconds: float
) -> None:
    """Encode a 440 Hz tone of ``seconds``; PyAV re-frames and converts the samples."""
    rate = stream.codec_context.sample_rate
    chunk = 1024
    total = int(seconds * rate)
    for start in range(0, total, chunk):
        count = min(chunk, total - start)
        t = (np.arange(start, start + count) / rate).astype(np.float32)
        tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        frame = av.AudioFrame.from_ndarray(np.stack([tone, tone]), format="fltp", layout="stereo")
        frame.sample_rate = rate
        frame.pts = start
        frame.time_base = Fraction(1, rate)
        container.mux(stream.encode(frame))
    container.mux(stream.encode(None))
