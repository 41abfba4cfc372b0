"""The reaper: recovers tasks whose worker died and tasks whose queue message was lost.

Every worker runs one, every ``reaper_seconds``. Reapers in several workers may
see the same task; the conditional UPDATEs let only one of them act on it.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from datetime import timedelta

import structlog
from sqlalchemy import select

from vidswap.billing import ledger, orders
from vidswap.jobs import repository
from vidswap.jobs.errors import TaskAttemptsExhaustedError
from vidswap.jobs.models import Task, TaskStatus
from vidswap.jobs.retention import purge_expired_results
from vidswap.jobs.service import enqueue, publish, refund
from vidswap.kit.clock import utcnow
from vidswap.kit.db import transaction
from vidswap.media.service import purge_expired_uploads
from vidswap.runtime import Runtime
from vidswap.worker.metrics import TASKS_REQUEUED

log = structlog.get_logger(__name__)

# Stored events are purged this often; they are only needed for a few seconds.
PURGE_INTERVAL_SECONDS = 600.0


async def reap_once(runtime: Runtime) -> int:
    """Recover expired leases and lost messages once; return how many tasks were touched."""
    touched = 0
    async with runtime.sessionmaker() as session:
        expired = await repository.expired_leases(session)
    for task in expired:
        touched += await _settle_expired(runtime, task)

    settings = runtime.settings
    now = utcnow()
    async with runtime.sessionmaker() as session:
        stale = await repository.stale_pending(
            session, now - timedelta(seconds=settings.task_requeue_seconds)
        )
    for task in stale:
        async with transaction(runtime.sessionmaker) as session:
            marked = await repository.mark_queued(session, task.id, now)
        if marked and await enqueue(runtime, task):
            TASKS_REQUEUED.labels("lost_message").inc()
            log.info("reaper.requeued", task_id=task.id, reason="pending without a worker")
            touched += 1
    touched += await sweep_task_folders(runtime)
    return touched


async def sweep_task_folders(runtime: Runtime) -> int:
    """Delete task folders under ``tmp_dir/tasks`` whose task is not processing.

    A worker removes its own folder when an attempt ends. A worker that was
    killed cannot, and its task may never be claimed again on this machine
    (cancelled, failed or deleted meanwhile), so its folder is removed here.
    A folder is created only after its task is claimed, so a processing task's
    folder is never touched.
    """
    root = runtime.settings.tmp_dir / "tasks"
    folders = {path.name: path for path in root.iterdir()} if root.is_dir() else {}
    if not folders:
        return 0
    async with runtime.sessionmaker() as session:
        processing = set(
            await session.scalars(
                select(Task.id).where(
                    Task.id.in_(list(folders)), Task.status == TaskStatus.PROCESSING
                )
            )
        )
    removed = 0
    for task_id, path in folders.items():
        if task_id not in processing:
            await asyncio.to_thread(shutil.rmtree, path, True)
            log.info("reaper.folder_removed", task_id=task_id)
            removed += 1
    return removed


async def _settle_expired(runtime: Runtime, task: Task) -> int:
    owner = task.lease_owner
    if task.cancel_requested:
        values: dict[str, object] = {"status": TaskStatus.CANCELLED, "finished_at": utcnow()}
        event, reason = "task.cancelled", "cancelled"
    elif task.attempts >= runtime.settings.task_max_attempts:
        error = TaskAttemptsExhaustedError(attempts=task.attempts, detail="worker_lost")
        values = {
            "status": TaskStatus.FAILED,
            "finished_at": utcnow(),
            "error_code": error.code,
            "error_params": error.params,
        }
        event, reason = "task.failed", "attempts exhausted"
    else:
        values = {
            "status": TaskStatus.PENDING,
            "progress": 0,
            "eta_seconds": None,
            "queued_at": utcnow(),
        }
        event, reason = "", "lease expired"

    async with transaction(runtime.sessionmaker) as session:
        settled = await repository.settle_expired(session, task.id, owner, **values)
        if settled and values["status"] in TaskStatus.FINAL:
            await refund(session, task)
    if not settled:
        return 0

    log.warning("reaper.lease_expired", task_id=task.id, owner=owner, action=reason)
    TASKS_REQUEUED.labels("lease_expired").inc()
    if event:
        async with runtime.sessionmaker() as session:
            current = await session.get(Task, task.id)
        if current is not None:
            await publish(runtime, event, current)
    else:
        await enqueue(runtime, task)
    return 1


async def purge_old_records(runtime: Runtime, retention: timedelta) -> None:
    """Delete old task events, expired uploads and results; expire Energy lots and
    unpaid orders past their dates."""
    events = await runtime.events.purge(retention)
    if events:
        log.info("reaper.events_purged", count=events)
    uploads = await purge_expired_uploads(runtime)
    if uploads:
        log.info("reaper.uploads_purged", count=uploads)
    results = await purge_expired_results(runtime)
    if results:
        log.info("reaper.results_purged", count=results)
    async with transaction(runtime.sessionmaker) as session:
        expired_energy = await ledger.expire_lots(session)
        expired_orders = await orders.expire_pending(session)
    if expired_energy or expired_orders:
        log.info("reaper.billing_expired", energy=expired_energy, orders=expired_orders)


async def run_reaper(runtime: Runtime, interval: float) -> None:
    """Run ``reap_once`` every ``interval`` seconds until cancelled, and purge old events."""
    retention = timedelta(hours=runtime.settings.event_retention_hours)
    last_purge = 0.0
    while True:
        try:
            await reap_once(runtime)
            if time.monotonic() - last_purge >= PURGE_INTERVAL_SECONDS:
                last_purge = time.monotonic()
                await purge_old_records(runtime, retention)
        except Exception as exc:  # the next round retries; the reaper must not die
            log.warning("reaper.failed", error=str(exc))
        await asyncio.sleep(interval)
