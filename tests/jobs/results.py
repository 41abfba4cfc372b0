"""Complete a task the way a worker leaves it: a result and a thumbnail in storage."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import update

from vidswap.jobs.models import Task
from vidswap.media.keys import result_key, thumbnail_key
from vidswap.runtime import Runtime

# Stand-in files: these tests check links, ranges and bytes, not the media.
RESULT_BYTES = bytes(range(256)) * 40  # 10240 bytes
THUMBNAIL_BYTES = b"\xff\xd8\xff\xe0 stand-in thumbnail"


async def store_result(runtime: Runtime, task_id: str, tmp_path: Path) -> None:
    """Store RESULT_BYTES and THUMBNAIL_BYTES for ``task_id`` and mark it completed."""
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
    async with runtime.sessionmaker() as session, session.begin():
        await session.execute(
            update(Task)
            .where(Task.id == task_id)
            .values(
                status="completed",
                progress=100,
                result_key=result_key(user_id, task_id),
                thumbnail_key=thumbnail_key(user_id, task_id),
                result_size=len(RESULT_BYTES),
            )
        )
