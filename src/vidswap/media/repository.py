"""Queries on the upload table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vidswap.kit.clock import utcnow
from vidswap.kit.db import execute_count
from vidswap.media.models import Upload


async def get_user_upload(session: AsyncSession, user_id: str, upload_id: str) -> Upload | None:
    """Return the upload ``upload_id`` when it belongs to ``user_id``, else ``None``."""
    upload = await session.get(Upload, upload_id)
    if upload is None or upload.user_id != user_id:
        return None
    return upload


async def advance_offset(
    session: AsyncSession, upload_id: str, expected_offset: int, new_offset: int
) -> bool:
    """Move a resumable upload's offset from ``expected_offset`` to ``new_offset``.

    The conditional UPDATE is the per-upload lock: of several requests that append
    at the same offset, across processes, exactly one gets ``True``. The row stays
    locked until the caller's transaction ends.
    """
    count = await execute_count(
        session,
        update(Upload)
        .where(
            Upload.id == upload_id,
            Upload.upload_offset == expected_offset,
            Upload.status == "uploading",
        )
        .values(upload_offset=new_offset, size=new_offset, updated_at=utcnow())
        .execution_options(synchronize_session=False),
    )
    return count == 1


async def finish_upload(session: AsyncSession, upload_id: str, values: dict[str, Any]) -> bool:
    """Set a resumable upload's final fields, once: only while it is still uploading."""
    count = await execute_count(
        session,
        update(Upload)
        .where(Upload.id == upload_id, Upload.status == "uploading")
        .values(updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False),
    )
    return count == 1


async def expired_uploads(session: AsyncSession, now: datetime, limit: int) -> Sequence[Upload]:
    """Return unfinished or failed uploads whose ``expires_at`` has passed."""
    result = await session.execute(
        select(Upload)
        .where(Upload.status != "ready", Upload.expires_at.is_not(None), Upload.expires_at < now)
        .order_by(Upload.expires_at)
        .limit(limit)
    )
    return result.scalars().all()


async def delete_upload_row(session: AsyncSession, upload_id: str) -> None:
    await session.execute(delete(Upload).where(Upload.id == upload_id))
