"""Push notifications when the worker finishes a task, through the FCM stand-in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from tests.conftest import auth_headers, create_user
from tests.jobs.uploads import face_upload, file_url, task_request
from tests.notifications import fcm_standin
from tests.notifications.fcm_standin import FcmStandIn
from vidswap.kit.settings import Settings
from vidswap.notifications.models import PushDevice
from vidswap.runtime import Runtime
from vidswap.worker.runner import WorkerContext, run_task

GOOD = "device-good-0123456789abcdef"
DEAD = "dead-device-0123456789abcdef"


@pytest.fixture(scope="module")
def fcm() -> Iterator[FcmStandIn]:
    with fcm_standin.running() as standin:
        yield standin


@pytest.fixture
def settings(settings: Settings, fcm: FcmStandIn, tmp_path: Path) -> Settings:
    """The worker's settings with push notifications through the stand-in."""
    fcm.reset()
    path = fcm_standin.write_service_account(tmp_path, fcm.address)
    values = {
        **settings.model_dump(),
        "fcm_service_account_file": path,
        "fcm_base_url": f"http://{fcm.address}",
    }
    return Settings.model_validate(values)


async def register(client: httpx.AsyncClient, headers: dict[str, str], token: str) -> None:
    body = {"token": token, "platform": "android"}
    response = await client.post("/api/v1/users/me/devices", json=body, headers=headers)
    assert response.status_code == 201, response.text


async def tokens(runtime: Runtime) -> set[str]:
    async with runtime.sessionmaker() as session:
        return set(await session.scalars(select(PushDevice.token)))


async def test_completed_task_reaches_the_devices_in_the_users_language(
    client: httpx.AsyncClient, runtime: Runtime, context: WorkerContext, fcm: FcmStandIn
) -> None:
    user = await create_user(runtime, locale="zh-CN")
    headers = auth_headers(runtime, user)
    await register(client, headers, GOOD)
    await register(client, headers, DEAD)
    request = await task_request(runtime, user)
    task_id = (await client.post("/api/v1/tasks", json=request, headers=headers)).json()["task_id"]

    await run_task(context, task_id)

    [message] = fcm.delivered
    assert message["token"] == GOOD
    assert message["notification"] == {
        "title": "换脸视频已完成",
        "body": "打开 vidswap 观看和下载。",
    }
    assert message["data"] == {"task_id": task_id, "status": "completed"}
    assert await tokens(runtime) == {GOOD}


async def test_failed_task_says_so(
    client: httpx.AsyncClient, runtime: Runtime, context: WorkerContext, fcm: FcmStandIn
) -> None:
    user = await create_user(runtime, locale="en")
    headers = auth_headers(runtime, user)
    await register(client, headers, GOOD)
    cup = await face_upload(runtime, user, "no-face-coffee-cup-cc0.png")
    request = await task_request(runtime, user, image_url=file_url(cup))
    task_id = (await client.post("/api/v1/tasks", json=request, headers=headers)).json()["task_id"]

    await run_task(context, task_id)

    [message] = fcm.delivered
    assert message["notification"]["title"] == "Your face swap did not work"
    assert message["data"] == {"task_id": task_id, "status": "failed"}
