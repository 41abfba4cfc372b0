"""Load benchmark of the REST API: task status polling and uploads under concurrency.

Phases, one after another on the same machine:

1. mixed: 50 clients poll ``GET /tasks/{id}`` while 10 clients upload a video with
   ``POST /uploads``, for ``--seconds``; counts errors and samples the API's memory;
2. status: the 50 pollers alone against ``vidswap api``, then against a bare
   FastAPI endpoint (bench/bare_api.py) under the same uvicorn settings;
3. uploads: the 10 uploaders alone, then 10 threads copying the same file on disk.

The API runs as ``vidswap api`` (SQLite, local files) without a worker, so the
polled task stays pending. The load generator runs in this process, on the same
cores as the servers, the same way for both sides of each comparison.

Usage: python bench/service_load.py [--seconds 60] [--markdown FILE] [--update-docs]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from clips import REPOSITORY_ROOT, concatenate_clip, shared_face, shared_video, status
from report import (
    environment_markdown,
    free_port,
    goal_status,
    markdown_table,
    replace_section,
    write_report,
)

POLLERS = 50
UPLOADERS = 10
COMPARE_SECONDS = 15.0
VIDEO_NAME = "indoor-group-event-640x480-ccby.mp4"
# The upload comparisons send a longer clip made from the hikers video, closer in size
# to a phone video than the 0.35 MB polling fixture.
UPLOAD_SOURCE_NAME = "hikers-walking-toward-camera-ccby.mp4"
UPLOAD_COPIES = 8
FACE_NAME = "obama-official-portrait-2012.jpg"
DOCS_PAGE = REPOSITORY_ROOT / "docs" / "benchmarks.md"
START_MARKER = "<!-- service-results:start -->"
END_MARKER = "<!-- service-results:end -->"

# Goals, as ratios measured side by side in one run.
STATUS_RATIO_GOAL = 0.25  # status requests/s of vidswap over the bare endpoint
UPLOAD_RATIO_GOAL = 0.10  # upload MB/s over copying the same file on disk
MEMORY_GROWTH_GOAL_MIB = 64.0  # API memory growth over the mixed phase


@dataclass
class Tally:
    requests: int = 0
    errors: int = 0
    bytes_sent: int = 0
    latencies: list[float] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)

    def record(self, started: float, ok: bool, detail: str = "", size: int = 0) -> None:
        self.requests += 1
        self.latencies.append(time.perf_counter() - started)
        if ok:
            self.bytes_sent += size
        else:
            self.errors += 1
            if len(self.error_samples) < 3:
                self.error_samples.append(detail)

    def percentile(self, fraction: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with status {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not respond within 60 s")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def sample_memory(pid: int, samples: list[float], stop: threading.Event) -> None:
    """Append the resident memory of ``pid`` in MiB to ``samples`` every half second."""
    while not stop.wait(0.5):
        samples.append(rss_mib(pid))


async def poll(client: httpx.AsyncClient, path: str, until: float, tally: Tally) -> None:
    while time.monotonic() < until:
        started = time.perf_counter()
        try:
            response = await client.get(path)
            tally.record(started, response.status_code == 200, f"{response.status_code}")
        except httpx.HTTPError as exc:
            tally.record(started, False, repr(exc))


async def upload(client: httpx.AsyncClient, video: Path, until: float, tally: Tally) -> None:
    data = video.read_bytes()
    while time.monotonic() < until:
        started = time.perf_counter()
        try:
            response = await client.post(
                "/api/v1/uploads", files={"file": (video.name, data)}, data={"kind": "video"}
            )
            ok = response.status_code == 201
            tally.record(started, ok, f"{response.status_code} {response.text[:200]}", len(data))
        except httpx.HTTPError as exc:
            tally.record(started, False, repr(exc))


async def run_load(
    base_url: str,
    headers: dict[str, str],
    status_path: str | None,
    video: Path | None,
    seconds: float,
) -> tuple[Tally, Tally]:
    limits = httpx.Limits(max_connections=POLLERS + UPLOADERS + 5)
    polls, uploads = Tally(), Tally()
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, limits=limits, timeout=60
    ) as client:
        until = time.monotonic() + seconds
        jobs = []
        if status_path:
            jobs += [poll(client, status_path, until, polls) for _ in range(POLLERS)]
        if video:
            jobs += [upload(client, video, until, uploads) for _ in range(UPLOADERS)]
        await asyncio.gather(*jobs)
    return polls, uploads


def copy_on_disk(video: Path, seconds: float, folder: Path) -> float:
    """Copy ``video`` in 10 threads for ``seconds``; return MB/s."""
    copied = [0] * UPLOADERS
    until = time.monotonic() + seconds

    def copy_loop(index: int) -> None:
        target = folder / f"copy-{index}.mp4"
        while time.monotonic() < until:
            shutil.copyfile(video, target)
            copied[index] += video.stat().st_size

    threads = [threading.Thread(target=copy_loop, args=(i,)) for i in range(UPLOADERS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(copied) / 1e6 / (time.monotonic() - started)


def prepare_user(base_url: str, face: Path, video: Path) -> tuple[dict[str, str], str]:
    """Register a user, upload a face and a video, create a task; return headers and task id."""
    client = httpx.Client(base_url=base_url, timeout=120)
    tokens = (
        client.post(
            "/api/v1/auth/register",
            json={"email": "load@example.com", "password": "load-benchmark-password"},
        )
        .raise_for_status()
        .json()
    )
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    client.headers.update(headers)
    with face.open("rb") as source:
        image = client.post("/api/v1/uploads", files={"file": source}, data={"kind": "image"})
    with video.open("rb") as source:
        target = client.post("/api/v1/uploads", files={"file": source}, data={"kind": "video"})
    task = client.post(
        "/api/v1/tasks",
        json={
            "image_url": image.raise_for_status().json()["file_url"],
            "video_url": target.raise_for_status().json()["file_url"],
            "options": {},
            "consent": True,
        },
    ).raise_for_status()
    return headers, task.json()["task_id"]


def start_api(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "VIDSWAP_DATA_DIR": str(data_dir),
        "VIDSWAP_LOG_LEVEL": "WARNING",
        # The benchmark user uploads far more than a real user would.
        "VIDSWAP_SIGNUP_ENERGY": "100000",
    }
    vidswap = [sys.executable, "-m", "vidswap"]
    subprocess.run([*vidswap, "db", "upgrade"], env=env, check=True, stdout=subprocess.DEVNULL)
    return subprocess.Popen([*vidswap, "api", "--port", str(port)], env=env)


def measure(seconds: float) -> dict[str, object]:
    face, video = shared_face(FACE_NAME), shared_video(VIDEO_NAME)
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="vidswap-load-") as folder:
        port, bare_port = free_port(), free_port()
        base_url = f"http://127.0.0.1:{port}"
        api = start_api(Path(folder) / "data", port)
        bare = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("bare_api.py")), str(bare_port)]
        )
        try:
            wait_ready(f"{base_url}/readyz", api)
            wait_ready(f"http://127.0.0.1:{bare_port}/status", bare)
            headers, task_id = prepare_user(base_url, face, video)
            status_path = f"/api/v1/tasks/{task_id}"

            status(f"mixed load for {seconds:.0f} s")
            memory_before = rss_mib(api.pid)
            samples: list[float] = []
            stop = threading.Event()
            sampler = threading.Thread(
                target=lambda: [
                    samples.append(rss_mib(api.pid)) for _ in iter(lambda: stop.wait(0.5), True)
                ]
            )
            sampler.start()
            polls, uploads = asyncio.run(run_load(base_url, headers, status_path, video, seconds))
            stop.set()
            sampler.join()
            results["mixed"] = (polls, uploads, seconds, memory_before, samples)

            status("status polling: vidswap, then the bare endpoint")
            alone, _ = asyncio.run(run_load(base_url, headers, status_path, None, COMPARE_SECONDS))
            bare_polls, _ = asyncio.run(
                run_load(f"http://127.0.0.1:{bare_port}", {}, "/status", None, COMPARE_SECONDS)
            )
            results["status"] = (alone, bare_polls)

            status("uploads: vidswap, then copying on disk")
            large = concatenate_clip(
                shared_video(UPLOAD_SOURCE_NAME), Path(folder) / "upload.mp4", UPLOAD_COPIES
            )
            _, upload_alone = asyncio.run(run_load(base_url, headers, None, large, COMPARE_SECONDS))
            disk = copy_on_disk(large, COMPARE_SECONDS, Path(folder))
            results["uploads"] = (upload_alone, disk, large.stat().st_size)
        finally:
            for process in (api, bare):
                process.terminate()
                process.wait(30)
    return results


def report(results: dict[str, object], seconds: float, command: str) -> str:
    polls, uploads, _, memory_before, samples = results["mixed"]  # type: ignore[misc]
    alone, bare = results["status"]  # type: ignore[misc]
    upload_alone, disk_mbps, upload_size = results["uploads"]  # type: ignore[misc]

    status_rps = alone.requests / COMPARE_SECONDS
    bare_rps = bare.requests / COMPARE_SECONDS
    upload_mbps = upload_alone.bytes_sent / 1e6 / COMPARE_SECONDS
    # Growth over the second half of the mixed phase: warm-up (the face analyser,
    # allocator pools) happens in the first half, a leak keeps growing in the second.
    half = samples[len(samples) // 2 :] or [memory_before]
    growth = half[-1] - half[0]
    peak = max(samples, default=memory_before)
    errors = polls.errors + uploads.errors + alone.errors + upload_alone.errors

    mixed_rows = [
        [
            f"{POLLERS} pollers",
            polls.requests,
            polls.errors,
            f"{polls.requests / seconds:.0f}/s",
            f"{polls.percentile(0.5) * 1000:.0f} ms",
            f"{polls.percentile(0.95) * 1000:.0f} ms",
        ],
        [
            f"{UPLOADERS} uploaders",
            uploads.requests,
            uploads.errors,
            f"{uploads.bytes_sent / 1e6 / seconds:.1f} MB/s",
            f"{uploads.percentile(0.5) * 1000:.0f} ms",
            f"{uploads.percentile(0.95) * 1000:.0f} ms",
        ],
    ]
    compare_rows = [
        [
            "status requests/s",
            f"{status_rps:.0f}",
            f"{bare_rps:.0f} (bare FastAPI)",
            f"{status_rps / bare_rps:.2f}",
            f"≥ {STATUS_RATIO_GOAL}",
            goal_status(status_rps / bare_rps >= STATUS_RATIO_GOAL),
        ],
        [
            "upload MB/s",
            f"{upload_mbps:.1f}",
            f"{disk_mbps:.1f} (disk copy)",
            f"{upload_mbps / disk_mbps:.2f}",
            f"≥ {UPLOAD_RATIO_GOAL}",
            goal_status(upload_mbps / disk_mbps >= UPLOAD_RATIO_GOAL),
        ],
        [
            "API memory growth, 2nd half of mixed load",
            f"{growth:+.0f} MiB (peak {peak:.0f})",
            f"{memory_before:.0f} MiB before the load",
            "",
            f"≤ {MEMORY_GROWTH_GOAL_MIB:.0f} MiB",
            goal_status(growth <= MEMORY_GROWTH_GOAL_MIB),
        ],
        ["errors", str(errors), "", "", "0", goal_status(errors == 0)],
    ]
    tallies = (polls, uploads, alone, upload_alone)
    samples_text = (
        "; ".join(sample for tally in tallies for sample in tally.error_samples) or "none"
    )
    return (
        environment_markdown(command)
        + f"\nMixed load for {seconds:.0f} s (video: {VIDEO_NAME}, "
        + f"{shared_video(VIDEO_NAME).stat().st_size / 1e6:.2f} MB):\n\n"
        + markdown_table(["clients", "requests", "errors", "rate", "p50", "p95"], mixed_rows)
        + f"\nSide by side, {COMPARE_SECONDS:.0f} s each (uploads: {UPLOAD_COPIES} copies of "
        + f"{UPLOAD_SOURCE_NAME} joined, {upload_size / 1e6:.1f} MB):\n\n"
        + markdown_table(
            ["measure", "vidswap", "baseline", "ratio", "goal", "status"], compare_rows
        )
        + f"\nFirst errors: {samples_text}\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the mixed phase")
    parser.add_argument("--markdown", type=Path, help="also write the report to this file")
    parser.add_argument("--update-docs", action="store_true", help=f"write into {DOCS_PAGE}")
    arguments = parser.parse_args(argv)
    command = shlex.join(["python", "bench/service_load.py", *(argv or sys.argv[1:])])
    text = report(measure(arguments.seconds), arguments.seconds, command)
    write_report(text, arguments.markdown)
    if arguments.update_docs:
        replace_section(DOCS_PAGE, START_MARKER, END_MARKER, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
