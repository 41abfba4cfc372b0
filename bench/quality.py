"""Swap quality on real videos: identity, pose and expression, jitter, background.

For each (video, face photo) pair of different people, the clip is swapped
and the output is compared with the input clip frame by frame. The visible
label is turned off, because it is a deliberate change in a corner and not
part of swap quality. The measures:

- identity: dlib's 128-d descriptor distance of the output face to the source
  photo and to the input (target) face in the same frame, on every
  ``--sample-every``-th frame;
- pose and expression: mean distance between the MediaPipe meshes of the output
  and the target face, over the face size, on the same frames; the mesh change
  between two consecutive target frames is the scale reference;
- jitter: the mean second difference of the mesh points over three
  consecutive frames, after subtracting each frame's mesh centroid, over the
  face size, for output and target on the same frames;
- background: mean absolute difference (grey levels, 0 to 255) between output
  and target pixels outside the face box enlarged by ``BACKGROUND_MARGIN`` of
  the face size on every side; a plain transcode of the same clip through
  VideoReader and VideoWriter gives the codec noise floor.

Usage: python bench/quality.py [--pairs N] [--sample-every 5] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from clips import (
    BENCH_OUT,
    ClipRequest,
    make_clip,
    quiet_engine_logs,
    shared_face,
    shared_video,
    status,
    transcode,
)
from report import goal_status, markdown_table, write_report
from vidswap.swap.analyser import FaceAnalyser
from vidswap.swap.face import Box, Face
from vidswap.swap.identity import IdentityEncoder, identity_distance
from vidswap.swap.media.images import read_picture
from vidswap.swap.media.video import VideoReader, probe_video
from vidswap.swap.options import LabelOptions, SwapOptions
from vidswap.swap.pipeline import SwapEngine

# Different-person pairs, the clearest single-face videos first, so --pairs N
# keeps the most telling ones.
PAIRS: tuple[tuple[str, str], ...] = (
    ("obama-weekly-address-talking-720p-a.mp4", "biden-official-vp-portrait-2013.jpg"),
    ("selfie-talking-vertical-720x1280.mp4", "eileen-collins-astronaut-nasa.png"),
    ("obama-weekly-address-talking-720p-b.mp4", "grace-hopper-glasses-us-navy.jpg"),
    ("obama-weekly-address-talking-720p-a.mp4", "mugshot-young-man-frontal-meds2.jpg"),
    ("selfie-talking-vertical-720x1280.mp4", "obama-official-portrait-2012.jpg"),
    ("obama-weekly-address-talking-720p-b.mp4", "two-women-glasses-pixabay.jpg"),
    ("obama-weekly-address-talking-720p-a.mp4", "eileen-collins-astronaut-nasa.png"),
    ("selfie-talking-vertical-720x1280.mp4", "mugshot-young-man-frontal-meds2.jpg"),
    ("obama-weekly-address-talking-720p-b.mp4", "biden-official-vp-portrait-2013.jpg"),
    ("indoor-group-event-640x480-ccby.mp4", "grace-hopper-glasses-us-navy.jpg"),
)
BACKGROUND_MARGIN = 0.3
# Pass marks. More than half of the sampled frames should be closer to the source
# than to the target. Jitter may exceed the target's by 10%. The background may
# differ from the target by at most 1.2 times as much as a plain transcode does.
GOAL_CLOSER_TO_SOURCE = 0.5
GOAL_JITTER_RATIO = 1.1
GOAL_BACKGROUND_RATIO = 1.2


@dataclass
class FramePair:
    """The target and output faces found in one frame, with the three frames' pixels."""

    index: int
    target_face: Face
    output_face: Face
    target: np.ndarray
    output: np.ndarray
    transcoded: np.ndarray


@dataclass
class PairResult:
    video: str
    face: str
    frames: int = 0
    frames_with_faces: int = 0
    closer_to_source: list[bool] = field(default_factory=list)
    output_to_source: list[float] = field(default_factory=list)
    output_to_target: list[float] = field(default_factory=list)
    target_to_source: list[float] = field(default_factory=list)
    mesh_error: list[float] = field(default_factory=list)
    # Per sampled frame, output mesh minus target mesh, both centred, over the face size.
    mesh_offsets: list[np.ndarray] = field(default_factory=list)
    consecutive_target_change: list[float] = field(default_factory=list)
    output_jitter: list[float] = field(default_factory=list)
    target_jitter: list[float] = field(default_factory=list)
    background_swap: list[float] = field(default_factory=list)
    background_floor: list[float] = field(default_factory=list)


