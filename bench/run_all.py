"""Run the speed, memory and quality benchmarks and collect their markdown into one report.

Each benchmark runs in its own process, one after another, so none of them
shares a warm engine or a memory high-water mark with another. The report goes
to bench/out/benchmarks.md; ``--update-docs`` also replaces the results section
of docs/benchmarks.md (between its ``results:start`` and ``results:end`` markers).

Usage: python bench/run_all.py [--quick] [--update-docs]
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import time
from pathlib import Path

from clips import BENCH_OUT, REPOSITORY_ROOT, status
from report import environment_markdown, replace_section

BENCH_FOLDER = Path(__file__).resolve().parent
DOCS_PAGE = REPOSITORY_ROOT / "docs" / "benchmarks.md"
START_MARKER = "<!-- results:start -->"
END_MARKER = "<!-- results:end -->"


def run_benchmark(script: str, options: list[str]) -> tuple[str, float]:
    """Run one benchmark script and return its markdown and its wall time in seconds."""
    markdown_path = BENCH_OUT / f"{Path(script).stem}.md"
    command = [sys.executable, str(BENCH_FOLDER / script), "--markdown", str(markdown_path)]
    status(f"running {script} {' '.join(options)}")
    started = time.monotonic()
    subprocess.run([*command, *options], check=True, stdout=subprocess.DEVNULL)
    return markdown_path.read_text(), time.monotonic() - started


def source_state() -> str:
    """Return the commit and whether src/ has uncommitted changes, as the run saw them."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPOSITORY_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "src"],
            cwd=REPOSITORY_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return "- Source: not a git checkout\n"
    suffix = f" plus uncommitted changes in {len(changed)} files under src/" if changed else ""
    return f"- Source: commit {commit}{suffix}\n"


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="720p speed only and 3 quality pairs (an estimate: 3 minutes on 2 cores)",
    )
    parser.add_argument("--runs", type=int, help="speed: runs per side and height (default 3)")
    parser.add_argument("--pairs", type=int, help="quality: number of video and face pairs")
    parser.add_argument(
        "--update-docs", action="store_true", help=f"write the results into {DOCS_PAGE}"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    BENCH_OUT.mkdir(parents=True, exist_ok=True)
    speed_options = ["--heights", "720"] if arguments.quick else []
    quality_options = ["--pairs", "3"] if arguments.quick else []
    hands_options = ["--runs", "1"] if arguments.quick else []
    if arguments.runs is not None:
        speed_options += ["--runs", str(arguments.runs)]
    if arguments.pairs is not None:
        quality_options += ["--pairs", str(arguments.pairs)]

    command = shlex.join(["python", "bench/run_all.py", *(argv or sys.argv[1:])])
    started = time.monotonic()
    sections = []
    for title, script, options in (
        ("Speed", "speed.py", speed_options),
        ("Memory", "memory.py", []),
        ("Quality", "quality.py", quality_options),
        ("Hands in front of the face", "hands.py", hands_options),
    ):
        markdown, seconds = run_benchmark(script, options)
        sections.append(f"### {title}\n\n_{script}, {seconds / 60:.1f} min._\n\n{markdown}")

    minutes = (time.monotonic() - started) / 60
    report = (
        "### Run\n\n"
        + environment_markdown(command)
        + source_state()
        + f"- Total time: {minutes:.1f} min\n\n"
        + "\n".join(sections)
    )
    (BENCH_OUT / "benchmarks.md").write_text(report)
    if arguments.update_docs:
        replace_section(DOCS_PAGE, START_MARKER, END_MARKER, report + "\n")
    sys.stdout.write(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
