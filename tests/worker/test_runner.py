"""A task attempt in process: the real engine on real media, cancel, failure, retry."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select

from tests.billing.energy import energy_of, hold_status, ledger_rows
from tests.conftest import auth_headers, create_user
from tests.jobs.uploads import LONG_CLIP, clip_upload, face_upload, file_url, task_request
from tests.shared_media import require_cjk_font, shared_face, shared_video
from vidswap.accounts.models import User
from vidswap.jobs.models import Task, TaskEvent
from vidswap.kit.clock import utcnow
from vidswap.media.storage import StorageError
from vidswap.runtime import Runtime
from vidswap.swap.media.label import corner_origin, render_label
from vidswap.swap.media.video import probe_video
from vidswap.swap.options import LabelOptions
from vidswap.worker import runner
from vidswap.worker.runner import WorkerContext, run_task


async def _create(client: httpx.AsyncClient, runtime: Runtime, user: User, **body: object) -> str:
    request = await task_request(runtime, user, **body)
    response = await client.post("/api/v1/tasks", json=request, headers=auth_headers(runtime, user))
    assert response.status_code == 201, response.text
    return response.json()["task_id"]


async def _task(runtime: Runtime, task_id: str) -> Task:
    async with runtime.sessionmaker() as session:
        task = await session.get(Task, task_id)
    assert task is not None
    return task


async def _event_types(runtime: Runtime, task_id: str) -> list[str]:
    async with runtime.sessionmaker() as session:
        rows = await session.scalars(
            select(TaskEvent.type).where(TaskEvent.task_id == task_id).order_by(TaskEvent.id)
        )
        return list(rows)


def _task_folders(runtime: Runtime) -> list[Path]:
    root = runtime.settings.tmp_dir / "tasks"
    return list(root.iterdir()) if root.exists() else []


async def test_attempt_completes_real_clip(
    client: httpx.AsyncClient, runtime: Runtime, context: WorkerContext, tmp_path: Path
) -> None:
    user = await create_user(runtime)
    task_id = await _create(client, runtime, user)

    await run_task(context, task_id)

    task = await _task(runtime, task_id)
    assert task.status == "completed"
    assert task.progress == 100
    assert task.attempts == 1
    assert task.lease_owner is None
    assert task.error_code is None
    result = tmp_path / "result.mp4"
    runtime.storage.get_file(task.result_key, result)
    source = probe_video(shared_video("indoor-group-event-1s-hevc-ccby.mp4"))
    output = probe_video(result)
    assert output.duration == pytest.approx(source.duration, abs=0.1)
    assert output.has_audio
    assert output.frame_count == source.frame_count
    assert (output.width, output.height) == (source.width, source.height)
    headers = auth_headers(runtime, user)
    thumbnail = await client.get(f"/api/v1/tasks/{task_id}/thumbnail", headers=headers)
    assert thumbnail.content[:3] == b"\xff\xd8\xff"
    assert Image.open(io.BytesIO(thumbnail.content)).format == "JPEG"
    download = await client.get(f"/api/v1/tasks/{task_id}/result", headers=headers)
    assert download.content == result.read_bytes()
    assert await energy_of(runtime, user.id) == (98, 0)
    assert await ledger_rows(runtime, user.id) == [("grant", 100), ("spend", -2)]
    assert await hold_status(runtime, task_id) == "spent"
    # The free level keeps results for 7 days.
    assert task.result_expires_at is not None
    expected_expiry = utcnow() + timedelta(days=7)
    assert abs((task.result_expires_at - expected_expiry).total_seconds()) < 60
    events = await _event_types(runtime, task_id)
    assert events[0] == "task.processing"
    assert events[-1] == "task.completed"
    assert _task_folders(runtime) == []


async def test_photo_without_face_releases_hold(
    client: httpx.AsyncClient, runtime: Runtime, context: WorkerContext
) -> None:
    user = await create_user(runtime)
    cup = await face_upload(runtime, user, "no-face-coffee-cup-cc0.png")
    task_id = await _create(client, runtime, user, image_url=file_url(cup))

    await run_task(context, task_id)

    task = await _task(runtime, task_id)
    assert task.status == "failed"
    assert task.error_code == "face_not_found"
    assert task.attempts == 1
    body = (
        await client.get(f"/api/v1/tasks/{task_id}", headers=auth_headers(runtime, user))
    ).json()
    assert "no-face-coffee-cup-cc0.png" in body["error_message"]
    assert str(runtime.settings.tmp_dir) not in body["error_message"]
    assert await energy_of(runtime, user.id) == (100, 0)
    assert await ledger_rows(runtime, user.id) == [("grant", 100)]
    assert await hold_status(runtime, task_id) == "released"
    assert (await _event_types(runtime, task_id))[-1] == "task.failed"
    assert _task_folders(runtime) == []


async def test_cancel_stops_running_swap(
    client: httpx.AsyncClient, runtime: Runtime, context: WorkerContext
) -> None:
    user = await create_user(runtime)
    clip = await clip_upload(runtime, user, LONG_CLIP)
    task_id = await _create(client, runtime, user, video_url=file_url(clip))
    attempt = asyncio.create_task(run_task(context, task_id))

    while (await _task(runtime, task_id)).progress == 0:
        assert not attempt.done()
        await asyncio.sleep(0.1)
    response = await client.post(
        f"/api/v1/tasks/{task_id}/cancel", headers=auth_headers(runtime, user)
    )
    assert response.json()["status"] == "processing"
    await attempt

    task = await _task(runtime, task_id)
    assert task.status == "cancelled"
    assert task.progress < 100
    assert task.result_key is None
    assert not runtime.storage.exists(f"users/{user.id}/tasks/{task_id}/result.mp4")
    assert await energy_of(runtime, user.id) == (100, 0)
    assert await ledger_rows(runtime, user.id) == [("grant", 100)]
    assert await hold_status(runtime, task_id) == "released"
    assert (await _event_types(runtime, task_id))[-1] == "task.cancelled"
    assert _task_folders(runtime) == []


async def test_shutdown_hands_task_back(
    client: httpx.AsyncClient, runtime: Runtime, context: WorkerContext
) -> None:
    user = await create_user(runtime)
    clip = await clip_upload(runtime, user, LONG_CLIP)
    task_id = await _create(client, runtime, user, video_url=file_url(clip))
    assert runtime.queue.dequeue_task_id() == task_id
    attempt = asyncio.create_task(run_task(context, task_id))

    while (await _task(runtime, task_id)).progress == 0:
        await asyncio.sleep(0.1)
    context.stopping.set()
    await attempt

    task = await _task(runtime, task_id)
    assert task.status == "pending"
    assert task.attempts == 0
    assert task.lease_owner is None
    assert runtime.queue.dequeue_task_id() == task_id
    assert await energy_of(runtime, user.id) == (96, 4)
    assert await ledger_rows(runtime, user.id) == [("grant", 100)]
    assert await hold_status(runtime, task_id) == "held"
    assert _task_folders(runtime) == []


async def test_storage_failure_retries_then_fails(
    client: httpx.AsyncClient,
    runtime: Runtime,
    context: WorkerContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = await create_user(runtime)
    task_id = await _create(client, runtime, user)
    runtime.queue.flush()

    def broken_get_file(key: str, path: Path) -> None:
        raise StorageError(detail="connection refused")

    monkeypatch.setattr(runtime.storage, "get_file", broken_get_file)

    await run_task(context, task_id)
    first = await _task(runtime, task_id)
    assert first.status == "pending"
    assert first.attempts == 1
    assert first.error_code == "storage_unavailable"
    retry_message = runtime.queue.huey.dequeue()
    assert retry_message.args == (task_id,)
    assert retry_message.eta is not None  # delayed by task_retry_delay_seconds

    for _ in range(runtime.settings.task_max_attempts - 1):
        await run_task(context, task_id)

    task = await _task(runtime, task_id)
    assert task.status == "failed"
    assert task.attempts == runtime.settings.task_max_attempts
    assert task.error_code == "task_attempts_exhausted"
    body = (
        await client.get(f"/api/v1/tasks/{task_id}", headers=auth_headers(runtime, user))
    ).json()
    assert "3 times" in body["error_message"]
    assert await energy_of(runtime, user.id) == (100, 0)
    assert await ledger_rows(runtime, user.id) == [("grant", 100)]
    assert await hold_status(runtime, task_id) == "released"
    assert _task_folders(runtime) == []


async def test_skips_task_not_pending(
    client: httpx.AsyncClient, runtime: Runtime, context: WorkerContext
) -> None:
    user = await create_user(runtime)
    task_id = await _create(client, runtime, user)
    await client.post(f"/api/v1/tasks/{task_id}/cancel", headers=auth_headers(runtime, user))

    await run_task(context, task_id)
    await run_task(context, "0" * 32)

    task = await _task(runtime, task_id)
    assert task.status == "cancelled"
    assert task.attempts == 0


async def test_photo_target_gives_photo(
    client: httpx.AsyncClient, runtime: Runtime, context: WorkerContext, tmp_path: Path
) -> None:
    user = await create_user(runtime)
    target = await face_upload(runtime, user, "biden-official-vp-portrait-2013.jpg")
    task_id = await _create(client, runtime, user, video_url=file_url(target))

    await run_task(context, task_id)

    task = await _task(runtime, task_id)
    assert task.status == "completed"
    assert task.result_key.endswith("/result.jpg")
    assert task.energy_cost == 1
    response = await client.get(
        f"/api/v1/tasks/{task_id}/result", headers=auth_headers(runtime, user)
    )
    assert response.headers["content-type"] == "image/jpeg"
    picture = Image.open(io.BytesIO(response.content))
    assert picture.format == "JPEG"
    assert picture.size == (1200, 1200)
    assert runtime.storage.exists(task.thumbnail_key)


def label_width(original: np.ndarray, result: np.ndarray) -> int:
    """Return the width of the bottom-right region where ``result`` differs clearly."""
    corner = np.abs(result[-80:, -400:].astype(int) - original[-80:, -400:].astype(int))
    columns = np.nonzero(corner.max(axis=(0, 2)) > 40)[0]
    assert columns.size, "no visible label in the bottom-right corner"
    return int(400 - columns.min())


@pytest.mark.parametrize(("locale", "text"), [("zh-CN", "AI生成"), ("en", "AI-generated")])
async def test_label_in_owner_language(
    client: httpx.AsyncClient, runtime: Runtime, context: WorkerContext, locale: str, text: str
) -> None:
    require_cjk_font()
    user = await create_user(runtime, locale=locale)
    name = "biden-official-vp-portrait-2013.jpg"
    target = await face_upload(runtime, user, name)
    task_id = await _create(client, runtime, user, video_url=file_url(target))

    await run_task(context, task_id)

    response = await client.get(
        f"/api/v1/tasks/{task_id}/result", headers=auth_headers(runtime, user)
    )
    result = np.asarray(Image.open(io.BytesIO(response.content)).convert("RGB"))
    original = np.asarray(Image.open(shared_face(name)).convert("RGB"))
    # The text is 2.5% of the 1200 px side, so 30 px high, and starts 10 px inside
    # its backing, which darkens the dark corner too little to measure.
    patch = render_label(30, LabelOptions(text=text)).alpha.shape[:2]
    _, left = corner_origin("bottom-right", (1200, 1200), patch)
    assert abs(label_width(original, result) - (1200 - left - 10)) <= 4


async def test_delete_stops_running_swap(
    client: httpx.AsyncClient, runtime: Runtime, context: WorkerContext
) -> None:
    user = await create_user(runtime)
    clip = await clip_upload(runtime, user, LONG_CLIP)
    task_id = await _create(client, runtime, user, video_url=file_url(clip))
    attempt = asyncio.create_task(run_task(context, task_id))

    while (await _task(runtime, task_id)).progress == 0:
        assert not attempt.done()
        await asyncio.sleep(0.1)
    response = await client.delete(f"/api/v1/tasks/{task_id}", headers=auth_headers(runtime, user))
    assert response.status_code == 204
    await attempt

    async with runtime.sessionmaker() as session:
        assert await session.get(Task, task_id) is None
    assert not runtime.storage.exists(f"users/{user.id}/tasks/{task_id}/result.mp4")
    assert await energy_of(runtime, user.id) == (100, 0)
    assert await ledger_rows(runtime, user.id) == [("grant", 100)]
    assert await hold_status(runtime, task_id) == "released"
    assert _task_folders(runtime) == []


@pytest.mark.parametrize("settings", ["s3"], indirect=True)
async def test_result_on_s3_redirects(
    client: httpx.AsyncClient, runtime: Runtime, context: WorkerContext, tmp_path: Path
) -> None:
    user = await create_user(runtime)
    task_id = await _create(client, runtime, user)

    await run_task(context, task_id)

    task = await _task(runtime, task_id)
    assert task.status == "completed"
    stored = tmp_path / "stored.mp4"
    runtime.storage.get_file(task.result_key, stored)
    response = await client.get(
        f"/api/v1/tasks/{task_id}/result", headers=auth_headers(runtime, user)
    )
    assert response.status_code == 302
    signed_url = response.headers["location"]
    assert signed_url.startswith(runtime.settings.s3_endpoint_url)
    async with httpx.AsyncClient() as direct:
        download = await direct.get(signed_url)
    assert download.status_code == 200
    assert download.content == stored.read_bytes()
    assert _task_folders(runtime) == []


async def test_output_error_is_retried(
    client: httpx.AsyncClient,
    runtime: Runtime,
    context: WorkerContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = await create_user(runtime)
    task_id = await _create(client, runtime, user)
    monkeypatch.setattr(runner, "output_extension", lambda target: ".avi")

    await run_task(context, task_id)

    task = await _task(runtime, task_id)
    assert task.status == "pending"
    assert task.attempts == 1
    assert task.error_code == "output_bad_format"
    assert str(runtime.settings.tmp_dir) not in str(task.error_params)
    assert await energy_of(runtime, user.id) == (98, 2)
    assert await ledger_rows(runtime, user.id) == [("grant", 100)]
    assert await hold_status(runtime, task_id) == "held"
