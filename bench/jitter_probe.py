"""Tell real shake from measuring-mesh noise in quality.py's jitter figure.

quality.py measures jitter with MediaPipe's mesh on the swap output. A pasted
texture that MediaPipe reads less steadily (for example dark glasses rims)
raises that figure even when the pixels move no more. For one video and
several face photos this script prints, all as % of the face size:

- tracker: the engine's own tracker run on the target alone, its raw and its
  smoothed mesh, and how far the smoothed centroid trails the raw one;
- placing mesh jitter: the mesh that places each face's warped texture, the
  smoothed mesh after the shape step (on the target's row, the smoothed mesh
  itself);
- mesh jitter: quality.py's measure, on the target and on each output, but
  the output's mesh is followed on its own, without the target's face box as
  a hint, so the figures can differ a little from quality.py's;
- image jitter: the same second difference on KLT feature tracks
  (cv2.calcOpticalFlowPyrLK) over three frames, with no mesh on the output,
  split into the eye and brow band and the rest of the inner face;
- mesh noise: how far the static mesh moves on an unchanged frame when only
  Gaussian pixel noise differs, on every 10th frame.

Usage: python bench/jitter_probe.py [--video NAME] [--face NAME ...]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from mediapipe.python.solutions import face_mesh_connections

from clips import quiet_engine_logs, shared_face, shared_video, status
from quality import FaceFollower, prepare_target
from report import markdown_table, write_report
from vidswap.swap.analyser import FaceAnalyser
from vidswap.swap.face import Box
from vidswap.swap.media.images import read_picture
from vidswap.swap.media.video import VideoReader
from vidswap.swap.options import LabelOptions, SwapOptions
from vidswap.swap.pipeline import SwapEngine
from vidswap.swap.shape import FaceShaper
from vidswap.swap.source import analyse_source
from vidswap.swap.track import FaceTracker

DEFAULT_VIDEO = "obama-weekly-address-talking-720p-b.mp4"
DEFAULT_FACES = (
    "grace-hopper-glasses-us-navy.jpg",
    "biden-official-vp-portrait-2013.jpg",
    "two-women-glasses-pixabay.jpg",
)
EYE_POINTS = sorted(
    {
        index
        for edge in face_mesh_connections.FACEMESH_LEFT_EYE
        | face_mesh_connections.FACEMESH_RIGHT_EYE
        | face_mesh_connections.FACEMESH_LEFT_EYEBROW
        | face_mesh_connections.FACEMESH_RIGHT_EYEBROW
        for index in edge
    }
)
OVAL_POINTS = sorted({index for edge in face_mesh_connections.FACEMESH_FACE_OVAL for index in edge})
# Standard deviation of the added pixel noise, in grey levels. NOTE: chosen as
# a codec-sized change, not measured from an encode.
NOISE_SIGMA = 1.5
NOISE_COPIES = 8
LUCAS_KANADE = {
    "winSize": (15, 15),
    "maxLevel": 2,
    "criteria": (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 20, 0.01),
}


@dataclass
class Clip:
    """The frames of one video and the bench follower's mesh (468 points) in each."""

    frames: list[np.ndarray]
    meshes: list[np.ndarray | None]
    sizes: list[float]


def read_clip(path: Path, analyser: FaceAnalyser) -> Clip:
    follower = FaceFollower(analyser)
    clip = Clip([], [], [])
    reader = VideoReader(path)
    try:
        for frame in reader:
            face = follower.follow(frame.image)
            clip.frames.append(frame.image)
            clip.meshes.append(None if face is None else face.landmarks[:468, :2].astype(float))
            clip.sizes.append(np.nan if face is None else face.box.size)
    finally:
        reader.close()
    return clip


def mesh_jitter(meshes: list[np.ndarray | None], sizes: list[float]) -> float:
    """Return quality.py's jitter: mean second difference of the centred mesh, over face size."""
    values = []
    for t in range(1, len(meshes) - 1):
        window = meshes[t - 1 : t + 2]
        if any(mesh is None for mesh in window):
            continue
        centred = [mesh - mesh.mean(axis=0) for mesh in window if mesh is not None]
        acceleration = centred[2] - 2 * centred[1] + centred[0]
        values.append(np.linalg.norm(acceleration, axis=1).mean() / sizes[t])
    return float(np.mean(values)) * 100


@dataclass
class TrackerRun:
    """The engine's tracker on the target alone: its table row, and per frame the
    smoothed landmarks (478x3, None where no face) and the face size."""

    row: list[str]
    landmarks: list[np.ndarray | None]
    sizes: list[float]


