"""Prometheus metrics of tasks and the queue."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

TASKS_BY_STATUS = Gauge("vidswap_tasks", "Tasks in the database by status.", ["status"])
QUEUE_DEPTH = Gauge("vidswap_queue_depth", "Queue messages waiting for a worker.")
PROCESSING_SECONDS = Histogram(
    "vidswap_task_processing_seconds",
    "Seconds a worker spent on one task attempt, by outcome.",
    ["outcome"],
    buckets=(1, 2, 5, 10, 30, 60, 120, 300, 600, 1200, 3600),
)
TASKS_REQUEUED = Counter(
    "vidswap_tasks_requeued_total",
    "Tasks the reaper put back on the queue, by reason.",
    ["reason"],
)
