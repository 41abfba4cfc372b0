"""Copy a video's compressed packets into an MP4 without decoding them.

Browsers play H.264 in 8-bit 4:2:0 once it sits in an MP4 with browser audio,
so a MOV, Matroska or AVI file with such video needs only a new container.
Copying packets costs a small fraction of a re-encode and keeps the picture
bit for bit.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import av.container
import av.error
import av.video.stream
import structlog

from vidswap.swap.errors import MediaEncodeError, SwapCancelledError
from vidswap.swap.media.atomic import atomic_output
from vidswap.swap.media.container import check_input_file, find_video_stream, open_input
from vidswap.swap.media.remux import (
    add_aac_stream,
    copied_packets,
    interleave,
    mux_options,
    reencoded_packets,
)
from vidswap.swap.media.video import stream_duration
from vidswap.swap.options import CancelCheck, Progress, ProgressCallback

log = structlog.get_logger(__name__)


def copy_into_mp4(
    source: Path,
    output: Path,
    *,
    copy_audio_codecs: frozenset[str],
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> int:
    """Write ``output`` as an MP4 with the video packets of ``source`` copied unchanged;
    return the number of video packets (frames) written.

    The copy keeps each frame's timestamp and the display matrix, so it plays
    upright and in time. The first audio stream is copied when its codec is in
    ``copy_audio_codecs`` and re-encoded to AAC otherwise. The file gets
    faststart, so playback can begin before the download ends. Packets are
    muxed as they are read, so memory use does not grow with the length.

    Raises SwapCancelledError when ``cancel`` returns True between packets,
    CorruptMediaError when a packet cannot be read, and MediaEncodeError when
    the MP4 muxer rejects one. Nothing is left at ``output`` on any error.
    """
    source = Path(source)
    check_input_file(source)
    started = time.monotonic()
    frames = 0
    with (
        open_input(source) as video_in,
        open_input(source) as audio_in,
        atomic_output(Path(output)) as temp,
    ):
        video_stream = find_video_stream(video_in, source)
        total = estimated_frame_count(video_in, video_stream)
        options = mux_options(video_stream.time_base or Fraction(1, 90000), final=True)
        try:
            with av.open(str(temp), mode="w", format="mp4", options=options) as out:
                video_out = out.add_stream_from_template(video_stream)
                audio_out, audio_packets = _audio_packets(audio_in, out, source, copy_audio_codecs)
                video_packets = timed_video_packets(copied_packets(video_in, video_stream))
                for packet, is_video in interleave(video_packets, audio_packets):
                    if is_video:
                        if cancel is not None and cancel():
                            raise SwapCancelledError()
                        packet.stream = video_out
                        frames += 1
                    else:
                        packet.stream = audio_out
                    out.mux(packet)
                    if is_video and progress is not None:
                        progress(Progress(frames, total, time.monotonic() - started))
        except av.error.FFmpegError as exc:
            raise MediaEncodeError(path=str(output), detail=str(exc)) from exc
    log.info("media.video_stream_copied", source=str(source), output=str(output), frames=frames)
    return frames


def _audio_packets(
    audio_in: av.container.InputContainer,
    out: av.container.OutputContainer,
    source: Path,
    copy_audio_codecs: frozenset[str],
) -> tuple[av.stream.Stream | None, Iterator[av.Packet]]:
    """Add the output's audio stream; return it with the packets to mux into it."""
    if not audio_in.streams.audio:
        return None, iter(())
    audio_stream = audio_in.streams.audio[0]
    if audio_stream.codec_context.name in copy_audio_codecs:
        return out.add_stream_from_template(audio_stream), copied_packets(audio_in, audio_stream)
    audio_out = add_aac_stream(out, audio_stream)
    log.info(
        "media.audio_reencoded",
        path=str(source),
        codec=audio_stream.codec_context.name,
        to="aac",
    )
    return audio_out, reencoded_packets(audio_in, audio_stream, audio_out, source)


def estimated_frame_count(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream
) -> int | None:
    """Return the frame count from the header, or else duration times frame rate."""
    if stream.frames:
        return stream.frames
    rate = stream.average_rate or stream.guessed_rate
    duration = stream_duration(container, stream)
    if rate and duration > 0:
        return round(duration * rate)
    return None


def timed_video_packets(packets: Iterator[av.Packet]) -> Iterator[av.Packet]:
    """Yield ``packets`` with every decoding timestamp set, the last one lasting to the end.

    Matroska gives no dts for the first packets of a stream with B-frames. Those
    get the dts before the first known one, one packet duration apart, as
    FFmpeg's muxer would guess. The MP4 track then lasts as long as its dts span
    plus the last packet's duration, and with B-frames the last dts lies a few
    frames before the last frame shown. So the last packet's duration is
    stretched to reach the end of the last frame, or the copy would cut it off.
    """
    first_dts: int | None = None
    first_pts: int | None = None
    shown_end: int | None = None
    previous: av.Packet | None = None
    for packet in _with_dts(packets):
        if first_dts is None:
            first_dts = packet.dts
        if packet.pts is not None:
            first_pts = packet.pts if first_pts is None else min(first_pts, packet.pts)
            end = packet.pts + (packet.duration or 0)
            shown_end = end if shown_end is None else max(shown_end, end)
        if previous is not None:
            yield previous
        previous = packet
    if previous is None:
        return
    if (
        first_dts is not None
        and first_pts is not None
        and shown_end is not None
        and previous.dts is not None
    ):
        shown_span = shown_end - first_pts
        decoded_span = previous.dts - first_dts
        if shown_span - decoded_span > (previous.duration or 0):
            previous.duration = shown_span - decoded_span
    yield previous


def _with_dts(packets: Iterator[av.Packet]) -> Iterator[av.Packet]:
    """Fill in the dts missing from the packets before the first one that has a dts."""
    leading: list[av.Packet] = []
    dts_known = False
    for packet in packets:
        if not dts_known:
            if packet.dts is None:
                leading.append(packet)
                continue
            dts_known = True
            dts = packet.dts
            for held in reversed(leading):
                dts -= held.duration or 1
                held.dts = dts
            yield from leading
        yield packet
    if not dts_known:
        # No packet had a dts: intra-only video, where decoding order is display order.
        for held in leading:
            held.dts = held.pts
            yield held
