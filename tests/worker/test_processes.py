"""Worker processes: SIGKILL in the middle of a task, and a graceful SIGTERM."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import httpx
import pytest

from tests.billing.energy import energy_of, hold_status, ledger_rows
from tests.conftest import auth_headers, create_user
from tests.jobs.uploads import LONG_CLIP, clip_upload, file_url, task_request
from tests.worker.processes import wait_until, worker_process
from vidswap.accounts.models import User
from vidswap.jobs.models import Task
from vidswap.runtime import Runtime


async def _task(runtime: Runtime, task_id: str) -> Task:
    async with runtime.sessionmaker() as session:
        task = await session.get(Task, task_id)
    assert task is not None
    return task


async def _create_long_task(client: httpx.AsyncClient, runtime: Runtime, user: User) -> str:
    clip = await clip_upload(runtime, user, LONG_CLIP)
    body = await task_request(runtime, user, video_url=file_url(clip))
    response = await client.post("/api/v1/tasks", json=body, headers=auth_headers(runtime, user))
    assert response.status_code == 201
    return response.json()["task_id"]


@pytest.mark.parametrize("settings", ["embedded", "scaled"], indirect=True)
async def test_killed_worker_task_completes_once(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path
) -> None:
    user = await create_user(runtime)
    task_id = await _create_long_task(client, runtime, user)
    task_folder = runtime.settings.tmp_dir / "tasks" / task_id

    async def swapping() -> bool:
        return (await _task(runtime, task_id)).progress > 0

    first_log = tmp_path / "worker-a.log"
    with worker_process(runtime.settings, first_log) as first:
        await wait_until(swapping, "the first worker to start swapping", first_log)
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
    killed = await _task(runtime, task_id)
    assert killed.status == "processing"
    assert killed.attempts == 1
    assert task_folder.exists()  # the killed worker could not clean up
    assert await energy_of(runtime, user.id) == (96, 4)
    assert await hold_status(runtime, task_id) == "held"

    async def completed() -> bool:
        return (await _task(runtime, task_id)).status == "completed"

    second_log = tmp_path / "worker-b.log"
    with worker_process(runtime.settings, second_log) as second:
        await wait_until(completed, "the second worker to complete the task", second_log)
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=60) == 0

    task = await _task(runtime, task_id)
    assert task.attempts == 2
    assert task.lease_owner is None
    assert runtime.storage.exists(task.result_key)
    assert await ledger_rows(runtime, user.id) == [("grant", 100), ("spend", -4)]
    assert await energy_of(runtime, user.id) == (96, 0)
    assert await hold_status(runtime, task_id) == "spent"
    assert not task_folder.exists()
    assert list((runtime.settings.tmp_dir / "tasks").iterdir()) == []
    assert "reaper.lease_expired" in second_log.read_text()
    runtime.queue.flush()


async def test_sigterm_hands_task_back(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path
) -> None:
    user = await create_user(runtime)
    task_id = await _create_long_task(client, runtime, user)

    async def swapping() -> bool:
        return (await _task(runtime, task_id)).progress > 0

    log_path = tmp_path / "worker.log"
    with worker_process(runtime.settings, log_path) as worker:
        await wait_until(swapping, "the worker to start swapping", log_path)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0

    task = await _task(runtime, task_id)
    assert task.status == "pending"
    assert task.attempts == 0
    assert task.lease_owner is None
    assert runtime.queue.dequeue_task_id() == task_id
    assert await energy_of(runtime, user.id) == (96, 4)
    assert await hold_status(runtime, task_id) == "held"
    assert list((runtime.settings.tmp_dir / "tasks").iterdir()) == []
