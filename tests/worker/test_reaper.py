"""Claiming, lease expiry and the reaper on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from tests.billing.energy import hold_status
from tests.conftest import create_user
from vidswap.billing import ledger
from vidswap.jobs import repository
from vidswap.jobs.models import Task
from vidswap.kit.clock import utcnow
from vidswap.kit.db import new_id, transaction
from vidswap.runtime import Runtime
from vidswap.worker.reaper import reap_once


async def _insert_task(runtime: Runtime, **values: object) -> Task:
    user = await create_user(runtime)
    now = utcnow()
    fields: dict[str, object] = {
        "id": new_id(),
        "user_id": user.id,
        "image_url": "/api/v1/uploads/a/file",
        "video_url": "/api/v1/uploads/b/file",
        "consent_at": now,
        "energy_cost": 3,
        "queued_at": now,
        "created_at": now,
        "updated_at": now,
    }
    fields.update(values)
    task = Task(**fields)
    async with transaction(runtime.sessionmaker) as session:
        session.add(task)
        await session.flush()
        await ledger.hold(session, user.id, task.id, 3)
    return task


async def _reload(runtime: Runtime, task_id: str) -> Task:
    async with runtime.sessionmaker() as session:
        task = await session.get(Task, task_id)
    assert task is not None
    return task


async def _queued_ids(runtime: Runtime) -> list[str]:
    ids = []
    while (task_id := runtime.queue.dequeue_task_id()) is not None:
        ids.append(task_id)
    return ids


async def _refunds(runtime: Runtime, task_id: str) -> int:
    return 1 if await hold_status(runtime, task_id) == "released" else 0


async def test_claim_is_exclusive(any_db_runtime: Runtime) -> None:
    runtime = any_db_runtime
    task = await _insert_task(runtime)

    async with transaction(runtime.sessionmaker) as session:
        first = await repository.claim(session, task.id, "worker-a", 2.0)
    async with transaction(runtime.sessionmaker) as session:
        second = await repository.claim(session, task.id, "worker-b", 2.0)

    assert (first, second) == (1, 0)
    claimed = await _reload(runtime, task.id)
    assert claimed.status == "processing"
    assert claimed.lease_owner == "worker-a"
    assert claimed.attempts == 1


async def test_renew_only_by_owner(any_db_runtime: Runtime) -> None:
    runtime = any_db_runtime
    task = await _insert_task(runtime)
    async with transaction(runtime.sessionmaker) as session:
        await repository.claim(session, task.id, "worker-a", 2.0)

    async with transaction(runtime.sessionmaker) as session:
        by_owner = await repository.renew(session, task.id, "worker-a", 2.0, progress=40)
        by_other = await repository.renew(session, task.id, "worker-b", 2.0, progress=90)
        await repository.request_cancel(session, task.id)
    async with transaction(runtime.sessionmaker) as session:
        after_cancel = await repository.renew(session, task.id, "worker-a", 2.0)

    assert (by_owner, by_other, after_cancel) == (1, 0, 0)
    assert (await _reload(runtime, task.id)).progress == 40


async def test_reaper_requeues_expired_lease(any_db_runtime: Runtime) -> None:
    runtime = any_db_runtime
    await _queued_ids(runtime)
    expired = await _insert_task(
        runtime,
        status="processing",
        lease_owner="dead-worker",
        lease_expires_at=utcnow() - timedelta(seconds=1),
        attempts=1,
        progress=37,
    )
    alive = await _insert_task(
        runtime,
        status="processing",
        lease_owner="live-worker",
        lease_expires_at=utcnow() + timedelta(seconds=30),
        attempts=1,
    )

    await reap_once(runtime)

    requeued = await _reload(runtime, expired.id)
    assert requeued.status == "pending"
    assert requeued.lease_owner is None
    assert requeued.progress == 0
    assert requeued.attempts == 1
    untouched = await _reload(runtime, alive.id)
    assert untouched.status == "processing"
    assert untouched.lease_owner == "live-worker"
    queued = await _queued_ids(runtime)
    assert expired.id in queued
    assert alive.id not in queued
    assert await _refunds(runtime, expired.id) == 0


async def test_reaper_settles_expired_cancel(any_db_runtime: Runtime) -> None:
    runtime = any_db_runtime
    task = await _insert_task(
        runtime,
        status="processing",
        lease_owner="dead-worker",
        lease_expires_at=utcnow() - timedelta(seconds=1),
        attempts=1,
        cancel_requested=True,
    )

    await reap_once(runtime)
    await reap_once(runtime)

    settled = await _reload(runtime, task.id)
    assert settled.status == "cancelled"
    assert await _refunds(runtime, task.id) == 1


async def test_reaper_fails_after_max_attempts(any_db_runtime: Runtime) -> None:
    runtime = any_db_runtime
    task = await _insert_task(
        runtime,
        status="processing",
        lease_owner="dead-worker",
        lease_expires_at=utcnow() - timedelta(seconds=1),
        attempts=runtime.settings.task_max_attempts,
    )

    await reap_once(runtime)

    failed = await _reload(runtime, task.id)
    assert failed.status == "failed"
    assert failed.error_code == "task_attempts_exhausted"
    assert failed.error_params == {"attempts": 3, "detail": "worker_lost"}
    assert await _refunds(runtime, task.id) == 1


async def test_reaper_requeues_lost_message(any_db_runtime: Runtime) -> None:
    runtime = any_db_runtime
    await _queued_ids(runtime)
    old = utcnow() - timedelta(seconds=runtime.settings.task_requeue_seconds + 5)
    lost = await _insert_task(runtime, queued_at=old)
    fresh = await _insert_task(runtime)

    await reap_once(runtime)

    queued = await _queued_ids(runtime)
    assert lost.id in queued
    assert fresh.id not in queued
    assert (await _reload(runtime, lost.id)).queued_at > old
    await reap_once(runtime)
    assert lost.id not in await _queued_ids(runtime)


async def test_reaper_removes_orphaned_folders(any_db_runtime: Runtime) -> None:
    runtime = any_db_runtime
    running = await _insert_task(
        runtime,
        status="processing",
        lease_owner="live-worker",
        lease_expires_at=utcnow() + timedelta(seconds=30),
    )
    cancelled = await _insert_task(runtime, status="cancelled")
    root = runtime.settings.tmp_dir / "tasks"
    for task_id in (running.id, cancelled.id, new_id()):
        (root / task_id).mkdir(parents=True)
        (root / task_id / "result.mp4").write_bytes(b"partial")

    await reap_once(runtime)

    assert [path.name for path in root.iterdir()] == [running.id]


async def test_purge_removes_expired_uploads(any_db_runtime: Runtime) -> None:
    from vidswap.media.models import Upload
    from vidswap.worker.reaper import purge_old_records

    user = await create_user(any_db_runtime)
    now = utcnow()
    async with transaction(any_db_runtime.sessionmaker) as session:
        stale = Upload(
            user_id=user.id,
            kind="video",
            status="uploading",
            upload_length=10,
            expires_at=now - timedelta(minutes=1),
        )
        fresh = Upload(
            user_id=user.id,
            kind="video",
            status="uploading",
            upload_length=10,
            expires_at=now + timedelta(hours=1),
        )
        session.add_all([stale, fresh])

    await purge_old_records(any_db_runtime, timedelta(hours=1))

    async with any_db_runtime.sessionmaker() as session:
        assert await session.get(Upload, stale.id) is None
        assert await session.get(Upload, fresh.id) is not None
