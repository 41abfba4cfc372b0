"""GET /api/v1/tasks and GET /api/v1/tasks/{id}: paging, ownership and error messages."""

from __future__ import annotations

import httpx
from sqlalchemy import update

from tests.billing.energy import make_member
from tests.conftest import auth_headers, create_user
from tests.jobs.uploads import task_request
from vidswap.jobs.models import Task
from vidswap.runtime import Runtime

FIELDS = {
    "task_id",
    "status",
    "progress",
    "eta_seconds",
    "result_url",
    "result_kind",
    "thumbnail_url",
    "target_url",
    "target_preview_url",
    "notices",
    "error_code",
    "error_message",
    "duration_seconds",
    "processing_seconds",
    "energy_cost",
    "result_expires_at",
    "created_at",
    "updated_at",
}


async def _create(client: httpx.AsyncClient, runtime: Runtime, user) -> str:
    body = await task_request(runtime, user)
    response = await client.post("/api/v1/tasks", json=body, headers=auth_headers(runtime, user))
    assert response.status_code == 201
    return response.json()["task_id"]


async def test_get_returns_public_fields(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime)
    task_id = await _create(client, runtime, user)

    response = await client.get(f"/api/v1/tasks/{task_id}", headers=auth_headers(runtime, user))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == FIELDS
    assert body["task_id"] == task_id
    assert body["status"] == "pending"
    assert body["energy_cost"] == 2
    assert body["result_url"] is None
    assert body["error_message"] is None
    assert body["processing_seconds"] is None
    assert body["result_expires_at"] is None


async def test_other_users_task_not_found(client: httpx.AsyncClient, runtime: Runtime) -> None:
    owner = await create_user(runtime)
    other = await create_user(runtime)
    task_id = await _create(client, runtime, owner)

    for method, path in [
        ("GET", f"/api/v1/tasks/{task_id}"),
        ("POST", f"/api/v1/tasks/{task_id}/cancel"),
        ("DELETE", f"/api/v1/tasks/{task_id}"),
        ("GET", f"/api/v1/tasks/{task_id}/result"),
    ]:
        response = await client.request(method, path, headers=auth_headers(runtime, other))
        assert response.status_code == 404, path
        assert response.json()["error"] == "task_not_found"
        assert task_id in response.json()["message"]

    mine = await client.get(f"/api/v1/tasks/{task_id}", headers=auth_headers(runtime, owner))
    assert mine.json()["status"] == "pending"


async def test_error_message_follows_language(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime)
    task_id = await _create(client, runtime, user)
    async with runtime.sessionmaker() as session, session.begin():
        await session.execute(
            update(Task)
            .where(Task.id == task_id)
            .values(status="failed", error_code="face_not_found", error_params={"path": "me.jpg"})
        )
    path = f"/api/v1/tasks/{task_id}"

    english = await client.get(path, headers=auth_headers(runtime, user))
    chinese = await client.get(
        path, headers={**auth_headers(runtime, user), "Accept-Language": "zh-CN,zh;q=0.9"}
    )

    assert english.json()["error_code"] == "face_not_found"
    assert english.json()["error_message"].startswith("No face was found in me.jpg")
    assert chinese.json()["error_message"].startswith("在 me.jpg 中未检测到人脸")


async def test_list_pages_by_cursor(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime)
    await make_member(runtime, user.id)  # the free level runs only 2 tasks at a time
    other = await create_user(runtime)
    created = [await _create(client, runtime, user) for _ in range(3)]
    await _create(client, runtime, other)
    headers = auth_headers(runtime, user)

    first = await client.get("/api/v1/tasks", params={"limit": 2}, headers=headers)
    cursor = first.json()["next_cursor"]
    second = await client.get(
        "/api/v1/tasks", params={"limit": 2, "cursor": cursor}, headers=headers
    )

    assert [item["task_id"] for item in first.json()["items"]] == created[::-1][:2]
    assert cursor is not None
    assert [item["task_id"] for item in second.json()["items"]] == created[:1]
    assert second.json()["next_cursor"] is None


async def test_list_pages_by_number(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime)
    await make_member(runtime, user.id)  # the free level runs only 2 tasks at a time
    created = [await _create(client, runtime, user) for _ in range(3)]
    headers = auth_headers(runtime, user)

    page_two = await client.get(
        "/api/v1/tasks", params={"page": 2, "page_size": 2}, headers=headers
    )

    assert page_two.status_code == 200
    assert page_two.json()["page"] == 2
    assert page_two.json()["page_size"] == 2
    assert [item["task_id"] for item in page_two.json()["items"]] == created[:1]


async def test_list_rejects_bad_paging(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime)
    headers = auth_headers(runtime, user)

    for params, name in [
        ({"limit": 0}, "limit"),
        ({"limit": 1000}, "limit"),
        ({"page": 0}, "page"),
        ({"cursor": "not-a-cursor"}, "cursor"),
    ]:
        response = await client.get("/api/v1/tasks", params=params, headers=headers)
        assert response.status_code == 400, params
        assert response.json()["error"] == "invalid_page"
        assert name in response.json()["message"]
