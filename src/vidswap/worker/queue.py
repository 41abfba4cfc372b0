"""The task queue: Huey on SQLite (embedded) or on Redis (scaled out).

A queue message carries only a task id; the task row in the database is the
truth. Delivery is at least once: a message can be lost (a worker killed after
dequeuing it) or duplicated (the reaper enqueues again), which is safe because
a worker claims the row with a conditional UPDATE before doing any work.
"""

from __future__ import annotations

from collections.abc import Callable

import structlog
from huey import PriorityRedisHuey, SqliteHuey
from huey.api import Huey, TaskWrapper

from vidswap.kit.errors import ServiceUnavailableError
from vidswap.kit.settings import Settings

log = structlog.get_logger(__name__)

RUN_TASK_NAME = "vidswap.run_task"
MEMBER_PRIORITY = 10
DEFAULT_PRIORITY = 0


class QueueUnavailableError(ServiceUnavailableError):
    code = "queue_unavailable"
    messages = {
        "en": "The task queue is unavailable ({detail}). Try again later.",
        "zh-CN": "任务队列暂时不可用（{detail}），请稍后重试。",
    }


def build_huey(settings: Settings) -> Huey:
    if settings.redis_url:
        # Plain RedisHuey ignores priorities; this one keeps a sorted set per queue.
        return PriorityRedisHuey(name=settings.queue_name, url=settings.redis_url, results=False)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(
        name=settings.queue_name,
        filename=str(settings.data_dir / "queue.db"),
        results=False,
        timeout=30,
    )


class TaskQueue:
    """Enqueue task ids with a priority; in a worker, ``handler`` runs each one."""

    def __init__(self, settings: Settings) -> None:
        self.huey = build_huey(settings)
        self.handler: Callable[[str], None] | None = None
        self._run_task: TaskWrapper = self.huey.task(name=RUN_TASK_NAME)(self._execute)

    def _execute(self, task_id: str) -> None:
        if self.handler is None:
            raise RuntimeError("this process has no task handler; run it as a worker")
        self.handler(task_id)

    def enqueue(self, task_id: str, priority: int, delay_seconds: float | None = None) -> None:
        """Add a message for ``task_id``; higher ``priority`` is dequeued first.

        Blocking (SQLite or Redis I/O); async callers run it in a thread.
        """
        try:
            if delay_seconds:
                self._run_task.schedule(args=(task_id,), delay=delay_seconds, priority=priority)
            else:
                self.huey.enqueue(self._run_task.s(task_id, priority=priority))
        except Exception as exc:  # SQLite or Redis errors: the caller decides what to do
            raise QueueUnavailableError(detail=type(exc).__name__) from exc
        log.debug("queue.enqueued", task_id=task_id, priority=priority, delay=delay_seconds)

    def dequeue_task_id(self) -> str | None:
        """Take the next message without running it (for tests and tools)."""
        message = self.huey.dequeue()
        return None if message is None else message.args[0]

    def depth(self) -> int:
        """Messages ready to run; delayed retries are not counted."""
        try:
            return self.huey.pending_count()
        except Exception as exc:
            raise QueueUnavailableError(detail=type(exc).__name__) from exc

    def check(self) -> None:
        """Raise ``QueueUnavailableError`` unless the queue's storage responds."""
        self.depth()

    def flush(self) -> None:
        """Delete every message of this queue (tests)."""
        self.huey.flush()

    def close(self) -> None:
        self.huey.storage.close()