class FaceFollower:
    """Follow one face through a video: re-locate the mesh near its last box, else detect."""

    def __init__(self, analyser: FaceAnalyser) -> None:
        self._analyser = analyser
        self._last: Face | None = None

    def follow(self, bgr: np.ndarray, hint: Box | None = None) -> Face | None:
        """Return the face near the last one, near ``hint``, or the largest face, in that order."""
        face = None
        if self._last is not None:
            face = self._analyser.locate(bgr, self._last.box)
        if face is None and hint is not None:
            face = self._analyser.locate(bgr, hint)
        if face is None and hint is None:
            faces = self._analyser.find_faces(bgr)
            face = faces[0] if faces else None
        self._last = face
        return face


def read_in_step(*paths: Path) -> Iterator[tuple[np.ndarray, ...]]:
    """Yield the frames of several videos with the same frame count, one tuple per frame."""
    readers = [VideoReader(path) for path in paths]
    try:
        for frames in zip(*readers, strict=True):
            yield tuple(frame.image for frame in frames)
    finally:
        for reader in readers:
            reader.close()


def face_pairs(
    analyser: FaceAnalyser, target: Path, output: Path, transcoded: Path
) -> Iterator[FramePair | None]:
    """Yield the matched target and output faces of every frame, or None where one is missing."""
    target_follower = FaceFollower(analyser)
    output_follower = FaceFollower(analyser)
    for index, (target_bgr, output_bgr, transcoded_bgr) in enumerate(
        read_in_step(target, output, transcoded)
    ):
        target_face = target_follower.follow(target_bgr)
        output_face = None
        if target_face is not None:
            output_face = output_follower.follow(output_bgr, target_face.box)
        if target_face is None or output_face is None:
            yield None
            continue
        if output_face.box.iou(target_face.box) < 0.5:
            yield None
            continue
        yield FramePair(index, target_face, output_face, target_bgr, output_bgr, transcoded_bgr)


def centred_mesh(face: Face) -> np.ndarray:
    mesh = face.mesh.astype(np.float64)
    return mesh - mesh.mean(axis=0)


def mean_point_distance(first: np.ndarray, second: np.ndarray) -> float:
    return float(np.linalg.norm(first - second, axis=1).mean())


def second_difference(before: Face, now: Face, after: Face) -> float:
    """Mean second difference of the centred mesh points, over the face size."""
    acceleration = centred_mesh(after) - 2 * centred_mesh(now) + centred_mesh(before)
    return float(np.linalg.norm(acceleration, axis=1).mean()) / now.box.size


def background_difference(first: np.ndarray, second: np.ndarray, face: Box) -> float:
    """Mean absolute difference of two frames outside the enlarged face box, in grey levels."""
    height, width = first.shape[:2]
    margin = face.size * BACKGROUND_MARGIN
    left, top = max(0, int(face.x - margin)), max(0, int(face.y - margin))
    right = min(width, int(face.x + face.width + margin) + 1)
    bottom = min(height, int(face.y + face.height + margin) + 1)
    outside = np.ones((height, width), dtype=bool)
    outside[top:bottom, left:right] = False
    difference = np.abs(first.astype(np.int16) - second.astype(np.int16))
    return float(difference[outside].mean())


def measure_pair(
    result: PairResult,
    tools: tuple[FaceAnalyser, IdentityEncoder],
    source_embedding: np.ndarray,
    paths: tuple[Path, Path, Path],
    sample_every: int,
) -> None:
    """Fill ``result`` from the target clip, the swap output and the plain transcode."""
    analyser, encoder = tools
    # The last three frames; None where a face was missing. Frames are consecutive
    # because face_pairs yields one item per frame.
    recent: deque[FramePair | None] = deque([None, None, None], maxlen=3)
    for pair in face_pairs(analyser, *paths):
        result.frames += 1
        recent.append(pair)
        if pair is None:
            continue
        result.frames_with_faces += 1
        before, previous, _ = recent
        if before is not None and previous is not None:
            # Jitter is measured at the middle frame, ``previous``.
            result.output_jitter.append(
                second_difference(before.output_face, previous.output_face, pair.output_face)
            )
            result.target_jitter.append(
                second_difference(before.target_face, previous.target_face, pair.target_face)
            )
        if pair.index % sample_every == 0:
            _measure_sampled_frame(result, encoder, source_embedding, pair, previous)


