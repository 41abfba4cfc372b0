"""The whole flow over gRPC: chunked upload, task, watch, download, list and cancel."""

from __future__ import annotations

import asyncio
import hashlib

import grpc
import httpx
import pytest
from sqlalchemy import func, select

from tests.billing.energy import make_member
from tests.conftest import auth_headers
from tests.grpc.conftest import Caller, error_code, run_worker_once, sha256, upload_file
from tests.jobs.uploads import FACE, SHORT_CLIP
from tests.shared_media import shared_face, shared_video
from vidswap.grpc.generated import video_service_pb2 as pb
from vidswap.grpc.generated import video_service_pb2_grpc as pb_grpc
from vidswap.jobs.models import Task
from vidswap.media.models import Upload
from vidswap.runtime import Runtime


async def _uploads(stub: pb_grpc.VideoServiceStub, caller: Caller) -> tuple[str, str]:
    face = await upload_file(stub, caller, shared_face(FACE), "image/jpeg")
    clip = await upload_file(stub, caller, shared_video(SHORT_CLIP), "video")
    return face.file_url, clip.file_url


async def test_upload_stores_checked_file(
    stub: pb_grpc.VideoServiceStub, runtime: Runtime, alice: Caller
) -> None:
    data = shared_video(SHORT_CLIP).read_bytes()

    response = await upload_file(stub, alice, shared_video(SHORT_CLIP), "video/mp4")

    assert response.status == "completed"
    assert response.file_url == f"/api/v1/uploads/{response.upload_id}/file"
    assert response.uploaded_chunks == response.total_chunks == 5
    assert response.sha256 == sha256(data)
    assert response.size == len(data)
    async with runtime.sessionmaker() as session:
        upload = await session.get(Upload, response.upload_id)
    assert upload is not None
    assert upload.status == "ready"
    assert upload.kind == "video"
    assert upload.filename == SHORT_CLIP
    assert upload.media is not None and upload.media["duration"] > 0
    assert upload.storage_key is not None
    stored = runtime.settings.tmp_dir / "stored.bin"
    runtime.storage.get_file(upload.storage_key, stored)
    assert stored.read_bytes() == data
    assert not (runtime.settings.tmp_dir / "chunks" / upload.id).exists()


async def test_task_watched_and_downloaded(
    stub: pb_grpc.VideoServiceStub, runtime: Runtime, alice: Caller, rest: httpx.AsyncClient
) -> None:
    image_url, video_url = await _uploads(stub, alice)

    created = await stub.CreateTask(
        pb.CreateTaskRequest(
            user_id=alice.user.id, image_url=image_url, video_url=video_url, consent=True
        ),
        metadata=alice.metadata,
    )
    assert created.status == "pending"
    assert created.energy_cost == 2  # ceil(1.05 s × 1 Energy per second)

    watch = stub.WatchTask(pb.TaskStatusRequest(task_id=created.task_id), metadata=alice.metadata)
    first = await watch.read()
    assert first.status == "pending"
    worker = asyncio.create_task(run_worker_once(runtime, created.task_id))
    updates = [first]
    while (update := await watch.read()) is not grpc.aio.EOF:
        updates.append(update)
    await worker

    statuses = [update.status for update in updates]
    assert statuses[-1] == "completed"
    assert "processing" in statuses
    progress = [update.progress for update in updates]
    assert progress == sorted(progress)
    final = updates[-1]
    assert final.progress == 100
    assert final.result_url == f"/api/v1/tasks/{created.task_id}/result"
    assert final.result_size > 0

    chunks = [
        chunk
        async for chunk in stub.DownloadResult(
            pb.DownloadRequest(task_id=created.task_id), metadata=alice.metadata
        )
    ]
    downloaded = b"".join(chunk.data for chunk in chunks)
    assert chunks[0].content_type == "video/mp4"
    assert chunks[0].total_size == len(downloaded) == final.result_size
    over_rest = await rest.get(final.result_url, headers=auth_headers(runtime, alice.user))
    assert over_rest.status_code == 200
    assert hashlib.sha256(downloaded).hexdigest() == hashlib.sha256(over_rest.content).hexdigest()

    # A download resumed from an offset returns the rest of the same file.
    offset = len(downloaded) // 3
    rest = [
        chunk
        async for chunk in stub.DownloadResult(
            pb.DownloadRequest(task_id=created.task_id, offset=offset), metadata=alice.metadata
        )
    ]
    assert rest[0].offset == offset
    assert b"".join(chunk.data for chunk in rest) == downloaded[offset:]

    status = await stub.GetTaskStatus(
        pb.TaskStatusRequest(task_id=created.task_id), metadata=alice.metadata
    )
    assert status.status == "completed"


async def test_list_and_cancel(
    stub: pb_grpc.VideoServiceStub, runtime: Runtime, alice: Caller
) -> None:
    await make_member(runtime, alice.user.id)  # the free level runs only 2 tasks at a time
    image_url, video_url = await _uploads(stub, alice)
    ids = []
    for _ in range(3):
        created = await stub.CreateTask(
            pb.CreateTaskRequest(image_url=image_url, video_url=video_url, consent=True),
            metadata=alice.metadata,
        )
        ids.append(created.task_id)

    first = await stub.ListTasks(pb.ListTasksRequest(page_size=2), metadata=alice.metadata)
    second = await stub.ListTasks(
        pb.ListTasksRequest(page_size=2, cursor=first.next_cursor), metadata=alice.metadata
    )
    assert [task.task_id for task in first.tasks] == ids[::-1][:2]
    assert [task.task_id for task in second.tasks] == ids[:1]
    assert second.next_cursor == ""

    cancelled = await stub.CancelTask(pb.TaskStatusRequest(task_id=ids[0]), metadata=alice.metadata)
    assert cancelled.status == "cancelled"
    async with runtime.sessionmaker() as session:
        task = await session.get(Task, ids[0])
    assert task is not None and task.status == "cancelled"

    # The watch of a task that is already final sends its state once and ends.
    updates = [
        update
        async for update in stub.WatchTask(
            pb.TaskStatusRequest(task_id=ids[0]), metadata=alice.metadata
        )
    ]
    assert [update.status for update in updates] == ["cancelled"]


async def test_options_reach_task(
    stub: pb_grpc.VideoServiceStub,
    runtime: Runtime,
    alice: Caller,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # label=false needs both the operator's setting and a level with label removal (Pro).
    monkeypatch.setattr(runtime.settings, "allow_label_removal", True)
    await make_member(runtime, alice.user.id)
    image_url, video_url = await _uploads(stub, alice)

    created = await stub.CreateTask(
        pb.CreateTaskRequest(
            image_url=image_url,
            video_url=video_url,
            consent=True,
            faces="all",
            quality=30,
            label=False,
        ),
        metadata=alice.metadata,
    )

    async with runtime.sessionmaker() as session:
        task = await session.get(Task, created.task_id)
    assert task is not None
    assert task.options == {"faces": "all", "quality": 30, "label": False}
    assert "I confirm" in task.consent_text


async def test_plan_limit_is_permission_denied(
    stub: pb_grpc.VideoServiceStub, runtime: Runtime, alice: Caller
) -> None:
    image_url, video_url = await _uploads(stub, alice)
    request = pb.CreateTaskRequest(
        image_url=image_url, video_url=video_url, consent=True, label=False
    )

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.CreateTask(request, metadata=alice.metadata)

    denied = caught.value
    assert denied.code() == grpc.StatusCode.PERMISSION_DENIED
    assert error_code(denied) == "plan_limit"
    assert "label=false" in (denied.details() or "")
    async with runtime.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Task)) == 0
