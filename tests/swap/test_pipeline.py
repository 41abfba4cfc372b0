"""SwapEngine end to end on the real photos and videos.

Each video is swapped once per module and shared by the tests that check it.
Identity is measured with dlib's descriptor: in a swapped frame the changed
face must be nearer the source photo than the person it replaced.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from itertools import islice
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from PIL import Image

from tests.shared_media import shared_face, shared_video
from vidswap.swap.analyser import FaceAnalyser
from vidswap.swap.errors import (
    CorruptMediaError,
    InvalidOptionError,
    LabelFontMissingGlyphsError,
    SwapCancelledError,
)
from vidswap.swap.face import Box, Face
from vidswap.swap.identity import IdentityEncoder, identity_distance
from vidswap.swap.media import label
from vidswap.swap.media.images import read_picture
from vidswap.swap.media.sniff import MediaKind
from vidswap.swap.media.video import VideoReader
from vidswap.swap.notices import SourceFaceSmall
from vidswap.swap.options import FaceSelection, LabelOptions, Progress, SwapOptions
from vidswap.swap.pipeline import SwapEngine, SwapReport

EXIF_ORIENTATION = 0x0112

# Name -> (upright display size, has audio). Durations over 5 s are marked slow.
VIDEOS = {
    "hikers-walking-toward-camera-ccby.mp4": ((640, 480), True),
    "indoor-group-event-1s-hevc-ccby.mp4": ((640, 480), True),
    "indoor-group-event-1s-vp8-opus-ccby.webm": ((640, 480), True),
    "indoor-group-event-640x480-ccby.mp4": ((640, 480), True),
    "marathon-crowd-small-faces-pd.mkv": ((960, 540), True),
    "obama-weekly-address-talking-720p-a.mp4": ((1280, 720), True),
    "obama-weekly-address-talking-720p-b.mp4": ((1280, 720), True),
    "selfie-talking-vertical-720x1280.mp4": ((720, 1280), False),
    "selfie-three-people-rotation-metadata-ccby.mp4": ((640, 480), True),
}
LONG_VIDEOS = {
    "hikers-walking-toward-camera-ccby.mp4",
    "marathon-crowd-small-faces-pd.mkv",
    "selfie-talking-vertical-720x1280.mp4",
    "selfie-three-people-rotation-metadata-ccby.mp4",
}
VIDEO_PARAMS = [
    pytest.param(name, marks=pytest.mark.slow) if name in LONG_VIDEOS else name
    for name in sorted(VIDEOS)
]
SAMPLED_FRAMES = 6
# Videos whose swapped face is about 55 px wide or more, where dlib's descriptor can tell
# people apart. The hikers (about 35 px) and marathon (about 22 px) faces are too small.
IDENTITY_PARAMS = [
    "obama-weekly-address-talking-720p-a.mp4",
    "obama-weekly-address-talking-720p-b.mp4",
    pytest.param("selfie-talking-vertical-720x1280.mp4", marks=pytest.mark.slow),
    pytest.param("selfie-three-people-rotation-metadata-ccby.mp4", marks=pytest.mark.slow),
    "indoor-group-event-640x480-ccby.mp4",
]
# A face counts as swapped when its box changed by more than this mean per channel.
SWAPPED_MEAN_CHANGE = 6.0
# Encoding noise of an unchanged region at CRF 18 stays far below this 16x16 block mean.
UNCHANGED_BLOCK_MEAN = 6.0


def source_photo_for(video_name: str) -> Path:
    """Return a frontal photo of someone who is not in ``video_name``."""
    if video_name.startswith("obama"):
        return shared_face("biden-official-vp-portrait-2013.jpg")
    return shared_face("obama-official-portrait-2012.jpg")


@dataclass
class VideoSwap:
    source: Path
    output: Path
    report: SwapReport


class VideoSwaps:
    """Swap each video on first use and keep the result for the rest of the module."""

    def __init__(self, engine: SwapEngine, folder: Path) -> None:
        self._engine = engine
        self._folder = folder
        self._done: dict[str, VideoSwap] = {}

    def get(self, name: str) -> VideoSwap:
        if name not in self._done:
            source = source_photo_for(name)
            output = self._folder / f"{Path(name).stem}.mp4"
            report = self._engine.swap_file(source, shared_video(name), output)
            self._done[name] = VideoSwap(source, output, report)
        return self._done[name]


@pytest.fixture(scope="module")
def engine() -> Iterator[SwapEngine]:
    swap_engine = SwapEngine(SwapOptions())
    yield swap_engine
    swap_engine.close()


@pytest.fixture(scope="module")
def video_swaps(engine: SwapEngine, tmp_path_factory: pytest.TempPathFactory) -> VideoSwaps:
    return VideoSwaps(engine, tmp_path_factory.mktemp("swapped-videos"))


@dataclass(frozen=True)
class StreamFacts:
    times: list[Fraction]
    end_seconds: float
    has_audio: bool
    display_size: tuple[int, int]


def stream_facts(path: Path) -> StreamFacts:
    """Read frame times, end time of the last frame, audio presence and upright size."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = list(container.decode(stream))
        has_audio = bool(container.streams.audio)
    times = [frame.pts * frame.time_base for frame in frames]
    last = frames[-1]
    frame_seconds = float(last.duration * last.time_base) if last.duration else 0.0
    if not frame_seconds and len(times) > 1:
        frame_seconds = float(times[-1] - times[-2])
    width, height = last.width, last.height
    if round(last.rotation) % 180 != 0:
        width, height = height, width
    return StreamFacts(times, float(times[-1]) + frame_seconds, has_audio, (width, height))


