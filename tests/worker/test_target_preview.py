"""The browser-playable copy of a task's target: written by the worker, served, deleted."""

from __future__ import annotations

from pathlib import Path

import av
import httpx
import pytest
from structlog.testing import capture_logs

from tests.conftest import auth_headers, create_user
from tests.jobs.uploads import SHORT_CLIP, clip_upload, file_url, task_request
from tests.shared_media import shared_video
from vidswap.accounts.models import User
from vidswap.grpc.messages import task_message
from vidswap.jobs.models import Task
from vidswap.media import keys
from vidswap.runtime import Runtime
from vidswap.swap.errors import MediaEncodeError
from vidswap.swap.media.browser import PreviewMethod, probe_playback_format
from vidswap.swap.media.video import probe_video
from vidswap.swap.options import Progress
from vidswap.worker.preview import (
    PREVIEW_FRAME_COSTS,
    StagedProgress,
    plan_target_preview,
    preview_frame_cost,
)
from vidswap.worker.runner import WorkerContext, run_task

# 3 s of H.264 in MP4 with AAC, which browsers play as it is.
H264_CLIP = "indoor-group-event-640x480-ccby.mp4"
# 4.6 s of H.264 with PCM audio in Matroska, which needs only a new container.
MATROSKA_CLIP = "marathon-crowd-small-faces-pd.mkv"


async def _create(
    client: httpx.AsyncClient, runtime: Runtime, user: User, clip: str = SHORT_CLIP
) -> str:
    upload = await clip_upload(runtime, user, clip)
    request = await task_request(runtime, user, video_url=file_url(upload))
    response = await client.post("/api/v1/tasks", json=request, headers=auth_headers(runtime, user))
    assert response.status_code == 201, response.text
    return response.json()["task_id"]


async def _task(runtime: Runtime, task_id: str) -> Task:
    async with runtime.sessionmaker() as session:
        task = await session.get(Task, task_id)
    assert task is not None
    return task


async def test_hevc_target_gets_h264_preview(
    client: httpx.AsyncClient, runtime: Runtime, context: WorkerContext, tmp_path: Path
) -> None:
    user = await create_user(runtime)
    task_id = await _create(client, runtime, user)

    await run_task(context, task_id)

    task = await _task(runtime, task_id)
    assert task.status == "completed"
    assert task.progress == 100
    assert task.target_preview_key == keys.target_preview_key(user.id, task_id)
    preview = tmp_path / "preview.mp4"
    runtime.storage.get_file(task.target_preview_key, preview)
    playback = probe_playback_format(preview)
    assert playback.container == "mp4"
    assert playback.video_codec == "h264"
    assert playback.audio_codec == "aac"
    source = probe_video(shared_video(SHORT_CLIP))
    copy = probe_video(preview)
    assert copy.frame_count == source.frame_count
    assert copy.duration == pytest.approx(source.duration, abs=0.01)
    assert (copy.width, copy.height) == (source.width, source.height)
    with av.open(str(preview)) as container:
        assert "ai_generated" not in container.metadata

    body = (
        await client.get(f"/api/v1/tasks/{task_id}", headers=auth_headers(runtime, user))
    ).json()
    link = body["target_preview_url"]
    assert link.startswith(f"/api/v1/tasks/{task_id}/target-preview?")
    assert "signature=" in link
    # The signed link works without the Bearer header, as a video element loads it.
    download = await client.get(link)
    assert download.status_code == 200, download.text
    assert download.headers["content-type"] == "video/mp4"
    assert download.content == preview.read_bytes()
    message = task_message(task, "en")
    assert message.target_preview_url == f"/api/v1/tasks/{task_id}/target-preview"


