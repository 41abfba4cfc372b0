"""Hands in front of the face: kept or painted over, and what the hand search costs.

Quality: the selfie video's frames 140 to 185 are written as a clip. In about
151 to 172 the woman in front waves her open hand across her face. The clip is
swapped twice: with the hand search on, and with ``stages.find_hands``
replaced by a pass-through (the engine before hands were kept). In every frame, the
hand landmarker marks the hand's pixels over the woman's face, searching the
target frame. The table gives, per frame, the mean change of those pixels by
each swap. The change of the rest of the face box shows
whether the face was swapped in that frame at all. The change outside the
face, in the top rows of the frame (sky), is the codec's noise floor.

Speed: the first 4 s of the 720p Obama clip, which has no hand, swapped with
the search on and off in alternating rounds.

Usage: python bench/hands.py [--runs 3] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import cv2
import numpy as np

import vidswap.swap.stages as stages
from clips import ClipRequest, make_clip, quiet_engine_logs, shared_face, shared_video, status
from report import markdown_table, write_report
from vidswap.swap.analyser import FaceAnalyser
from vidswap.swap.face import Box
from vidswap.swap.hands import HandFinder, hand_mask
from vidswap.swap.media.video import VideoReader, VideoWriter
from vidswap.swap.options import LabelOptions, SwapOptions
from vidswap.swap.pipeline import SwapEngine

SELFIE = "selfie-three-people-rotation-metadata-ccby.mp4"
SELFIE_FRAMES = range(140, 186)
FACE_FRAME = 160
SPEED_VIDEO = "obama-weekly-address-talking-720p-a.mp4"
SOURCE = "eileen-collins-astronaut-nasa.png"
SPEED_SOURCE = "biden-official-vp-portrait-2013.jpg"
SKY_ROWS = 60
# Near-lossless, so the clip's own encoding changes the face as little as possible.
CLIP_CRF = 4


def without_hand_search(
    analysed: Iterable[stages.AnalysedFrame], finder: HandFinder, search_every: int = 8
) -> Iterator[stages.AnalysedFrame]:
    yield from analysed


def write_selfie_clip(path: Path) -> list[np.ndarray]:
    """Write the upright frames of SELFIE_FRAMES as an H.264 clip; return them as decoded."""
    with (
        VideoReader(shared_video(SELFIE)) as reader,
        VideoWriter(path, reader, crf=CLIP_CRF, keep_audio=False, ai_generated=False) as writer,
    ):
        for frame in reader:
            if frame.index in SELFIE_FRAMES:
                writer.write(frame.image, frame)
            if frame.index >= SELFIE_FRAMES[-1]:
                break
    return decode(path)


def decode(path: Path) -> list[np.ndarray]:
    with VideoReader(path) as reader:
        return [frame.image for frame in reader]


def swap(engine: SwapEngine, source: Path, target: Path, output: Path, search: bool) -> float:
    original = stages.find_hands
    if not search:
        stages.find_hands = without_hand_search
    try:
        started = time.perf_counter()
        engine.swap_file(source, target, output)
        return time.perf_counter() - started
    finally:
        stages.find_hands = original


def mean_change(before: np.ndarray, after: np.ndarray, where: np.ndarray) -> float:
    difference = cv2.absdiff(before, after).astype(np.float32).mean(axis=2)
    return float(difference[where].mean())


def face_near(analyser: FaceAnalyser, frames: list[np.ndarray], position: int) -> Box:
    """Return the largest face box in the frame nearest ``position`` where the detector finds one.

    The hand hides the face from the detector in most frames of the wave.
    """
    for offset in range(len(frames)):
        for candidate in (position - offset, position + offset):
            if 0 <= candidate < len(frames):
                faces = analyser.find_faces(frames[candidate])
                if faces:
                    return faces[0].box
    raise RuntimeError("no face found in the selfie clip")


def quality_rows(work: Path) -> list[tuple[object, ...]]:
    clip = work / "selfie.mp4"
    before = write_selfie_clip(clip)
    engine = SwapEngine(SwapOptions(label=LabelOptions(visible=False)))
    try:
        outputs = {}
        for search in (True, False):
            output = work / f"selfie-{search}.mp4"
            swap(engine, shared_face(SOURCE), clip, output, search)
            outputs[search] = decode(output)
    finally:
        engine.close()

    analyser, finder = FaceAnalyser(), HandFinder()
    face = face_near(analyser, before, FACE_FRAME - SELFIE_FRAMES[0])
    inside_face = np.zeros(before[0].shape[:2], bool)
    inside_face[int(face.y) : int(face.y + face.height), int(face.x) : int(face.x + face.width)] = (
        True
    )
    sky = np.zeros_like(inside_face)
    sky[:SKY_ROWS] = True
    rows = []
    for position, index in enumerate(SELFIE_FRAMES):
        hands = finder.find(before[position], face)
        mask = hand_mask(hands, (0, 0), inside_face.shape) if hands else None
        covered = (mask >= 1.0) & inside_face if mask is not None else None
        if covered is None or covered.sum() < 0.05 * face.area:
            continue
        rows.append(
            (
                index,
                f"{covered.sum() / face.area:.0%}",
                f"{mean_change(before[position], outputs[True][position], covered):.1f}",
                f"{mean_change(before[position], outputs[False][position], covered):.1f}",
                f"{mean_change(before[position], outputs[True][position], inside_face & ~covered):.1f}",
                f"{mean_change(before[position], outputs[True][position], sky):.1f}",
            )
        )
    analyser.close()
    finder.close()
    return rows


def speed_rows(work: Path, runs: int) -> list[tuple[object, ...]]:
    clip = make_clip(shared_video(SPEED_VIDEO), work / "speed.mp4", ClipRequest(max_seconds=4.0))
    engine = SwapEngine(SwapOptions())
    output = work / "speed-out.mp4"
    times: dict[bool, list[float]] = {True: [], False: []}
    try:
        swap(engine, shared_face(SPEED_SOURCE), clip, output, True)
        for run in range(runs):
            for search in (False, True):
                times[search].append(swap(engine, shared_face(SPEED_SOURCE), clip, output, search))
            status(
                f"speed run {run + 1}/{runs}: off {times[False][-1]:.2f} s, on {times[True][-1]:.2f} s"
            )
    finally:
        engine.close()
    off, on = statistics.median(times[False]), statistics.median(times[True])
    return [
        ("hand search off", f"{off:.2f}", "1", " / ".join(f"{t:.2f}" for t in times[False])),
        (
            "hand search on",
            f"{on:.2f}",
            f"{on / off:.3f}",
            " / ".join(f"{t:.2f}" for t in times[True]),
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="speed rounds per side (default 3)")
    parser.add_argument("--markdown", type=Path, help="also write the report to this file")
    args = parser.parse_args()
    quiet_engine_logs()

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        status("swapping the selfie clip with the hand search on and off")
        quality = quality_rows(work)
        status("timing the 720p clip with the hand search on and off")
        speed = speed_rows(work, args.runs)

    quality_header = (
        "frame",
        "face box covered by the hand",
        "hand pixels' change, search on",
        "search off",
        "rest of the face box's change, search on",
        "sky's change (codec noise)",
    )
    speed_header = ("swap of 4 s at 720p", "median s", "time / off", "s (each run)")
    write_report(
        "Mean change of the hand's pixels over the face, grey levels 0 to 255 "
        f"(`{SELFIE}`, face `{SOURCE}`):\n\n"
        + markdown_table(quality_header, quality)
        + f"\n\nMedians of {args.runs} alternating rounds (`{SPEED_VIDEO}`, face "
        f"`{SPEED_SOURCE}`):\n\n" + markdown_table(speed_header, speed),
        args.markdown,
    )


if __name__ == "__main__":
    main()