def sample_frames(path: Path, indices: set[int]) -> dict[int, np.ndarray]:
    """Decode ``path`` upright and return the BGR frames at ``indices``."""
    frames = {}
    with VideoReader(path) as reader:
        for frame in reader:
            if frame.index in indices:
                frames[frame.index] = frame.image
    return frames


def box_slices(box: Box, shape: tuple[int, ...]) -> tuple[slice, slice]:
    top = max(0, int(box.y))
    left = max(0, int(box.x))
    bottom = min(shape[0], math.ceil(box.y + box.height))
    right = min(shape[1], math.ceil(box.x + box.width))
    return slice(top, bottom), slice(left, right)


# The output's own encoding changes a face box by 2 to 4 grey levels on
# average; a swapped face changes it by 8 or more.
_UNSWAPPED_CHANGE = 5.0


def mean_change(before: np.ndarray, after: np.ndarray, box: Box) -> float:
    rows, columns = box_slices(box, before.shape)
    difference = after[rows, columns].astype(np.int16) - before[rows, columns].astype(np.int16)
    return float(np.abs(difference).mean()) if difference.size else 0.0


@dataclass(frozen=True)
class IdentityCheck:
    frames_with_face: int
    frames_nearer_source: int
    detail: list[str]


def check_identity(
    original: dict[int, np.ndarray],
    swapped: dict[int, np.ndarray],
    source_embedding: np.ndarray,
    analyser: FaceAnalyser,
    encoder: IdentityEncoder,
) -> IdentityCheck:
    """In each sampled frame, take the output face that changed most and compare identities.

    A frame where no face changed (a head turned past the yaw limit, or hidden
    behind an object) has no swapped face to compare, so it is not counted.
    How many frames get a face is checked by ``test_video_faces_swapped``.
    """
    with_face = nearer = 0
    detail = []
    for index in sorted(swapped):
        faces = analyser.find_faces(swapped[index])
        if not faces:
            continue
        face = max(faces, key=lambda f: mean_change(original[index], swapped[index], f.box))
        if mean_change(original[index], swapped[index], face.box) < _UNSWAPPED_CHANGE:
            detail.append(f"frame {index}: no face swapped")
            continue
        with_face += 1
        output_embedding = encoder.embed(swapped[index], face)
        to_source = identity_distance(output_embedding, source_embedding)
        to_original = identity_distance(output_embedding, encoder.embed(original[index], face))
        nearer += to_source < to_original
        detail.append(f"frame {index}: to source {to_source:.2f}, to original {to_original:.2f}")
    return IdentityCheck(with_face, nearer, detail)


