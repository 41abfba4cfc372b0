"""POST /api/v1/tasks: validation, Energy hold, consent record and enqueue."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import delete, select

from tests.billing.energy import energy_of, hold_status, ledger_rows, make_member
from tests.conftest import auth_headers, create_user
from tests.jobs.uploads import (
    FACE,
    clip_upload,
    face_upload,
    file_url,
    store_upload,
    task_request,
)
from tests.shared_media import shared_face, shared_video
from vidswap.billing.defaults import DEFAULT_LEVELS, PRO
from vidswap.billing.models import EnergyHold
from vidswap.jobs import service
from vidswap.jobs.consent import STATEMENTS
from vidswap.jobs.models import Task
from vidswap.kit.clock import utcnow
from vidswap.media.models import Upload
from vidswap.runtime import Runtime


async def _energy_holds(runtime: Runtime, user_id: str) -> list[EnergyHold]:
    async with runtime.sessionmaker() as session:
        return list(await session.scalars(select(EnergyHold).where(EnergyHold.user_id == user_id)))


async def test_create_holds_and_enqueues(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime, energy_balance=100)
    body = await task_request(runtime, user)

    response = await client.post("/api/v1/tasks", json=body, headers=auth_headers(runtime, user))

    assert response.status_code == 201
    created = response.json()
    assert created["status"] == "pending"
    assert created["progress"] == 0
    task_id = created["task_id"]
    async with runtime.sessionmaker() as session:
        task = await session.get(Task, task_id)
    assert task is not None
    assert task.energy_cost == 2  # 1.05 s at 1 Energy per started second
    assert task.duration_seconds == pytest.approx(1.05)
    assert task.consent_text == STATEMENTS["en"]
    assert abs((utcnow() - task.consent_at).total_seconds()) < 60
    assert task.options == {"faces": "largest", "quality": 18, "label": True}
    assert task.priority == 0
    assert await energy_of(runtime, user.id) == (98, 2)
    assert await ledger_rows(runtime, user.id) == [("grant", 100)]
    holds = await _energy_holds(runtime, user.id)
    assert [(hold.task_id, hold.amount, hold.status) for hold in holds] == [(task_id, 2, "held")]
    assert runtime.queue.dequeue_task_id() == task_id


async def test_create_accepts_absolute_urls(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime)
    body = await task_request(runtime, user)
    body["image_url"] = "http://127.0.0.1:8000" + body["image_url"]
    body["video_url"] = "https://vidswap.example" + body["video_url"]

    response = await client.post("/api/v1/tasks", json=body, headers=auth_headers(runtime, user))

    assert response.status_code == 201


async def test_photo_target_costs_one(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime, energy_balance=5)
    face = await face_upload(runtime, user)
    target = await face_upload(runtime, user, "biden-official-vp-portrait-2013.jpg")
    body = {"image_url": file_url(face), "video_url": file_url(target), "consent": True}

    response = await client.post("/api/v1/tasks", json=body, headers=auth_headers(runtime, user))

    assert response.status_code == 201
    assert await energy_of(runtime, user.id) == (4, 1)
    assert await hold_status(runtime, response.json()["task_id"]) == "held"


async def test_duration_probed_when_unrecorded(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime)
    face = await face_upload(runtime, user)
    clip = await store_upload(
        runtime, user, shared_video("indoor-group-event-640x480-ccby.mp4"), "video"
    )
    body = {"image_url": file_url(face), "video_url": file_url(clip), "consent": True}

    response = await client.post("/api/v1/tasks", json=body, headers=auth_headers(runtime, user))

    assert response.status_code == 201
    async with runtime.sessionmaker() as session:
        task = await session.get(Task, response.json()["task_id"])
    assert task is not None
    assert task.duration_seconds == pytest.approx(3.04, abs=0.05)
    assert task.energy_cost == 4


async def test_member_gets_priority(client: httpx.AsyncClient, runtime: Runtime) -> None:
    member = await create_user(runtime)
    await make_member(runtime, member.id)
    lapsed = await create_user(
        runtime, member_level=1, member_expire_at=utcnow() - timedelta(days=1)
    )
    priorities = []
    for user in (member, lapsed):
        body = await task_request(runtime, user)
        response = await client.post(
            "/api/v1/tasks", json=body, headers=auth_headers(runtime, user)
        )
        async with runtime.sessionmaker() as session:
            task = await session.get(Task, response.json()["task_id"])
        assert task is not None
        priorities.append(task.priority)

    pro_priority = next(level["priority"] for level in DEFAULT_LEVELS if level["rank"] == PRO)
    assert pro_priority == 10
    assert priorities == [pro_priority, 0]


@pytest.mark.parametrize("consent", [None, False, "true", 1])
async def test_consent_must_be_true(
    client: httpx.AsyncClient, runtime: Runtime, consent: object
) -> None:
    user = await create_user(runtime)
    body = await task_request(runtime, user, consent=consent)
    if consent is None:
        del body["consent"]

    response = await client.post("/api/v1/tasks", json=body, headers=auth_headers(runtime, user))

    assert response.status_code == 400
    assert response.json()["error"] == "consent_required"
    assert "consent: true" in response.json()["message"]
    assert await energy_of(runtime, user.id) == (100, 0)
    assert await ledger_rows(runtime, user.id) == [("grant", 100)]
    assert await _energy_holds(runtime, user.id) == []


async def test_consent_message_in_chinese(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime)
    body = await task_request(runtime, user, consent=False)
    headers = {**auth_headers(runtime, user), "Accept-Language": "zh-CN"}

    response = await client.post("/api/v1/tasks", json=body, headers=headers)

    assert response.status_code == 400
    assert STATEMENTS["zh-CN"] in response.json()["message"]


@pytest.mark.parametrize(
    ("options", "name", "value"),
    [
        ({"quality": 52}, "quality", "52"),
        ({"quality": "high"}, "quality", "high"),
        ({"faces": "biggest"}, "faces", "biggest"),
        ({"label": "yes"}, "label", "yes"),
        ({"speed": 2}, "speed", "2"),
        ({"faces": "reference"}, "reference_url", "None"),
        ({"reference_url": "/api/v1/uploads/abc/file"}, "reference_url", "/api/v1/uploads"),
    ],
)
async def test_bad_options_rejected(
    client: httpx.AsyncClient, runtime: Runtime, options: dict, name: str, value: str
) -> None:
    user = await create_user(runtime)
    body = await task_request(runtime, user, options=options)

    response = await client.post("/api/v1/tasks", json=body, headers=auth_headers(runtime, user))

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_option"
    assert name in response.json()["message"]
    assert value in response.json()["message"]


async def test_reference_option_resolved(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime)
    reference = await face_upload(runtime, user, "two-women-glasses-pixabay.jpg")
    options = {"faces": "reference", "reference_url": file_url(reference), "quality": 23}
    body = await task_request(runtime, user, options=options)

    response = await client.post("/api/v1/tasks", json=body, headers=auth_headers(runtime, user))

    assert response.status_code == 201
    async with runtime.sessionmaker() as session:
        task = await session.get(Task, response.json()["task_id"])
    assert task is not None
    assert task.options["reference_upload_id"] == reference.id
    assert task.options["quality"] == 23


async def test_url_that_is_not_an_upload(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime)
    body = await task_request(runtime, user, image_url="https://example.com/face.jpg")

    response = await client.post("/api/v1/tasks", json=body, headers=auth_headers(runtime, user))

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_media_url"
    assert "https://example.com/face.jpg" in response.json()["message"]


async def test_other_users_upload_not_found(client: httpx.AsyncClient, runtime: Runtime) -> None:
    owner = await create_user(runtime)
    caller = await create_user(runtime)
    theirs = await clip_upload(runtime, owner)
    body = await task_request(runtime, caller, video_url=file_url(theirs))

    response = await client.post("/api/v1/tasks", json=body, headers=auth_headers(runtime, caller))

    assert response.status_code == 404
    assert response.json()["error"] == "upload_not_found"
    assert file_url(theirs) in response.json()["message"]


async def test_video_as_face_rejected(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime)
    clip = await clip_upload(runtime, user)
    body = await task_request(runtime, user, image_url=file_url(clip))

    response = await client.post("/api/v1/tasks", json=body, headers=auth_headers(runtime, user))

    assert response.status_code == 400
    assert response.json()["error"] == "wrong_upload_kind"
    assert file_url(clip) in response.json()["message"]
    assert "image_url" in response.json()["message"]


async def test_unfinished_upload_rejected(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime)
    partial = await store_upload(
        runtime,
        user,
        shared_video("indoor-group-event-1s-hevc-ccby.mp4"),
        "video",
        status="uploading",
    )
    body = await task_request(runtime, user, video_url=file_url(partial))

    response = await client.post("/api/v1/tasks", json=body, headers=auth_headers(runtime, user))

    assert response.status_code == 409
    assert response.json()["error"] == "upload_not_ready"
    assert file_url(partial) in response.json()["message"]


async def test_insufficient_energy_stores_nothing(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    user = await create_user(runtime, energy_balance=1)
    body = await task_request(runtime, user)

    response = await client.post("/api/v1/tasks", json=body, headers=auth_headers(runtime, user))

    assert response.status_code == 402
    assert response.json()["error"] == "insufficient_energy"
    assert "2" in response.json()["message"]
    async with runtime.sessionmaker() as session:
        tasks = list(await session.scalars(select(Task).where(Task.user_id == user.id)))
    assert tasks == []
    assert await energy_of(runtime, user.id) == (1, 0)
    assert await ledger_rows(runtime, user.id) == [("grant", 1)]
    assert await _energy_holds(runtime, user.id) == []
    assert runtime.queue.depth() == 0


async def test_create_requires_sign_in(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime)
    body = await task_request(runtime, user)

    response = await client.post("/api/v1/tasks", json=body)

    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


async def test_upload_deleted_during_create(
    client: httpx.AsyncClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = await create_user(runtime)
    body = await task_request(runtime, user)
    face_id = body["image_url"].split("/")[-2]
    probe = service.video_duration

    async def delete_face_then_probe(*args: object) -> float | None:
        async with runtime.sessionmaker() as session, session.begin():
            await session.execute(delete(Upload).where(Upload.id == face_id))
        return await probe(*args)

    monkeypatch.setattr(service, "video_duration", delete_face_then_probe)

    response = await client.post("/api/v1/tasks", json=body, headers=auth_headers(runtime, user))

    assert response.status_code == 404
    assert response.json()["error"] == "upload_not_found"
    assert body["image_url"] in response.json()["message"]
    assert await energy_of(runtime, user.id) == (100, 0)
    assert await ledger_rows(runtime, user.id) == [("grant", 100)]
    assert await _energy_holds(runtime, user.id) == []


CAT = "no-human-face-cat-cc0.png"


async def post_photo(client: httpx.AsyncClient, headers: dict[str, str], name: str) -> str:
    """Upload a shared photo through POST /uploads and return its file_url."""
    files = {"file": (name, shared_face(name).read_bytes(), "image/png")}
    response = await client.post(
        "/api/v1/uploads", data={"kind": "image"}, files=files, headers=headers
    )
    assert response.status_code == 201, response.text
    return str(response.json()["file_url"])


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            f"No face was found in the target photo '{CAT}'. Pick a photo or video that "
            "shows a face.",
        ),
        ("zh-CN", f"在目标照片 '{CAT}' 中未检测到人脸，请选择一张有人脸的照片或视频。"),
    ],
)
async def test_target_photo_without_face(
    client: httpx.AsyncClient, runtime: Runtime, language: str, expected: str
) -> None:
    user = await create_user(runtime, energy_balance=5)
    headers = {**auth_headers(runtime, user), "Accept-Language": language}
    face_url = await post_photo(client, headers, FACE)
    cat_url = await post_photo(client, headers, CAT)
    body = {"image_url": face_url, "video_url": cat_url, "consent": True}

    response = await client.post("/api/v1/tasks", json=body, headers=headers)

    assert response.status_code == 400
    assert response.json()["error"] == "face_not_found"
    assert response.json()["message"] == expected
    assert "40" not in response.json()["message"]
    assert await energy_of(runtime, user.id) == (5, 0)


async def test_face_photo_without_face(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime, energy_balance=5)
    headers = auth_headers(runtime, user)
    cat_url = await post_photo(client, headers, CAT)
    target_url = await post_photo(client, headers, FACE)
    body = {"image_url": cat_url, "video_url": target_url, "consent": True}

    response = await client.post("/api/v1/tasks", json=body, headers=headers)

    assert response.status_code == 400
    assert response.json()["error"] == "face_not_found"
    assert CAT in response.json()["message"]
    assert "at least 40 pixels wide" in response.json()["message"]
    assert await energy_of(runtime, user.id) == (5, 0)
