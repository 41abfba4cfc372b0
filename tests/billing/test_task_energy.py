"""Energy and plan limits under concurrent task creation, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import update

from tests.billing.energy import energy_of, ledger_rows
from tests.conftest import auth_headers, create_user
from tests.jobs.uploads import face_upload, file_url
from vidswap.billing.models import MemberLevel
from vidswap.runtime import Runtime

ATTEMPTS = 20


async def _set_free_limits(runtime: Runtime, **limits: int) -> None:
    async with runtime.sessionmaker() as session, session.begin():
        await session.execute(update(MemberLevel).where(MemberLevel.rank == 0).values(**limits))


async def _photo_task(runtime: Runtime, user_id: str) -> dict[str, object]:
    """A photo-to-photo task: it costs exactly 1 Energy."""
    from vidswap.accounts.models import User

    async with runtime.sessionmaker() as session:
        user = await session.get(User, user_id)
    assert user is not None
    face = await face_upload(runtime, user)
    target = await face_upload(runtime, user, "biden-official-vp-portrait-2013.jpg")
    return {"image_url": file_url(face), "video_url": file_url(target), "consent": True}


async def _create_at_once(
    client: httpx.AsyncClient, body: dict[str, object], headers: dict[str, str]
) -> list[httpx.Response]:
    return list(
        await asyncio.gather(
            *(client.post("/api/v1/tasks", json=body, headers=headers) for _ in range(ATTEMPTS))
        )
    )


async def test_twenty_tasks_with_energy_for_five(
    db_client: httpx.AsyncClient, db_runtime: Runtime
) -> None:
    await _set_free_limits(db_runtime, concurrent_tasks=100, daily_tasks=100)
    user = await create_user(db_runtime, energy_balance=5)
    body = await _photo_task(db_runtime, user.id)

    responses = await _create_at_once(db_client, body, auth_headers(db_runtime, user))

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] * 5 + [402] * 15
    refused = next(response for response in responses if response.status_code == 402)
    assert refused.json()["error"] == "insufficient_energy"
    assert await energy_of(db_runtime, user.id) == (0, 5)
    assert await ledger_rows(db_runtime, user.id) == [("grant", 5)]


async def test_twenty_tasks_with_room_for_three(
    db_client: httpx.AsyncClient, db_runtime: Runtime
) -> None:
    await _set_free_limits(db_runtime, concurrent_tasks=3, daily_tasks=100)
    user = await create_user(db_runtime, energy_balance=100)
    body = await _photo_task(db_runtime, user.id)

    responses = await _create_at_once(db_client, body, auth_headers(db_runtime, user))

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] * 3 + [403] * 17
    refused = next(response for response in responses if response.status_code == 403)
    assert refused.json()["error"] == "plan_limit"
    assert "3 tasks at a time" in refused.json()["message"]
    assert await energy_of(db_runtime, user.id) == (97, 3)