def embed_photo(path: Path, analyser: FaceAnalyser, encoder: IdentityEncoder) -> np.ndarray:
    picture = read_picture(path)
    faces = analyser.find_faces(picture.bgr)
    assert faces, path
    return encoder.embed(picture.bgr, faces[0])


# Video targets.


@pytest.mark.parametrize("name", VIDEO_PARAMS)
def test_video_frames_kept(video_swaps: VideoSwaps, name: str) -> None:
    swap = video_swaps.get(name)

    source = stream_facts(shared_video(name))
    output = stream_facts(swap.output)

    assert swap.report.frames == len(source.times)
    assert len(output.times) == len(source.times)
    assert output.times == source.times


@pytest.mark.parametrize("name", VIDEO_PARAMS)
def test_video_duration_kept(video_swaps: VideoSwaps, name: str) -> None:
    swap = video_swaps.get(name)

    source = stream_facts(shared_video(name))
    with av.open(str(swap.output)) as container:
        stream = container.streams.video[0]
        assert stream.start_time is not None
        assert stream.duration is not None
        output_end = float((stream.start_time + stream.duration) * stream.time_base)

    # The output's end is the MP4 track's: a decoded frame's duration there is the gap
    # in decode order, not how long it shows. WebM counts time in milliseconds.
    assert output_end == pytest.approx(source.end_seconds, abs=1.5e-3)


@pytest.mark.parametrize("name", VIDEO_PARAMS)
def test_video_audio_kept(video_swaps: VideoSwaps, name: str) -> None:
    swap = video_swaps.get(name)
    _, expected_audio = VIDEOS[name]

    source = stream_facts(shared_video(name))
    output = stream_facts(swap.output)

    assert source.has_audio == expected_audio
    assert output.has_audio == expected_audio


@pytest.mark.parametrize("name", VIDEO_PARAMS)
def test_video_display_size(video_swaps: VideoSwaps, name: str) -> None:
    swap = video_swaps.get(name)
    expected_size, _ = VIDEOS[name]

    output = stream_facts(swap.output)

    assert output.display_size == expected_size


@pytest.mark.parametrize("name", VIDEO_PARAMS)
def test_video_faces_swapped(video_swaps: VideoSwaps, name: str) -> None:
    report = video_swaps.get(name).report
    # The mesh loses the marathon runners' 20 to 40 px faces for stretches, and a
    # track that never finds its face again swaps none of its gap. A face found
    # in one frame only (tiled detection runs every 24 frames) is not swapped.
    share = 0.35 if name.startswith("marathon") else 0.5

    assert report.frames_swapped >= share * report.frames
    assert report.people_tracked >= 1


@pytest.mark.parametrize("name", IDENTITY_PARAMS)
def test_video_identity_changed(
    video_swaps: VideoSwaps, name: str, analyser: FaceAnalyser, encoder: IdentityEncoder
) -> None:
    swap = video_swaps.get(name)
    count = swap.report.frames
    indices = {round((i + 0.5) * count / SAMPLED_FRAMES) for i in range(SAMPLED_FRAMES)}
    original = sample_frames(shared_video(name), indices)
    swapped = sample_frames(swap.output, indices)
    source_embedding = embed_photo(swap.source, analyser, encoder)

    check = check_identity(original, swapped, source_embedding, analyser, encoder)

    assert check.frames_with_face >= 2, check.detail
    assert check.frames_nearer_source * 3 >= check.frames_with_face * 2, check.detail