def _measure_sampled_frame(
    result: PairResult,
    encoder: IdentityEncoder,
    source_embedding: np.ndarray,
    pair: FramePair,
    previous: FramePair | None,
) -> None:
    output_embedding = encoder.embed(pair.output, pair.output_face)
    target_embedding = encoder.embed(pair.target, pair.target_face)
    to_source = identity_distance(output_embedding, source_embedding)
    to_target = identity_distance(output_embedding, target_embedding)
    result.output_to_source.append(to_source)
    result.output_to_target.append(to_target)
    result.target_to_source.append(identity_distance(target_embedding, source_embedding))
    result.closer_to_source.append(to_source < to_target)

    size = pair.target_face.box.size
    result.mesh_error.append(
        mean_point_distance(pair.output_face.mesh, pair.target_face.mesh) / size
    )
    offset = centred_mesh(pair.output_face) - centred_mesh(pair.target_face)
    result.mesh_offsets.append(offset / size)
    if previous is not None:
        change = mean_point_distance(pair.target_face.mesh, previous.target_face.mesh)
        result.consecutive_target_change.append(change / size)

    result.background_swap.append(
        background_difference(pair.output, pair.target, pair.target_face.box)
    )
    result.background_floor.append(
        background_difference(pair.transcoded, pair.target, pair.target_face.box)
    )


def source_embedding_of(
    face_path: Path, analyser: FaceAnalyser, encoder: IdentityEncoder
) -> np.ndarray:
    picture = read_picture(face_path)
    faces = analyser.find_faces(picture.bgr)
    if not faces:
        raise ValueError(f"no face found in the source photo {face_path}")
    return encoder.embed(picture.bgr, faces[0])


def prepare_target(video: Path, max_seconds: float, work: Path) -> Path:
    """Return ``video`` itself when short enough, else its first ``max_seconds`` re-encoded."""
    if probe_video(video).duration <= max_seconds:
        return video
    return make_clip(video, work / f"target-{video.stem}.mp4", ClipRequest(max_seconds=max_seconds))


def run_pairs(
    pairs: list[tuple[str, str]], sample_every: int, max_seconds: float, outputs: Path
) -> list[PairResult]:
    """Swap every pair and measure it; one target clip and one transcode per video."""
    engine = SwapEngine(SwapOptions(label=LabelOptions(visible=False)))
    analyser = FaceAnalyser()
    encoder = IdentityEncoder()
    targets: dict[str, tuple[Path, Path]] = {}
    results = []
    for video_name, face_name in pairs:
        if video_name not in targets:
            target = prepare_target(shared_video(video_name), max_seconds, outputs)
            floor = outputs / f"transcode-{Path(video_name).stem}.mp4"
            transcode(target, floor, crf=engine.options.quality, label=None)
            targets[video_name] = (target, floor)
        target, floor = targets[video_name]

        face_path = shared_face(face_name)
        output = outputs / f"swap-{Path(video_name).stem}-{Path(face_name).stem}.mp4"
        status(f"quality: swapping {face_name} into {video_name}")
        engine.swap_file(face_path, target, output)

        result = PairResult(video_name, face_name)
        embedding = source_embedding_of(face_path, analyser, encoder)
        measure_pair(result, (analyser, encoder), embedding, (target, output, floor), sample_every)
        results.append(result)
    engine.close()
    analyser.close()
    return results


def _mean(values: list[float], scale: float = 1.0, digits: int = 3) -> str:
    if not values:
        return "n/a"
    return f"{statistics.fmean(values) * scale:.{digits}f}"


def _ratio(numerator: list[float], denominator: list[float]) -> float | None:
    if not numerator or not denominator or statistics.fmean(denominator) == 0:
        return None
    return statistics.fmean(numerator) / statistics.fmean(denominator)


def _goal(value: float | None, limit: float, *, at_most: bool) -> str:
    if value is None:
        return "n/a"
    return goal_status(value <= limit if at_most else value > limit)


def identity_table(results: list[PairResult]) -> str:
    rows = []
    for result in results:
        closer = _ratio([float(flag) for flag in result.closer_to_source], [1.0])
        rows.append(
            (
                f"`{result.video}`",
                f"`{result.face}`",
                f"{len(result.closer_to_source)}/{result.frames}",
                "n/a" if closer is None else f"{closer:.0%}",
                _mean(result.output_to_source),
                _mean(result.output_to_target),
                _mean(result.target_to_source),
                _goal(closer, GOAL_CLOSER_TO_SOURCE, at_most=False),
            )
        )
    header = (
        "video",
        "face",
        "sampled frames / all",
        "output closer to source",
        "d(output, source)",
        "d(output, target)",
        "d(target, source)",
        f"goal > {GOAL_CLOSER_TO_SOURCE:.0%}",
    )
    return markdown_table(header, rows)


