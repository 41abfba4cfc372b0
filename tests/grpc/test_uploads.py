"""Chunked uploads: resuming, chunk order, duplicates, checksums and every bad chunk."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator

import grpc
import httpx
import pytest
import structlog
from structlog.testing import capture_logs

from tests.conftest import auth_headers
from tests.grpc.conftest import (
    CHUNK_LIMIT,
    Caller,
    error_code,
    sha256,
    split,
    upload_messages,
)
from tests.jobs.uploads import SHORT_CLIP
from tests.shared_media import shared_video
from vidswap.grpc.generated import video_service_pb2 as pb
from vidswap.grpc.generated import video_service_pb2_grpc as pb_grpc
from vidswap.media.models import Upload
from vidswap.runtime import Runtime


def _clip() -> bytes:
    return shared_video(SHORT_CLIP).read_bytes()


async def _stored_bytes(runtime: Runtime, upload_id: str) -> bytes:
    async with runtime.sessionmaker() as session:
        upload = await session.get(Upload, upload_id)
    assert upload is not None and upload.storage_key is not None
    target = runtime.settings.tmp_dir / f"{upload_id}.check"
    runtime.storage.get_file(upload.storage_key, target)
    return target.read_bytes()


async def _failed_call(call: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call  # type: ignore[misc]
    return caught.value


async def test_interrupted_upload_resumes(
    stub: pb_grpc.VideoServiceStub, runtime: Runtime, alice: Caller
) -> None:
    data = _clip()
    pieces = split(data)
    sent_two = asyncio.Event()

    async def first_half() -> AsyncIterator[pb.UploadRequest]:
        for index in (0, 1):
            yield pb.UploadRequest(
                file_name=SHORT_CLIP,
                file_type="video",
                chunk=pieces[index],
                chunk_index=index,
                total_chunks=len(pieces),
                sha256=sha256(data),
            )
        sent_two.set()
        await asyncio.Event().wait()  # the client never closes this stream

    call = stub.UploadVideo(first_half(), metadata=alice.metadata)
    metadata = dict(await call.initial_metadata())
    upload_id = str(metadata["vidswap-upload-id"])
    await sent_two.wait()
    status = await stub.GetUploadStatus(
        pb.UploadStatusRequest(upload_id=upload_id), metadata=alice.metadata
    )
    # The server stores the two chunks after the client sent them; wait until it has.
    for _ in range(600):
        if list(status.received_chunks) == [0, 1]:
            break
        await asyncio.sleep(0.05)
        status = await stub.GetUploadStatus(
            pb.UploadStatusRequest(upload_id=upload_id), metadata=alice.metadata
        )
    assert list(status.received_chunks) == [0, 1]
    call.cancel()

    status = await stub.GetUploadStatus(
        pb.UploadStatusRequest(upload_id=upload_id), metadata=alice.metadata
    )
    assert status.status == "uploading"
    assert list(status.missing_chunks) == [2, 3, 4]
    resumed = await stub.UploadVideo(
        upload_messages(
            data, SHORT_CLIP, "video", order=list(status.missing_chunks), upload_id=upload_id
        ),
        metadata=alice.metadata,
    )

    assert resumed.status == "completed"
    assert resumed.upload_id == upload_id
    assert resumed.sha256 == sha256(data)
    assert await _stored_bytes(runtime, upload_id) == data


async def test_started_upload_out_of_order_with_duplicates(
    stub: pb_grpc.VideoServiceStub, runtime: Runtime, alice: Caller
) -> None:
    data = _clip()
    started = await stub.StartUpload(
        pb.StartUploadRequest(
            file_name=SHORT_CLIP, file_type="video/mp4", total_chunks=5, sha256=sha256(data)
        ),
        metadata=alice.metadata,
    )
    assert started.status == "uploading"
    assert list(started.missing_chunks) == [0, 1, 2, 3, 4]

    partial = await stub.UploadVideo(
        upload_messages(data, SHORT_CLIP, "video", order=[3, 1, 3, 1], upload_id=started.upload_id),
        metadata=alice.metadata,
    )
    assert partial.status == "incomplete"
    assert list(partial.missing_chunks) == [0, 2, 4]
    assert partial.file_url == ""

    done = await stub.UploadVideo(
        upload_messages(data, SHORT_CLIP, "video", order=[4, 0, 2], upload_id=started.upload_id),
        metadata=alice.metadata,
    )
    assert done.status == "completed"
    assert await _stored_bytes(runtime, started.upload_id) == data
    status = await stub.GetUploadStatus(
        pb.UploadStatusRequest(upload_id=started.upload_id), metadata=alice.metadata
    )
    assert status.status == "ready"
    assert status.file_url == done.file_url


async def test_checksum_mismatch_keeps_chunks(
    stub: pb_grpc.VideoServiceStub, runtime: Runtime, alice: Caller
) -> None:
    data = _clip()
    wrong = bytearray(data)
    wrong[20_000] ^= 0xFF
    started = await stub.StartUpload(
        pb.StartUploadRequest(
            file_name=SHORT_CLIP, file_type="video", total_chunks=5, sha256=sha256(data)
        ),
        metadata=alice.metadata,
    )

    error = await _failed_call(
        stub.UploadVideo(
            upload_messages(bytes(wrong), SHORT_CLIP, "video", upload_id=started.upload_id),
            metadata=alice.metadata,
        )
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_code(error) == "upload_checksum_mismatch"
    assert sha256(data) in (error.details() or "")

    # Chunk 1 held the changed byte; sending it again completes the upload.
    done = await stub.UploadVideo(
        upload_messages(data, SHORT_CLIP, "video", order=[1], upload_id=started.upload_id),
        metadata=alice.metadata,
    )
    assert done.status == "completed"
    assert await _stored_bytes(runtime, started.upload_id) == data


async def test_oversized_chunk_rejected(
    stub: pb_grpc.VideoServiceStub, runtime: Runtime, alice: Caller
) -> None:
    message = pb.UploadRequest(
        file_name="big.mp4",
        file_type="video",
        chunk=b"\0" * (CHUNK_LIMIT + 1),
        chunk_index=0,
        total_chunks=1,
    )

    error = await _failed_call(stub.UploadVideo(iter([message]), metadata=alice.metadata))

    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert error_code(error) == "upload_chunk_too_large"
    assert str(CHUNK_LIMIT) in (error.details() or "")
    assert list((runtime.settings.tmp_dir / "chunks").glob("*/*.chunk")) == []


async def test_file_over_kind_limit_rejected(
    stub: pb_grpc.VideoServiceStub, runtime: Runtime, alice: Caller
) -> None:
    runtime.settings.max_image_bytes = 100_000
    messages = [
        pb.UploadRequest(
            file_name="big.jpg",
            file_type="image",
            chunk=b"\1" * 60_000,
            chunk_index=index,
            total_chunks=3,
        )
        for index in range(3)
    ]

    error = await _failed_call(stub.UploadVideo(iter(messages), metadata=alice.metadata))

    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert error_code(error) == "upload_too_large"
    assert "100000" in (error.details() or "")


@pytest.mark.parametrize(
    ("fields", "code", "named"),
    [
        ({"chunk_index": 5}, "upload_invalid_chunk_index", "5"),
        ({"chunk_index": -1}, "upload_invalid_chunk_index", "-1"),
        ({"total_chunks": 0}, "upload_invalid_total_chunks", "0"),
        ({"file_type": "audio/mpeg"}, "upload_invalid_kind", "audio/mpeg"),
        ({"chunk": b""}, "upload_empty_chunk", "0"),
        ({"sha256": "abc"}, "upload_invalid_checksum", "abc"),
    ],
)
async def test_bad_first_chunk_rejected(
    stub: pb_grpc.VideoServiceStub, alice: Caller, fields: dict[str, object], code: str, named: str
) -> None:
    values: dict[str, object] = {
        "file_name": "clip.mp4",
        "file_type": "video",
        "chunk": b"abc",
        "chunk_index": 0,
        "total_chunks": 5,
    }
    values.update(fields)

    error = await _failed_call(
        stub.UploadVideo(iter([pb.UploadRequest(**values)]), metadata=alice.metadata)  # type: ignore[arg-type]
    )

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_code(error) == code
    assert named in (error.details() or "")


async def test_changed_total_chunks_rejected(stub: pb_grpc.VideoServiceStub, alice: Caller) -> None:
    data = _clip()
    messages = list(upload_messages(data, SHORT_CLIP, "video", order=[0, 1]))
    messages[1].total_chunks = 7

    call = stub.UploadVideo(iter(messages), metadata=alice.metadata)
    error = await _failed_call(call)
    upload_id = str(dict(await call.initial_metadata())["vidswap-upload-id"])

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_code(error) == "upload_total_chunks_mismatch"
    assert "7" in (error.details() or "")
    status = await stub.GetUploadStatus(
        pb.UploadStatusRequest(upload_id=upload_id), metadata=alice.metadata
    )
    assert list(status.received_chunks) == [0]


@pytest.fixture
def info_logs() -> Iterator[None]:
    """Let INFO events reach ``capture_logs``.

    An in-process ``vidswap`` command run by an earlier test sets the level to WARNING.
    """
    previous = structlog.get_config()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))
    yield
    structlog.configure(**previous)


@pytest.mark.usefixtures("info_logs")
async def test_rejected_file_marks_upload_failed(
    stub: pb_grpc.VideoServiceStub, alice: Caller
) -> None:
    messages = [
        pb.UploadRequest(
            file_name="notes.mp4",
            file_type="video",
            chunk=b"plain text, not a video\n",
            total_chunks=1,
        )
    ]

    with capture_logs() as logs:
        call = stub.UploadVideo(iter(messages), metadata=alice.metadata)
        error = await _failed_call(call)
    upload_id = str(dict(await call.initial_metadata())["vidswap-upload-id"])

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "notes.mp4" in (error.details() or "")
    rejected = [entry for entry in logs if entry["event"].endswith(".rejected")]
    assert [entry["event"] for entry in rejected] == ["grpc_upload.rejected"]
    assert rejected[0]["upload_id"] == upload_id
    assert rejected[0]["code"] == error_code(error)
    status = await stub.GetUploadStatus(
        pb.UploadStatusRequest(upload_id=upload_id), metadata=alice.metadata
    )
    assert status.status == "failed"
    assert status.error_code == error_code(error)
    assert "notes.mp4" in status.error_message


async def test_empty_stream_rejected(stub: pb_grpc.VideoServiceStub, alice: Caller) -> None:
    error = await _failed_call(stub.UploadVideo(iter([]), metadata=alice.metadata))

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_code(error) == "upload_empty_stream"


async def test_open_upload_rejected_by_tus(
    stub: pb_grpc.VideoServiceStub, runtime: Runtime, alice: Caller, rest: httpx.AsyncClient
) -> None:
    started = await stub.StartUpload(
        pb.StartUploadRequest(file_name="a.mp4", file_type="video", total_chunks=2),
        metadata=alice.metadata,
    )
    headers = {**auth_headers(runtime, alice.user), "Tus-Resumable": "1.0.0"}

    head = await rest.head(f"/api/v1/uploads/tus/{started.upload_id}", headers=headers)
    patch = await rest.patch(
        f"/api/v1/uploads/tus/{started.upload_id}",
        headers={
            **headers,
            "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream",
        },
        content=b"abc",
    )

    assert head.status_code == 409
    assert patch.status_code == 409
    assert patch.json()["error"] == "upload_not_tus"
    assert started.upload_id in patch.json()["message"]
    status = await stub.GetUploadStatus(
        pb.UploadStatusRequest(upload_id=started.upload_id), metadata=alice.metadata
    )
    assert list(status.received_chunks) == []
