"""``run_worker``: a Huey consumer that runs swap tasks, plus the reaper.

Threads of one worker process:

- the main thread runs the Huey consumer, which owns the signal handlers;
- ``concurrency`` consumer threads each take one queue message at a time and
  hand the task to the event loop thread, waiting until it is settled;
- one event loop thread runs every database and storage call, the lease
  keepers and the reaper, so one ``Runtime`` (engine, pools) serves them all;
- each running swap has its own engine thread (plus the engine's stage threads).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import threading
from types import FrameType

import structlog
from huey.consumer import Consumer

from vidswap.kit.db import new_id
from vidswap.kit.settings import Settings
from vidswap.runtime import Runtime
from vidswap.worker.reaper import run_reaper
from vidswap.worker.runner import WorkerContext, run_task

log = structlog.get_logger(__name__)

# Seconds a graceful stop waits for running tasks to hand their tasks back.
SHUTDOWN_TIMEOUT_SECONDS = 60.0


class _Consumer(Consumer):
    """A consumer whose SIGINT and SIGTERM both stop gracefully after telling the
    running tasks to give their work back to the queue."""

    def __init__(self, stopping: threading.Event, *args: object, **kwargs: object) -> None:
        self._stopping = stopping
        super().__init__(*args, **kwargs)

    def _set_signal_handlers(self) -> None:
        signal.signal(signal.SIGINT, self._handle_signal)
        signal.signal(signal.SIGTERM, self._handle_signal)

    def _handle_signal(self, signum: int, frame: FrameType | None) -> None:
        # Event.set takes the event's lock, which the interrupted main thread may hold
        # inside Event.wait; setting it here would deadlock, so another thread sets it.
        threading.Thread(target=self._stopping.set, name="vidswap-stop", daemon=True).start()
        self._signum = signum
        self._restart = False
        self._graceful = True


def worker_id() -> str:
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{new_id()[:8]}"


def run_worker(settings: Settings, concurrency: int = 1) -> None:
    """Run tasks from the queue until SIGINT or SIGTERM (blocking, main thread only)."""
    loop = asyncio.new_event_loop()
    loop_thread = threading.Thread(target=loop.run_forever, name="vidswap-worker-loop", daemon=True)
    loop_thread.start()

    runtime = Runtime.build(settings)
    context = WorkerContext(runtime=runtime, worker_id=worker_id())
    reaper = asyncio.run_coroutine_threadsafe(run_reaper(runtime, settings.reaper_seconds), loop)

    def handle(task_id: str) -> None:
        asyncio.run_coroutine_threadsafe(run_task(context, task_id), loop).result()

    runtime.queue.handler = handle
    if settings.worker_metrics_port is not None:
        from prometheus_client import start_http_server

        start_http_server(settings.worker_metrics_port, addr=settings.host)

    consumer = _Consumer(
        context.stopping,
        runtime.queue.huey,
        workers=concurrency,
        worker_type="thread",
        periodic=False,
        initial_delay=0.1,
        backoff=1.15,
        max_delay=1.0,
        scheduler_interval=1,
        check_worker_health=True,
        shutdown_timeout=SHUTDOWN_TIMEOUT_SECONDS,
    )
    log.info(
        "worker.started",
        worker=context.worker_id,
        concurrency=concurrency,
        queue=settings.queue_name,
    )
    try:
        consumer.run()
    finally:
        reaper.cancel()
        asyncio.run_coroutine_threadsafe(runtime.close(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        loop_thread.join()
        log.info("worker.stopped", worker=context.worker_id)
