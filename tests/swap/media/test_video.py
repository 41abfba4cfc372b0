"""VideoReader / VideoWriter round trips on made and real videos, checked by reading back."""

from __future__ import annotations

from fractions import Fraction
from itertools import islice
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from PIL import Image

from tests.shared_media import shared_video
from tests.swap.media.conftest import VideoSpec, make_video, write_tone
from vidswap.swap.errors import (
    CorruptMediaError,
    NoVideoStreamError,
    OutputFormatError,
    OutputNotWritableError,
)
from vidswap.swap.media.video import VideoReader, VideoWriter, open_video, probe_video, to_bgr
from vidswap.swap.options import LABEL_METADATA_VALUE

BT709 = 1


def transcode(source: Path, output: Path, **options: object) -> list[Fraction]:
    """Copy every frame of ``source`` through the reader and writer; return input frame times."""
    times = []
    with VideoReader(source) as reader, VideoWriter(output, reader, **options) as writer:
        for frame in reader:
            writer.write(frame.image, frame)
            times.append(frame.pts * frame.time_base)
    return times


def frame_times(path: Path) -> list[Fraction]:
    with av.open(str(path)) as container:
        return [frame.pts * frame.time_base for frame in container.decode(video=0)]


def assert_h264_faststart_output(path: Path) -> None:
    data = path.read_bytes()
    assert data.find(b"moov") < data.find(b"mdat"), "moov atom must precede mdat (faststart)"
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.profile == "High"
        assert stream.format.name == "yuv420p"
        assert stream.codec_context.color_primaries == BT709
        assert stream.codec_context.color_trc == BT709
        assert stream.codec_context.colorspace == BT709
        assert container.metadata.get("comment") == LABEL_METADATA_VALUE
        assert container.metadata.get("description") == LABEL_METADATA_VALUE
        assert container.metadata.get("ai_generated") == "true"


def audio_summary(path: Path) -> tuple[str, float, float] | None:
    """Return (codec, start seconds, end seconds) of the first audio stream, or None."""
    with av.open(str(path)) as container:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        packets = [p for p in container.demux(stream) if p.pts is not None]
        start = float(packets[0].pts * packets[0].time_base)
        last = packets[-1]
        end = float((last.pts + (last.duration or 0)) * last.time_base)
        return stream.codec_context.name, start, end


CONTAINER_CASES = {
    "h264.mp4": VideoSpec(audio_codec="aac"),
    "h264.mov": VideoSpec(audio_codec="libmp3lame"),
    "h264.mkv": VideoSpec(audio_codec="libopus"),
    "vp8.webm": VideoSpec(codec="libvpx", audio_codec="libopus", time_base=Fraction(1, 1000),
                          pts=[i * 42 for i in range(8)]),
    "vp9.webm": VideoSpec(codec="libvpx-vp9", time_base=Fraction(1, 1000),
                          pts=[i * 42 for i in range(8)]),
    "mpeg4.avi": VideoSpec(codec="mpeg4", audio_codec="libmp3lame"),
    "mjpeg.avi": VideoSpec(codec="mjpeg", pix_fmt="yuvj420p", audio_codec="pcm_s16le"),
    "animated.gif": VideoSpec(codec="gif", pix_fmt="rgb8", rate=Fraction(10),
                              time_base=Fraction(1, 100), pts=[i * 10 for i in range(8)]),
}  # fmt: skip

# Audio codec expected in the output for each source audio codec.
EXPECTED_AUDIO = {"aac": "aac", "libmp3lame": "mp3float", "libopus": "aac", "pcm_s16le": "aac"}


@pytest.mark.parametrize("name", sorted(CONTAINER_CASES))
def test_transcode_each_container(tmp_path: Path, name: str) -> None:
    spec = CONTAINER_CASES[name]
    source = tmp_path / name
    make_video(source, spec)
    output = tmp_path / "out.mp4"

    input_times = transcode(source, output)

    assert_h264_faststart_output(output)
    assert len(input_times) == spec.frames
    assert frame_times(output) == input_times
    info = probe_video(output)
    assert (info.width, info.height) == (spec.width, spec.height)
    audio = audio_summary(output)
    if spec.audio_codec is None:
        assert audio is None
    else:
        assert audio is not None
        assert audio[0] == EXPECTED_AUDIO[spec.audio_codec]
        source_audio = audio_summary(source)
        assert source_audio is not None
        packet_seconds = 2048 / spec.audio_rate
        assert abs(audio[1] - source_audio[1]) <= packet_seconds
        assert abs(audio[2] - source_audio[2]) <= packet_seconds


