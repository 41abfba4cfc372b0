"""Benefits by member level, enforced by POST /api/v1/tasks.

The shared test videos are all shorter than a minute and at most 720p, so the tests
lower the free level's limits the way an operator can, and send real videos over them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from tests.billing.energy import energy_of, make_member
from tests.conftest import assert_ledger_consistent, auth_headers, create_user, make_settings
from tests.jobs.uploads import face_upload, file_url, store_upload
from tests.shared_media import shared_face, shared_video
from vidswap.accounts.models import User
from vidswap.api.app import create_app
from vidswap.billing.defaults import FREE, PRO
from vidswap.billing.models import EnergyHold, MemberLevel, Product
from vidswap.jobs.models import Task
from vidswap.kit.db import transaction
from vidswap.kit.migrate import upgrade_database
from vidswap.kit.settings import Settings
from vidswap.media.inspect import inspect_video
from vidswap.runtime import Runtime

# 17.41 s of 640x480, and 3.88 s of 1280x720.
LONG_VIDEO = "hikers-walking-toward-camera-ccby.mp4"
HD_VIDEO = "obama-weekly-address-talking-720p-a.mp4"
PORTRAIT = "obama-official-portrait-2012.jpg"
PLANS = "buy Pro monthly or Pro yearly."
PLANS_ZH = "请购买专业版月度会员或专业版年度会员。"


async def set_level(runtime: Runtime, rank: int, **benefits: object) -> None:
    async with transaction(runtime.sessionmaker) as session:
        await session.execute(
            update(MemberLevel).where(MemberLevel.rank == rank).values(**benefits)
        )


async def video_task(runtime: Runtime, user: User, name: str, **options: Any) -> dict[str, Any]:
    """A POST /tasks body for a real shared video, uploaded with its probed facts."""
    path = shared_video(name)
    facts = inspect_video(path, name, runtime.settings)
    face = await face_upload(runtime, user)
    target = await store_upload(runtime, user, path, "video", media=facts.media)
    return {
        "image_url": file_url(face),
        "video_url": file_url(target),
        "options": options,
        "consent": True,
    }


async def photo_task(runtime: Runtime, user: User, **options: Any) -> dict[str, Any]:
    """A photo-to-photo POST /tasks body: it costs 1 Energy and has no length."""
    face = await face_upload(runtime, user)
    target = await face_upload(runtime, user, "biden-official-vp-portrait-2013.jpg")
    return {
        "image_url": file_url(face),
        "video_url": file_url(target),
        "options": options,
        "consent": True,
    }


async def post_task(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: User,
    body: dict[str, Any],
    locale: str = "en",
) -> httpx.Response:
    headers = {**auth_headers(runtime, user), "Accept-Language": locale}
    return await client.post("/api/v1/tasks", json=body, headers=headers)


async def task_count(runtime: Runtime, user_id: str) -> int:
    async with runtime.sessionmaker() as session:
        return len(list(await session.scalars(select(Task.id).where(Task.user_id == user_id))))


async def holds_of(runtime: Runtime, user_id: str) -> list[str]:
    async with runtime.sessionmaker() as session:
        rows = await session.scalars(
            select(EnergyHold.task_id).where(EnergyHold.user_id == user_id)
        )
        return list(rows)


def assert_plan_limit(response: httpx.Response) -> str:
    """Check that the response is a 403 plan_limit error and return its message."""
    assert response.status_code == 403
    assert response.json()["error"] == "plan_limit"
    message: str = response.json()["message"]
    return message


async def test_video_length_over_free_limit(client: httpx.AsyncClient, runtime: Runtime) -> None:
    await set_level(runtime, FREE, max_video_seconds=10)
    user = await create_user(runtime, energy_balance=100)
    body = await video_task(runtime, user, LONG_VIDEO)

    english = assert_plan_limit(await post_task(client, runtime, user, body))
    chinese = assert_plan_limit(await post_task(client, runtime, user, body, "zh-CN"))

    assert (
        english
        == f"Your plan takes videos up to 10 s; this one is 17.4 s. The Pro plan allows it: {PLANS}"
    )
    assert chinese == f"当前套餐支持最长 10 秒的视频，此视频为 17.4 秒。专业版可满足：{PLANS_ZH}"
    assert await task_count(runtime, user.id) == 0
    assert await holds_of(runtime, user.id) == []
    assert await energy_of(runtime, user.id) == (100, 0)


async def test_video_length_pro_member_passes(client: httpx.AsyncClient, runtime: Runtime) -> None:
    await set_level(runtime, FREE, max_video_seconds=10)
    user = await create_user(runtime, energy_balance=100)
    await make_member(runtime, user.id)
    body = await video_task(runtime, user, LONG_VIDEO)

    response = await post_task(client, runtime, user, body)

    assert response.status_code == 201
    assert await energy_of(runtime, user.id) == (82, 18)  # 17.41 s at 1 Energy a second


async def test_video_length_over_every_plan(client: httpx.AsyncClient, runtime: Runtime) -> None:
    await set_level(runtime, FREE, max_video_seconds=5)
    await set_level(runtime, PRO, max_video_seconds=10)
    user = await create_user(runtime, energy_balance=100)
    await make_member(runtime, user.id)
    body = await video_task(runtime, user, LONG_VIDEO)

    english = assert_plan_limit(await post_task(client, runtime, user, body))
    chinese = assert_plan_limit(await post_task(client, runtime, user, body, "zh-CN"))

    assert english == "Your plan takes videos up to 10 s; this one is 17.4 s. No plan allows more."
    assert chinese == "当前套餐支持最长 10 秒的视频，此视频为 17.4 秒。目前没有套餐支持更高的限额。"


async def test_resolution_over_free_limit(client: httpx.AsyncClient, runtime: Runtime) -> None:
    await set_level(runtime, FREE, max_resolution=480)
    user = await create_user(runtime, energy_balance=100)
    body = await video_task(runtime, user, HD_VIDEO)

    english = assert_plan_limit(await post_task(client, runtime, user, body))
    chinese = assert_plan_limit(await post_task(client, runtime, user, body, "zh-CN"))

    assert (
        english
        == f"Your plan takes videos up to 480p; this one is 720p. The Pro plan allows it: {PLANS}"
    )
    assert chinese == f"当前套餐支持最高 480p 的视频，此视频为 720p。专业版可满足：{PLANS_ZH}"
    assert await task_count(runtime, user.id) == 0


async def test_plan_names_joined_per_locale(client: httpx.AsyncClient, runtime: Runtime) -> None:
    await set_level(runtime, FREE, max_resolution=480)
    async with transaction(runtime.sessionmaker) as session:
        monthly = await session.get(Product, "pro_monthly")
        assert monthly is not None
        session.add(
            Product(
                **{
                    column.key: getattr(monthly, column.key)
                    for column in Product.__table__.columns
                    if column.key not in ("id", "names", "sort_order")
                },
                id="pro_quarterly",
                names={"en": "Pro quarterly", "zh-CN": "专业版季度会员"},
                sort_order=15,
            )
        )
    user = await create_user(runtime, energy_balance=100)
    body = await video_task(runtime, user, HD_VIDEO)

    english = assert_plan_limit(await post_task(client, runtime, user, body))
    chinese = assert_plan_limit(await post_task(client, runtime, user, body, "zh-CN"))

    assert english.endswith("buy Pro monthly, Pro quarterly or Pro yearly.")
    assert chinese.endswith("请购买专业版月度会员、专业版季度会员或专业版年度会员。")


async def test_resolution_pro_member_passes(client: httpx.AsyncClient, runtime: Runtime) -> None:
    await set_level(runtime, FREE, max_resolution=480)
    user = await create_user(runtime, energy_balance=100)
    await make_member(runtime, user.id)
    body = await video_task(runtime, user, HD_VIDEO)

    response = await post_task(client, runtime, user, body)

    assert response.status_code == 201


async def test_photo_target_skips_video_resolution(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    user = await create_user(runtime, energy_balance=100)
    headers = auth_headers(runtime, user)
    face = await face_upload(runtime, user)
    portrait = shared_face(PORTRAIT)
    uploaded = await client.post(
        "/api/v1/uploads",
        headers=headers,
        data={"kind": "image"},
        files={"file": (PORTRAIT, portrait.read_bytes(), "image/jpeg")},
    )
    assert uploaded.status_code == 201, uploaded.text
    # The portrait is 910x1137, so its shorter side is over the free level's 720.
    assert uploaded.json()["media"]["width"] == 910
    body = {
        "image_url": file_url(face),
        "video_url": uploaded.json()["file_url"],
        "options": {},
        "consent": True,
    }

    response = await post_task(client, runtime, user, body)

    assert response.status_code == 201, response.text
    assert await energy_of(runtime, user.id) == (99, 1)


async def test_concurrent_tasks_over_free_limit(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    user = await create_user(runtime, energy_balance=100)
    for _ in range(2):
        created = await post_task(client, runtime, user, await photo_task(runtime, user))
        assert created.status_code == 201
    body = await photo_task(runtime, user)

    english = assert_plan_limit(await post_task(client, runtime, user, body))
    chinese = assert_plan_limit(await post_task(client, runtime, user, body, "zh-CN"))

    assert english == (
        "Your plan runs 2 tasks at a time and 2 are running or queued. Wait for one to "
        f"finish. The Pro plan allows it: {PLANS}"
    )
    assert chinese == (
        f"当前套餐可同时处理 2 个任务，已有 2 个在处理或排队，请等待完成。专业版可满足：{PLANS_ZH}"
    )
    assert await task_count(runtime, user.id) == 2
    assert await energy_of(runtime, user.id) == (98, 2)


async def test_concurrent_tasks_pro_member_passes(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    user = await create_user(runtime, energy_balance=100)
    await make_member(runtime, user.id)

    statuses = []
    for _ in range(5):
        response = await post_task(client, runtime, user, await photo_task(runtime, user))
        statuses.append(response.status_code)
    sixth = await post_task(client, runtime, user, await photo_task(runtime, user))

    assert statuses == [201] * 5
    assert "Your plan runs 5 tasks at a time and 5 are running" in assert_plan_limit(sixth)
    assert "No plan allows more." in sixth.json()["message"]


async def test_daily_tasks_over_free_limit(client: httpx.AsyncClient, runtime: Runtime) -> None:
    await set_level(runtime, FREE, daily_tasks=2, concurrent_tasks=10)
    user = await create_user(runtime, energy_balance=100)
    for _ in range(2):
        created = await post_task(client, runtime, user, await photo_task(runtime, user))
        assert created.status_code == 201
    body = await photo_task(runtime, user)

    english = assert_plan_limit(await post_task(client, runtime, user, body))
    chinese = assert_plan_limit(await post_task(client, runtime, user, body, "zh-CN"))

    assert english == (
        "Your plan allows 2 tasks per 24 hours and you have created 2. "
        f"The Pro plan allows it: {PLANS}"
    )
    assert chinese == f"当前套餐每 24 小时可创建 2 个任务，您已创建 2 个。专业版可满足：{PLANS_ZH}"
    assert await task_count(runtime, user.id) == 2


async def test_daily_tasks_pro_member_passes(client: httpx.AsyncClient, runtime: Runtime) -> None:
    await set_level(runtime, FREE, daily_tasks=2, concurrent_tasks=10)
    user = await create_user(runtime, energy_balance=100)
    await make_member(runtime, user.id)

    statuses = []
    for _ in range(3):
        response = await post_task(client, runtime, user, await photo_task(runtime, user))
        statuses.append(response.status_code)

    assert statuses == [201, 201, 201]


async def test_label_removal_off_by_operator(client: httpx.AsyncClient, runtime: Runtime) -> None:
    assert runtime.settings.allow_label_removal is False
    free = await create_user(runtime, energy_balance=100)
    member = await create_user(runtime, energy_balance=100)
    await make_member(runtime, member.id)

    for user in (free, member):
        body = await photo_task(runtime, user, label=False)
        english = assert_plan_limit(await post_task(client, runtime, user, body))
        chinese = assert_plan_limit(await post_task(client, runtime, user, body, "zh-CN"))

        # Where the operator keeps the label on, no plan lifts it, so none is named.
        assert english == "Your plan cannot turn off the visible AI label (label=false)."
        assert chinese == "当前套餐不能关闭可见的 AI 生成标识（label=false）。"
        assert await task_count(runtime, user.id) == 0


@pytest.fixture
async def labels_optional(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, Runtime]]:
    """A client and runtime where the operator allows removing the visible label."""
    settings: Settings = make_settings(tmp_path / "optional-label", allow_label_removal=True)
    settings.ensure_data_dir()
    upgrade_database(settings.resolved_database_url)
    runtime = Runtime.build(settings)
    await runtime.start()
    transport = httpx.ASGITransport(app=create_app(settings, runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        yield client, runtime
    await runtime.stop()
    await assert_ledger_consistent(runtime)
    await runtime.close()


async def test_label_removal_needs_plan(
    labels_optional: tuple[httpx.AsyncClient, Runtime],
) -> None:
    client, runtime = labels_optional
    user = await create_user(runtime, energy_balance=100)
    body = await photo_task(runtime, user, label=False)

    english = assert_plan_limit(await post_task(client, runtime, user, body))
    chinese = assert_plan_limit(await post_task(client, runtime, user, body, "zh-CN"))

    assert english == (
        f"Your plan cannot turn off the visible AI label (label=false). The Pro plan allows it: {PLANS}"
    )
    assert chinese == f"当前套餐不能关闭可见的 AI 生成标识（label=false）。专业版可满足：{PLANS_ZH}"


async def test_label_removal_pro_member_passes(
    labels_optional: tuple[httpx.AsyncClient, Runtime],
) -> None:
    client, runtime = labels_optional
    user = await create_user(runtime, energy_balance=100)
    await make_member(runtime, user.id)
    body = await photo_task(runtime, user, label=False)

    response = await post_task(client, runtime, user, body)

    assert response.status_code == 201
    async with runtime.sessionmaker() as session:
        task = await session.get(Task, response.json()["task_id"])
    assert task is not None
    assert task.options["label"] is False


async def test_priority_is_level_priority(client: httpx.AsyncClient, runtime: Runtime) -> None:
    await set_level(runtime, PRO, priority=35)
    await set_level(runtime, FREE, priority=3)
    free = await create_user(runtime, energy_balance=100)
    member = await create_user(runtime, energy_balance=100)
    await make_member(runtime, member.id)

    priorities = {}
    for name, user in (("free", free), ("member", member)):
        response = await post_task(client, runtime, user, await photo_task(runtime, user))
        assert response.status_code == 201
        async with runtime.sessionmaker() as session:
            task = await session.get(Task, response.json()["task_id"])
        assert task is not None
        priorities[name] = task.priority

    assert priorities == {"free": 3, "member": 35}