def tracker_run(target: Path, analyser: FaceAnalyser) -> TrackerRun:
    """Run the engine's tracker on the target alone and measure its raw and smoothed meshes."""
    tracker = FaceTracker(analyser)
    raw: list[np.ndarray | None] = []
    smoothed: list[np.ndarray | None] = []
    landmarks: list[np.ndarray | None] = []
    sizes: list[float] = []
    trail = []
    reader = VideoReader(target)
    try:
        for frame in reader:
            tracks = tracker.update(frame.image, frame.seconds)
            if not tracks:
                raw.append(None)
                smoothed.append(None)
                landmarks.append(None)
                sizes.append(np.nan)
                continue
            track = tracks[0]
            raw.append(track.face.landmarks[:468, :2].astype(float))
            smoothed.append(track.smoothed[:468, :2].astype(float))
            landmarks.append(track.smoothed.copy())
            sizes.append(track.face.box.size)
            shift = smoothed[-1].mean(axis=0) - raw[-1].mean(axis=0)
            trail.append(float(np.linalg.norm(shift)) / sizes[-1] * 100)
    finally:
        reader.close()
        tracker.close()
    row = [
        f"{mesh_jitter(raw, sizes):.3f}",
        f"{mesh_jitter(smoothed, sizes):.3f}",
        f"{np.mean(trail):.2f} (max {np.max(trail):.2f})",
    ]
    return TrackerRun(row, landmarks, sizes)


def placing_jitter(
    face_path: Path, run: TrackerRun, analyser: FaceAnalyser, shape_transfer: float
) -> float:
    """Jitter of the mesh that places this face's texture: the smoothed mesh after the shape step."""
    source, _ = analyse_source(read_picture(face_path).bgr, face_path, analyser)
    shaper = FaceShaper(source.face.landmarks, shape_transfer)
    placed = [
        None if landmarks is None else shaper.shape(landmarks).landmarks[:468, :2].astype(float)
        for landmarks in run.landmarks
    ]
    return mesh_jitter(placed, run.sizes)


def inner_face_bands(mesh: np.ndarray, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Return uint8 masks of the eye and brow band and of the rest of the inner face."""
    face = np.zeros(shape[:2], np.uint8)
    cv2.fillConvexPoly(face, cv2.convexHull(mesh[OVAL_POINTS].astype(np.int32)), 255)
    inset = max(1, int(Box.around(mesh).size * 0.12))
    face = cv2.erode(face, np.ones((inset, inset), np.uint8))
    low, high = mesh[EYE_POINTS].min(axis=0), mesh[EYE_POINTS].max(axis=0)
    padding = (high - low) * np.array([0.05, 0.25])
    (left, top), (right, bottom) = (low - padding).astype(int), (high + padding).astype(int)
    band = np.zeros_like(face)
    band[max(top, 0) : bottom, max(left, 0) : right] = 255
    return cv2.bitwise_and(face, band), cv2.bitwise_and(face, cv2.bitwise_not(band))


def feature_jitter(grays: list[np.ndarray], t: int, mask: np.ndarray, size: float) -> float:
    """Return the mean second difference of KLT tracks from frame t-1 to t+1, over ``size``."""
    start = cv2.goodFeaturesToTrack(grays[t - 1], 60, 0.01, 4, mask=mask)
    if start is None or len(start) < 5:
        return np.nan
    middle, found_middle, _ = cv2.calcOpticalFlowPyrLK(
        grays[t - 1], grays[t], start, None, **LUCAS_KANADE
    )
    end, found_end, _ = cv2.calcOpticalFlowPyrLK(
        grays[t], grays[t + 1], middle, None, **LUCAS_KANADE
    )
    back, found_back, _ = cv2.calcOpticalFlowPyrLK(
        grays[t + 1], grays[t - 1], end, None, **LUCAS_KANADE
    )
    # Keep tracks that the backward pass brings to within half a pixel of their start.
    returned = np.linalg.norm((back - start)[:, 0], axis=1) < 0.5
    kept = (found_middle[:, 0] == 1) & (found_end[:, 0] == 1) & (found_back[:, 0] == 1) & returned
    if kept.sum() < 5:
        return np.nan
    acceleration = (end - 2 * middle + start)[kept, 0].astype(float)
    acceleration -= acceleration.mean(axis=0)
    return float(np.linalg.norm(acceleration, axis=1).mean()) / size


def image_jitter(clip: Clip, target: Clip) -> tuple[float, float]:
    """Return KLT jitter (% face) in the eye band and the rest, both placed by the target's mesh."""
    grays = [cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) for frame in clip.frames]
    band_values, rest_values = [], []
    for t in range(1, len(grays) - 1):
        mesh = target.meshes[t - 1]
        if mesh is None:
            continue
        band, rest = inner_face_bands(mesh, grays[0].shape)
        size = Box.around(mesh).size
        band_values.append(feature_jitter(grays, t, band, size))
        rest_values.append(feature_jitter(grays, t, rest, size))
    return float(np.nanmean(band_values)) * 100, float(np.nanmean(rest_values)) * 100