@pytest.mark.parametrize(
    ("name", "audio_codec"),
    [
        ("indoor-group-event-1s-hevc-ccby.mp4", "aac"),
        ("indoor-group-event-1s-vp8-opus-ccby.webm", "aac"),
    ],
)
def test_transcode_real_video(tmp_path: Path, name: str, audio_codec: str) -> None:
    source = shared_video(name)
    output = tmp_path / "out.mp4"

    input_times = transcode(source, output)

    assert_h264_faststart_output(output)
    assert len(input_times) == 31
    assert frame_times(output) == input_times
    audio = audio_summary(output)
    source_audio = audio_summary(source)
    assert audio is not None and source_audio is not None
    assert audio[0] == audio_codec
    assert abs(audio[2] - source_audio[2]) <= 1024 / 48000 + 1 / 30
    assert abs(probe_video(output).duration - probe_video(source).duration) <= 1 / 29.97 + 1e-6


def test_variable_frame_rate_kept(tmp_path: Path) -> None:
    pts = [0, 1, 3, 4, 9, 10, 11, 20]
    source = tmp_path / "vfr.mp4"
    made = make_video(source, VideoSpec(time_base=Fraction(1, 30), pts=pts))
    output = tmp_path / "out.mp4"

    transcode(source, output)

    assert frame_times(output) == made
    with VideoReader(source) as reader:
        *_, last = reader
    last_frame_end = float((last.pts + last.duration) * last.time_base)
    assert stream_seconds(output) == pytest.approx(last_frame_end, abs=1e-3)


