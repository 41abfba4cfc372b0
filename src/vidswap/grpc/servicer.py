"""The VideoService handlers. Each one calls the same service functions as the REST API.

The interceptor (``vidswap.grpc.auth``) has already authenticated the call, so
handlers read the user and locale from ``current_user`` and ``current_locale``
and raise ``VidswapError`` subclasses, which it translates into status codes.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import grpc
import structlog

from vidswap.grpc import chunks
from vidswap.grpc.auth import check_user_id, current_locale, current_user
from vidswap.grpc.errors import EmptyUploadStreamError, InvalidOffsetError, InvalidTaskIdError
from vidswap.grpc.generated import video_service_pb2 as pb
from vidswap.grpc.generated import video_service_pb2_grpc as pb_grpc
from vidswap.grpc.messages import task_message, upload_status
from vidswap.jobs import service as tasks
from vidswap.jobs.endpoints import RESULT_MEDIA_TYPES
from vidswap.jobs.errors import ResultFileMissingError, no_result_error
from vidswap.jobs.models import Task, TaskStatus
from vidswap.jobs.schemas import TaskCreate
from vidswap.kit.i18n import localize
from vidswap.media.keys import upload_file_url
from vidswap.media.models import Upload
from vidswap.runtime import Runtime

log = structlog.get_logger(__name__)

UPLOAD_ID_KEY = "vidswap-upload-id"
# WatchTask reads the task again after this long without an event, in case one was lost.
WATCH_POLL_SECONDS = 5.0
_TASK_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
UPLOAD_MESSAGES = {
    "ready": {
        "en": "The file is stored. Use file_url as image_url or video_url of a task.",
        "zh-CN": "文件已保存。请将 file_url 用作任务的 image_url 或 video_url。",
    },
    "incomplete": {
        "en": "Chunks are missing. Send the missing_chunks with this upload_id, then the file is checked.",
        "zh-CN": "仍缺少数据块。请用此 upload_id 发送 missing_chunks 中的数据块，之后将检查文件。",
    },
}


class VideoServicer(pb_grpc.VideoServiceServicer):
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    # Uploads

    async def StartUpload(
        self, request: pb.StartUploadRequest, context: grpc.aio.ServicerContext
    ) -> pb.UploadStatus:
        upload = await chunks.start(
            self._runtime,
            current_user().id,
            filename=request.file_name,
            file_type=request.file_type,
            total_chunks=request.total_chunks,
            sha256=request.sha256,
        )
        current = chunks.ChunkState(upload, request.total_chunks, [])
        return upload_status(current, current_locale())

    async def GetUploadStatus(
        self, request: pb.UploadStatusRequest, context: grpc.aio.ServicerContext
    ) -> pb.UploadStatus:
        current = await chunks.state(self._runtime, current_user().id, request.upload_id)
        return upload_status(current, current_locale())

    async def UploadVideo(
        self, request_iterator: AsyncIterator[pb.UploadRequest], context: grpc.aio.ServicerContext
    ) -> pb.UploadResponse:
        """Store the chunks of one stream; the first message names or starts the upload.

        A new upload's id goes out in the ``vidswap-upload-id`` initial metadata
        before any chunk is stored, so a client whose stream breaks can resume it.
        """
        user = current_user()
        upload: Upload | None = None
        current: chunks.ChunkState | None = None
        async for message in request_iterator:
            check_user_id(message.user_id)
            if upload is None:
                upload = await self._open_upload(message, context)
            current = await chunks.add_chunk(
                self._runtime,
                upload,
                chunk_index=message.chunk_index,
                total_chunks=message.total_chunks,
                data=message.chunk,
                sha256=message.sha256,
            )
        if upload is None:
            raise EmptyUploadStreamError()
        if current is None or upload.status != "ready":
            current = await chunks.state(self._runtime, user.id, upload.id)
        return _upload_response(current, current_locale())

    async def _open_upload(
        self, message: pb.UploadRequest, context: grpc.aio.ServicerContext
    ) -> Upload:
        user_id = current_user().id
        if message.upload_id:
            return (await chunks.state(self._runtime, user_id, message.upload_id)).upload
        upload = await chunks.start(
            self._runtime,
            user_id,
            filename=message.file_name,
            file_type=message.file_type,
            total_chunks=message.total_chunks,
            sha256=message.sha256,
        )
        await context.send_initial_metadata(((UPLOAD_ID_KEY, upload.id),))
        return upload

    # Tasks

    async def CreateTask(
        self, request: pb.CreateTaskRequest, context: grpc.aio.ServicerContext
    ) -> pb.TaskResponse:
        check_user_id(request.user_id)
        options: dict[str, Any] = {}
        if request.faces:
            options["faces"] = request.faces
        if request.reference_url:
            options["reference_url"] = request.reference_url
        if request.HasField("quality"):
            options["quality"] = request.quality
        if request.HasField("label"):
            options["label"] = request.label
        # The service checks every field itself (consent, URLs, options), as for REST.
        body = TaskCreate.model_construct(
            image_url=request.image_url,
            video_url=request.video_url,
            options=options,
            consent=request.consent or None,
        )
        task = await tasks.create_task(self._runtime, current_user(), body, current_locale())
        return task_message(task, current_locale())

    async def GetTaskStatus(
        self, request: pb.TaskStatusRequest, context: grpc.aio.ServicerContext
    ) -> pb.TaskResponse:
        return task_message(await self._task(request.task_id), current_locale())

    async def ListTasks(
        self, request: pb.ListTasksRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListTasksResponse:
        async with self._runtime.sessionmaker() as session:
            page, next_cursor, _, _ = await tasks.list_tasks(
                session,
                current_user(),
                limit=request.page_size or None,
                cursor=request.cursor or None,
                page=None,
                page_size=None,
            )
        locale = current_locale()
        return pb.ListTasksResponse(
            tasks=[task_message(task, locale) for task in page], next_cursor=next_cursor or ""
        )

    async def CancelTask(
        self, request: pb.TaskStatusRequest, context: grpc.aio.ServicerContext
    ) -> pb.TaskResponse:
        task_id = _task_id(request.task_id)
        task = await tasks.cancel_task(self._runtime, current_user(), task_id)
        return task_message(task, current_locale())

    async def WatchTask(
        self, request: pb.TaskStatusRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.TaskResponse]:
        """Send the task now and after every change, and end once it is final.

        The subscription starts before the first read, so no event between the two is lost.
        """
        user = current_user()
        task_id = _task_id(request.task_id)
        async with self._runtime.events.subscribe(user.id) as subscription:
            task = await self._task(task_id)
            yield task_message(task, current_locale())
            last = (task.status, task.progress)
            while task.status not in TaskStatus.FINAL:
                await _next_event_for(subscription, task_id)
                task = await self._task(task_id)
                if (task.status, task.progress) != last:
                    last = (task.status, task.progress)
                    yield task_message(task, current_locale())
        log.info("grpc.watch_ended", task_id=task_id, status=task.status)

    async def DownloadResult(
        self, request: pb.DownloadRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.DownloadChunk]:
        task = await self._task(request.task_id)
        if task.status != TaskStatus.COMPLETED or task.result_key is None:
            raise no_result_error(task.id, task.status)
        key = task.result_key
        storage = self._runtime.storage
        try:
            size = await asyncio.to_thread(storage.size, key)
        except FileNotFoundError as exc:
            raise ResultFileMissingError(task_id=task.id) from exc
        if not 0 <= request.offset <= size:
            raise InvalidOffsetError(offset=request.offset, size=size)
        content_type = RESULT_MEDIA_TYPES.get(key.rsplit(".", 1)[-1], "application/octet-stream")
        if request.offset == size:
            yield pb.DownloadChunk(offset=size, total_size=size, content_type=content_type)
            return

        offset = request.offset
        limit = self._runtime.settings.grpc_max_chunk_bytes
        blocks = await asyncio.to_thread(storage.open_range, key, offset, None)
        async for data in _rechunked(blocks, limit):
            yield pb.DownloadChunk(
                data=data,
                offset=offset,
                total_size=size,
                content_type=content_type if offset == request.offset else "",
            )
            offset += len(data)

    async def _task(self, task_id: str) -> Task:
        async with self._runtime.sessionmaker() as session:
            return await tasks.get_task(session, current_user(), _task_id(task_id))


def _task_id(value: str) -> str:
    if not _TASK_ID.fullmatch(value):
        raise InvalidTaskIdError(task_id=value[:80])
    return value


async def _next_event_for(subscription: Any, task_id: str) -> None:
    """Wait for an event of ``task_id``, or at most ``WATCH_POLL_SECONDS``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WATCH_POLL_SECONDS
    while (left := deadline - loop.time()) > 0:
        try:
            event = await asyncio.wait_for(anext(subscription), left)
        except TimeoutError:
            return
        if event.task_id == task_id:
            return


async def _rechunked(blocks: Iterator[bytes], limit: int) -> AsyncIterator[bytes]:
    """Yield the storage's blocks as pieces of at most ``limit`` bytes, reading in a thread."""
    buffer = bytearray()
    while True:
        block = await asyncio.to_thread(next, blocks, None)
        if block is None:
            break
        buffer += block
        while len(buffer) >= limit:
            yield bytes(buffer[:limit])
            del buffer[:limit]
    if buffer:
        yield bytes(buffer)


def _upload_response(current: chunks.ChunkState, locale: str) -> pb.UploadResponse:
    upload = current.upload
    ready = upload.status == "ready"
    return pb.UploadResponse(
        status="completed" if ready else "incomplete",
        message=localize(UPLOAD_MESSAGES["ready" if ready else "incomplete"], locale, {}),
        file_url=upload_file_url(upload.id) if ready else "",
        uploaded_chunks=len(current.received),
        total_chunks=current.total_chunks,
        upload_id=upload.id,
        missing_chunks=current.missing if not ready else [],
        sha256=upload.sha256 or "" if ready else "",
        size=upload.size if ready else 0,
    )