async def test_matroska_target_gets_remuxed_preview(
    client: httpx.AsyncClient, runtime: Runtime, context: WorkerContext, tmp_path: Path
) -> None:
    user = await create_user(runtime)
    task_id = await _create(client, runtime, user, MATROSKA_CLIP)

    await run_task(context, task_id)

    task = await _task(runtime, task_id)
    assert task.status == "completed"
    assert task.progress == 100
    assert task.target_preview_key is not None
    preview = tmp_path / "preview.mp4"
    runtime.storage.get_file(task.target_preview_key, preview)
    playback = probe_playback_format(preview)
    assert playback.container == "mp4"
    assert playback.audio_codec == "aac"
    with av.open(str(shared_video(MATROSKA_CLIP))) as source, av.open(str(preview)) as copy:
        source_packets = [bytes(p) for p in source.demux(source.streams.video[0]) if p.size]
        copy_packets = [bytes(p) for p in copy.demux(copy.streams.video[0]) if p.size]
    assert len(copy_packets) == 138
    assert copy_packets == source_packets


@pytest.mark.parametrize(
    ("clip", "expected"),
    [
        (SHORT_CLIP, PreviewMethod.REENCODE),
        (MATROSKA_CLIP, PreviewMethod.REMUX),
        (H264_CLIP, None),
    ],
)
def test_plan_target_preview(clip: str, expected: PreviewMethod | None) -> None:
    assert plan_target_preview(shared_video(clip), "task-1") is expected


def test_remux_costs_little_progress() -> None:
    assert preview_frame_cost(None) == 0.0
    assert preview_frame_cost(PreviewMethod.REMUX) < 0.05
    assert preview_frame_cost(PreviewMethod.REMUX) < PREVIEW_FRAME_COSTS[PreviewMethod.REENCODE]


async def test_h264_target_gets_no_preview(
    client: httpx.AsyncClient, runtime: Runtime, context: WorkerContext
) -> None:
    user = await create_user(runtime)
    task_id = await _create(client, runtime, user, H264_CLIP)

    await run_task(context, task_id)

    task = await _task(runtime, task_id)
    assert task.status == "completed"
    assert task.target_preview_key is None
    assert not runtime.storage.exists(keys.target_preview_key(user.id, task_id))
    headers = auth_headers(runtime, user)
    body = (await client.get(f"/api/v1/tasks/{task_id}", headers=headers)).json()
    assert body["target_preview_url"] is None
    assert body["target_url"] is not None
    missing = await client.get(f"/api/v1/tasks/{task_id}/target-preview", headers=headers)
    assert missing.status_code == 404
    assert missing.json()["error"] == "target_preview_not_found"


async def test_delete_task_removes_preview(
    client: httpx.AsyncClient, runtime: Runtime, context: WorkerContext
) -> None:
    user = await create_user(runtime)
    task_id = await _create(client, runtime, user)
    await run_task(context, task_id)
    key = keys.target_preview_key(user.id, task_id)
    assert runtime.storage.exists(key)

    response = await client.delete(f"/api/v1/tasks/{task_id}", headers=auth_headers(runtime, user))

    assert response.status_code == 204
    assert not runtime.storage.exists(key)


async def test_preview_failure_keeps_task_completed(
    client: httpx.AsyncClient,
    runtime: Runtime,
    context: WorkerContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fail_copy(source: Path, output: Path, **_: object) -> int:
        raise MediaEncodeError(path=str(output), detail="stand-in encoder failure")

    monkeypatch.setattr("vidswap.swap.media.browser.write_browser_copy", fail_copy)
    user = await create_user(runtime)
    task_id = await _create(client, runtime, user)

    with capture_logs() as logs:
        await run_task(context, task_id)

    task = await _task(runtime, task_id)
    assert task.status == "completed"
    assert task.result_key is not None
    assert task.target_preview_key is None
    failures = [entry for entry in logs if entry["event"] == "task.target_preview_failed"]
    assert len(failures) == 1
    assert failures[0]["task_id"] == task_id
    assert failures[0]["log_level"] == "warning"


def test_staged_progress_counts_both_steps() -> None:
    reported: list[Progress] = []
    staged = StagedProgress(reported.append, preview_cost=0.5)

    staged.swap(Progress(10, 10, 4.0))
    staged.preview(Progress(10, 10, 1.0))

    assert reported[0] == Progress(10, 15, 4.0)
    assert reported[1] == Progress(15, 15, 5.0)


def test_staged_progress_without_preview() -> None:
    reported: list[Progress] = []
    staged = StagedProgress(reported.append, preview_cost=0.0)

    staged.swap(Progress(3, 10, 1.5))

    assert reported == [Progress(3, 10, 1.5)]
