"""Erasing an account removes its rows and files, on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from tests.accounts.helpers import bearer, sign_in_by_sms
from tests.shared_media import shared_face
from vidswap.accounts.models import RefreshToken, SmsCode, User
from vidswap.billing.models import EnergyEntry
from vidswap.jobs.models import Task, TaskEvent
from vidswap.kit.clock import utcnow
from vidswap.media.keys import upload_file_url, upload_key, user_prefix
from vidswap.media.models import Upload
from vidswap.runtime import Runtime

ME = "/api/v1/users/me"


async def add_upload_and_task(runtime: Runtime, user_id: str, tmp_path) -> Upload:
    """Store an upload with its file, a task on it and a task event for ``user_id``."""
    source = tmp_path / "clip.bin"
    source.write_bytes(b"\x00" * 1024)
    now = utcnow()
    async with runtime.sessionmaker() as session:
        upload = Upload(
            user_id=user_id, kind="video", status="ready", created_at=now, updated_at=now
        )
        session.add(upload)
        await session.flush()
        upload.storage_key = upload_key(user_id, upload.id, ".mp4")
        runtime.storage.put_file(upload.storage_key, source, "video/mp4")
        task = Task(
            user_id=user_id,
            image_url=upload_file_url(upload.id),
            video_url=upload_file_url(upload.id),
            video_upload_id=upload.id,
            consent_at=now,
            created_at=now,
            updated_at=now,
        )
        session.add(task)
        await session.flush()
        session.add(
            TaskEvent(user_id=user_id, task_id=task.id, type="created", payload={}, created_at=now)
        )
        await session.commit()
        return upload


async def count_rows(runtime: Runtime, model, *conditions) -> int:
    async with runtime.sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*conditions))


async def test_delete_removes_rows_and_files(
    db_client: httpx.AsyncClient, db_runtime: Runtime, tmp_path
) -> None:
    tokens = await sign_in_by_sms(db_client)
    user_id = tokens["user"]["id"]
    phone = tokens["user"]["phone"]
    headers = bearer(tokens)
    photo = shared_face("mugshot-young-man-frontal-meds2.jpg")
    avatar = await db_client.put(
        "/api/v1/users/me/avatar", files={"file": (photo.name, photo.read_bytes())}, headers=headers
    )
    assert avatar.status_code == 200
    upload = await add_upload_and_task(db_runtime, user_id, tmp_path)
    other = await sign_in_by_sms(db_client)

    assert await count_rows(db_runtime, EnergyEntry, EnergyEntry.user_id == user_id) == 1
    assert db_runtime.storage.exists(upload.storage_key)

    response = await db_client.delete(ME, headers=headers)
    assert response.status_code == 204

    assert await count_rows(db_runtime, User, User.id == user_id) == 0
    assert await count_rows(db_runtime, Upload, Upload.user_id == user_id) == 0
    assert await count_rows(db_runtime, Task, Task.user_id == user_id) == 0
    assert await count_rows(db_runtime, TaskEvent, TaskEvent.user_id == user_id) == 0
    assert await count_rows(db_runtime, RefreshToken, RefreshToken.user_id == user_id) == 0
    assert await count_rows(db_runtime, EnergyEntry, EnergyEntry.user_id == user_id) == 0
    assert await count_rows(db_runtime, SmsCode, SmsCode.phone == phone) == 0
    assert not db_runtime.storage.exists(upload.storage_key)
    assert db_runtime.storage.delete_prefix(user_prefix(user_id)) == 0

    other_id = other["user"]["id"]
    assert await count_rows(db_runtime, User, User.id == other_id) == 1
    assert await count_rows(db_runtime, RefreshToken, RefreshToken.user_id == other_id) == 1


async def test_deleted_account_tokens_stop_working(db_client: httpx.AsyncClient) -> None:
    tokens = await sign_in_by_sms(db_client)
    assert (await db_client.delete(ME, headers=bearer(tokens))).status_code == 204

    me = await db_client.get(ME, headers=bearer(tokens))
    assert me.status_code == 401
    assert me.json()["error"] == "invalid_token"
    assert "no longer exists" in me.json()["message"]

    refreshed = await db_client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 401
    assert refreshed.json()["error"] == "refresh_token_invalid"


async def test_phone_can_sign_up_again_after_delete(db_client: httpx.AsyncClient) -> None:
    tokens = await sign_in_by_sms(db_client)
    await db_client.delete(ME, headers=bearer(tokens))
    again = await sign_in_by_sms(db_client, tokens["user"]["phone"])
    assert again["user"]["id"] != tokens["user"]["id"]
    assert again["user"]["energy_balance"] == 100
