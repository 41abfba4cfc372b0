"""GET /api/v1/tasks/{id}/result and /thumbnail: Range requests and readiness."""

from __future__ import annotations

import httpx
from sqlalchemy import update

from tests.conftest import auth_headers, create_user
from tests.jobs.results import RESULT_BYTES, store_result
from tests.jobs.uploads import task_request
from vidswap.jobs.models import Task
from vidswap.runtime import Runtime

CONTENT = RESULT_BYTES


async def _completed_task(client: httpx.AsyncClient, runtime: Runtime, tmp_path) -> tuple:
    user = await create_user(runtime)
    body = await task_request(runtime, user)
    response = await client.post("/api/v1/tasks", json=body, headers=auth_headers(runtime, user))
    task_id = response.json()["task_id"]
    await store_result(runtime, task_id, tmp_path)
    return user, task_id


async def test_result_not_ready(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime)
    body = await task_request(runtime, user)
    created = await client.post("/api/v1/tasks", json=body, headers=auth_headers(runtime, user))
    task_id = created.json()["task_id"]

    response = await client.get(
        f"/api/v1/tasks/{task_id}/result", headers=auth_headers(runtime, user)
    )

    assert response.status_code == 409
    assert response.json()["error"] == "result_not_ready"
    assert "pending" in response.json()["message"]


async def _get_in_both_languages(
    client: httpx.AsyncClient, path: str, headers: dict[str, str]
) -> tuple[httpx.Response, httpx.Response]:
    english = await client.get(path, headers={**headers, "Accept-Language": "en"})
    chinese = await client.get(path, headers={**headers, "Accept-Language": "zh-CN"})
    return english, chinese


async def test_result_of_cancelled_task_unavailable(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    user = await create_user(runtime)
    headers = auth_headers(runtime, user)
    body = await task_request(runtime, user)
    task_id = (await client.post("/api/v1/tasks", json=body, headers=headers)).json()["task_id"]
    cancelled = await client.post(f"/api/v1/tasks/{task_id}/cancel", headers=headers)
    assert cancelled.json()["status"] == "cancelled"

    for name in ("result", "thumbnail"):
        path = f"/api/v1/tasks/{task_id}/{name}"
        english, chinese = await _get_in_both_languages(client, path, headers)
        assert english.status_code == 409, name
        assert english.json()["error"] == "result_unavailable", name
        assert english.json()["message"] == (
            f"Task {task_id} was cancelled, so it has no result. Create a new task to get a result."
        )
        assert chinese.status_code == 409, name
        assert (
            chinese.json()["message"] == f"任务 {task_id} 已取消，没有结果。如需结果，请新建任务。"
        )


async def test_result_of_failed_task_unavailable(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    user = await create_user(runtime)
    headers = auth_headers(runtime, user)
    body = await task_request(runtime, user)
    task_id = (await client.post("/api/v1/tasks", json=body, headers=headers)).json()["task_id"]
    async with runtime.sessionmaker() as session, session.begin():
        await session.execute(update(Task).where(Task.id == task_id).values(status="failed"))

    english, chinese = await _get_in_both_languages(
        client, f"/api/v1/tasks/{task_id}/result", headers
    )

    assert english.status_code == 409
    assert english.json()["error"] == "result_unavailable"
    assert english.json()["message"] == (
        f"Task {task_id} failed, so it has no result. Create a new task to get a result."
    )
    assert chinese.json()["error"] == "result_unavailable"
    assert chinese.json()["message"] == f"任务 {task_id} 处理失败，没有结果。如需结果，请新建任务。"


async def test_result_after_retention_unavailable(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path
) -> None:
    user, task_id = await _completed_task(client, runtime, tmp_path)
    headers = auth_headers(runtime, user)
    # What the retention purge leaves: a completed task without result keys.
    async with runtime.sessionmaker() as session, session.begin():
        await session.execute(
            update(Task)
            .where(Task.id == task_id)
            .values(result_key=None, thumbnail_key=None, result_size=None)
        )

    english, chinese = await _get_in_both_languages(
        client, f"/api/v1/tasks/{task_id}/result", headers
    )

    assert english.status_code == 409
    assert english.json()["error"] == "result_unavailable"
    assert english.json()["message"] == (
        f"The result of task {task_id} was deleted when your plan's retention period ended. "
        "Create a new task to get a result."
    )
    assert chinese.json()["message"] == (
        f"任务 {task_id} 的结果已超过套餐的保留期限，已被删除。如需结果，请新建任务。"
    )


async def test_result_whole_and_ranges(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path
) -> None:
    user, task_id = await _completed_task(client, runtime, tmp_path)
    headers = auth_headers(runtime, user)
    path = f"/api/v1/tasks/{task_id}/result"

    whole = await client.get(path, headers=headers)
    middle = await client.get(path, headers={**headers, "Range": "bytes=100-199"})
    tail = await client.get(path, headers={**headers, "Range": "bytes=-10"})
    beyond = await client.get(path, headers={**headers, "Range": "bytes=20000-"})

    assert whole.status_code == 200
    assert whole.content == CONTENT
    assert whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["content-type"] == "video/mp4"
    assert middle.status_code == 206
    assert middle.content == CONTENT[100:200]
    assert middle.headers["content-range"] == f"bytes 100-199/{len(CONTENT)}"
    assert tail.content == CONTENT[-10:]
    assert beyond.status_code == 416
    assert beyond.json()["error"] == "range_not_satisfiable"
    assert str(len(CONTENT)) in beyond.json()["message"]


async def test_public_urls_after_completion(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path
) -> None:
    user, task_id = await _completed_task(client, runtime, tmp_path)
    headers = auth_headers(runtime, user)

    body = (await client.get(f"/api/v1/tasks/{task_id}", headers=headers)).json()
    thumbnail = await client.get(body["thumbnail_url"], headers=headers)

    assert body["result_url"].startswith(f"/api/v1/tasks/{task_id}/result?user={user.id}&")
    assert thumbnail.status_code == 200
    assert thumbnail.headers["content-type"] == "image/jpeg"


async def test_missing_result_file_not_found(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path
) -> None:
    user, task_id = await _completed_task(client, runtime, tmp_path)
    headers = auth_headers(runtime, user)
    runtime.storage.delete_prefix(f"users/{user.id}/tasks/{task_id}")

    for name in ("result", "thumbnail"):
        response = await client.get(f"/api/v1/tasks/{task_id}/{name}", headers=headers)
        assert response.status_code == 404, name
        assert response.json()["error"] == "result_file_missing", name
        assert task_id in response.json()["message"], name
    task = await client.get(f"/api/v1/tasks/{task_id}", headers=headers)
    assert task.json()["status"] == "completed"
