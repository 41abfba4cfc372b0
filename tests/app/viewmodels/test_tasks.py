"""Tasks view models: events, finish notices, time left, refresh, offline, delete."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update
from vidswap_app.api import ApiClient
from vidswap_app.i18n import I18n, format_datetime
from vidswap_app.models import Task, TaskEvent
from vidswap_app.tokens import MemoryTokenStore, Tokens
from vidswap_app.viewmodels import AppContext, TaskDetailViewModel, TasksViewModel
from vidswap_app.viewmodels.tasks import link_expiry, needs_signed_links

from tests.app.conftest import filled_create_form, sign_in_context
from tests.jobs.results import TARGET_PREVIEW_BYTES, store_result
from vidswap.jobs.models import Task as TaskRow
from vidswap.runtime import Runtime


def task(status: str = "processing", progress: int = 40, **fields: object) -> Task:
    return Task("t1", status, progress, **fields)  # type: ignore[arg-type]


async def test_events_update_and_announce_once(context: AppContext) -> None:
    tasks = TasksViewModel(context)
    tasks.tasks = [task("pending", 0)]
    finished: list[str] = []
    context.task_finished.connect(lambda item: finished.append(item.status))

    tasks.apply(TaskEvent("task.progress", task("processing", 55)))
    assert finished == []
    assert tasks.tasks[0].progress == 55

    tasks.apply(TaskEvent("task.completed", task("completed", 100)))
    tasks.apply(TaskEvent("poll", task("completed", 100)))

    assert finished == ["completed"]
    assert [item.status for item in tasks.tasks] == ["completed"]


async def test_unknown_task_event_prepends(context: AppContext) -> None:
    tasks = TasksViewModel(context)
    tasks.tasks = [Task("old", "completed", 100)]

    tasks.apply(TaskEvent("task.processing", Task("new", "processing", 1)))

    assert [item.task_id for item in tasks.tasks] == ["new", "old"]


@pytest.mark.parametrize(
    ("locale", "eta", "status", "expected"),
    [
        ("en", 75.0, "processing", "About 1 min 15 s left"),
        ("zh-CN", 75.0, "processing", "预计还需 1 分 15 秒"),
        ("en", 8.2, "pending", "About 9 s left"),
        ("en", None, "processing", "Estimating time left…"),
        ("en", 10.0, "completed", None),
    ],
)
async def test_eta_text(
    context: AppContext, locale: str, eta: float | None, status: str, expected: str | None
) -> None:
    context.i18n.set_locale(locale)
    tasks = TasksViewModel(context)

    assert tasks.eta_text(task(status, eta_seconds=eta)) == expected


async def test_status_and_polling_text(context: AppContext) -> None:
    tasks = TasksViewModel(context)
    moment = datetime(2026, 12, 5, 8, 30, tzinfo=UTC)

    tasks.set_live(False)

    assert tasks.status_text(task("failed")) == "Failed"
    assert tasks.live_text == "Live updates paused; refreshing every 5 s."
    assert tasks.created_text(task(created_at=moment)).startswith("Created 12/5/26")


async def test_refresh_lists_created_task(context: AppContext) -> None:
    await sign_in_context(context)
    tasks = TasksViewModel(context)
    await tasks.refresh()
    assert tasks.empty is True

    form = await filled_create_form(context)
    created = await form.submit()
    assert created is not None
    assert [item.task_id for item in tasks.tasks] == [created.task_id]

    await tasks.refresh()

    assert tasks.loaded is True
    assert tasks.empty is False
    assert [item.task_id for item in tasks.tasks] == [created.task_id]
    assert tasks.tasks[0].energy_cost == 2


async def test_offline_state_on_refresh(context: AppContext) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = MemoryTokenStore(Tokens("access", "refresh", "user"))
    async with ApiClient(f"http://127.0.0.1:{port}", store) as api:
        offline_context = AppContext(api, I18n("zh-CN"))
        tasks = TasksViewModel(offline_context)

        await tasks.refresh()

    assert tasks.offline is True
    assert tasks.loaded is False
    assert tasks.loading is False
    assert tasks.error == f"无法连接服务器 http://127.0.0.1:{port}。请检查网络后重试。"


async def test_delete_needs_confirmation(context: AppContext) -> None:
    await sign_in_context(context)
    form = await filled_create_form(context)
    created = await form.submit()
    assert created is not None
    detail = TaskDetailViewModel(context, created)

    unconfirmed = await detail.confirm_delete()
    detail.ask_delete()
    confirmed = await detail.confirm_delete()
    remaining, _ = await context.api.list_tasks()

    assert unconfirmed is False
    assert confirmed is True
    assert detail.deleted is True
    assert detail.notice == "The task was deleted."
    assert remaining == []


async def test_detail_cancel_and_error_text(context: AppContext) -> None:
    await sign_in_context(context)
    form = await filled_create_form(context)
    created = await form.submit()
    assert created is not None
    detail = TaskDetailViewModel(context, created)

    await detail.cancel()
    failed = TaskDetailViewModel(
        context, task("failed", 10, error_message="No face was found in the photo.")
    )

    assert detail.task.status == "cancelled"
    assert detail.can_cancel is False
    assert detail.error_text is None
    assert detail.result_url is None
    assert failed.error_text == "It failed: No face was found in the photo."


def test_detail_length_and_cost(context: AppContext) -> None:
    video = TaskDetailViewModel(
        context, task("completed", 100, duration_seconds=3.84, energy_cost=4)
    )
    photo = TaskDetailViewModel(context, task("completed", 100, energy_cost=1))
    unknown = TaskDetailViewModel(context, task("pending", 0))

    assert video.details_text == "3.84 s video · 4 Energy"
    assert photo.details_text == "1 Energy"
    assert unknown.details_text is None
    context.i18n.set_locale("zh-CN")
    assert video.details_text == "3.84 秒视频 · 4 能量"


async def test_download_before_result(context: AppContext) -> None:
    detail = TaskDetailViewModel(context, task("processing"))

    data = await detail.download()

    assert data is None
    assert detail.error == "The result is not ready yet."


async def completed_detail(
    context: AppContext, runtime: Runtime, tmp_path: Path, *, target_preview: bool = False
) -> TaskDetailViewModel:
    """Return the loaded page of a task that was created in the app and then completed."""
    await sign_in_context(context)
    form = await filled_create_form(context)
    created = await form.submit()
    assert created is not None
    await store_result(runtime, created.task_id, tmp_path, target_preview=target_preview)
    detail = TaskDetailViewModel(context, created)
    await detail.load()
    return detail


async def test_detail_compare_modes(context: AppContext, runtime: Runtime, tmp_path: Path) -> None:
    detail = await completed_detail(context, runtime, tmp_path)
    changes: list[None] = []
    detail.changed.connect(changes.append)

    detail.set_compare("both")

    assert detail.result_url is not None
    assert detail.target_url is not None
    assert "/target?" in detail.target_url
    assert detail.can_compare is True
    assert detail.is_video is True
    assert detail.compare == "both"
    assert changes == [None]
    assert detail.original_url == detail.target_url


async def test_before_pane_uses_target_preview(
    context: AppContext, runtime: Runtime, transport: httpx.ASGITransport, tmp_path: Path
) -> None:
    detail = await completed_detail(context, runtime, tmp_path, target_preview=True)

    detail.set_compare("both")

    assert detail.original_url is not None
    assert "/target-preview?" in detail.original_url
    assert "signature=" in detail.original_url
    assert detail.can_compare is True
    # The signed link loads without the Bearer header, as the video element loads it.
    async with httpx.AsyncClient(transport=transport) as plain:
        response = await plain.get(detail.original_url)
    assert response.status_code == 200
    assert response.content == TARGET_PREVIEW_BYTES


@pytest.mark.parametrize(
    ("locale", "start"),
    [
        ("en", "Link copied. Anyone with it can open the result until "),
        ("zh-CN", "链接已复制。在 "),
    ],
)
async def test_link_copied_names_expiry(
    context: AppContext, runtime: Runtime, tmp_path: Path, locale: str, start: str
) -> None:
    detail = await completed_detail(context, runtime, tmp_path)
    context.i18n.set_locale(locale)
    assert detail.result_url is not None
    expiry = link_expiry(detail.result_url)
    assert expiry is not None

    detail.link_copied()

    assert detail.notice is not None
    assert detail.notice.startswith(start)
    assert format_datetime(expiry, locale) in detail.notice


async def test_event_completion_reloads_links(
    context: AppContext, runtime: Runtime, tmp_path: Path
) -> None:
    await sign_in_context(context)
    form = await filled_create_form(context)
    created = await form.submit()
    assert created is not None
    await store_result(runtime, created.task_id, tmp_path)
    tasks = TasksViewModel(context)
    await tasks.refresh()
    # Task events carry plain paths, which need the Bearer header.
    plain = Task(
        created.task_id,
        "completed",
        100,
        result_url=f"/api/v1/tasks/{created.task_id}/result",
        thumbnail_url=f"/api/v1/tasks/{created.task_id}/thumbnail",
    )
    tasks.apply(TaskEvent("task.completed", plain))
    stale = needs_signed_links(context, tasks.tasks[0])

    await tasks.reload_task(created.task_id)

    assert stale is True
    assert needs_signed_links(context, tasks.tasks[0]) is False
    thumbnail = tasks.thumbnail_url(tasks.tasks[0])
    assert thumbnail is not None
    assert "signature=" in thumbnail


def test_result_file_names(context: AppContext) -> None:
    video = TaskDetailViewModel(context, task("completed", 100, result_kind="video"))
    photo = TaskDetailViewModel(context, task("completed", 100, result_kind="image"))

    assert video.file_name(b"\x00\x00\x00\x18ftypmp42") == "vidswap-t1.mp4"
    assert photo.file_name(b"\x89PNG\r\n\x1a\n....") == "vidswap-t1.png"
    assert photo.file_name(b"\xff\xd8\xff\xe0") == "vidswap-t1.jpg"


def test_link_expiry_parsing() -> None:
    assert link_expiry("/x?user=u&expires=1796371200&signature=s") == datetime(
        2026, 12, 4, 8, 0, tzinfo=UTC
    )
    assert link_expiry("/x?user=u&expires=soon&signature=s") is None
    assert link_expiry("/x") is None


async def test_detail_shows_swap_notices(
    context: AppContext, runtime: Runtime, tmp_path: Path
) -> None:
    detail = await completed_detail(context, runtime, tmp_path)
    assert detail.notice_texts == []
    stored = [
        {"code": "face_none_in_target", "params": {"path": {"file": "target", "name": "beach.mp4"}}}
    ]
    async with runtime.sessionmaker() as session, session.begin():
        await session.execute(
            update(TaskRow).where(TaskRow.id == detail.task.task_id).values(notices=stored)
        )

    await detail.load()
    english = detail.notice_texts
    context.api.locale = "zh-CN"
    await detail.load()
    chinese = detail.notice_texts

    assert [notice.code for notice in detail.task.notices] == ["face_none_in_target"]
    assert english == [
        "No face was found in beach.mp4; the output is the input with the AI label only."
    ]
    assert chinese == ["在 beach.mp4 中未检测到人脸，输出仅为添加了 AI 标识的原内容。"]
    assert detail.error_text is None
