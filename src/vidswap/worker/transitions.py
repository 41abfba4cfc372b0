"""State changes a worker or the reaper makes to a task, each with its Energy and event.

Every change is conditional on the lease, so it applies only while the caller
still owns the task; the functions return whether it applied.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import structlog

from vidswap.billing import ledger
from vidswap.jobs import repository
from vidswap.jobs.models import Task, TaskStatus
from vidswap.jobs.service import enqueue, publish, refund
from vidswap.kit.clock import utcnow
from vidswap.kit.db import transaction
from vidswap.notifications.push import notify_task_ended
from vidswap.runtime import Runtime

log = structlog.get_logger(__name__)


async def reload(runtime: Runtime, task_id: str) -> Task | None:
    async with runtime.sessionmaker() as session:
        return await session.get(Task, task_id)


async def complete(
    runtime: Runtime, task: Task, owner: str, *, charge: bool = True, **values: Any
) -> bool:
    """Mark an owned task completed and, in the same transaction, spend its Energy hold,
    or give it back when ``charge`` is False (the swap replaced no face)."""
    async with transaction(runtime.sessionmaker) as session:
        done = await repository.finish(
            session,
            task.id,
            owner,
            status=TaskStatus.COMPLETED,
            progress=100,
            eta_seconds=0.0,
            error_code=None,
            error_params=None,
            **values,
        )
        if done and charge:
            await ledger.spend_hold(session, task.id)
        elif done:
            await ledger.release_hold(session, task.id)
    if done and not charge:
        log.info("task.energy_returned", task_id=task.id, energy=task.energy_cost)
    if done:
        await _publish_current(runtime, task.id, "task.completed")
        await notify_task_ended(runtime, task.id)
    return bool(done)


async def fail(runtime: Runtime, task: Task, owner: str, code: str, params: dict[str, Any]) -> bool:
    """Fail an owned task for good and refund its Energy in the same transaction."""
    async with transaction(runtime.sessionmaker) as session:
        done = await repository.finish(
            session,
            task.id,
            owner,
            status=TaskStatus.FAILED,
            eta_seconds=None,
            error_code=code,
            error_params=params,
        )
        if done:
            await refund(session, task)
    if done:
        log.info("task.failed", task_id=task.id, error=code)
        await _publish_current(runtime, task.id, "task.failed")
        await notify_task_ended(runtime, task.id)
    return bool(done)


async def retry_later(
    runtime: Runtime,
    task: Task,
    owner: str,
    delay_seconds: float,
    code: str,
    params: dict[str, Any],
) -> bool:
    """Put an owned task back to pending after a transient error and schedule it again."""
    async with transaction(runtime.sessionmaker) as session:
        done = await repository.finish(
            session,
            task.id,
            owner,
            status=TaskStatus.PENDING,
            progress=0,
            eta_seconds=None,
            error_code=code,
            error_params=params,
            # The reaper leaves it alone until the delayed message is due.
            queued_at=utcnow() + timedelta(seconds=delay_seconds),
        )
    if done:
        await enqueue(runtime, task, delay_seconds)
    return bool(done)


async def release(runtime: Runtime, task: Task, owner: str) -> bool:
    """Give an owned task back to the queue without counting the attempt (worker stopping)."""
    async with transaction(runtime.sessionmaker) as session:
        done = await repository.finish(
            session,
            task.id,
            owner,
            status=TaskStatus.PENDING,
            progress=0,
            eta_seconds=None,
            attempts=Task.attempts - 1,
            queued_at=utcnow(),
        )
    if done:
        await enqueue(runtime, task)
    return bool(done)


async def finish_cancelled(runtime: Runtime, task: Task, owner: str) -> bool:
    """Mark an owned task whose owner asked to cancel it as cancelled, with its refund."""
    async with transaction(runtime.sessionmaker) as session:
        done = await repository.finish_cancel_requested(session, task.id, owner)
        if done:
            await refund(session, task)
    if done:
        log.info("task.cancelled", task_id=task.id, while_status="processing")
        await _publish_current(runtime, task.id, "task.cancelled")
    return bool(done)


async def _publish_current(runtime: Runtime, task_id: str, event_type: str) -> None:
    task = await reload(runtime, task_id)
    if task is not None:
        await publish(runtime, event_type, task)
