"""Authentication, user checks, other users' tasks and localised error messages."""

from __future__ import annotations

import grpc
import pytest

from tests.grpc.conftest import Caller, error_code, new_caller, upload_file
from tests.jobs.uploads import FACE, SHORT_CLIP
from tests.shared_media import shared_face, shared_video
from vidswap.accounts.tokens import issue_access_token
from vidswap.grpc.generated import video_service_pb2 as pb
from vidswap.grpc.generated import video_service_pb2_grpc as pb_grpc
from vidswap.jobs.models import Task
from vidswap.runtime import Runtime


async def _failed(call: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call  # type: ignore[misc]
    return caught.value


async def _failed_stream(call: grpc.aio.UnaryStreamCall) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        async for _ in call:
            pass
    return caught.value


async def _task(stub: pb_grpc.VideoServiceStub, caller: Caller) -> pb.TaskResponse:
    face = await upload_file(stub, caller, shared_face(FACE), "image")
    clip = await upload_file(stub, caller, shared_video(SHORT_CLIP), "video")
    return await stub.CreateTask(
        pb.CreateTaskRequest(image_url=face.file_url, video_url=clip.file_url, consent=True),
        metadata=caller.metadata,
    )


@pytest.mark.parametrize(
    ("metadata", "code"),
    [
        ((), "not_authenticated"),
        ((("authorization", "Basic abc"),), "not_authenticated"),
        ((("authorization", "Bearer not-a-token"),), "invalid_token"),
    ],
)
async def test_bad_token_unauthenticated(
    stub: pb_grpc.VideoServiceStub, metadata: tuple[tuple[str, str], ...], code: str
) -> None:
    error = await _failed(stub.GetTaskStatus(pb.TaskStatusRequest(task_id="x"), metadata=metadata))

    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_code(error) == code


async def test_every_shape_authenticated(stub: pb_grpc.VideoServiceStub) -> None:
    upload = stub.UploadVideo(iter([pb.UploadRequest(chunk=b"x", total_chunks=1)]))
    watch = stub.WatchTask(pb.TaskStatusRequest(task_id="x"))
    download = stub.DownloadResult(pb.DownloadRequest(task_id="x"))

    errors = [await _failed(upload), await _failed_stream(watch), await _failed_stream(download)]

    assert [error.code() for error in errors] == [grpc.StatusCode.UNAUTHENTICATED] * 3
    assert "authorization: Bearer" in (errors[0].details() or "")


async def test_expired_token_rejected(
    stub: pb_grpc.VideoServiceStub, runtime: Runtime, alice: Caller
) -> None:
    token = issue_access_token(alice.user.id, key=runtime.settings.signing_key, minutes=-1)

    error = await _failed(
        stub.ListTasks(
            pb.ListTasksRequest(), metadata=(("authorization", f"Bearer {token.token}"),)
        )
    )

    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_code(error) == "token_expired"


async def test_other_user_id_denied(
    stub: pb_grpc.VideoServiceStub, runtime: Runtime, alice: Caller
) -> None:
    bob = await new_caller(runtime)

    create = await _failed(
        stub.CreateTask(
            pb.CreateTaskRequest(user_id=bob.user.id, image_url="a", video_url="b", consent=True),
            metadata=alice.metadata,
        )
    )
    upload = await _failed(
        stub.UploadVideo(
            iter(
                [
                    pb.UploadRequest(
                        user_id=bob.user.id,
                        file_type="video",
                        chunk=b"x",
                        total_chunks=1,
                    )
                ]
            ),
            metadata=alice.metadata,
        )
    )

    for error in (create, upload):
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED
        assert error_code(error) == "user_mismatch"
        assert bob.user.id in (error.details() or "")


async def test_other_users_task_hidden(
    stub: pb_grpc.VideoServiceStub, runtime: Runtime, alice: Caller
) -> None:
    task = await _task(stub, alice)
    bob = await new_caller(runtime)
    request = pb.TaskStatusRequest(task_id=task.task_id)

    errors = [
        await _failed(stub.GetTaskStatus(request, metadata=bob.metadata)),
        await _failed_stream(stub.WatchTask(request, metadata=bob.metadata)),
        await _failed_stream(
            stub.DownloadResult(pb.DownloadRequest(task_id=task.task_id), metadata=bob.metadata)
        ),
        await _failed(stub.CancelTask(request, metadata=bob.metadata)),
    ]

    for error in errors:
        assert error.code() == grpc.StatusCode.NOT_FOUND
        assert error_code(error) == "task_not_found"
        assert task.task_id in (error.details() or "")
    listed = await stub.ListTasks(pb.ListTasksRequest(), metadata=bob.metadata)
    assert list(listed.tasks) == []
    async with runtime.sessionmaker() as session:
        stored = await session.get(Task, task.task_id)
    assert stored is not None and stored.status == "pending"


async def test_other_users_upload_hidden(
    stub: pb_grpc.VideoServiceStub, runtime: Runtime, alice: Caller
) -> None:
    started = await stub.StartUpload(
        pb.StartUploadRequest(file_name="a.mp4", file_type="video", total_chunks=2),
        metadata=alice.metadata,
    )
    bob = await new_caller(runtime)

    status = await _failed(
        stub.GetUploadStatus(
            pb.UploadStatusRequest(upload_id=started.upload_id), metadata=bob.metadata
        )
    )
    upload = await _failed(
        stub.UploadVideo(
            iter(
                [
                    pb.UploadRequest(
                        upload_id=started.upload_id, chunk=b"x", chunk_index=0, total_chunks=2
                    )
                ]
            ),
            metadata=bob.metadata,
        )
    )

    for error in (status, upload):
        assert error.code() == grpc.StatusCode.NOT_FOUND
        assert error_code(error) == "upload_not_found"


async def test_consent_required_in_chinese(
    stub: pb_grpc.VideoServiceStub, runtime: Runtime
) -> None:
    caller = await new_caller(runtime, locale="zh-CN")
    face = await upload_file(stub, caller, shared_face(FACE), "image")
    clip = await upload_file(stub, caller, shared_video(SHORT_CLIP), "video")

    error = await _failed(
        stub.CreateTask(
            pb.CreateTaskRequest(image_url=face.file_url, video_url=clip.file_url),
            metadata=caller.metadata,
        )
    )

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_code(error) == "consent_required"
    assert "我确认有权使用这些文件中的人脸" in (error.details() or "")


@pytest.mark.parametrize(
    ("request_fields", "status", "code"),
    [
        ({"image_url": "http://example.invalid/a.jpg"}, "INVALID_ARGUMENT", "invalid_media_url"),
        (
            {"image_url": "/api/v1/uploads/0123456789abcdef/file"},
            "NOT_FOUND",
            "upload_not_found",
        ),
        ({"faces": "nobody"}, "INVALID_ARGUMENT", "invalid_option"),
        ({"quality": 99}, "INVALID_ARGUMENT", "invalid_option"),
    ],
)
async def test_bad_task_request_rejected(
    stub: pb_grpc.VideoServiceStub,
    alice: Caller,
    request_fields: dict[str, object],
    status: str,
    code: str,
) -> None:
    face = await upload_file(stub, alice, shared_face(FACE), "image")
    clip = await upload_file(stub, alice, shared_video(SHORT_CLIP), "video")
    values: dict[str, object] = {
        "image_url": face.file_url,
        "video_url": clip.file_url,
        "consent": True,
    }
    values.update(request_fields)

    error = await _failed(
        stub.CreateTask(pb.CreateTaskRequest(**values), metadata=alice.metadata)  # type: ignore[arg-type]
    )

    assert error.code() == getattr(grpc.StatusCode, status)
    assert error_code(error) == code


async def test_energy_shortfall_failed_precondition(
    stub: pb_grpc.VideoServiceStub, runtime: Runtime
) -> None:
    caller = await new_caller(runtime, energy=1)

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await _task(stub, caller)

    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_code(caught.value) == "insufficient_energy"


@pytest.mark.parametrize("task_id", ["", "a/b", "x" * 65])
async def test_bad_task_id_rejected(
    stub: pb_grpc.VideoServiceStub, alice: Caller, task_id: str
) -> None:
    error = await _failed(
        stub.GetTaskStatus(pb.TaskStatusRequest(task_id=task_id), metadata=alice.metadata)
    )

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_code(error) == "invalid_task_id"


async def test_result_of_pending_task_not_ready(
    stub: pb_grpc.VideoServiceStub, alice: Caller
) -> None:
    task = await _task(stub, alice)

    error = await _failed_stream(
        stub.DownloadResult(pb.DownloadRequest(task_id=task.task_id), metadata=alice.metadata)
    )

    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_code(error) == "result_not_ready"


async def test_result_of_cancelled_task_unavailable(
    stub: pb_grpc.VideoServiceStub, alice: Caller
) -> None:
    task = await _task(stub, alice)
    await stub.CancelTask(pb.TaskStatusRequest(task_id=task.task_id), metadata=alice.metadata)

    error = await _failed_stream(
        stub.DownloadResult(pb.DownloadRequest(task_id=task.task_id), metadata=alice.metadata)
    )

    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_code(error) == "result_unavailable"
    assert f"Task {task.task_id} was cancelled" in (error.details() or "")


async def test_unknown_page_cursor_rejected(stub: pb_grpc.VideoServiceStub, alice: Caller) -> None:
    error = await _failed(
        stub.ListTasks(pb.ListTasksRequest(cursor="garbage!"), metadata=alice.metadata)
    )

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_code(error) == "invalid_page"
    assert "garbage!" in (error.details() or "")
