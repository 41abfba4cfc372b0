"""Swap speed versus a plain transcode of the same clip, side by side, at several heights.

Both sides run the same media path: VideoReader decodes, the visible label is
drawn on every frame, and VideoWriter encodes at the engine's CRF and preset
and copies the audio. The swap side is ``SwapEngine.swap_file``, the code that
``vidswap swap`` runs, so the difference between the two is the face work.
Runs alternate (swap, transcode, swap, ...) and each side reports its median,
which keeps slow phases of a noisy machine from landing on one side only.
Each run also records the process's CPU time, summed over all threads. On
the shared 2-core VM, with other work running, the CPU ratio of single runs
stayed within 0.52 to 0.57 while the wall time ratio ranged from 0.35 to 0.89.

Usage: python bench/speed.py [--runs 3] [--heights 480 720 1080] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from clips import (
    ClipRequest,
    make_clip,
    quiet_engine_logs,
    shared_face,
    shared_video,
    status,
    transcode,
)
from report import goal_status, markdown_table, write_report
from vidswap.swap.media.video import probe_video
from vidswap.swap.options import SwapOptions
from vidswap.swap.pipeline import SwapEngine

DEFAULT_VIDEO = "obama-weekly-address-talking-720p-a.mp4"
DEFAULT_FACE = "biden-official-vp-portrait-2013.jpg"
GOAL_HEIGHT = 720
# A swap may cost at most 1/0.6 (about 1.7) times a plain transcode at 720p.
GOAL_MIN_RATIO = 0.6
PROFILE_ROWS = 15


@dataclass
class SpeedResult:
    height: int
    width: int
    frames: int
    swap_seconds: list[float]
    transcode_seconds: list[float]
    swap_cpu_seconds: list[float]
    transcode_cpu_seconds: list[float]

    @property
    def ratio(self) -> float:
        """Median transcode time over median swap time: 1.0 means the swap is free."""
        return statistics.median(self.transcode_seconds) / statistics.median(self.swap_seconds)

    @property
    def cpu_ratio(self) -> float:
        """Median transcode CPU time over median swap CPU time."""
        return statistics.median(self.transcode_cpu_seconds) / statistics.median(
            self.swap_cpu_seconds
        )


def timed_swap(
    engine: SwapEngine, face: Path, clip: Path, output: Path
) -> tuple[float, float, int]:
    """Return the wall time and the process CPU time of one swap, and its frame count."""
    started = time.perf_counter()
    cpu_started = time.process_time()
    frames = engine.swap_file(face, clip, output).frames
    return time.perf_counter() - started, time.process_time() - cpu_started, frames


def timed_transcode(engine: SwapEngine, clip: Path, output: Path) -> tuple[float, float]:
    """Return the wall time and the process CPU time of one transcode."""
    started = time.perf_counter()
    cpu_started = time.process_time()
    transcode(clip, output, crf=engine.options.quality, label=engine.options.label)
    return time.perf_counter() - started, time.process_time() - cpu_started


def measure_height(
    engine: SwapEngine, face: Path, clip: Path, height: int, runs: int, work: Path
) -> SpeedResult:
    """Time ``runs`` swaps and ``runs`` transcodes of ``clip``, alternating."""
    result = SpeedResult(height, probe_video(clip).width, 0, [], [], [], [])
    for run in range(runs):
        seconds, cpu_seconds, result.frames = timed_swap(
            engine, face, clip, work / f"swap-{height}.mp4"
        )
        result.swap_seconds.append(seconds)
        result.swap_cpu_seconds.append(cpu_seconds)
        seconds, cpu_seconds = timed_transcode(engine, clip, work / f"transcode-{height}.mp4")
        result.transcode_seconds.append(seconds)
        result.transcode_cpu_seconds.append(cpu_seconds)
        status(
            f"{height}p run {run + 1}/{runs}: swap {result.swap_seconds[-1]:.2f} s, "
            f"transcode {result.transcode_seconds[-1]:.2f} s, {result.frames} frames"
        )
    return result


def profile_swap(
    engine: SwapEngine, face: Path, clip: Path, output: Path
) -> tuple[pstats.Stats, float, int]:
    """Profile one swap in every thread; return the stats, the wall time and the thread count.

    cProfile profiles only the thread that enables it, and the engine runs its
    pipeline stages in worker threads, so each new thread enables its own
    profiler on its first profiling event and the stats are added together.
    """
    thread_profiles: list[cProfile.Profile] = []

    def start_thread_profile(frame: object, event: str, argument: object) -> None:
        sys.setprofile(None)
        profile = cProfile.Profile()
        thread_profiles.append(profile)
        profile.enable()

    main_profile = cProfile.Profile()
    threading.setprofile(start_thread_profile)
    started = time.perf_counter()
    try:
        main_profile.runcall(engine.swap_file, face, clip, output)
    finally:
        threading.setprofile(None)  # type: ignore[arg-type]
    wall_seconds = time.perf_counter() - started

    stats = pstats.Stats(main_profile)
    for profile in thread_profiles:
        stats.add(profile)
    return stats, wall_seconds, 1 + len(thread_profiles)


def results_markdown(results: list[SpeedResult], runs: int) -> str:
    rows = []
    for result in results:
        swap_median = statistics.median(result.swap_seconds)
        transcode_median = statistics.median(result.transcode_seconds)
        if result.height == GOAL_HEIGHT:
            goal = f"≥ {GOAL_MIN_RATIO}: {goal_status(result.ratio >= GOAL_MIN_RATIO)}"
        else:
            goal = "none set"
        rows.append(
            (
                f"{result.width}x{result.height}",
                result.frames,
                f"{result.frames / swap_median:.1f}",
                f"{result.frames / transcode_median:.1f}",
                f"{result.ratio:.2f}",
                f"{swap_median / transcode_median:.2f}×",
                f"{result.cpu_ratio:.2f}",
                " / ".join(f"{seconds:.1f}" for seconds in result.swap_seconds),
                " / ".join(f"{seconds:.1f}" for seconds in result.transcode_seconds),
                goal,
            )
        )
    header = (
        "size",
        "frames",
        "swap fps",
        "transcode fps",
        "transcode / swap time",
        "swap cost",
        "transcode / swap CPU time",
        "swap s (each run)",
        "transcode s (each run)",
        "goal",
    )
    return (
        f"Medians of {runs} alternating runs per side. CPU time is the process's, "
        "summed over all its threads.\n\n" + markdown_table(header, rows)
    )


def profile_markdown(stats: pstats.Stats, height: int, wall_seconds: float, threads: int) -> str:
    """Return two tables: vidswap functions by cumulative time, and all functions by own time.

    Times are summed over all threads, so shares of the wall time can add up
    to more than 100%. Waits on thread locks (the queues between pipeline
    stages) are left out of the own-time table.
    """
    entries = stats.stats  # type: ignore[attr-defined]

    def name(key: tuple[str, int, str]) -> str:
        filename, line, function = key
        if filename == "~":
            return function
        short = filename.split("/src/", 1)[-1].split("site-packages/", 1)[-1]
        return f"{short}:{line} {function}"

    # The engine's queue helpers (concurrency.py) spend their time waiting for
    # the next stage, so they are left out of the vidswap table.
    ours = [key for key in entries if "/vidswap/" in key[0] and "concurrency.py" not in key[0]]
    working = [key for key in entries if "_thread.lock" not in key[2]]
    by_cumulative = sorted(ours, key=lambda key: entries[key][3], reverse=True)[:PROFILE_ROWS]
    by_own = sorted(working, key=lambda key: entries[key][2], reverse=True)[:PROFILE_ROWS]

    cumulative_rows = [
        (
            f"`{name(key)}`",
            entries[key][1],
            f"{entries[key][3]:.2f}",
            _share(entries[key][3], wall_seconds),
        )
        for key in by_cumulative
    ]
    own_rows = [
        (
            f"`{name(key)}`",
            entries[key][1],
            f"{entries[key][2]:.2f}",
            _share(entries[key][2], wall_seconds),
        )
        for key in by_own
    ]
    return (
        f"cProfile of one {height}p swap in all {threads} Python threads, {wall_seconds:.1f} s "
        "wall time under the profiler. Times are summed over threads, so a share is of the "
        "wall time and shares can add up to more than 100%. The profiler slows Python-heavy "
        "code more than native calls, and does not see threads that FFmpeg and MediaPipe "
        "start themselves; their work shows up as the time their callers wait.\n\n"
        "vidswap functions by cumulative time (time inside the function and its callees):\n\n"
        + markdown_table(("function", "calls", "cumulative s", "share of wall"), cumulative_rows)
        + "\nAll functions by own time (excluding callees and waits on thread locks):\n\n"
        + markdown_table(("function", "calls", "own s", "share of wall"), own_rows)
    )


def _share(seconds: float, total: float) -> str:
    return f"{100 * seconds / total:.0f}%"


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--video", default=DEFAULT_VIDEO, help="file name in shared/data/videos")
    parser.add_argument("--face", default=DEFAULT_FACE, help="file name in shared/data/faces")
    parser.add_argument(
        "--heights", type=int, nargs="+", default=[480, 720, 1080], help="clip heights in pixels"
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per side and height")
    parser.add_argument(
        "--max-seconds", type=float, default=4.0, help="cut the clip to this many seconds"
    )
    parser.add_argument(
        "--profile-height",
        type=int,
        default=GOAL_HEIGHT,
        help="height of the profiled swap; 0 skips the profile",
    )
    parser.add_argument("--markdown", type=Path, help="also write the report to this file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    quiet_engine_logs()
    video = shared_video(arguments.video)
    face = shared_face(arguments.face)
    engine = SwapEngine(SwapOptions())
    results: list[SpeedResult] = []
    profile_text = ""

    with tempfile.TemporaryDirectory(prefix="vidswap-speed-") as folder:
        work = Path(folder)
        for height in arguments.heights:
            clip = make_clip(
                video,
                work / f"input-{height}.mp4",
                ClipRequest(height=height, max_seconds=arguments.max_seconds),
            )
            results.append(measure_height(engine, face, clip, height, arguments.runs, work))
            if height == arguments.profile_height:
                status(f"profiling one {height}p swap")
                stats, wall_seconds, threads = profile_swap(
                    engine, face, clip, work / "profiled.mp4"
                )
                profile_text = profile_markdown(stats, height, wall_seconds, threads)
    engine.close()

    text = (
        f"Clip: `{arguments.video}`, first {arguments.max_seconds:g} s, scaled to each height "
        f"with PyAV (H.264, audio copied); face: `{arguments.face}`. Both sides draw the "
        f"visible label; CRF {SwapOptions().quality}, the VideoWriter's default preset.\n\n"
        + results_markdown(results, arguments.runs)
    )
    if profile_text:
        text += "\n" + profile_text
    write_report(text, arguments.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
