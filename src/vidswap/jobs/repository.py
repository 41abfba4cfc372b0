"""SQL for tasks. Every state change a worker makes is a conditional UPDATE on the
lease, so a worker whose lease was taken over can never overwrite the new owner."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vidswap.jobs.models import Task, TaskEvent, TaskStatus
from vidswap.kit.clock import utcnow
from vidswap.kit.db import execute_count
from vidswap.media.models import Upload


async def get_user_task(session: AsyncSession, user_id: str, task_id: str) -> Task | None:
    return await session.scalar(select(Task).where(Task.id == task_id, Task.user_id == user_id))


async def get_user_upload(session: AsyncSession, user_id: str, upload_id: str) -> Upload | None:
    return await session.scalar(
        select(Upload).where(Upload.id == upload_id, Upload.user_id == user_id)
    )


async def list_user_tasks(
    session: AsyncSession,
    user_id: str,
    *,
    limit: int,
    after: tuple[datetime, str] | None = None,
    offset: int = 0,
) -> list[Task]:
    """Return up to ``limit`` tasks newest first, after the ``(created_at, id)`` key
    ``after`` when given, else from ``offset``."""
    query = select(Task).where(Task.user_id == user_id)
    if after is not None:
        created_at, task_id = after
        query = query.where(
            or_(
                Task.created_at < created_at, and_(Task.created_at == created_at, Task.id < task_id)
            )
        )
    query = query.order_by(Task.created_at.desc(), Task.id.desc()).limit(limit)
    if after is None and offset:
        query = query.offset(offset)
    return list(await session.scalars(query))


async def _update_count(session: AsyncSession, statement: Any) -> int:
    return await execute_count(session, statement.execution_options(synchronize_session=False))


async def claim(session: AsyncSession, task_id: str, owner: str, lease_seconds: float) -> int:
    """Take a pending task for ``owner``; 0 means another worker has it or it is gone."""
    now = utcnow()
    return await _update_count(
        session,
        update(Task)
        .where(Task.id == task_id, Task.status == TaskStatus.PENDING)
        .values(
            status=TaskStatus.PROCESSING,
            lease_owner=owner,
            lease_expires_at=now + timedelta(seconds=lease_seconds),
            attempts=Task.attempts + 1,
            started_at=now,
            progress=0,
            eta_seconds=None,
            updated_at=now,
        ),
    )


def _owned(task_id: str, owner: str) -> Any:
    return and_(
        Task.id == task_id,
        Task.lease_owner == owner,
        Task.status == TaskStatus.PROCESSING,
        Task.cancel_requested.is_(False),
    )


async def renew(
    session: AsyncSession,
    task_id: str,
    owner: str,
    lease_seconds: float,
    progress: int | None = None,
    eta_seconds: float | None = None,
) -> int:
    """Extend the lease (and store progress); 0 means the task was cancelled, deleted
    or taken over, so the caller must stop."""
    now = utcnow()
    values: dict[str, Any] = {"lease_expires_at": now + timedelta(seconds=lease_seconds)}
    if progress is not None:
        values.update(progress=progress, eta_seconds=eta_seconds, updated_at=now)
    return await _update_count(session, update(Task).where(_owned(task_id, owner)).values(values))


async def finish(session: AsyncSession, task_id: str, owner: str, **values: Any) -> int:
    """Move an owned task to a final state (or back to pending) and drop the lease."""
    now = utcnow()
    values.setdefault("updated_at", now)
    values.setdefault("lease_owner", None)
    values.setdefault("lease_expires_at", None)
    if values.get("status") in TaskStatus.FINAL:
        values.setdefault("finished_at", now)
    return await _update_count(session, update(Task).where(_owned(task_id, owner)).values(values))


async def finish_cancel_requested(session: AsyncSession, task_id: str, owner: str) -> int:
    """Mark an owned task whose owner asked to cancel it as cancelled."""
    now = utcnow()
    return await _update_count(
        session,
        update(Task)
        .where(
            Task.id == task_id,
            Task.lease_owner == owner,
            Task.status == TaskStatus.PROCESSING,
            Task.cancel_requested.is_(True),
        )
        .values(
            status=TaskStatus.CANCELLED,
            lease_owner=None,
            lease_expires_at=None,
            eta_seconds=None,
            finished_at=now,
            updated_at=now,
        ),
    )


async def cancel_pending(session: AsyncSession, task_id: str) -> int:
    now = utcnow()
    return await _update_count(
        session,
        update(Task)
        .where(Task.id == task_id, Task.status == TaskStatus.PENDING)
        .values(status=TaskStatus.CANCELLED, finished_at=now, updated_at=now),
    )


async def request_cancel(session: AsyncSession, task_id: str) -> int:
    return await _update_count(
        session,
        update(Task)
        .where(Task.id == task_id, Task.status == TaskStatus.PROCESSING)
        .values(cancel_requested=True, updated_at=utcnow()),
    )


async def expired_leases(session: AsyncSession, limit: int = 100) -> list[Task]:
    now = utcnow()
    return list(
        await session.scalars(
            select(Task)
            .where(Task.status == TaskStatus.PROCESSING, Task.lease_expires_at < now)
            .limit(limit)
        )
    )


async def settle_expired(
    session: AsyncSession, task_id: str, owner: str | None, **values: Any
) -> int:
    """Update a task whose lease ran out (back to pending, or to a final state);
    0 when its worker renewed the lease meanwhile or another reaper got there first."""
    now = utcnow()
    values.setdefault("updated_at", now)
    values.update(lease_owner=None, lease_expires_at=None)
    return await _update_count(
        session,
        update(Task)
        .where(
            Task.id == task_id,
            Task.status == TaskStatus.PROCESSING,
            Task.lease_owner == owner,
            Task.lease_expires_at < now,
        )
        .values(values),
    )


async def stale_pending(
    session: AsyncSession, older_than: datetime, limit: int = 100
) -> list[Task]:
    return list(
        await session.scalars(
            select(Task)
            .where(
                Task.status == TaskStatus.PENDING,
                or_(Task.queued_at.is_(None), Task.queued_at < older_than),
            )
            .order_by(Task.priority.desc(), Task.created_at)
            .limit(limit)
        )
    )


async def mark_queued(session: AsyncSession, task_id: str, at: datetime) -> int:
    return await _update_count(
        session,
        update(Task)
        .where(Task.id == task_id, Task.status == TaskStatus.PENDING)
        .values(queued_at=at),
    )


async def count_by_status(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(Task.status, func.count()).group_by(Task.status))
    return {status: count for status, count in rows.all()}


async def delete_task(session: AsyncSession, task_id: str) -> int:
    return await _update_count(session, delete(Task).where(Task.id == task_id))


async def delete_events_before(session: AsyncSession, before: datetime) -> int:
    return await _update_count(session, delete(TaskEvent).where(TaskEvent.created_at < before))
