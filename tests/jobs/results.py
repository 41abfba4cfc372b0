"""Complete a task the way a worker leaves it: a result and a thumbnail in storage, and
a copy of the target when browsers cannot play it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import update

from vidswap.jobs.models import Task
from vidswap.media.keys import result_key, target_preview_key, thumbnail_key
from vidswap.runtime import Runtime

# Stand-in files: these tests check links, ranges and bytes, not the media.
RESULT_BYTES = bytes(range(256)) * 40  # 10240 bytes
THUMBNAIL_BYTES = b"\xff\xd8\xff\xe0 stand-in thumbnail"
TARGET_PREVIEW_BYTES = b"\x00\x00\x00\x18ftypisom stand-in target preview"


async def store_result(
    runtime: Runtime, task_id: str, tmp_path: Path, *, target_preview: bool = False
) -> None:
    """Store RESULT_BYTES and THUMBNAIL_BYTES for ``task_id`` and mark it completed; with
    ``target_preview``, also store TARGET_PREVIEW_BYTES as the target's browser copy."""
    async with runtime.sessionmaker() as session:
        task = await session.get(Task, task_id)
        assert task is not None, task_id
        user_id = task.user_id
    result_file = tmp_path / f"{task_id}.mp4"
    result_file.write_bytes(RESULT_BYTES)
    thumbnail_file = tmp_path / f"{task_id}.jpg"
    thumbnail_file.write_bytes(THUMBNAIL_BYTES)
    runtime.storage.put_file(result_key(user_id, task_id), result_file, "video/mp4")
    runtime.storage.put_file(thumbnail_key(user_id, task_id), thumbnail_file, "image/jpeg")
    preview_key = None
    if target_preview:
        preview_key = target_preview_key(user_id, task_id)
        preview_file = tmp_path / f"{task_id}-target-preview.mp4"
        preview_file.write_bytes(TARGET_PREVIEW_BYTES)
        runtime.storage.put_file(preview_key, preview_file, "video/mp4")
    async with runtime.sessionmaker() as session, session.begin():
        await session.execute(
            update(Task)
            .where(Task.id == task_id)
            .values(
                status="completed",
                progress=100,
                result_key=result_key(user_id, task_id),
                thumbnail_key=thumbnail_key(user_id, task_id),
                target_preview_key=preview_key,
                result_size=len(RESULT_BYTES),
            )
        )
