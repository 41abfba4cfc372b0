"""The lease keeper: renews a running task's lease and stores its progress."""

from __future__ import annotations

import asyncio
import contextlib
import enum
import threading
import time

import structlog

from vidswap.jobs import repository
from vidswap.jobs.models import Task
from vidswap.jobs.service import publish
from vidswap.kit.clock import utcnow
from vidswap.kit.db import transaction
from vidswap.runtime import Runtime
from vidswap.swap.options import Progress

log = structlog.get_logger(__name__)

# At most this many progress writes (and events) per second and task.
PROGRESS_WRITES_PER_SECOND = 2.0


class StopReason(enum.Enum):
    SHUTDOWN = "shutdown"  # the worker process is stopping
    LEASE_LOST = "lease_lost"  # cancel requested, task deleted, or lease taken over


class LeaseKeeper:
    """Background task beside one task attempt, running until ``stop``.

    Every tick it checks for a worker shutdown. When the lease is due for renewal
    or the progress changed (at most ``PROGRESS_WRITES_PER_SECOND``), it runs one
    conditional UPDATE. When that UPDATE matches no row, or on shutdown, it sets
    ``reason`` and ``cancel_flag``, which the engine polls between frames.
    """

    def __init__(self, runtime: Runtime, task: Task, owner: str, stopping: threading.Event):
        self.runtime = runtime
        self.task = task
        self.owner = owner
        self.stopping = stopping
        self.cancel_flag = threading.Event()
        self.reason: StopReason | None = None
        # Worker temporary paths mapped to the names users know the files by.
        self.path_names: dict[str, str] = {}
        self._latest: Progress | None = None  # written by the engine thread
        self._task: asyncio.Task[None] | None = None

    def report_progress(self, progress: Progress) -> None:
        """Store the engine's latest progress (called from the engine's thread)."""
        self._latest = progress

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def check(self) -> None:
        """Raise ``AttemptStopped`` when the attempt must stop."""
        if self.reason is not None:
            from vidswap.worker.runner import AttemptStopped

            raise AttemptStopped()

    def _halt(self, reason: StopReason) -> None:
        if self.reason is None:
            self.reason = reason
            log.info("task.stopping", reason=reason.value)
        self.cancel_flag.set()

    async def _run(self) -> None:
        settings = self.runtime.settings
        tick = min(0.25, settings.heartbeat_seconds)
        min_gap = 1.0 / PROGRESS_WRITES_PER_SECOND
        last_renewal = time.monotonic()
        last_write = 0.0
        stored_percent = 0
        while True:
            await asyncio.sleep(tick)
            if self.stopping.is_set():
                self._halt(StopReason.SHUTDOWN)
            if self.reason is not None:
                return
            now = time.monotonic()
            percent, eta = self._progress()
            progress_due = percent != stored_percent and now - last_write >= min_gap
            if not progress_due and now - last_renewal < settings.heartbeat_seconds:
                continue
            try:
                renewed = await self._renew(percent if progress_due else None, eta)
            except Exception as exc:  # a database hiccup: the lease still has time left
                log.warning("task.lease_renew_failed", error=str(exc))
                continue
            last_renewal = now
            if not renewed:
                self._halt(StopReason.LEASE_LOST)
                return
            if progress_due:
                last_write = now
                stored_percent = percent
                await self._publish_progress(percent, eta)

    def _progress(self) -> tuple[int, float | None]:
        latest = self._latest
        if latest is None or not latest.frames_total or latest.frames_done <= 0:
            return 0, None
        fraction = min(latest.frames_done / latest.frames_total, 1.0)
        # 100 is kept for the stored result, after the upload.
        percent = min(int(fraction * 100), 99)
        per_frame = latest.elapsed_seconds / latest.frames_done
        eta = max(latest.frames_total - latest.frames_done, 0) * per_frame
        return percent, round(eta, 1)

    async def _renew(self, percent: int | None, eta: float | None) -> bool:
        async with transaction(self.runtime.sessionmaker) as session:
            count = await repository.renew(
                session,
                self.task.id,
                self.owner,
                self.runtime.settings.lease_seconds,
                progress=percent,
                eta_seconds=eta,
            )
        return count > 0

    async def _publish_progress(self, percent: int, eta: float | None) -> None:
        self.task.progress = percent
        self.task.eta_seconds = eta
        self.task.updated_at = utcnow()
        await publish(self.runtime, "task.progress", self.task)
