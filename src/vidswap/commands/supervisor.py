"""Worker child processes for ``vidswap serve``: started, restarted when they crash,
and stopped gracefully so a running task is put back in the queue."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time

import structlog

from vidswap.kit.settings import Settings

log = structlog.get_logger(__name__)

PR_SET_PDEATHSIG = 1
RESTART_DELAY_SECONDS = 2.0
MAX_RESTART_DELAY_SECONDS = 60.0
EXIT_BAD_SETTINGS = 2


def _die_with_parent() -> None:
    """Ask Linux to send SIGTERM to this child when ``vidswap serve`` dies, even by SIGKILL."""
    # Off Linux there is no prctl, and the child outlives a killed parent.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class WorkerSupervisor:
    """Keep ``count`` ``vidswap worker`` processes running with the same settings."""

    def __init__(self, settings: Settings, count: int) -> None:
        self.settings = settings
        self.count = count
        self.processes: list[subprocess.Popen[bytes]] = []
        self.failed = False
        self._started_at: dict[int, float] = {}
        self._delays: dict[int, float] = {}
        self._stopping = threading.Event()
        self._watcher = threading.Thread(target=self._watch, name="worker-supervisor", daemon=True)

    def start(self) -> None:
        self.processes = [self._spawn(index) for index in range(self.count)]
        self._watcher.start()

    def _spawn(self, index: int) -> subprocess.Popen[bytes]:
        env = dict(os.environ)
        env["VIDSWAP_DATA_DIR"] = str(self.settings.data_dir)
        env["VIDSWAP_DATABASE_URL"] = self.settings.resolved_database_url
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "vidswap", "worker"],
            env=env,
            start_new_session=True,
            # Our descriptor 2 may point at /dev/null (native logs muted); the child
            # writes to the same place as this process's Python output instead.
            stderr=sys.stderr,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
        )
        self._started_at[index] = time.monotonic()
        log.info("serve.worker_started", index=index, pid=process.pid)
        return process

    def _watch(self) -> None:
        while not self._stopping.wait(1.0):
            for index, process in enumerate(self.processes):
                code = process.poll()
                if code is None or self._stopping.is_set():
                    continue
                log.error("serve.worker_exited", index=index, pid=process.pid, exit_code=code)
                if code == EXIT_BAD_SETTINGS:
                    # The worker rejected its settings; a restart would fail the same way.
                    self.failed = True
                    os.kill(os.getpid(), signal.SIGTERM)
                    return
                time.sleep(self._next_delay(index))
                if not self._stopping.is_set():
                    self.processes[index] = self._spawn(index)

    def _next_delay(self, index: int) -> float:
        """Double the restart delay while a worker keeps dying soon after starting."""
        lived = time.monotonic() - self._started_at[index]
        previous = self._delays.get(index, RESTART_DELAY_SECONDS / 2)
        delay = (
            min(MAX_RESTART_DELAY_SECONDS, previous * 2) if lived < 30 else RESTART_DELAY_SECONDS
        )
        self._delays[index] = delay
        return delay

    def stop(self, timeout: float) -> None:
        """Send SIGINT (graceful: re-queue the running task), then SIGKILL after ``timeout``."""
        self._stopping.set()
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        deadline = time.monotonic() + timeout
        for process in self.processes:
            remaining = max(0.0, deadline - time.monotonic())
            try:
                process.wait(remaining)
            except subprocess.TimeoutExpired:
                log.warning("serve.worker_killed", pid=process.pid, timeout=timeout)
                process.kill()
                process.wait()
        log.info("serve.workers_stopped", count=len(self.processes))
