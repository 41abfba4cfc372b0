"""VideoClient against a real server on 127.0.0.1: uploads, resumes, tasks and errors.

The server runs on the test's event loop, so every blocking client call runs in
a thread (``asyncio.to_thread``).
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from structlog.testing import capture_logs

from tests.billing.energy import make_member
from tests.grpc.conftest import (
    CHUNK_LIMIT,
    CHUNK_SIZE,
    Caller,
    run_worker_once,
    split,
    upload_messages,
)
from tests.grpc.proxy import BreakingProxy
from tests.jobs.uploads import FACE, SHORT_CLIP
from tests.shared_media import shared_face, shared_video
from vidswap.grpc.client import ResumeMismatchError, VideoClient, channel_target
from vidswap.grpc.client_errors import (
    GrpcServerUnavailableError,
    RemoteBadInputError,
    RemoteNotFoundError,
    RemoteUnauthorizedError,
)
from vidswap.grpc.generated import video_service_pb2_grpc as pb_grpc
from vidswap.grpc.server import GrpcServer, start_grpc_server
from vidswap.jobs.models import Task
from vidswap.media.models import Upload
from vidswap.runtime import Runtime


def _client(port: int, caller: Caller, locale: str = "en") -> VideoClient:
    token = dict(caller.metadata)["authorization"].removeprefix("Bearer ")
    return VideoClient(f"127.0.0.1:{port}", token, locale=locale, retry_seconds=0.05)


async def _stored_bytes(runtime: Runtime, upload_id: str) -> bytes:
    async with runtime.sessionmaker() as session:
        upload = await session.get(Upload, upload_id)
    assert upload is not None and upload.storage_key is not None
    target = runtime.settings.tmp_dir / f"{upload_id}.check"
    runtime.storage.get_file(upload.storage_key, target)
    return target.read_bytes()


async def _user_uploads(runtime: Runtime, caller: Caller) -> list[Upload]:
    async with runtime.sessionmaker() as session:
        rows = await session.scalars(select(Upload).where(Upload.user_id == caller.user.id))
        return list(rows)


async def test_upload_reports_progress(server: GrpcServer, runtime: Runtime, alice: Caller) -> None:
    path = shared_video(SHORT_CLIP)
    data = path.read_bytes()
    reported: list[tuple[int, int]] = []

    with _client(server.port, alice) as client:
        result = await asyncio.to_thread(
            client.upload,
            path,
            "video",
            CHUNK_SIZE,
            progress=lambda done, total: reported.append((done, total)),
        )

    assert result.file_url == f"/api/v1/uploads/{result.upload_id}/file"
    assert result.size == len(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.total_chunks == result.chunks_sent == len(split(data))
    assert await _stored_bytes(runtime, result.upload_id) == data
    assert reported[0] == (0, len(data))
    assert reported[-1] == (len(data), len(data))
    assert [done for done, _ in reported] == sorted(done for done, _ in reported)


async def test_upload_resumes_given_id(
    server: GrpcServer,
    stub: pb_grpc.VideoServiceStub,
    runtime: Runtime,
    alice: Caller,
) -> None:
    path = shared_video(SHORT_CLIP)
    data = path.read_bytes()
    total = len(split(data))
    first = await stub.UploadVideo(
        upload_messages(data, SHORT_CLIP, "video", order=[0, 2]), metadata=alice.metadata
    )
    assert first.status == "incomplete"

    with _client(server.port, alice) as client:
        result = await asyncio.to_thread(
            client.upload, path, "video", CHUNK_SIZE, upload_id=first.upload_id
        )

    assert result.upload_id == first.upload_id
    assert result.chunks_sent == total - 2
    assert await _stored_bytes(runtime, result.upload_id) == data


async def test_resume_rejects_other_chunk_size(
    server: GrpcServer, stub: pb_grpc.VideoServiceStub, alice: Caller
) -> None:
    path = shared_video(SHORT_CLIP)
    data = path.read_bytes()
    first = await stub.UploadVideo(
        upload_messages(data, SHORT_CLIP, "video", order=[0]), metadata=alice.metadata
    )

    with _client(server.port, alice) as client, pytest.raises(ResumeMismatchError) as caught:
        await asyncio.to_thread(
            client.upload, path, "video", CHUNK_SIZE * 2, upload_id=first.upload_id
        )

    assert caught.value.code == "upload_resume_mismatch"
    assert first.upload_id in caught.value.message("en")
    assert str(CHUNK_SIZE * 2) in caught.value.message("en")


async def test_broken_stream_resumes_upload(
    server: GrpcServer, runtime: Runtime, alice: Caller, tmp_path: Path
) -> None:
    path = shared_video(SHORT_CLIP)
    data = path.read_bytes()
    chunk_size = 8 * 1024
    # The first connection stops after about three chunks; later ones pass everything.
    async with BreakingProxy(server.port, break_after_bytes=3 * chunk_size) as proxy:
        with _client(proxy.port, alice) as client, capture_logs() as logs:
            result = await asyncio.to_thread(client.upload, path, "video", chunk_size)

    assert proxy.connections >= 2
    retries = [entry for entry in logs if entry["event"] == "grpc_client.upload_retry"]
    assert len(retries) == 1
    assert retries[0]["upload_id"] == result.upload_id
    assert await _stored_bytes(runtime, result.upload_id) == data
    uploads = await _user_uploads(runtime, alice)
    assert [upload.id for upload in uploads] == [result.upload_id]
    assert result.chunks_sent < 2 * result.total_chunks


async def test_task_flow_through_client(
    server: GrpcServer, runtime: Runtime, alice: Caller, tmp_path: Path
) -> None:
    with _client(server.port, alice) as client:
        face = await asyncio.to_thread(client.upload, shared_face(FACE), "image", CHUNK_SIZE)
        clip = await asyncio.to_thread(client.upload, shared_video(SHORT_CLIP), "video", CHUNK_SIZE)
        created = await asyncio.to_thread(
            client.create_task, face.file_url, clip.file_url, True, {"quality": 30}
        )
        assert created.status == "pending"

        watching = asyncio.create_task(asyncio.to_thread(list, client.watch(created.task_id)))
        await run_worker_once(runtime, created.task_id)
        updates = await watching

        output = tmp_path / "result.mp4"
        reported: list[tuple[int, int]] = []
        await asyncio.to_thread(
            client.download,
            created.task_id,
            output,
            lambda done, total: reported.append((done, total)),
        )
        listed = await asyncio.to_thread(client.list_tasks, 1)

    assert updates[-1].status == "completed"
    assert updates[-1].progress == 100
    assert output.stat().st_size == updates[-1].result_size
    assert reported[-1] == (updates[-1].result_size, updates[-1].result_size)
    assert output.read_bytes()[4:8] == b"ftyp"
    assert [task.task_id for task in listed] == [created.task_id]
    async with runtime.sessionmaker() as session:
        task = await session.get(Task, created.task_id)
    assert task is not None
    assert task.options["quality"] == 30


async def test_download_resumes_from_file_size(
    server: GrpcServer, runtime: Runtime, alice: Caller, tmp_path: Path
) -> None:
    with _client(server.port, alice) as client:
        face = await asyncio.to_thread(client.upload, shared_face(FACE), "image", CHUNK_SIZE)
        clip = await asyncio.to_thread(client.upload, shared_video(SHORT_CLIP), "video", CHUNK_SIZE)
        created = await asyncio.to_thread(client.create_task, face.file_url, clip.file_url)
        await run_worker_once(runtime, created.task_id)
        whole = tmp_path / "whole.mp4"
        await asyncio.to_thread(client.download, created.task_id, whole)
        partial = tmp_path / "partial.mp4"
        partial.write_bytes(whole.read_bytes()[:1000])
        await asyncio.to_thread(client.download, created.task_id, partial)

    assert partial.read_bytes() == whole.read_bytes()


async def test_broken_download_resumes(
    server: GrpcServer, runtime: Runtime, alice: Caller, tmp_path: Path
) -> None:
    with _client(server.port, alice) as client:
        face = await asyncio.to_thread(client.upload, shared_face(FACE), "image", CHUNK_SIZE)
        clip = await asyncio.to_thread(client.upload, shared_video(SHORT_CLIP), "video", CHUNK_SIZE)
        created = await asyncio.to_thread(client.create_task, face.file_url, clip.file_url)
        await run_worker_once(runtime, created.task_id)
        whole = tmp_path / "whole.mp4"
        await asyncio.to_thread(client.download, created.task_id, whole)
    size = whole.stat().st_size
    assert size > CHUNK_LIMIT

    resumed = tmp_path / "resumed.mp4"
    # The first connection carries the first whole chunk (plus 4 KiB for HTTP/2 and
    # protobuf framing), then stops before the end of the result.
    break_after = CHUNK_LIMIT + 4 * 1024
    assert size > break_after + 4 * 1024
    async with BreakingProxy(server.port, break_after, downstream=True) as proxy:
        with _client(proxy.port, alice) as client, capture_logs() as logs:
            await asyncio.to_thread(client.download, created.task_id, resumed)

    assert proxy.connections >= 2
    retries = [entry for entry in logs if entry["event"] == "grpc_client.download_retry"]
    assert len(retries) == 1
    assert retries[0]["offset"] == CHUNK_LIMIT
    assert resumed.read_bytes() == whole.read_bytes()


async def test_watch_survives_server_restart(
    server: GrpcServer, runtime: Runtime, alice: Caller
) -> None:
    with _client(server.port, alice) as client:
        client.retry_seconds = 0.5
        face = await asyncio.to_thread(client.upload, shared_face(FACE), "image", CHUNK_SIZE)
        clip = await asyncio.to_thread(client.upload, shared_video(SHORT_CLIP), "video", CHUNK_SIZE)
        created = await asyncio.to_thread(client.create_task, face.file_url, clip.file_url)

        first_update = threading.Event()
        updates: list[str] = []

        def follow() -> None:
            for update in client.watch(created.task_id):
                updates.append(update.status)
                first_update.set()

        with capture_logs() as logs:
            watching = asyncio.create_task(asyncio.to_thread(follow))
            await asyncio.to_thread(first_update.wait, 30)
            await server.stop(0)
            restarted = await start_grpc_server(runtime, port=server.port)
            try:
                await run_worker_once(runtime, created.task_id)
                await watching
            finally:
                await restarted.stop(0)

    assert updates[0] == "pending"
    assert updates[-1] == "completed"
    retries = [entry for entry in logs if entry["event"] == "grpc_client.watch_retry"]
    assert len(retries) >= 1
    assert retries[0]["task_id"] == created.task_id


async def test_cancel_and_list(server: GrpcServer, runtime: Runtime, alice: Caller) -> None:
    await make_member(runtime, alice.user.id)  # the free level runs only 2 tasks at a time
    with _client(server.port, alice) as client:
        face = await asyncio.to_thread(client.upload, shared_face(FACE), "image", CHUNK_SIZE)
        clip = await asyncio.to_thread(client.upload, shared_video(SHORT_CLIP), "video", CHUNK_SIZE)
        ids = []
        for _ in range(3):
            created = await asyncio.to_thread(client.create_task, face.file_url, clip.file_url)
            ids.append(created.task_id)
        cancelled = await asyncio.to_thread(client.cancel, ids[1])
        # page_size 2 makes list_tasks follow the cursor to the second page.
        listed = await asyncio.to_thread(client.list_tasks, 2)

    assert cancelled.status == "cancelled"
    assert [task.task_id for task in listed] == ids[::-1]
    assert [task.status for task in listed] == ["pending", "cancelled", "pending"]


async def test_errors_carry_server_code(server: GrpcServer, alice: Caller) -> None:
    with _client(server.port, alice, locale="zh-CN") as client:
        with pytest.raises(RemoteNotFoundError) as missing:
            await asyncio.to_thread(client.get_task, "no-such-task")
        with pytest.raises(RemoteBadInputError) as consent:
            await asyncio.to_thread(
                client.create_task, "/api/v1/uploads/a/file", "/api/v1/uploads/b/file", False
            )

    assert missing.value.code == "task_not_found"
    assert missing.value.status_code == 404
    assert missing.value.exit_code == 2
    assert "no-such-task" in missing.value.message()
    assert isinstance(missing.value.__cause__, Exception)
    assert consent.value.status_code == 400
    assert "consent" in consent.value.code
    # The server wrote the message in the caller's language.
    assert any("\u4e00" <= character <= "\u9fff" for character in consent.value.message())


async def test_bad_token_is_unauthorized(server: GrpcServer) -> None:
    client = VideoClient(f"127.0.0.1:{server.port}", "not-a-token")

    with client, pytest.raises(RemoteUnauthorizedError) as caught:
        await asyncio.to_thread(client.list_tasks)

    assert caught.value.status_code == 401
    assert caught.value.exit_code == 2


def test_server_down_is_unavailable(tmp_path: Path) -> None:
    from tests.flows.client import free_port

    target = f"127.0.0.1:{free_port()}"
    client = VideoClient(target, "token", retries=0)

    with client, pytest.raises(GrpcServerUnavailableError) as caught:
        client.get_task("abc")

    assert caught.value.code == "grpc_unavailable"
    assert caught.value.exit_code == 1
    assert target in caught.value.message("en")


@pytest.mark.parametrize(
    ("targets", "expected"),
    [
        ("127.0.0.1:50051", ("127.0.0.1:50051", False)),
        ("127.0.0.1:1,127.0.0.1:2", ("ipv4:127.0.0.1:1,127.0.0.1:2", True)),
        (["127.0.0.1:1", " 127.0.0.1:2 "], ("ipv4:127.0.0.1:1,127.0.0.1:2", True)),
        ("dns:///localhost:50051", ("dns:///localhost:50051", True)),
    ],
)
def test_channel_target(targets: str | list[str], expected: tuple[str, bool]) -> None:
    assert channel_target(targets) == expected


def test_channel_target_rejects_host_list() -> None:
    from vidswap.grpc.client import InvalidTargetError

    with pytest.raises(InvalidTargetError) as caught:
        channel_target("localhost:1,localhost:2")

    assert "localhost:1" in caught.value.message("en")