def mesh_noise(clip: Clip, analyser: FaceAnalyser, seed: int = 0) -> float:
    """Return the mean point spread (% face) of the static mesh over noisy copies of still frames."""
    generator = np.random.default_rng(seed)
    spreads = []
    for index in range(5, len(clip.frames), 10):
        mesh = clip.meshes[index]
        if mesh is None:
            continue
        frame = clip.frames[index].astype(np.float32)
        centred = []
        for _ in range(NOISE_COPIES):
            noisy = frame + generator.normal(0, NOISE_SIGMA, frame.shape)
            face = analyser.locate(np.clip(noisy, 0, 255).astype(np.uint8), Box.around(mesh))
            if face is not None:
                points = face.landmarks[:468, :2].astype(float)
                centred.append(points - points.mean(axis=0))
        if len(centred) > 1:
            stack = np.array(centred)
            spread = np.linalg.norm(stack - stack.mean(axis=0), axis=2).mean()
            spreads.append(spread / Box.around(mesh).size)
    return float(np.mean(spreads)) * 100


def clip_row(
    name: str, clip: Clip, target: Clip, analyser: FaceAnalyser, placing: float
) -> list[str]:
    band, rest = image_jitter(clip, target)
    return [
        name,
        f"{placing:.3f}",
        f"{mesh_jitter(clip.meshes, clip.sizes):.3f}",
        f"{band:.3f}",
        f"{rest:.3f}",
        f"{mesh_noise(clip, analyser):.3f}",
    ]


def probe(video_name: str, face_names: list[str], max_seconds: float, work: Path) -> str:
    """Swap each face into the video and return the markdown tables."""
    analyser = FaceAnalyser()
    target_path = prepare_target(shared_video(video_name), max_seconds, work)
    status("jitter probe: tracking the target")
    tracker = tracker_run(target_path, analyser)
    target = read_clip(target_path, analyser)
    smoothed = mesh_jitter(
        [None if m is None else m[:468, :2].astype(float) for m in tracker.landmarks],
        tracker.sizes,
    )
    rows = [clip_row(f"target `{video_name}`", target, target, analyser, smoothed)]

    engine = SwapEngine(SwapOptions(label=LabelOptions(visible=False)))
    for face_name in face_names:
        status(f"jitter probe: swapping {face_name}")
        face_path = shared_face(face_name)
        output = work / f"swap-{Path(face_name).stem}.mp4"
        engine.swap_file(face_path, target_path, output)
        placing = placing_jitter(face_path, tracker, analyser, engine.options.shape_transfer)
        clip = read_clip(output, analyser)
        rows.append(clip_row(f"output, `{face_name}`", clip, target, analyser, placing))
    engine.close()
    analyser.close()

    tracker_table = markdown_table(
        ["raw mesh jitter", "smoothed mesh jitter", "smoothed centroid trails raw, mean"],
        [tracker.row],
    )
    clip_table = markdown_table(
        [
            "clip",
            "placing mesh jitter",
            "mesh jitter",
            "image jitter, eye band",
            "image jitter, rest",
            "mesh noise",
        ],
        rows,
    )
    return (
        f"Engine tracker on the target alone (% face):\n\n{tracker_table}\n"
        f"Mesh and image jitter (% face; mesh noise: {NOISE_SIGMA} grey levels):\n\n{clip_table}"
    )


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", default=DEFAULT_VIDEO, help="target video in shared/data")
    parser.add_argument(
        "--face",
        action="append",
        help="face photo in shared/data, repeatable (default: " + ", ".join(DEFAULT_FACES) + ")",
    )
    parser.add_argument(
        "--max-seconds", type=float, default=4.0, help="cut longer videos to this many seconds"
    )
    parser.add_argument("--markdown", type=Path, help="also write the report to this file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    quiet_engine_logs()
    faces = arguments.face or list(DEFAULT_FACES)
    with tempfile.TemporaryDirectory(prefix="vidswap-jitter-") as folder:
        text = probe(arguments.video, faces, arguments.max_seconds, Path(folder))
    write_report(text, arguments.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
