"""Mux the encoded video with the source's audio into the final file, packet by packet."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.audio.stream
import av.container
import av.error
import av.video.stream
import structlog

from vidswap.swap.errors import CorruptMediaError

log = structlog.get_logger(__name__)

# Audio codecs copied into MP4/MOV unchanged. The muxer also accepts Opus and FLAC
# (checked with FFmpeg 8.1), but QuickTime and older players cannot play them in
# MP4, so those are re-encoded to AAC like every other codec.
COPYABLE_AUDIO_CODECS = frozenset({"aac", "mp3", "mp3float", "alac", "ac3", "eac3"})
AAC_SAMPLE_RATES = {
    96000,
    88200,
    64000,
    48000,
    44100,
    32000,
    24000,
    22050,
    16000,
    12000,
    11025,
    8000,
}
AAC_CHANNEL_LAYOUTS = {1: "mono", 2: "stereo", 6: "5.1"}
AAC_BIT_RATE_PER_CHANNEL = 96_000


@dataclass(frozen=True)
class AudioSource:
    """The audio stream to take from the source file."""

    path: Path
    stream_index: int


def mux_options(time_base: Fraction, *, final: bool) -> dict[str, str]:
    """Return MP4/MOV muxer options that keep timestamps in ``time_base`` exact.

    The edit list that shifts the first frame to its source start time is written
    in the movie timescale, which is 1/1000 s by default, so a start of 1001/30000 s
    would come back as 990/30000 s. Using the video time base avoids that rounding.
    For the final file, faststart moves the moov atom before mdat so playback can
    start before the download ends, and use_metadata_tags keeps custom keys such as
    ai_generated.
    """
    options = {"movie_timescale": str(time_base.denominator)}
    if final:
        options["movflags"] = "+faststart+use_metadata_tags"
    return options


def label_metadata(text: str) -> dict[str, str]:
    """Return the container tags that mark the file as AI-generated."""
    return {"comment": text, "description": text, "ai_generated": "true"}


def mux_final(
    video_path: Path,
    audio: AudioSource,
    output_path: Path,
    muxer: str,
    tags: dict[str, str],
    copy_audio_codecs: frozenset[str] = COPYABLE_AUDIO_CODECS,
) -> None:
    """Write ``output_path`` with the video packets of ``video_path``, the source audio
    and the container ``tags``.

    Audio packets are copied when the codec is in ``copy_audio_codecs`` and
    re-encoded to AAC otherwise; either way they keep their source timestamps,
    so audio stays in sync with the video. Packets from both inputs are
    interleaved by time as they are read, so memory use stays bounded.
    """
    with (
        av.open(str(video_path)) as video_in,
        av.open(str(audio.path), metadata_errors="replace") as audio_in,
    ):
        video_stream = video_in.streams.video[0]
        options = mux_options(video_stream.time_base, final=True)
        with av.open(str(output_path), mode="w", format=muxer, options=options) as out:
            out.metadata.update(tags)
            mux_streams(video_in, video_stream, audio_in, audio, out, copy_audio_codecs)


def mux_streams(
    video_in: av.container.InputContainer,
    video_stream: av.video.stream.VideoStream,
    audio_in: av.container.InputContainer,
    audio: AudioSource,
    out: av.container.OutputContainer,
    copy_audio_codecs: frozenset[str] = COPYABLE_AUDIO_CODECS,
) -> None:
    video_out = out.add_stream_from_template(video_stream)
    audio_stream = audio_in.streams[audio.stream_index]

    if audio_stream.codec_context.name in copy_audio_codecs:
        audio_out = out.add_stream_from_template(audio_stream)
        audio_packets = copied_packets(audio_in, audio_stream)
    else:
        audio_out = add_aac_stream(out, audio_stream)
        audio_packets = reencoded_packets(audio_in, audio_stream, audio_out, audio.path)
        log.info(
            "media.audio_reencoded",
            path=str(audio.path),
            codec=audio_stream.codec_context.name,
            to="aac",
        )

    video_packets = copied_packets(video_in, video_stream)
    for packet, is_video in interleave(video_packets, audio_packets):
        packet.stream = video_out if is_video else audio_out
        out.mux(packet)


def copied_packets(
    container: av.container.InputContainer, stream: av.stream.Stream
) -> Iterator[av.Packet]:
    for packet in container.demux(stream):
        if packet.dts is not None or packet.pts is not None:
            yield packet


def add_aac_stream(
    out: av.container.OutputContainer, source: av.audio.stream.AudioStream
) -> av.audio.stream.AudioStream:
    channels = source.codec_context.channels
    layout = AAC_CHANNEL_LAYOUTS.get(channels, "stereo")
    rate = source.codec_context.sample_rate
    if rate not in AAC_SAMPLE_RATES:
        rate = 48000
    stream = out.add_stream("aac", rate=rate, layout=layout)
    stream.bit_rate = AAC_BIT_RATE_PER_CHANNEL * stream.codec_context.channels
    return stream


def reencoded_packets(
    container: av.container.InputContainer,
    source: av.audio.stream.AudioStream,
    target: av.audio.stream.AudioStream,
    path: Path,
) -> Iterator[av.Packet]:
    """Decode the source audio and yield AAC packets.

    PyAV resamples and re-frames the decoded audio to what the encoder needs.
    """
    try:
        for packet in container.demux(source):
            for frame in packet.decode():
                yield from target.encode(frame)
    except (av.error.FFmpegError, ValueError) as exc:
        raise CorruptMediaError(
            path=str(path), detail=f"the audio cannot be decoded: {exc}"
        ) from exc
    yield from target.encode(None)


def interleave(
    video: Iterator[av.Packet], audio: Iterator[av.Packet]
) -> Iterator[tuple[av.Packet, bool]]:
    """Merge two packet streams in order of decoding time; yields (packet, is_video)."""
    next_video = next(video, None)
    next_audio = next(audio, None)
    while next_video is not None or next_audio is not None:
        take_video = next_audio is None or (
            next_video is not None and packet_time(next_video) <= packet_time(next_audio)
        )
        if take_video:
            yield next_video, True
            next_video = next(video, None)
        else:
            yield next_audio, False
            next_audio = next(audio, None)


def packet_time(packet: av.Packet) -> Fraction:
    timestamp = packet.dts if packet.dts is not None else packet.pts
    return (timestamp or 0) * (packet.time_base or Fraction(1))
