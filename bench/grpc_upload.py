"""Upload throughput of one large video: gRPC by chunk size, REST multipart and a disk copy.

It joins the hikers video into a file of about ``--size-mb`` MB (200 by default,
without re-encoding), starts ``vidswap api`` and ``vidswap grpc`` on one SQLite
data directory, registers a user, then in one run, ``--repeat`` times each:

1. uploads the file with ``vidswap.grpc.client.VideoClient`` at chunk sizes
   64 KiB, 256 KiB, 1 MiB and 4 MiB, timed until the server returns the
   checked file_url (chunks stored, joined, SHA-256 checked, video probed);
2. uploads it with one ``POST /api/v1/uploads`` multipart request (httpx),
   timed until the 201 response;
3. copies it on disk with ``shutil.copyfile``.

The best time of each method gives its MB/s (10^6 bytes per second) and its
ratio to the disk copy and to the REST upload. Client and servers share the
machine's cores.

Usage: python bench/grpc_upload.py [--size-mb 200] [--repeat 2] [--markdown FILE] [--update-docs]
"""

from __future__ import annotations

import argparse
import math
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc

from clips import REPOSITORY_ROOT, concatenate_clip, shared_video, status
from report import environment_markdown, free_port, markdown_table, replace_section, write_report
from vidswap.grpc.client import VideoClient

SOURCE_NAME = "hikers-walking-toward-camera-ccby.mp4"
KiB = 1024
CHUNK_SIZES = (64 * KiB, 256 * KiB, 1024 * KiB, 4096 * KiB)
DOCS_PAGE = REPOSITORY_ROOT / "docs" / "benchmarks.md"
START_MARKER = "<!-- grpc-upload-results:start -->"
END_MARKER = "<!-- grpc-upload-results:end -->"
READY_SECONDS = 60.0


def build_file(folder: Path, size_mb: float) -> Path:
    """Join copies of the source video until the file has at least ``size_mb`` MB."""
    source = shared_video(SOURCE_NAME)
    copies = math.ceil(size_mb * 1e6 / source.stat().st_size)
    status(f"joining {copies} copies of {SOURCE_NAME}")
    return concatenate_clip(source, folder / "large.mp4", copies)


def start_servers(data_dir: Path, api_port: int, grpc_port: int) -> list[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "VIDSWAP_DATA_DIR": str(data_dir),
        "VIDSWAP_LOG_LEVEL": "WARNING",
        # The joined file is larger and longer than the default upload limits allow.
        "VIDSWAP_MAX_VIDEO_BYTES": str(4 * 1024**3),
        "VIDSWAP_MAX_VIDEO_SECONDS": str(10**6),
    }
    vidswap = [sys.executable, "-m", "vidswap"]
    subprocess.run([*vidswap, "db", "upgrade"], env=env, check=True, stdout=subprocess.DEVNULL)
    return [
        subprocess.Popen([*vidswap, "api", "--port", str(api_port)], env=env),
        subprocess.Popen([*vidswap, "grpc", "--grpc-port", str(grpc_port)], env=env),
    ]


def wait_ready(base_url: str, grpc_target: str, processes: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + READY_SECONDS
    with grpc.insecure_channel(grpc_target) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            for process in processes:
                if process.poll() is not None:
                    raise RuntimeError(f"server exited with status {process.returncode}")
            try:
                api_ready = httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200
                answer = health.Check(health_pb2.HealthCheckRequest(), timeout=2)
                if api_ready and answer.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except (httpx.HTTPError, grpc.RpcError):
                pass
            time.sleep(0.2)
    raise RuntimeError(f"the servers did not become ready within {READY_SECONDS:.0f} s")


def register(base_url: str) -> str:
    response = httpx.post(
        f"{base_url}/api/v1/auth/register",
        json={"email": "upload-bench@example.com", "password": "upload-benchmark-password"},
        timeout=60,
    )
    return str(response.raise_for_status().json()["access_token"])


def grpc_upload(target: str, token: str, path: Path, chunk_size: int) -> None:
    with VideoClient(target, token) as client:
        result = client.upload(path, "video", chunk_size)
    if result.size != path.stat().st_size:
        raise RuntimeError(f"gRPC stored {result.size} bytes of {path.stat().st_size}")


def rest_upload(base_url: str, token: str, path: Path) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with path.open("rb") as source:
        response = httpx.post(
            f"{base_url}/api/v1/uploads",
            headers=headers,
            files={"file": (path.name, source, "video/mp4")},
            data={"kind": "video"},
            timeout=600,
        )
    response.raise_for_status()
    if response.json()["size"] != path.stat().st_size:
        raise RuntimeError(f"REST stored {response.json()['size']} bytes")


def disk_copy(path: Path) -> None:
    copy = path.with_name("copy.mp4")
    shutil.copyfile(path, copy)
    copy.unlink()


def best_seconds(run: Callable[[], None], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def measure(size_mb: float, repeat: int) -> tuple[int, dict[str, float]]:
    """Return the file size and the best seconds of each method, by label."""
    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="vidswap-grpc-upload-") as folder:
        path = build_file(Path(folder), size_mb)
        size = path.stat().st_size
        api_port, grpc_port = free_port(), free_port()
        base_url, target = f"http://127.0.0.1:{api_port}", f"127.0.0.1:{grpc_port}"
        processes = start_servers(Path(folder) / "data", api_port, grpc_port)
        try:
            wait_ready(base_url, target, processes)
            token = register(base_url)
            for chunk_size in CHUNK_SIZES:
                label = f"gRPC, {chunk_size // KiB} KiB chunks"
                status(label)
                seconds[label] = best_seconds(
                    lambda size=chunk_size: grpc_upload(target, token, path, size), repeat
                )
            status("REST multipart")
            seconds["REST multipart"] = best_seconds(
                lambda: rest_upload(base_url, token, path), repeat
            )
            status("disk copy")
            seconds["disk copy"] = best_seconds(lambda: disk_copy(path), repeat)
        finally:
            for process in processes:
                process.terminate()
                process.wait(30)
    return size, seconds


def report(size: int, seconds: dict[str, float], repeat: int, command: str) -> str:
    def rate(label: str) -> float:
        return size / 1e6 / seconds[label]

    rows = [
        [
            label,
            f"{seconds[label]:.2f} s",
            f"{rate(label):.1f}",
            f"{rate(label) / rate('disk copy'):.3f}",
            f"{rate(label) / rate('REST multipart'):.2f}",
        ]
        for label in seconds
    ]
    return (
        environment_markdown(command)
        + f"\nOne file of {size / 1e6:.1f} MB ({SOURCE_NAME} joined), best of {repeat}:\n\n"
        + markdown_table(["method", "time", "MB/s", "/ disk copy", "/ REST"], rows)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=float, default=200.0, help="size of the joined file")
    parser.add_argument("--repeat", type=int, default=2, help="runs per method; the best counts")
    parser.add_argument("--markdown", type=Path, help="also write the report to this file")
    parser.add_argument("--update-docs", action="store_true", help=f"write into {DOCS_PAGE}")
    arguments = parser.parse_args(argv)
    command = shlex.join(["python", "bench/grpc_upload.py", *(argv or sys.argv[1:])])
    size, seconds = measure(arguments.size_mb, arguments.repeat)
    text = report(size, seconds, arguments.repeat, command)
    write_report(text, arguments.markdown)
    if arguments.update_docs:
        replace_section(DOCS_PAGE, START_MARKER, END_MARKER, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
