"""Cancelling and deleting tasks, with their Energy holds and files."""

from __future__ import annotations

import httpx
from sqlalchemy import select, update

from tests.billing.energy import energy_of, hold_status, ledger_rows
from tests.conftest import auth_headers, create_user
from tests.jobs.uploads import task_request
from vidswap.accounts.models import User
from vidswap.billing import ledger
from vidswap.jobs.models import Task, TaskEvent
from vidswap.media.keys import result_key, thumbnail_key
from vidswap.runtime import Runtime


async def _create(client: httpx.AsyncClient, runtime: Runtime, user: User) -> str:
    body = await task_request(runtime, user)
    response = await client.post("/api/v1/tasks", json=body, headers=auth_headers(runtime, user))
    assert response.status_code == 201
    return response.json()["task_id"]


async def _set(runtime: Runtime, task_id: str, **values: object) -> None:
    async with runtime.sessionmaker() as session, session.begin():
        await session.execute(update(Task).where(Task.id == task_id).values(**values))


async def test_cancel_pending_releases_hold(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime)
    task_id = await _create(client, runtime, user)
    headers = auth_headers(runtime, user)

    response = await client.post(f"/api/v1/tasks/{task_id}/cancel", headers=headers)

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert await energy_of(runtime, user.id) == (100, 0)
    assert await ledger_rows(runtime, user.id) == [("grant", 100)]
    assert await hold_status(runtime, task_id) == "released"
    async with runtime.sessionmaker() as session:
        events = list(await session.scalars(select(TaskEvent).where(TaskEvent.task_id == task_id)))
    assert [event.type for event in events] == ["task.cancelled"]
    assert events[0].payload["task"]["status"] == "cancelled"


async def test_cancel_final_task_conflicts(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime)
    task_id = await _create(client, runtime, user)
    headers = auth_headers(runtime, user)
    await client.post(f"/api/v1/tasks/{task_id}/cancel", headers=headers)

    again = await client.post(f"/api/v1/tasks/{task_id}/cancel", headers=headers)

    assert again.status_code == 409
    assert again.json()["error"] == "task_finished"
    assert task_id in again.json()["message"]
    assert "cancelled" in again.json()["message"]
    assert await energy_of(runtime, user.id) == (100, 0)
    assert await ledger_rows(runtime, user.id) == [("grant", 100)]
    assert await hold_status(runtime, task_id) == "released"


async def test_cancel_processing_asks_worker(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime)
    task_id = await _create(client, runtime, user)
    await _set(runtime, task_id, status="processing", lease_owner="worker-a")

    response = await client.post(
        f"/api/v1/tasks/{task_id}/cancel", headers=auth_headers(runtime, user)
    )

    assert response.status_code == 200
    assert response.json()["status"] == "processing"
    async with runtime.sessionmaker() as session:
        task = await session.get(Task, task_id)
    assert task is not None
    assert task.cancel_requested is True
    # The worker releases the hold once it has stopped.
    assert await energy_of(runtime, user.id) == (98, 2)
    assert await hold_status(runtime, task_id) == "held"


async def test_delete_pending_releases_hold(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime)
    task_id = await _create(client, runtime, user)

    response = await client.delete(f"/api/v1/tasks/{task_id}", headers=auth_headers(runtime, user))

    assert response.status_code == 204
    async with runtime.sessionmaker() as session:
        assert await session.get(Task, task_id) is None
    assert await energy_of(runtime, user.id) == (100, 0)
    assert await ledger_rows(runtime, user.id) == [("grant", 100)]
    assert await hold_status(runtime, task_id) == "released"
    missing = await client.get(f"/api/v1/tasks/{task_id}", headers=auth_headers(runtime, user))
    assert missing.status_code == 404


async def test_delete_completed_removes_files(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path
) -> None:
    user = await create_user(runtime)
    task_id = await _create(client, runtime, user)
    sample = tmp_path / "result.mp4"
    sample.write_bytes(b"result bytes")
    runtime.storage.put_file(result_key(user.id, task_id), sample, "video/mp4")
    runtime.storage.put_file(thumbnail_key(user.id, task_id), sample, "image/jpeg")
    await _set(
        runtime,
        task_id,
        status="completed",
        result_key=result_key(user.id, task_id),
        thumbnail_key=thumbnail_key(user.id, task_id),
    )
    async with runtime.sessionmaker() as session, session.begin():
        await ledger.spend_hold(session, task_id)

    response = await client.delete(f"/api/v1/tasks/{task_id}", headers=auth_headers(runtime, user))

    assert response.status_code == 204
    assert not runtime.storage.exists(result_key(user.id, task_id))
    assert not runtime.storage.exists(thumbnail_key(user.id, task_id))
    assert await energy_of(runtime, user.id) == (98, 0)
    assert await ledger_rows(runtime, user.id) == [("grant", 100), ("spend", -2)]
    assert await hold_status(runtime, task_id) == "spent"
