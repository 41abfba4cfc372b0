"""Cost of the browser-playable copy of a target, side by side with a swap of the same clip.

For each clip the script times four kinds of step in alternating rounds. They
are a swap (``SwapEngine.swap_file``) and the old copy, a full-size re-encode
at CRF 23 with the ``veryfast`` preset. Then come the scaled re-encode that
``reencode_for_browsers`` makes with each preset under test, and a packet copy
into MP4 (``copy_into_mp4``). Each cost is the median copy time over the median
swap time of the same clip, which is the share that ``PREVIEW_FRAME_COSTS`` in
``vidswap/worker/preview.py`` needs. The clips are the HEVC test clip and the
first 4 s of the 720p Obama clip scaled to 720 and 1080 lines, as speed.py
makes them.

Usage: python bench/browser_preview.py [--runs 3] [--presets veryfast superfast ultrafast]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from clips import (
    ClipRequest,
    make_clip,
    quiet_engine_logs,
    shared_face,
    shared_video,
    status,
)
from report import markdown_table, write_report
from vidswap.swap.media.browser import PREVIEW_CRF, reencode_for_browsers
from vidswap.swap.media.stream_copy import copy_into_mp4
from vidswap.swap.media.video import VideoReader, VideoWriter, probe_video
from vidswap.swap.options import SwapOptions
from vidswap.swap.pipeline import SwapEngine

HEVC_VIDEO = "indoor-group-event-1s-hevc-ccby.mp4"
SCALED_VIDEO = "obama-weekly-address-talking-720p-a.mp4"
FACE = "biden-official-vp-portrait-2013.jpg"
SCALED_HEIGHTS = (720, 1080)
SCALED_SECONDS = 4.0


def full_size_copy(source: Path, output: Path) -> None:
    """Write the copy as the worker did before scaling: full size, CRF 23, veryfast."""
    with (
        VideoReader(source) as reader,
        VideoWriter(
            output, reader, crf=PREVIEW_CRF, preset="veryfast", ai_generated=False
        ) as writer,
    ):
        for frame in reader:
            writer.write(frame.image, frame)


def timed(step: Callable[[], object]) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def measure_clip(
    engine: SwapEngine, face: Path, clip: Path, presets: list[str], runs: int, work: Path
) -> tuple[str, int, dict[str, list[float]], dict[str, int], str]:
    """Time every step on ``clip`` ``runs`` times, alternating; return the size, the
    frame count, each step's times, each copy's file size and the copy's size."""
    info = probe_video(clip)
    outputs = {"swap": work / "swap.mp4", "full size veryfast": work / "full.mp4"}
    steps: dict[str, Callable[[], object]] = {
        "swap": lambda: engine.swap_file(face, clip, outputs["swap"]),
        "full size veryfast": lambda: full_size_copy(clip, outputs["full size veryfast"]),
    }
    for preset in presets:
        name = f"scaled {preset}"
        outputs[name] = work / f"scaled-{preset}.mp4"
        steps[name] = lambda o=outputs[name], p=preset: reencode_for_browsers(clip, o, preset=p)
    outputs["remux"] = work / "remux.mp4"
    steps["remux"] = lambda: copy_into_mp4(
        clip, outputs["remux"], copy_audio_codecs=frozenset({"aac"})
    )

    times: dict[str, list[float]] = {name: [] for name in steps}
    for run in range(runs):
        for name, step in steps.items():
            times[name].append(timed(step))
        status(
            f"{clip.name} run {run + 1}/{runs}: "
            + ", ".join(f"{name} {values[-1]:.2f} s" for name, values in times.items())
        )
    sizes = {name: path.stat().st_size for name, path in outputs.items()}
    scaled = probe_video(outputs[f"scaled {presets[0]}"])
    return (
        f"{info.width}x{info.height} {info.codec}",
        info.frame_count or 0,
        times,
        sizes,
        f"{scaled.width}x{scaled.height}",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="rounds per clip (default 3)")
    parser.add_argument(
        "--presets",
        nargs="+",
        default=["veryfast", "superfast", "ultrafast"],
        help="x264 presets for the scaled re-encode",
    )
    parser.add_argument("--markdown", type=Path, help="also write the report to this file")
    args = parser.parse_args()
    quiet_engine_logs()

    face = shared_face(FACE)
    engine = SwapEngine(SwapOptions())
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        clips = [shared_video(HEVC_VIDEO)]
        for height in SCALED_HEIGHTS:
            request = ClipRequest(height=height, max_seconds=SCALED_SECONDS)
            clips.append(
                make_clip(shared_video(SCALED_VIDEO), work / f"clip-{height}.mp4", request)
            )
        engine.swap_file(face, clips[0], work / "warm-up.mp4")
        for clip in clips:
            size, frames, times, sizes, scaled = measure_clip(
                engine, face, clip, args.presets, args.runs, work
            )
            swap_median = statistics.median(times["swap"])
            for name, values in times.items():
                median = statistics.median(values)
                rows.append(
                    (
                        size,
                        frames,
                        name if not name.startswith("scaled") else f"{name} ({scaled})",
                        f"{median:.2f}",
                        f"{frames / median:.0f}",
                        "1" if name == "swap" else f"{median / swap_median:.3f}",
                        f"{sizes[name] / 1024:.0f}",
                        " / ".join(f"{value:.2f}" for value in values),
                    )
                )
    header = (
        "clip",
        "frames",
        "step",
        "median s",
        "fps",
        "share of swap time",
        "file KiB",
        "s (each run)",
    )
    write_report(
        f"Medians of {args.runs} alternating rounds per clip.\n\n" + markdown_table(header, rows),
        args.markdown,
    )


if __name__ == "__main__":
    main()