def outside_label_block_means(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Return 16x16 block means of the change, with the bottom-right label corner left out."""
    height, width = before.shape[:2]
    change = np.abs(after.astype(np.int16) - before.astype(np.int16)).mean(axis=2)
    change[int(height * 0.85) :, int(width * 0.65) :] = 0
    rows, columns = height // 16, width // 16
    blocks = change[: rows * 16, : columns * 16].reshape(rows, 16, columns, 16)
    return blocks.mean(axis=(1, 3))


SELFIE_THREE = "selfie-three-people-rotation-metadata-ccby.mp4"
SELFIE_THREE_FPS = 30000 / 1001


def assert_unchanged_at(
    video_swaps: VideoSwaps, analyser: FaceAnalyser, seconds: tuple[float, ...]
) -> None:
    swap = video_swaps.get(SELFIE_THREE)
    indices = {round(second * SELFIE_THREE_FPS) for second in seconds}
    original = sample_frames(shared_video(SELFIE_THREE), indices)
    swapped = sample_frames(swap.output, indices)

    for index in sorted(indices):
        assert analyser.find_faces(original[index]) == [], f"frame {index} shows a face"
        worst_block = outside_label_block_means(original[index], swapped[index]).max()
        assert worst_block < UNCHANGED_BLOCK_MEAN, f"frame {index}: block change {worst_block:.1f}"


@pytest.mark.slow
def test_faceless_frames_unchanged(video_swaps: VideoSwaps, analyser: FaceAnalyser) -> None:
    # The camera shows only the landscape from about 11.2 s to 14.9 s and after 16.0 s.
    assert_unchanged_at(video_swaps, analyser, (12.0, 13.0, 14.0, 16.2, 16.8))


def test_progress_reports_frames(engine: SwapEngine, tmp_path: Path) -> None:
    updates: list[Progress] = []
    output = tmp_path / "out.mp4"

    report = engine.swap_file(
        shared_face("obama-official-portrait-2012.jpg"),
        shared_video("indoor-group-event-1s-hevc-ccby.mp4"),
        output,
        progress=updates.append,
    )

    done = [update.frames_done for update in updates]
    assert done == list(range(1, report.frames + 1))
    assert report.frames == 31
    assert {update.frames_total for update in updates} == {31}
    elapsed = [update.elapsed_seconds for update in updates]
    assert elapsed == sorted(elapsed)


def test_cancel_removes_output(engine: SwapEngine, tmp_path: Path) -> None:
    output = tmp_path / "out.mp4"
    checks = 0

    def cancel_after_five() -> bool:
        nonlocal checks
        checks += 1
        return checks > 5

    with pytest.raises(SwapCancelledError):
        engine.swap_file(
            shared_face("obama-official-portrait-2012.jpg"),
            shared_video("indoor-group-event-1s-hevc-ccby.mp4"),
            output,
            cancel=cancel_after_five,
        )

    assert checks == 6
    assert sorted(tmp_path.iterdir()) == []
    stage_threads = [t.name for t in threading.enumerate() if t.name.startswith("vidswap-")]
    assert stage_threads == []


def corrupt_middle_packet(source: Path, damaged: Path) -> None:
    """Copy ``source`` to ``damaged`` with the middle video packet's data inverted.

    The first 4 bytes (an H.264 NAL unit length) stay intact, so the container
    still parses and only the decoder meets the damage, half-way through.
    """
    with av.open(str(source)) as container:
        packets = [(p.pos, p.size) for p in container.demux(video=0) if p.size and p.pos >= 0]
    position, size = packets[len(packets) // 2]
    data = bytearray(source.read_bytes())
    for offset in range(position + 4, position + size):
        data[offset] ^= 0xFF
    damaged.write_bytes(bytes(data))


def test_corrupt_middle_rejected(engine: SwapEngine, tmp_path: Path) -> None:
    target = tmp_path / "damaged.mp4"
    corrupt_middle_packet(shared_video("indoor-group-event-640x480-ccby.mp4"), target)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    updates: list[Progress] = []

    with pytest.raises(CorruptMediaError) as error:
        engine.swap_file(
            shared_face("obama-official-portrait-2012.jpg"),
            target,
            out_dir / "out.mp4",
            progress=updates.append,
        )

    assert error.value.exit_code == 2
    assert str(error.value) == (
        f"{target} is damaged or incomplete and cannot be decoded, so export or download it again."
    )
    assert "decoding failed after" in error.value.params["detail"]
    assert len(updates) > 0, "the damage must come after some frames were written"
    assert sorted(out_dir.iterdir()) == []


def test_label_font_checked_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    font = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not font.is_file():
        pytest.skip(f"{font} is not installed (Debian package fonts-dejavu-core)")
    monkeypatch.setattr(label, "SYSTEM_FALLBACK_FONTS", ())
    label.choose_font.cache_clear()
    options = SwapOptions(label=LabelOptions(text="AI生成", font_path=font))

    with pytest.raises(LabelFontMissingGlyphsError) as error:
        SwapEngine(options)

    assert str(font) in str(error.value)
    label.choose_font.cache_clear()


@pytest.mark.parametrize("share", [-0.1, 1.5, math.nan])
def test_shape_transfer_share_checked(share: float) -> None:
    with pytest.raises(InvalidOptionError) as error:
        SwapEngine(SwapOptions(shape_transfer=share))

    assert error.value.code == "option_invalid"
    assert "shape_transfer" in str(error.value)


# Animated image targets: swapped frame by frame into an MP4, like a video.


ANIMATION_MS = [80, 120, 80, 200]


@pytest.fixture(scope="module")
def talking_frames() -> list[np.ndarray]:
    """Four frames, 5 apart, of a talking head, at 640x360."""
    with VideoReader(shared_video("obama-weekly-address-talking-720p-a.mp4")) as reader:
        return [cv2.resize(frame.image, (640, 360)) for frame in islice(reader, 0, 20, 5)]


@pytest.mark.parametrize(("image_format", "extension"), [("WEBP", "webp"), ("PNG", "png")])
def test_animated_image_swapped(
    engine: SwapEngine,
    analyser: FaceAnalyser,
    talking_frames: list[np.ndarray],
    tmp_path: Path,
    image_format: str,
    extension: str,
) -> None:
    target = tmp_path / f"talking.{extension}"
    images = [Image.fromarray(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)) for frame in talking_frames]
    images[0].save(
        target, format=image_format, save_all=True, append_images=images[1:],
        duration=ANIMATION_MS, loop=0, lossless=True,
    )  # fmt: skip
    output = tmp_path / "out.mp4"

    report = engine.swap_file(shared_face("biden-official-vp-portrait-2013.jpg"), target, output)

    assert report.target_kind is MediaKind.VIDEO
    assert (report.frames, report.frames_swapped) == (4, 4)
    facts = stream_facts(output)
    assert facts.times == [Fraction(ms, 1000) for ms in (0, 80, 200, 280)]
    # The last frame lasts as long as in the animation, so the video ends where it does.
    with av.open(str(output)) as container:
        stream = container.streams.video[0]
        assert stream.duration is not None
        assert float(stream.duration * stream.time_base) == pytest.approx(
            sum(ANIMATION_MS) / 1000, abs=1e-3
        )
    assert facts.display_size == (640, 360)
    assert not facts.has_audio
    swapped = sample_frames(output, {0, 1, 2, 3})
    for index, original in enumerate(talking_frames):
        faces = analyser.find_faces(original)
        assert faces, f"frame {index} of the made animation has no face"
        change = mean_change(original, swapped[index], faces[0].box)
        assert change > SWAPPED_MEAN_CHANGE, f"frame {index}: face changed by {change:.1f}"


# Photo targets. Outputs are PNG so that unchanged pixels stay byte-identical.


TWO_FACES = "obama-and-biden-two-faces.jpg"


@pytest.fixture(scope="module")
def two_face_boxes(analyser: FaceAnalyser) -> dict[str, Box]:
    """Face boxes of the two-person photo: Obama stands left, Biden right."""
    faces = analyser.find_faces(read_picture(shared_face(TWO_FACES)).bgr)
    assert len(faces) == 2
    left, right = sorted(faces, key=lambda face: face.box.x)
    return {"obama": left.box, "biden": right.box}


def swap_photo(
    tmp_path: Path, target: Path, *, source: Path | None = None, **options: object
) -> tuple[np.ndarray, np.ndarray, SwapReport, Path]:
    """Swap into ``target`` and return (original BGR, output BGR, report, output path)."""
    output = tmp_path / "out.png"
    engine = SwapEngine(SwapOptions(**options))  # type: ignore[arg-type]
    try:
        report = engine.swap_file(
            source or shared_face("eileen-collins-astronaut-nasa.png"), target, output
        )
    finally:
        engine.close()
    return read_picture(target).bgr, read_picture(output).bgr, report, output


def assert_identical(before: np.ndarray, after: np.ndarray, box: Box) -> None:
    rows, columns = box_slices(box, before.shape)
    assert np.array_equal(before[rows, columns], after[rows, columns])


def test_all_faces_swapped(tmp_path: Path, two_face_boxes: dict[str, Box]) -> None:
    before, after, report, _ = swap_photo(tmp_path, shared_face(TWO_FACES), faces=FaceSelection.ALL)

    assert report.people_tracked == 2
    assert mean_change(before, after, two_face_boxes["obama"]) > SWAPPED_MEAN_CHANGE
    assert mean_change(before, after, two_face_boxes["biden"]) > SWAPPED_MEAN_CHANGE


def test_largest_face_only(tmp_path: Path, two_face_boxes: dict[str, Box]) -> None:
    assert two_face_boxes["biden"].area > two_face_boxes["obama"].area

    before, after, _, _ = swap_photo(tmp_path, shared_face(TWO_FACES))

    assert mean_change(before, after, two_face_boxes["biden"]) > SWAPPED_MEAN_CHANGE
    assert_identical(before, after, two_face_boxes["obama"])


@pytest.mark.parametrize(
    ("reference", "replaced", "kept"),
    [
        ("biden-official-vp-portrait-2013.jpg", "biden", "obama"),
        ("obama-official-portrait-2012.jpg", "obama", "biden"),
    ],
)
def test_reference_face_only(
    tmp_path: Path, two_face_boxes: dict[str, Box], reference: str, replaced: str, kept: str
) -> None:
    before, after, _, _ = swap_photo(
        tmp_path,
        shared_face(TWO_FACES),
        faces=FaceSelection.REFERENCE,
        reference=shared_face(reference),
    )

    assert mean_change(before, after, two_face_boxes[replaced]) > SWAPPED_MEAN_CHANGE
    assert_identical(before, after, two_face_boxes[kept])


def test_grayscale_stays_gray(tmp_path: Path) -> None:
    target = shared_face("solvay-conference-1927-group-grayscale.jpg")

    before, after, report, _ = swap_photo(
        tmp_path, target, source=shared_face("obama-official-portrait-2012.jpg")
    )

    assert report.frames_swapped == 1
    spread = after.max(axis=2).astype(np.int16) - after.min(axis=2).astype(np.int16)
    assert int(spread.max()) <= 1
    assert np.abs(after.astype(np.int16) - before.astype(np.int16)).max() > 40


def test_png_alpha_kept(tmp_path: Path) -> None:
    rgb = np.asarray(Image.open(shared_face("eileen-collins-astronaut-nasa.png")).convert("RGB"))
    height, width = rgb.shape[:2]
    alpha = np.tile(np.linspace(40, 255, width, dtype=np.uint8), (height, 1))
    target = tmp_path / "astronaut-alpha.png"
    Image.fromarray(np.dstack([rgb, alpha]), mode="RGBA").save(target)

    output_folder = tmp_path / "out"
    output_folder.mkdir()
    before, after, report, output = swap_photo(
        output_folder, target, source=shared_face("obama-official-portrait-2012.jpg")
    )

    with Image.open(output) as written:
        assert written.mode == "RGBA"
        assert np.array_equal(np.asarray(written)[:, :, 3], alpha)
    assert report.frames_swapped == 1
    assert np.abs(after.astype(np.int16) - before.astype(np.int16)).max() > 40


def test_exif_rotated_target(tmp_path: Path, analyser: FaceAnalyser) -> None:
    target = shared_face("mugshot-woman-exif-orientation5-meds2.jpg")

    before, after, report, output = swap_photo(
        tmp_path, target, source=shared_face("obama-official-portrait-2012.jpg")
    )

    with Image.open(output) as written:
        assert written.size == (480, 600)
        assert written.getexif().get(EXIF_ORIENTATION, 1) == 1
    assert report.frames_swapped == 1
    faces = analyser.find_faces(before)
    assert len(faces) == 1
    assert mean_change(before, after, faces[0].box) > SWAPPED_MEAN_CHANGE


def test_exif_rotated_source(
    tmp_path: Path, analyser: FaceAnalyser, encoder: IdentityEncoder
) -> None:
    source = shared_face("mugshot-woman-exif-orientation5-meds2.jpg")
    target = shared_face("biden-official-vp-portrait-2013.jpg")

    before, after, report, _ = swap_photo(tmp_path, target, source=source)

    assert report.frames_swapped == 1
    faces = analyser.find_faces(after)
    assert len(faces) == 1
    face: Face = faces[0]
    output_embedding = encoder.embed(after, face)
    to_source = identity_distance(output_embedding, embed_photo(source, analyser, encoder))
    to_original = identity_distance(output_embedding, encoder.embed(before, face))
    assert to_source < to_original


THREE_PEOPLE = "selfie-three-people-rotation-metadata-ccby.mp4"


def changed_frames(original: Path, swapped: Path) -> set[int]:
    """Return the indices of frames where more than 200 pixels changed by over 20 levels.

    On the three-people selfie a well matched swap changed only 163 pixels of
    one frame by over 30 levels, and the frames left unswapped (140 to 210)
    at most 50 by over 20.
    """
    changed = set()
    with VideoReader(original) as before, VideoReader(swapped) as after:
        for old, new in zip(before, after, strict=True):
            difference = np.abs(new.image.astype(np.int16) - old.image.astype(np.int16))
            if (difference.mean(axis=2) > 20).sum() > 200:
                changed.add(old.index)
    return changed


def test_reference_video_swaps_one_person(analyser: FaceAnalyser, tmp_path: Path) -> None:
    # The reference is the man in the helmet, cropped from frame 60. The woman in
    # glasses, alone in frames 140 to 210, is near him by dlib's measure (0.62 to 0.74).
    target = shared_video(THREE_PEOPLE)
    with VideoReader(target) as reader:
        frame = next(item for item in reader if item.index == 60).image
    box = analyser.find_faces(frame)[0].box
    left, top = int(max(0, box.x - box.width)), int(max(0, box.y - box.height))
    crop = frame[top : int(box.y + 2 * box.height), left : int(box.x + 2 * box.width)]
    reference = tmp_path / "man.png"
    cv2.imwrite(str(reference), crop)
    options = SwapOptions(
        faces=FaceSelection.REFERENCE, reference=reference, label=LabelOptions(visible=False)
    )
    output = tmp_path / "out.mp4"

    reference_engine = SwapEngine(options)
    try:
        reference_engine.swap_file(shared_face("obama-official-portrait-2012.jpg"), target, output)
    finally:
        reference_engine.close()

    changed = changed_frames(target, output)
    assert set(range(50, 70)) <= changed
    assert not changed & set(range(140, 211))


@pytest.mark.parametrize(
    ("source", "small"),
    [("eileen-collins-astronaut-nasa.png", True), ("biden-official-vp-portrait-2013.jpg", False)],
)
def test_small_source_face_noticed(tmp_path: Path, source: str, small: bool) -> None:
    # Obama's face in his portrait is about 240 px wide; Collins's in hers about 90.
    _, _, report, _ = swap_photo(
        tmp_path, shared_face("obama-official-portrait-2012.jpg"), source=shared_face(source)
    )

    found = [notice for notice in report.notices if isinstance(notice, SourceFaceSmall)]
    assert len(found) == (1 if small else 0)
    if small:
        assert found[0].params["source_width"] * 2 <= found[0].params["target_width"]
        assert found[0].message("en").startswith(f"The face in {shared_face(source)} is ")
        assert "像素" in found[0].message("zh-CN")
