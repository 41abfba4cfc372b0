"""Out-of-range paging values and malformed task ids get a 4xx with the error body,
on SQLite and on PostgreSQL, and change nothing stored."""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.conftest import auth_headers, create_user
from tests.jobs.uploads import task_request
from vidswap.accounts.models import User
from vidswap.jobs.models import Task
from vidswap.runtime import Runtime

OVERFLOWING = "99999999999999999999999"
TASK_PATHS = ["", "/cancel", "/result", "/thumbnail"]


async def _create_task(client: httpx.AsyncClient, runtime: Runtime, user: User) -> str:
    body = await task_request(runtime, user)
    response = await client.post("/api/v1/tasks", json=body, headers=auth_headers(runtime, user))
    assert response.status_code == 201, response.text
    return str(response.json()["task_id"])


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("page", OVERFLOWING),
        ("page", "1000001"),
        ("page", "-1"),
        ("page_size", OVERFLOWING),
        ("limit", OVERFLOWING),
        ("limit", "-" + OVERFLOWING),
    ],
)
async def test_paging_out_of_range_rejected(
    db_client: httpx.AsyncClient, db_runtime: Runtime, name: str, value: str
) -> None:
    user = await create_user(db_runtime)

    response = await db_client.get(
        "/api/v1/tasks", params={name: value}, headers=auth_headers(db_runtime, user)
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_page"
    assert f"{name}={value}" in response.json()["message"]


async def test_last_allowed_page_is_empty(
    db_client: httpx.AsyncClient, db_runtime: Runtime
) -> None:
    user = await create_user(db_runtime)
    await _create_task(db_client, db_runtime, user)

    response = await db_client.get(
        "/api/v1/tasks",
        params={"page": 1_000_000, "page_size": 100},
        headers=auth_headers(db_runtime, user),
    )

    assert response.status_code == 200
    assert response.json()["items"] == []
    assert response.json()["page"] == 1_000_000


@pytest.mark.parametrize(
    "cursor",
    [
        _cursor("2026-01-05T08:00:00+00:00|abc\x00def"),
        _cursor("2026-01-05T08:00:00|5d0c8e2a9f7b4c1d8e3f6a7b9c0d1e2f"),
        _cursor("0001-01-01T00:00:00+14:00|5d0c8e2a9f7b4c1d8e3f6a7b9c0d1e2f"),
        _cursor("2026-01-05T08:00:00+00:00|" + "a" * 65),
        "A" * 201,
    ],
    ids=["nul-in-id", "naive-time", "time-underflow", "long-id", "too-long"],
)
async def test_forged_cursor_rejected(
    db_client: httpx.AsyncClient, db_runtime: Runtime, cursor: str
) -> None:
    user = await create_user(db_runtime)

    response = await db_client.get(
        "/api/v1/tasks", params={"cursor": cursor}, headers=auth_headers(db_runtime, user)
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_page"
    assert "cursor=" in response.json()["message"]


@pytest.mark.parametrize(
    "bad_id", ["abc\x00def", "a" * 65, "abc def"], ids=["nul", "too-long", "space"]
)
async def test_malformed_task_id_rejected(
    db_client: httpx.AsyncClient, db_runtime: Runtime, bad_id: str
) -> None:
    user = await create_user(db_runtime)
    task_id = await _create_task(db_client, db_runtime, user)
    headers = auth_headers(db_runtime, user)
    encoded = bad_id.replace("\x00", "%00").replace(" ", "%20")

    for suffix in TASK_PATHS:
        method = "POST" if suffix == "/cancel" else "GET"
        response = await db_client.request(
            method, f"/api/v1/tasks/{encoded}{suffix}", headers=headers
        )
        assert response.status_code == 422, suffix
        assert response.json()["error"] == "validation_error", suffix
        assert "task_id" in response.json()["message"], suffix
    deleted = await db_client.delete(f"/api/v1/tasks/{encoded}", headers=headers)
    assert deleted.status_code == 422

    async with db_runtime.sessionmaker() as session:
        task = await session.get(Task, task_id)
    assert task is not None
    assert task.status == "pending"
