"""The engine's notices on a completed task: stored, named by upload file name, rendered."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.billing.energy import energy_of, hold_status, ledger_rows
from tests.conftest import auth_headers, create_user
from tests.jobs.uploads import face_upload, file_url, store_upload, task_request
from tests.swap.media.conftest import VideoSpec, make_video
from vidswap.accounts.models import User
from vidswap.jobs.models import Task
from vidswap.runtime import Runtime
from vidswap.worker.runner import WorkerContext, run_task

TWO_FACES = "obama-and-biden-two-faces.jpg"
TARGET_PORTRAIT = "biden-official-vp-portrait-2013.jpg"


async def _create(client: httpx.AsyncClient, runtime: Runtime, user: User, **body: object) -> str:
    request = await task_request(runtime, user, **body)
    response = await client.post("/api/v1/tasks", json=request, headers=auth_headers(runtime, user))
    assert response.status_code == 201, response.text
    return str(response.json()["task_id"])


async def _notices(
    client: httpx.AsyncClient, runtime: Runtime, user: User, task_id: str, language: str
) -> list[dict[str, str]]:
    headers = {**auth_headers(runtime, user), "Accept-Language": language}
    response = await client.get(f"/api/v1/tasks/{task_id}", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "completed"
    return list(body["notices"])


async def test_target_without_face_gets_notice(
    client: httpx.AsyncClient, runtime: Runtime, context: WorkerContext, tmp_path: Path
) -> None:
    user = await create_user(runtime)
    video = tmp_path / "sunset-gradient.mp4"
    make_video(video, VideoSpec(width=160, height=120, frames=12))
    target = await store_upload(runtime, user, video, "video")
    task_id = await _create(client, runtime, user, video_url=file_url(target))

    await run_task(context, task_id)

    async with runtime.sessionmaker() as session:
        task = await session.get(Task, task_id)
    assert task is not None
    assert task.status == "completed"
    codes = ["face_none_in_target", "energy_returned"]
    assert [notice["code"] for notice in task.notices or []] == codes
    english = await _notices(client, runtime, user, task_id, "en")
    chinese = await _notices(client, runtime, user, task_id, "zh-CN")
    assert [notice["code"] for notice in english] == codes
    assert [notice["code"] for notice in chinese] == codes
    assert english[0]["message"].startswith("No face was found in sunset-gradient.mp4")
    assert "sunset-gradient.mp4" in chinese[0]["message"]
    assert "未检测到人脸" in chinese[0]["message"]
    for message in (english[0]["message"], chinese[0]["message"]):
        assert str(runtime.settings.tmp_dir) not in message
        assert "/" not in message


async def test_target_without_face_costs_nothing(
    client: httpx.AsyncClient, runtime: Runtime, context: WorkerContext, tmp_path: Path
) -> None:
    user = await create_user(runtime, energy_balance=10)
    video = tmp_path / "sunset-gradient.mp4"
    make_video(video, VideoSpec(width=160, height=120, frames=12))
    target = await store_upload(runtime, user, video, "video")
    task_id = await _create(client, runtime, user, video_url=file_url(target))
    energy_before_run = await energy_of(runtime, user.id)

    await run_task(context, task_id)

    english = await _notices(client, runtime, user, task_id, "en")
    chinese = await _notices(client, runtime, user, task_id, "zh-CN")
    assert energy_before_run == (9, 1)
    assert await energy_of(runtime, user.id) == (10, 0)
    assert await hold_status(runtime, task_id) == "released"
    assert await ledger_rows(runtime, user.id) == [("grant", 10)]
    assert english[-1]["message"] == (
        "No face was replaced, so the 1 Energy held for this task was returned."
    )
    assert chinese[-1]["message"] == "没有替换任何人脸，为本任务预留的 1 能量已退还。"


async def test_swapped_face_is_charged(
    client: httpx.AsyncClient, runtime: Runtime, context: WorkerContext
) -> None:
    user = await create_user(runtime, energy_balance=10)
    face = await face_upload(runtime, user)
    target = await face_upload(runtime, user, TARGET_PORTRAIT)
    task_id = await _create(
        client, runtime, user, image_url=file_url(face), video_url=file_url(target)
    )

    await run_task(context, task_id)

    notices = await _notices(client, runtime, user, task_id, "en")
    assert "energy_returned" not in [notice["code"] for notice in notices]
    assert await energy_of(runtime, user.id) == (9, 0)
    assert await hold_status(runtime, task_id) == "spent"
    assert await ledger_rows(runtime, user.id) == [("grant", 10), ("spend", -1)]


async def test_face_photo_with_two_faces_gets_notice(
    client: httpx.AsyncClient, runtime: Runtime, context: WorkerContext
) -> None:
    user = await create_user(runtime)
    face = await face_upload(runtime, user, TWO_FACES)
    target = await face_upload(runtime, user, TARGET_PORTRAIT)
    task_id = await _create(
        client, runtime, user, image_url=file_url(face), video_url=file_url(target)
    )

    await run_task(context, task_id)

    notices = await _notices(client, runtime, user, task_id, "en")
    several = [notice for notice in notices if notice["code"] == "face_several_in_source"]
    assert len(several) == 1
    assert several[0]["message"].startswith(f"{TWO_FACES} shows 2 faces")
    assert str(runtime.settings.tmp_dir) not in several[0]["message"]
    chinese = await _notices(client, runtime, user, task_id, "zh-CN")
    assert any(
        TWO_FACES in notice["message"] and "张人脸" in notice["message"] for notice in chinese
    )


async def test_task_without_notices_lists_none(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime)
    task_id = await _create(client, runtime, user)

    response = await client.get(f"/api/v1/tasks/{task_id}", headers=auth_headers(runtime, user))

    assert response.status_code == 200
    assert response.json()["notices"] == []