def stream_seconds(path: Path) -> float:
    """Return the video stream's duration as the container states it."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.duration is not None
        return float(stream.duration * stream.time_base)


def test_nonzero_start_kept(tmp_path: Path) -> None:
    source = tmp_path / "late.mp4"
    made = make_video(
        source, VideoSpec(time_base=Fraction(1, 30000), pts=[1001 * (i + 1) for i in range(6)])
    )
    output = tmp_path / "out.mp4"

    transcode(source, output)

    assert frame_times(output) == made


def test_audio_dropped_when_not_kept(tmp_path: Path) -> None:
    source = tmp_path / "with-audio.mp4"
    make_video(source, VideoSpec(audio_codec="aac"))
    output = tmp_path / "out.mp4"

    transcode(source, output, keep_audio=False)

    assert audio_summary(output) is None
    assert_h264_faststart_output(output)


def test_audio_copied_packets_identical(tmp_path: Path) -> None:
    source = tmp_path / "aac.mp4"
    make_video(source, VideoSpec(audio_codec="aac"))
    output = tmp_path / "out.mp4"

    transcode(source, output)

    def audio_bytes(path: Path) -> list[bytes]:
        with av.open(str(path)) as container:
            return [bytes(p) for p in container.demux(audio=0) if p.size]

    assert audio_bytes(output) == audio_bytes(source)


def upright_test_image(width: int, height: int) -> np.ndarray:
    """A gray image with a red block at the top-left and a blue block at the top-right."""
    image = np.full((height, width, 3), 128, np.uint8)
    image[: height // 4, : width // 4] = (0, 0, 255)
    image[: height // 4, -width // 4 :] = (255, 0, 0)
    return image


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_rotated_input_upright(tmp_path: Path, rotation: int) -> None:
    upright = upright_test_image(96, 64)
    # A player rotates the stored picture clockwise by `rotation`, so store it
    # rotated the other way; the display matrix angle is counter-clockwise.
    stored = np.rot90(upright, k=rotation // 90).copy()
    source = tmp_path / f"rot{rotation}.mp4"
    make_video(
        source,
        VideoSpec(width=stored.shape[1], height=stored.shape[0], frames=3,
                  rotation=-rotation, source=lambda _index: stored),
    )  # fmt: skip

    with VideoReader(source) as reader:
        info = reader.info
        image = next(iter(reader)).image

    assert info.rotation == rotation
    assert not info.mirrored
    assert (info.width, info.height) == (96, 64)
    assert image.shape == (64, 96, 3)
    assert image.flags.c_contiguous and image.flags.writeable
    assert np.abs(image[4, 4].astype(int) - (0, 0, 255)).max() < 40
    assert np.abs(image[4, 91].astype(int) - (255, 0, 0)).max() < 40
    assert np.abs(image[60, 48].astype(int) - 128).max() < 20

    output = tmp_path / "out.mp4"
    transcode(source, output)
    out_info = probe_video(output)
    assert (out_info.width, out_info.height, out_info.rotation) == (96, 64, 0)


def corner_test_image(width: int, height: int) -> np.ndarray:
    """A gray image with a different colour in each corner, so all 8 orientations differ."""
    image = np.full((height, width, 3), 128, np.uint8)
    block_h, block_w = height // 4, width // 4
    image[:block_h, :block_w] = (0, 0, 255)
    image[:block_h, -block_w:] = (255, 0, 0)
    image[-block_h:, :block_w] = (0, 255, 0)
    image[-block_h:, -block_w:] = (0, 255, 255)
    return image


# The filters that ffplay and the ffmpeg command insert for a display matrix
# (fftools: transpose for 90 and 270 degrees, hflip/vflip for 0 and 180), as numpy.
FFMPEG_FILTERS = {
    "hflip": lambda image: image[:, ::-1],
    "vflip": lambda image: image[::-1],
    "clock": lambda image: np.rot90(image, -1),
    "cclock": lambda image: np.rot90(image, 1),
    "cclock_flip": lambda image: image.transpose(1, 0, 2),
    "clock_flip": lambda image: np.rot90(image, -1)[::-1],
}

# (counter-clockwise degrees, hflip) given to set_display_rotation -> the filters
# FFmpeg applies to show the stored picture, and (rotation, mirrored) in VideoInfo.
ORIENTATION_CASES = {
    (0, True): (["hflip"], (0, True)),
    (90, False): (["cclock"], (270, False)),
    (90, True): (["clock_flip"], (270, True)),
    (180, False): (["hflip", "vflip"], (180, False)),
    (180, True): (["vflip"], (180, True)),
    (270, False): (["clock"], (90, False)),
    (270, True): (["cclock_flip"], (90, True)),
}


@pytest.mark.parametrize(("degrees", "hflip"), sorted(ORIENTATION_CASES))
def test_display_matrix_applied(tmp_path: Path, degrees: int, hflip: bool) -> None:
    filters, (rotation, mirrored) = ORIENTATION_CASES[(degrees, hflip)]
    stored = corner_test_image(96, 64)
    expected = stored
    for name in filters:
        expected = FFMPEG_FILTERS[name](expected)
    source = tmp_path / f"matrix{degrees}{'-hflip' if hflip else ''}.mp4"
    make_video(
        source,
        VideoSpec(width=96, height=64, frames=2, rotation=degrees, hflip=hflip,
                  source=lambda _index: stored),
    )  # fmt: skip

    with VideoReader(source) as reader:
        info = reader.info
        image = next(iter(reader)).image

    assert (info.rotation, info.mirrored) == (rotation, mirrored)
    assert (info.height, info.width, 3) == expected.shape
    assert image.shape == expected.shape
    assert image.flags.c_contiguous and image.flags.writeable
    difference = np.abs(image.astype(int) - expected.astype(int)).mean()
    assert difference < 3, f"mean difference {difference:.1f} from FFmpeg's orientation"


def test_mirrored_output_not_mirrored_again(tmp_path: Path) -> None:
    stored = corner_test_image(96, 64)
    source = tmp_path / "front-camera.mp4"
    make_video(
        source,
        VideoSpec(width=96, height=64, frames=3, rotation=0, hflip=True,
                  source=lambda _index: stored),
    )  # fmt: skip
    output = tmp_path / "out.mp4"

    transcode(source, output)

    out_info = probe_video(output)
    assert (out_info.rotation, out_info.mirrored) == (0, False)
    with VideoReader(output) as reader:
        image = next(iter(reader)).image
    assert np.abs(image[4, 4].astype(int) - (255, 0, 0)).max() < 40
    assert np.abs(image[4, 91].astype(int) - (0, 0, 255)).max() < 40


def test_real_rotated_video_upright() -> None:
    source = shared_video("selfie-three-people-rotation-metadata-ccby.mp4")

    with VideoReader(source) as reader:
        frame = next(iter(reader))
    with av.open(str(source)) as container:
        stored = to_bgr(next(container.decode(video=0)))

    assert reader.info.rotation == 90
    assert (reader.info.width, reader.info.height) == (640, 480)
    assert stored.shape == (640, 480, 3)
    assert frame.image.shape == (480, 640, 3)
    # The file's display matrix asks for a 90-degree clockwise rotation; checked by eye upright.
    assert np.array_equal(frame.image, cv2.rotate(stored, cv2.ROTATE_90_CLOCKWISE))


# Frame colours (RGB) and durations in ms; 0 and 10 ms are below FFmpeg's GIF
# minimum of 20 ms, so they become 100 ms as in an animated GIF.
ANIMATION_FRAMES = [
    ((200, 30, 30), 100),
    ((30, 200, 30), 250),
    ((30, 30, 200), 0),
    ((200, 200, 30), 40),
    ((30, 200, 200), 10),
]
ANIMATION_TIMES = [Fraction(ms, 1000) for ms in (0, 100, 350, 450, 490)]


def save_animation(path: Path, image_format: str) -> None:
    frames = [Image.new("RGB", (48, 32), colour) for colour, _ms in ANIMATION_FRAMES]
    durations = [ms for _colour, ms in ANIMATION_FRAMES]
    frames[0].save(
        path, format=image_format, save_all=True, append_images=frames[1:],
        duration=durations, loop=0, lossless=True,
    )  # fmt: skip


def test_animated_webp_frames_read(tmp_path: Path) -> None:
    source = tmp_path / "animation.webp"
    save_animation(source, "WEBP")

    with open_video(source) as reader:
        info = reader.info
        frames = list(reader)

    assert (info.width, info.height, info.frame_count) == (48, 32, 5)
    assert (info.rotation, info.mirrored, info.has_audio) == (0, False, False)
    assert info.duration == pytest.approx(0.59)
    assert [frame.pts * frame.time_base for frame in frames] == ANIMATION_TIMES
    assert [frame.duration for frame in frames] == [100, 250, 100, 40, 100]
    for frame, (colour, _ms) in zip(frames, ANIMATION_FRAMES, strict=True):
        assert frame.image.shape == (32, 48, 3)
        assert frame.image[16, 24].tolist() == list(reversed(colour))


@pytest.mark.parametrize(("image_format", "extension"), [("WEBP", "webp"), ("PNG", "png")])
def test_animation_timing_kept(tmp_path: Path, image_format: str, extension: str) -> None:
    source = tmp_path / f"animation.{extension}"
    save_animation(source, image_format)
    output = tmp_path / "out.mp4"

    input_times = []
    with open_video(source) as reader, VideoWriter(output, reader) as writer:
        for frame in reader:
            writer.write(frame.image, frame)
            input_times.append(frame.pts * frame.time_base)

    assert_h264_faststart_output(output)
    assert frame_times(output) == input_times
    # FFmpeg's APNG demuxer shows a 0 ms frame for 1/15 s, not 100 ms like a GIF.
    assert input_times[:3] == ANIMATION_TIMES[:3]
    if image_format == "WEBP":
        assert input_times == ANIMATION_TIMES
    with VideoReader(output) as copy:
        for frame, (colour, _ms) in zip(copy, ANIMATION_FRAMES, strict=True):
            error = np.abs(frame.image[16, 24].astype(int) - list(reversed(colour))).max()
            assert error < 8, f"frame {frame.index} colour off by {error}"


def test_odd_size_padded_to_even(tmp_path: Path) -> None:
    source = tmp_path / "odd.mkv"
    make_video(
        source, VideoSpec(codec="libx264rgb", pix_fmt="bgr24", width=321, height=241, frames=3)
    )
    output = tmp_path / "out.mp4"

    with VideoReader(source) as reader:
        assert (reader.info.width, reader.info.height) == (321, 241)
        with VideoWriter(output, reader) as writer:
            for frame in reader:
                writer.write(frame.image, frame)

    info = probe_video(output)
    assert (info.width, info.height) == (322, 242)
    assert info.frame_count == 3
    with VideoReader(output) as reader:
        image = next(iter(reader)).image
    assert np.abs(image[:, 321].astype(int) - image[:, 320].astype(int)).mean() < 3
    assert np.abs(image[241].astype(int) - image[240].astype(int)).mean() < 3


def test_ten_bit_input_converted(tmp_path: Path) -> None:
    colour = np.full((48, 64, 3), (40, 160, 220), np.uint8)
    source = tmp_path / "ten-bit.mp4"
    make_video(source, VideoSpec(codec="libx265", pix_fmt="yuv420p10le", frames=3,
                                 source=lambda _index: colour))  # fmt: skip

    with VideoReader(source) as reader:
        info = reader.info
        image = next(iter(reader)).image

    assert info.bit_depth == 10
    assert info.codec == "hevc"
    assert not info.is_hdr
    assert image.dtype == np.uint8
    assert np.abs(image[24, 32].astype(int) - (40, 160, 220)).max() <= 6


def pq_encode(nits: np.ndarray) -> np.ndarray:
    m1, m2 = 2610 / 16384, 2523 / 4096 * 128
    c1, c2, c3 = 3424 / 4096, 2413 / 4096 * 32, 2392 / 4096 * 32
    y = (nits / 10000.0) ** m1
    return ((c1 + c2 * y) / (1 + c3 * y)) ** m2


def hdr_test_image() -> np.ndarray:
    """16-bit PQ BT.2020 RGB: left half BT.709 red at 203 nits, right half white at 203 nits."""
    bt709_to_bt2020 = np.array(
        [[0.6274, 0.3293, 0.0433], [0.0691, 0.9195, 0.0114], [0.0164, 0.0880, 0.8956]]
    )
    red = bt709_to_bt2020 @ np.array([1.0, 0.0, 0.0]) * 203.0
    white = np.array([203.0, 203.0, 203.0])
    image = np.zeros((64, 128, 3))
    image[:, :64] = pq_encode(red)
    image[:, 64:] = pq_encode(white)
    return np.round(image * 65535).astype(np.uint16)


def test_hdr_pq_tone_mapped_saturated(tmp_path: Path) -> None:
    pq_image = hdr_test_image()
    source = tmp_path / "hdr.mp4"
    tags = {"color_primaries": 9, "color_trc": 16, "colorspace": 9}
    make_video(source, VideoSpec(codec="libx265", pix_fmt="yuv420p10le", width=128, height=64,
                                 frames=2, source=lambda _index: pq_image, color_tags=tags))  # fmt: skip

    with VideoReader(source) as reader:
        info = reader.info
        image = next(iter(reader)).image

    assert info.is_hdr
    assert info.bit_depth == 10
    blue, green, red = image[32, 20].astype(int)
    # BT.709 red at HDR reference white must stay pure red, near SDR full scale
    # (the tone curve puts reference white at 90% linear, code 244).
    assert red >= 225
    assert green <= 25
    assert blue <= 25
    white = image[32, 100].astype(int)
    assert np.all(np.abs(white - 244) <= 10)


def yuv_planes(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="yuv420p") for frame in container.decode(video=0)]


def test_quality_zero_lossless(tmp_path: Path) -> None:
    bt709 = {"color_primaries": BT709, "color_trc": BT709, "colorspace": BT709}
    source = tmp_path / "in.mp4"
    made = make_video(source, VideoSpec(frames=5, audio_codec="aac", color_tags=bt709))
    output = tmp_path / "out.mp4"

    encoded = []
    with VideoReader(source) as reader, VideoWriter(output, reader, crf=0) as writer:
        for frame in reader:
            # What the encoder receives, so lossless output must decode to exactly it.
            encoded.append(writer._to_av_frame(frame.image).to_ndarray(format="yuv420p"))
            writer.write(frame.image, frame)

    assert frame_times(output) == made
    assert audio_summary(output) is not None
    with av.open(str(output)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.profile == "High 4:4:4 Predictive"
        assert stream.format.name == "yuv420p"
    decoded = yuv_planes(output)
    assert len(decoded) == len(encoded) == 5
    for index, (got, expected) in enumerate(zip(decoded, encoded, strict=True)):
        assert np.array_equal(got, expected), f"frame {index} changed"


def test_one_frame_clip(tmp_path: Path) -> None:
    source = tmp_path / "one.mp4"
    make_video(source, VideoSpec(frames=1))
    output = tmp_path / "out.mp4"

    times = transcode(source, output)

    assert times == [Fraction(0)]
    assert frame_times(output) == times
    assert probe_video(output).frame_count == 1


def test_unicode_paths_with_spaces(tmp_path: Path) -> None:
    folder = tmp_path / "输入 文件夹"
    folder.mkdir()
    source = folder / "测试 视频.mp4"
    made = make_video(source, VideoSpec(audio_codec="aac"))
    output = folder / "输出 视频.mp4"

    transcode(source, output)

    assert frame_times(output) == made
    assert_h264_faststart_output(output)


def test_writer_error_leaves_nothing(tmp_path: Path) -> None:
    source = tmp_path / "in.mp4"
    make_video(source, VideoSpec(audio_codec="aac"))
    out_folder = tmp_path / "out"
    out_folder.mkdir()
    output = out_folder / "out.mp4"

    with (
        pytest.raises(KeyboardInterrupt),
        VideoReader(source) as reader,
        VideoWriter(output, reader) as writer,
    ):
        for frame in reader:
            writer.write(frame.image, frame)
            if frame.index == 3:
                raise KeyboardInterrupt

    assert list(out_folder.iterdir()) == []


def test_writer_rejects_bad_output(tmp_path: Path) -> None:
    source = tmp_path / "in.mp4"
    make_video(source, VideoSpec(frames=2))

    with VideoReader(source) as reader:
        with pytest.raises(OutputFormatError) as bad_extension:
            VideoWriter(tmp_path / "out.avi", reader)
        with pytest.raises(OutputNotWritableError) as missing_folder:
            VideoWriter(tmp_path / "missing" / "out.mp4", reader)

    assert "out.avi" in str(bad_extension.value)
    assert "missing" in str(missing_folder.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.mp4"]


def test_probe_real_video_info() -> None:
    info = probe_video(shared_video("indoor-group-event-640x480-ccby.mp4"))

    assert (info.width, info.height, info.rotation) == (640, 480, 0)
    assert info.frame_count == 90
    assert info.codec == "h264"
    assert info.pixel_format == "yuv420p"
    assert info.bit_depth == 8
    assert info.has_audio and info.audio_codec == "aac"
    assert abs(info.average_fps - 29.97) < 0.01
    assert abs(info.duration - 3.003) < 0.01
    assert "mp4" in info.container


def test_probe_audio_only_rejected(tmp_path: Path) -> None:
    path = tmp_path / "sound.m4a"
    with av.open(str(path), mode="w", format="mp4") as container:
        stream = container.add_stream("aac", rate=48000, layout="stereo")
        write_tone(container, stream, 0.2)

    with pytest.raises(NoVideoStreamError) as error:
        probe_video(path)
    assert str(path) in str(error.value)


def test_truncated_video_rejected(tmp_path: Path) -> None:
    real = shared_video("indoor-group-event-640x480-ccby.mp4")
    cut = tmp_path / "cut.mp4"
    data = real.read_bytes()
    cut.write_bytes(data[: len(data) // 2])

    with pytest.raises(CorruptMediaError) as error:
        VideoReader(cut)
    assert str(cut) in str(error.value)


def noise_frame(index: int) -> np.ndarray:
    """Random pixels, so every frame takes many bytes and a cut lands inside a frame."""
    return np.random.default_rng(index).integers(0, 256, (48, 64, 3), np.uint8)


@pytest.mark.parametrize(
    ("extension", "codec"), [(".mkv", "libx264"), (".webm", "libvpx-vp9"), (".avi", "mpeg4")]
)
def test_cut_without_index_rejected(tmp_path: Path, extension: str, codec: str) -> None:
    whole = tmp_path / f"whole{extension}"
    make_video(whole, VideoSpec(codec=codec, frames=24, source=noise_frame))
    data = whole.read_bytes()
    cut = tmp_path / f"cut{extension}"
    cut.write_bytes(data[: len(data) // 2])
    indices = []

    with VideoReader(cut) as reader, pytest.raises(CorruptMediaError) as error:
        for frame in reader:
            indices.append(frame.index)

    assert 0 < len(indices) < 24
    assert str(cut) in str(error.value)
    assert "cut short" in error.value.params["detail"]


def test_matroska_cut_without_tag_rejected(tmp_path: Path) -> None:
    # This file has no per-stream DURATION tag, only the duration in its Segment Info.
    data = shared_video("marathon-crowd-small-faces-pd.mkv").read_bytes()
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(data[: len(data) // 2])
    indices = []

    with VideoReader(cut) as reader, pytest.raises(CorruptMediaError) as error:
        for frame in reader:
            indices.append(frame.index)

    assert 0 < len(indices) < 138
    assert str(cut) in str(error.value)
    assert "duration of 5.129 s" in error.value.params["detail"]
    assert "cut short" in error.value.params["detail"]


@pytest.mark.parametrize(
    ("name", "frames"),
    [("marathon-crowd-small-faces-pd.mkv", 138), ("indoor-group-event-1s-vp8-opus-ccby.webm", 31)],
)
def test_whole_matroska_without_tag_accepted(name: str, frames: int) -> None:
    with VideoReader(shared_video(name)) as reader:
        assert [frame.index for frame in reader] == list(range(frames))


def packet_offsets(path: Path) -> list[int]:
    with av.open(str(path)) as container:
        return [packet.pos for packet in container.demux(video=0) if packet.size]


def test_avi_cut_between_frames_rejected(tmp_path: Path) -> None:
    whole = tmp_path / "whole.avi"
    make_video(whole, VideoSpec(codec="mpeg4", frames=24, source=noise_frame))
    cut = tmp_path / "cut.avi"
    cut.write_bytes(whole.read_bytes()[: packet_offsets(whole)[12]])
    indices = []

    with VideoReader(cut) as reader, pytest.raises(CorruptMediaError) as error:
        for frame in reader:
            indices.append(frame.index)

    assert indices == list(range(12))
    assert "counts 24 frames but the file contains 12" in error.value.params["detail"]


def test_whole_avi_accepted(tmp_path: Path) -> None:
    path = tmp_path / "whole.avi"
    make_video(path, VideoSpec(codec="mpeg4", frames=24, source=noise_frame))

    with VideoReader(path) as reader:
        assert [frame.index for frame in reader] == list(range(24))


def test_whole_without_index_accepted(tmp_path: Path) -> None:
    path = tmp_path / "whole.mkv"
    make_video(path, VideoSpec(frames=24, source=noise_frame))

    with VideoReader(path) as reader:
        assert [frame.index for frame in reader] == list(range(24))


@pytest.mark.parametrize(
    "name", ["obama-weekly-address-talking-720p-a.mp4", "indoor-group-event-640x480-ccby.mp4"]
)
def test_transcode_keeps_brightness(tmp_path: Path, name: str) -> None:
    source = shared_video(name)
    output = tmp_path / "copy.mp4"
    with VideoReader(source) as reader, VideoWriter(output, reader) as writer:
        for frame in reader:
            writer.write(frame.image, frame)

    with VideoReader(source) as original, VideoReader(output) as copy:
        pairs = list(islice(zip(original, copy, strict=True), 20))
    shifts = np.array(
        [
            (after.image.astype(np.int16) - before.image.astype(np.int16))
            .reshape(-1, 3)
            .mean(axis=0)
            for before, after in pairs
        ]
    ).mean(axis=0)

    for channel, shift in zip("BGR", shifts, strict=True):
        assert abs(shift) < 0.5, f"channel {channel} shifted by {shift:.2f} levels"
