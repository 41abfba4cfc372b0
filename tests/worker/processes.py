"""Worker subprocesses for tests, configured through ``VIDSWAP_*`` variables."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from vidswap.kit.settings import Settings

# A guard against a hung test, never an expectation about speed.
WAIT_LIMIT_SECONDS = 180.0
SETTING_NAMES = (
    "data_dir",
    "database_url",
    "redis_url",
    "queue_name",
    "lease_seconds",
    "heartbeat_seconds",
    "reaper_seconds",
    "task_retry_delay_seconds",
    "event_poll_seconds",
)


def worker_environment(settings: Settings) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("VIDSWAP_")}
    assert settings.secret_key is not None
    env["VIDSWAP_SECRET_KEY"] = settings.secret_key.get_secret_value()
    for name in SETTING_NAMES:
        value = getattr(settings, name)
        if value is not None:
            env[f"VIDSWAP_{name.upper()}"] = str(value)
    return env


@contextmanager
def worker_process(settings: Settings, log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``python -m vidswap.worker`` until the block ends, then stop it with SIGTERM."""
    with log_path.open("ab") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "vidswap.worker"],
            env=worker_environment(settings),
            cwd=log_path.parent,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


async def wait_until(
    check: Callable[[], Awaitable[bool]], description: str, log_path: Path
) -> None:
    """Poll ``check`` until it is true; fail with the worker log after the guard limit."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_LIMIT_SECONDS
    while not await check():
        if loop.time() > deadline:
            log = log_path.read_text(errors="replace")[-4000:] if log_path.exists() else ""
            raise AssertionError(f"gave up waiting for {description}; worker log:\n{log}")
        await asyncio.sleep(0.1)
