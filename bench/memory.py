"""Peak memory of a swap of a short clip and of the same clip repeated ten times.

The engine decodes, swaps and encodes one frame at a time, so the peak
resident set size (RSS) should not grow with the length of the video. Each
measurement runs in a fresh Python process, and the parent reads that child's
peak RSS (``ru_maxrss``) from ``os.wait4``. A third child only loads the
engine's models, which shows how much of the peak is fixed cost.

Usage: python bench/memory.py [--short-seconds 1.0] [--copies 10] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from clips import (
    ClipRequest,
    concatenate_clip,
    make_clip,
    quiet_engine_logs,
    shared_face,
    shared_video,
    status,
)
from report import goal_status, markdown_table, write_report
from vidswap.swap.options import SwapOptions
from vidswap.swap.pipeline import SwapEngine

DEFAULT_VIDEO = "obama-weekly-address-talking-720p-a.mp4"
DEFAULT_FACE = "biden-official-vp-portrait-2013.jpg"
# The long swap may peak at most 10% above the short one.
GOAL_MAX_GROWTH = 0.10


@dataclass(frozen=True)
class ChildResult:
    """One child process: its peak RSS in MiB, frames swapped (0 when it only loaded models)."""

    label: str
    peak_mib: float
    frames: int
    seconds: float


def run_child(label: str, arguments: list[str], work: Path) -> ChildResult:
    """Run this script in child mode and return its peak RSS from the kernel's accounting."""
    result_path = work / f"child-{len(list(work.iterdir()))}.json"
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(result_path)]
    process = subprocess.Popen([*command, *arguments], stdout=subprocess.DEVNULL)
    _, wait_status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(wait_status)
    if process.returncode != 0:
        raise RuntimeError(f"memory child '{label}' failed with exit status {process.returncode}")
    child = json.loads(result_path.read_text())
    # Linux reports ru_maxrss in KiB.
    return ChildResult(label, usage.ru_maxrss / 1024, child["frames"], child["seconds"])


def child_main(result_path: Path, swap_arguments: list[str]) -> int:
    """Load the engine and, when given face, target and output paths, swap once."""
    quiet_engine_logs()
    engine = SwapEngine(SwapOptions())
    frames = 0
    seconds = 0.0
    if swap_arguments:
        face, target, output = (Path(argument) for argument in swap_arguments)
        report = engine.swap_file(face, target, output)
        frames, seconds = report.frames, report.seconds
    engine.close()
    result_path.write_text(json.dumps({"frames": frames, "seconds": seconds}))
    return 0


def results_markdown(results: list[ChildResult], short: ChildResult, long: ChildResult) -> str:
    growth = long.peak_mib / short.peak_mib - 1
    rows = []
    for result in results:
        if result is long:
            goal = f"≤ short + {GOAL_MAX_GROWTH:.0%}: {goal_status(growth <= GOAL_MAX_GROWTH)}"
        else:
            goal = ""
        rows.append(
            (
                result.label,
                result.frames,
                f"{result.seconds:.1f}",
                f"{result.peak_mib:.0f}",
                goal,
            )
        )
    table = markdown_table(("process", "frames", "swap s", "peak RSS MiB", "goal"), rows)
    return table + f"\nLong versus short: {growth:+.1%} peak RSS.\n"


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--video", default=DEFAULT_VIDEO, help="file name in shared/data/videos")
    parser.add_argument("--face", default=DEFAULT_FACE, help="file name in shared/data/faces")
    parser.add_argument(
        "--short-seconds", type=float, default=1.0, help="length of the short clip in seconds"
    )
    parser.add_argument("--copies", type=int, default=10, help="copies of the short clip")
    parser.add_argument("--markdown", type=Path, help="also write the report to this file")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("swap", nargs="*", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    if arguments.child is not None:
        return child_main(arguments.child, arguments.swap)

    video = shared_video(arguments.video)
    face = str(shared_face(arguments.face))
    with tempfile.TemporaryDirectory(prefix="vidswap-memory-") as folder:
        work = Path(folder)
        clips = work / "clips"
        clips.mkdir()
        short_clip = make_clip(
            video, clips / "short.mp4", ClipRequest(max_seconds=arguments.short_seconds)
        )
        long_clip = concatenate_clip(short_clip, clips / "long.mp4", arguments.copies)

        status("memory: loading the models only")
        loaded = run_child("models loaded, no swap", [], work)
        status("memory: swapping the short clip")
        short = run_child(
            f"swap, {arguments.short_seconds:g} s clip",
            [face, str(short_clip), str(work / "short-out.mp4")],
            work,
        )
        status("memory: swapping the long clip")
        long = run_child(
            f"swap, the same clip ×{arguments.copies}",
            [face, str(long_clip), str(work / "long-out.mp4")],
            work,
        )

    text = (
        f"Clip: `{arguments.video}`, first {arguments.short_seconds:g} s at its own size "
        f"(re-encoded with PyAV, audio copied); the long clip is {arguments.copies} copies of "
        f"it joined with continuous timestamps (stream copy). Face: `{arguments.face}`. "
        "Each row is a fresh process; peak RSS is `ru_maxrss` from `os.wait4`.\n\n"
        + results_markdown([loaded, short, long], short, long)
    )
    write_report(text, arguments.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