def motion_errors(result: PairResult) -> list[float]:
    """Mesh error per sampled frame with the pair's mean offset taken out.

    The swap gives the face the source's proportions on purpose, which is a
    constant offset between the output's mesh and the target's. What is left
    is how far the output's pose and expression stray from the target's.
    """
    if not result.mesh_offsets:
        return []
    mean_offset = np.mean(result.mesh_offsets, axis=0)
    return [float(np.linalg.norm(o - mean_offset, axis=1).mean()) for o in result.mesh_offsets]


def motion_table(results: list[PairResult]) -> str:
    rows = []
    for result in results:
        jitter_ratio = _ratio(result.output_jitter, result.target_jitter)
        rows.append(
            (
                f"`{result.video}`",
                f"`{result.face}`",
                _mean(result.mesh_error, 100, 2),
                _mean(motion_errors(result), 100, 2),
                _mean(result.consecutive_target_change, 100, 2),
                len(result.output_jitter),
                _mean(result.output_jitter, 100, 3),
                _mean(result.target_jitter, 100, 3),
                "n/a" if jitter_ratio is None else f"{jitter_ratio:.2f}",
                _goal(jitter_ratio, GOAL_JITTER_RATIO, at_most=True),
            )
        )
    header = (
        "video",
        "face",
        "mesh error output vs target, % face",
        "the same, mean offset taken out, % face",
        "target frame-to-frame change, % face",
        "jitter frames",
        "output jitter, % face",
        "target jitter, % face",
        "jitter ratio",
        f"goal ≤ {GOAL_JITTER_RATIO}",
    )
    return markdown_table(header, rows)


def background_table(results: list[PairResult]) -> str:
    rows = []
    for result in results:
        ratio = _ratio(result.background_swap, result.background_floor)
        rows.append(
            (
                f"`{result.video}`",
                f"`{result.face}`",
                _mean(result.background_swap, digits=2),
                _mean(result.background_floor, digits=2),
                "n/a" if ratio is None else f"{ratio:.2f}",
                _goal(ratio, GOAL_BACKGROUND_RATIO, at_most=True),
            )
        )
    header = (
        "video",
        "face",
        "swap vs target",
        "transcode vs target (floor)",
        "ratio",
        f"goal ≤ {GOAL_BACKGROUND_RATIO}",
    )
    return markdown_table(header, rows)


def results_markdown(results: list[PairResult], sample_every: int, max_seconds: float) -> str:
    return (
        f"Each video is cut to its first {max_seconds:g} s when longer (re-encoded with PyAV). "
        f"Identity, mesh error and background use every {sample_every}th frame where both the "
        "target and the output face were found; jitter uses every run of three consecutive "
        "such frames. The swap runs with the visible label off.\n\n"
        "Identity (dlib descriptor distance; below 0.6 is dlib's same-person threshold):\n\n"
        + identity_table(results)
        + "\nPose, expression and jitter (MediaPipe mesh, 468 points, distances over the "
        "face box size):\n\n"
        + motion_table(results)
        + "\nBackground, mean absolute difference in grey levels outside the face box "
        f"enlarged by {BACKGROUND_MARGIN:.0%} of its size per side:\n\n" + background_table(results)
    )


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--pairs",
        type=int,
        default=len(PAIRS),
        help=f"measure the first N of the {len(PAIRS)} pairs",
    )
    parser.add_argument(
        "--sample-every",
        type=int,
        default=5,
        help="identity, mesh error, background every Nth frame",
    )
    parser.add_argument(
        "--max-seconds", type=float, default=4.0, help="cut longer videos to this many seconds"
    )
    parser.add_argument(
        "--keep-outputs",
        action="store_true",
        help="keep swaps in bench/out/quality/ (git-ignored; internal use only) instead of a temp folder",
    )
    parser.add_argument("--markdown", type=Path, help="also write the report to this file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    quiet_engine_logs()
    pairs = list(PAIRS[: arguments.pairs])
    if arguments.keep_outputs:
        outputs = BENCH_OUT / "quality"
        outputs.mkdir(parents=True, exist_ok=True)
        results = run_pairs(pairs, arguments.sample_every, arguments.max_seconds, outputs)
    else:
        with tempfile.TemporaryDirectory(prefix="vidswap-quality-") as folder:
            results = run_pairs(pairs, arguments.sample_every, arguments.max_seconds, Path(folder))

    text = results_markdown(results, arguments.sample_every, arguments.max_seconds)
    write_report(text, arguments.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
