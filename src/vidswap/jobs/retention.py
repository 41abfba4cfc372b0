"""Deleting results past the retention days of their owner's plan."""

from __future__ import annotations

import asyncio

import structlog
from sqlalchemy import select, update

from vidswap.jobs.models import Task
from vidswap.kit.clock import utcnow
from vidswap.kit.db import transaction
from vidswap.media import keys
from vidswap.runtime import Runtime

log = structlog.get_logger(__name__)

BATCH = 100


async def purge_expired_results(runtime: Runtime) -> int:
    """Delete the result files of tasks past ``result_expires_at`` and clear their keys,
    so each task reads as having no result. Return how many were purged."""
    async with runtime.sessionmaker() as session:
        rows = (
            await session.execute(
                select(Task.id, Task.user_id)
                .where(Task.result_expires_at <= utcnow(), Task.result_key.is_not(None))
                .limit(BATCH)
            )
        ).all()
    for task_id, user_id in rows:
        prefix = keys.result_key(user_id, task_id).rsplit("/", 1)[0]
        await asyncio.to_thread(runtime.storage.delete_prefix, prefix)
        async with transaction(runtime.sessionmaker) as session:
            await session.execute(
                update(Task)
                .where(Task.id == task_id)
                .values(
                    result_key=None,
                    thumbnail_key=None,
                    target_preview_key=None,
                    result_size=None,
                )
            )
        log.info("task.result_expired", task_id=task_id, user_id=user_id)
    return len(rows)
