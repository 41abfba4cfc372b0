"""A synchronous client of the VideoService: resumable uploads, tasks and downloads.

    with VideoClient("127.0.0.1:50051", token) as client:
        image = client.upload(Path("face.jpg"), "image")
        video = client.upload(Path("clip.mp4"), "video", chunk_size=1024 * 1024)
        task = client.create_task(image.file_url, video.file_url, consent=True)
        for update in client.watch(task.task_id):
            ...
        client.download(task.task_id, Path("out.mp4"))

Several targets (``"127.0.0.1:50051,127.0.0.1:50052"`` or a list) or a
``dns:///host:port`` name spread the calls over all the servers with gRPC's
``round_robin`` policy. Every server must then share one database and one storage.
A broken upload resumes on another server only when that server can read the
chunks already sent (``<data dir>/tmp/chunks``), as docs/grpc-client.md explains.
Failed calls raise the VidswapError subclasses of ``vidswap.grpc.client_errors``.
"""

from __future__ import annotations

import hashlib
import ipaddress
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import grpc
import structlog

from vidswap.grpc.client_errors import (
    RETRYABLE,
    GrpcServerUnavailableError,
    RemoteUnavailableError,
    translate,
)
from vidswap.grpc.generated import video_service_pb2 as pb
from vidswap.grpc.generated import video_service_pb2_grpc as pb_grpc
from vidswap.kit.errors import BadInputError, InternalError

log = structlog.get_logger(__name__)

MiB = 1024 * 1024
DEFAULT_CHUNK_BYTES = MiB
# The server's default limit per chunk (grpc_max_chunk_bytes); a server may set a lower one.
MAX_CHUNK_BYTES = 4 * MiB
UPLOAD_ID_KEY = "vidswap-upload-id"
# Download chunks are at most the server's grpc_max_chunk_bytes plus the message fields.
MAX_RECEIVE_BYTES = 64 * MiB
FINAL_STATUSES = frozenset({"completed", "failed", "cancelled"})

# progress(done_bytes, total_bytes)
ByteProgress = Callable[[int, int], None]
# Output file extensions that fit each content type that DownloadResult sends.
DOWNLOAD_EXTENSIONS = {
    "video/mp4": (".mp4", ".m4v"),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
}


class InvalidChunkSizeError(BadInputError):
    code = "upload_invalid_chunk_size"
    messages = {
        "en": "Chunk size {chunk_size} bytes is invalid. Choose from 1 byte to {limit} bytes (4 MiB).",
        "zh-CN": "数据块大小 {chunk_size} 字节无效。请选择 1 到 {limit} 字节（4 MiB）之间的值。",
    }


class UploadFileError(BadInputError):
    code = "upload_file_unreadable"
    messages = {
        "en": "Cannot read {path} ({detail}). Check the path and its permissions.",
        "zh-CN": "无法读取 {path}（{detail}）。请检查路径及其权限。",
    }


class EmptyUploadFileError(BadInputError):
    code = "upload_file_empty"
    messages = {
        "en": "{path} is empty. Upload a photo or video file.",
        "zh-CN": "{path} 是空文件。请上传照片或视频文件。",
    }


class ResumeMismatchError(BadInputError):
    code = "upload_resume_mismatch"
    messages = {
        "en": "Upload {upload_id} was started with {expected} chunks, but {path} at chunk size {chunk_size} bytes has {total} chunks. Resume with the file and chunk size it was started with.",
        "zh-CN": "上传 {upload_id} 开始时共 {expected} 个数据块，而 {path} 按 {chunk_size} 字节分块共有 {total} 块。请使用开始时的文件和数据块大小继续上传。",
    }


class UploadRejectedError(BadInputError):
    code = "upload_failed"
    messages = {
        "en": "Upload {upload_id} was rejected: {detail}",
        "zh-CN": "上传 {upload_id} 被拒绝：{detail}",
    }


class UploadIncompleteError(InternalError):
    code = "upload_incomplete"
    messages = {
        "en": "Upload {upload_id} still misses {missing} chunk(s) after {attempts} attempts. Run the upload again with --upload-id {upload_id} to send only the missing chunks.",
        "zh-CN": "上传 {upload_id} 尝试 {attempts} 次后仍缺少 {missing} 个数据块。请用 --upload-id {upload_id} 再次上传，只发送缺少的数据块。",
    }


class DownloadFileError(BadInputError):
    code = "download_file_unwritable"
    messages = {
        "en": "Cannot write {path} ({detail}). Check the folder and its permissions.",
        "zh-CN": "无法写入 {path}（{detail}）。请检查文件夹及其权限。",
    }


class DownloadExtensionError(BadInputError):
    code = "download_bad_extension"
    messages = {
        "en": "The result of task {task_id} is {content_type}, which does not fit {path}. Use one of these extensions for the output file: {allowed}.",
        "zh-CN": "任务 {task_id} 的结果是 {content_type}，与 {path} 不符。请为输出文件使用以下扩展名之一：{allowed}。",
    }


class InvalidTargetError(BadInputError):
    code = "grpc_invalid_target"
    messages = {
        "en": "Server address {target!r} is invalid. Send host:port, a comma-separated list of IPv4 host:port, or dns:///host:port.",
        "zh-CN": "服务地址 {target!r} 无效。请使用 host:port、以逗号分隔的 IPv4 host:port 列表，或 dns:///host:port。",
    }


@dataclass(frozen=True)
class UploadResult:
    upload_id: str
    file_url: str
    sha256: str
    size: int
    # Chunks this call sent; fewer than total_chunks when it resumed an upload.
    chunks_sent: int
    total_chunks: int


def channel_target(targets: str | Sequence[str]) -> tuple[str, bool]:
    """Return the gRPC target name for ``targets`` and whether it needs round_robin.

    One ``host:port`` stays as it is. Several ``IPv4:port`` addresses, as a list
    or comma-separated, become one ``ipv4:a:p,b:q`` target. A name with a
    scheme (``dns:///host:port``, ``ipv4:...``) passes through and gets
    round_robin, because it may resolve to several addresses.
    """
    parts = [targets] if isinstance(targets, str) else list(targets)
    addresses = [piece.strip() for part in parts for piece in part.split(",") if piece.strip()]
    if not addresses:
        raise InvalidTargetError(target=",".join(parts))
    if len(addresses) == 1:
        address = addresses[0]
        return address, ":///" in address or address.startswith(("ipv4:", "ipv6:"))
    for address in addresses:
        host, _, port = address.rpartition(":")
        try:
            ipaddress.IPv4Address(host)
        except ValueError as exc:
            raise InvalidTargetError(target=address) from exc
        if not port.isdigit():
            raise InvalidTargetError(target=address)
    return "ipv4:" + ",".join(addresses), True


class VideoClient:
    """A channel to one or more VideoService servers, and the calls of a signed-in user.

    ``token`` is the access_token of the REST sign-in. ``tls`` is None for a
    plaintext channel, or the channel credentials, e.g.
    ``grpc.ssl_channel_credentials(root_certificates=ca_pem)``. ``locale``
    (en or zh-CN) is the language of the server's error messages.
    """

    def __init__(
        self,
        target: str | Sequence[str],
        token: str,
        *,
        tls: grpc.ChannelCredentials | None = None,
        locale: str | None = None,
        retries: int = 3,
        retry_seconds: float = 0.5,
    ) -> None:
        name, balanced = channel_target(target)
        self.target = name
        self.retries = retries
        self.retry_seconds = retry_seconds
        options: list[tuple[str, Any]] = [
            ("grpc.max_receive_message_length", MAX_RECEIVE_BYTES),
            ("grpc.max_send_message_length", MAX_RECEIVE_BYTES),
        ]
        if balanced:
            options.append(("grpc.lb_policy_name", "round_robin"))
        if tls is None:
            self._channel = grpc.insecure_channel(name, options=options)
        else:
            self._channel = grpc.secure_channel(name, tls, options=options)
        self._stub = pb_grpc.VideoServiceStub(self._channel)
        self._metadata: tuple[tuple[str, str], ...] = (
            ("authorization", f"Bearer {token}"),
            ("accept-language", locale or "en"),
        )

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> VideoClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # Uploads

    def upload(
        self,
        path: Path,
        kind: str = "video",
        chunk_size: int = DEFAULT_CHUNK_BYTES,
        *,
        upload_id: str | None = None,
        progress: ByteProgress | None = None,
    ) -> UploadResult:
        """Upload ``path`` in chunks and return its file_url once the server has checked it.

        With ``upload_id`` it continues that upload and sends only the chunks the
        server lacks. When the stream breaks it calls GetUploadStatus and sends the
        missing chunks again, up to ``retries`` times. The SHA-256 of the file
        goes with the upload, so the server rejects a file that arrived altered.
        """
        if not 0 < chunk_size <= MAX_CHUNK_BYTES:
            raise InvalidChunkSizeError(chunk_size=chunk_size, limit=MAX_CHUNK_BYTES)
        size, digest = _file_digest(path)
        total = -(-size // chunk_size)
        missing = list(range(total))
        if upload_id is not None:
            status = self._upload_status(upload_id)
            if status.status == "ready":
                return _result_from_status(status, digest, size, 0)
            if status.total_chunks != total:
                raise ResumeMismatchError(
                    upload_id=upload_id,
                    expected=status.total_chunks,
                    path=path,
                    chunk_size=chunk_size,
                    total=total,
                )
            missing = list(status.missing_chunks)

        sent = _SentCounter(size - _bytes_of(missing, size, chunk_size), size, progress)
        for attempt in range(1, self.retries + 2):
            messages = _upload_messages(path, kind, chunk_size, total, digest, missing, upload_id)
            try:
                response = self._stub.UploadVideo(sent.counting(messages), metadata=self._metadata)
            except grpc.RpcError as error:
                upload_id = upload_id or _initial_upload_id(error)
                if error.code() not in RETRYABLE or upload_id is None or attempt > self.retries:
                    raise translate(error, self.target) from error
                log.warning(
                    "grpc_client.upload_retry",
                    upload_id=upload_id,
                    attempt=attempt,
                    status=error.code().name,
                )
                time.sleep(self.retry_seconds * attempt)
                try:
                    status = self._upload_status(upload_id)
                except (GrpcServerUnavailableError, RemoteUnavailableError):
                    # Still unreachable: send the same chunks again in the next attempt.
                    continue
                if status.status == "ready":
                    return _result_from_status(status, digest, size, sent.chunks)
                missing = list(status.missing_chunks)
                sent.reset(size - _bytes_of(missing, size, chunk_size))
                continue
            upload_id = response.upload_id
            if response.status == "completed":
                return UploadResult(
                    upload_id=response.upload_id,
                    file_url=response.file_url,
                    sha256=response.sha256,
                    size=response.size,
                    chunks_sent=sent.chunks,
                    total_chunks=total,
                )
            missing = list(response.missing_chunks)
        raise UploadIncompleteError(
            upload_id=upload_id, missing=len(missing), attempts=self.retries + 1
        )

    def upload_status(self, upload_id: str) -> pb.UploadStatus:
        return self._upload_status(upload_id)

    def _upload_status(self, upload_id: str) -> pb.UploadStatus:
        status = self._call(self._stub.GetUploadStatus, pb.UploadStatusRequest(upload_id=upload_id))
        if status.status == "failed":
            raise UploadRejectedError(upload_id=upload_id, detail=status.error_message)
        return status

    # Tasks

    def create_task(
        self,
        image_url: str,
        video_url: str,
        consent: bool = True,
        options: Mapping[str, Any] | None = None,
    ) -> pb.TaskResponse:
        """Create a swap task; ``options`` takes faces, reference_url, quality and label."""
        request = pb.CreateTaskRequest(image_url=image_url, video_url=video_url, consent=consent)
        for key, value in (options or {}).items():
            if value is not None:
                setattr(request, key, value)
        return self._call(self._stub.CreateTask, request)

    def get_task(self, task_id: str) -> pb.TaskResponse:
        return self._call(self._stub.GetTaskStatus, pb.TaskStatusRequest(task_id=task_id))

    def cancel(self, task_id: str) -> pb.TaskResponse:
        return self._call(self._stub.CancelTask, pb.TaskStatusRequest(task_id=task_id))

    def list_tasks(self, page_size: int = 20, limit: int | None = None) -> list[pb.TaskResponse]:
        """Return the caller's tasks, newest first, following the cursor over all pages."""
        found: list[pb.TaskResponse] = []
        cursor = ""
        while limit is None or len(found) < limit:
            page = self._call(
                self._stub.ListTasks, pb.ListTasksRequest(page_size=page_size, cursor=cursor)
            )
            found.extend(page.tasks)
            cursor = page.next_cursor
            if not cursor:
                break
        return found if limit is None else found[:limit]

    def watch(self, task_id: str) -> Iterator[pb.TaskResponse]:
        """Yield the task now and after every change, until it is completed, failed or cancelled.

        A broken stream is opened again (up to ``retries`` times in a row); the
        server then sends the current state first.
        """
        failures = 0
        while True:
            last: pb.TaskResponse | None = None
            try:
                for update in self._stub.WatchTask(
                    pb.TaskStatusRequest(task_id=task_id), metadata=self._metadata
                ):
                    failures = 0
                    last = update
                    yield update
            except grpc.RpcError as error:
                failures += 1
                if error.code() not in RETRYABLE or failures > self.retries:
                    raise translate(error, self.target) from error
                log.warning("grpc_client.watch_retry", task_id=task_id, attempt=failures)
                time.sleep(self.retry_seconds * failures)
                continue
            if last is None or last.status in FINAL_STATUSES:
                return

    def download(self, task_id: str, path: Path, progress: ByteProgress | None = None) -> Path:
        """Write the result of a completed task to ``path`` and return it.

        An existing file at ``path`` is taken as the start of the result, so an
        interrupted download continues from its size. A broken stream does the same.
        Raises ``DownloadExtensionError``, before writing anything, when the extension
        of ``path`` does not fit the result's content type (``DOWNLOAD_EXTENSIONS``).
        """
        failures = 0
        while True:
            offset = path.stat().st_size if path.exists() else 0
            try:
                self._download_from(task_id, path, offset, progress)
                return path
            except grpc.RpcError as error:
                failures += 1
                if error.code() not in RETRYABLE or failures > self.retries:
                    raise translate(error, self.target) from error
                resume_offset = path.stat().st_size if path.exists() else 0
                log.warning(
                    "grpc_client.download_retry",
                    task_id=task_id,
                    attempt=failures,
                    offset=resume_offset,
                    status=error.code().name,
                )
                time.sleep(self.retry_seconds * failures)

    def _download_from(
        self, task_id: str, path: Path, offset: int, progress: ByteProgress | None
    ) -> None:
        """Append the result from ``offset``.

        The file is opened only when the first chunk arrives, so a task that has no
        result yet leaves no empty file behind.
        """
        request = pb.DownloadRequest(task_id=task_id, offset=offset)
        stream = self._stub.DownloadResult(request, metadata=self._metadata)
        output: BinaryIO | None = None
        try:
            for chunk in stream:
                if output is None:
                    _check_extension(task_id, path, chunk.content_type)
                    output = _open_output(path)
                if chunk.offset != output.tell():
                    raise InternalError(
                        detail=f"chunk at offset {chunk.offset}, expected {output.tell()}"
                    )
                try:
                    output.write(chunk.data)
                except OSError as exc:
                    raise DownloadFileError(path=path, detail=_os_detail(exc)) from exc
                if progress is not None:
                    progress(output.tell(), chunk.total_size)
        finally:
            # Cancelling makes the server stop sending when this ends early. After the
            # stream's end it does nothing.
            stream.cancel()
            if output is not None:
                output.close()

    def _call(self, method: Any, request: Any) -> Any:
        try:
            return method(request, metadata=self._metadata)
        except grpc.RpcError as error:
            raise translate(error, self.target) from error


class _SentCounter:
    """Bytes and chunks sent by an upload, reported to a progress callback."""

    def __init__(self, done: int, total: int, progress: ByteProgress | None) -> None:
        self.done = done
        self.total = total
        self.chunks = 0
        self._progress = progress
        self.reset(done)

    def reset(self, done: int) -> None:
        self.done = done
        if self._progress is not None:
            self._progress(done, self.total)

    def counting(self, messages: Iterator[pb.UploadRequest]) -> Iterator[pb.UploadRequest]:
        for message in messages:
            yield message
            self.chunks += 1
            self.done = min(self.total, self.done + len(message.chunk))
            if self._progress is not None:
                self._progress(self.done, self.total)


def _upload_messages(
    path: Path,
    kind: str,
    chunk_size: int,
    total: int,
    digest: str,
    indexes: list[int],
    upload_id: str | None,
) -> Iterator[pb.UploadRequest]:
    """Yield one UploadRequest per chunk index, reading each chunk from the file."""
    with path.open("rb") as source:
        for index in indexes:
            source.seek(index * chunk_size)
            yield pb.UploadRequest(
                upload_id=upload_id or "",
                file_name=path.name,
                file_type=kind,
                chunk=source.read(chunk_size),
                chunk_index=index,
                total_chunks=total,
                sha256=digest,
            )


def _check_extension(task_id: str, path: Path, content_type: str) -> None:
    """Raise ``DownloadExtensionError`` unless ``path`` has an extension for ``content_type``.

    A content type missing from ``DOWNLOAD_EXTENSIONS`` (an older or newer server) is
    not checked.
    """
    allowed = DOWNLOAD_EXTENSIONS.get(content_type)
    if allowed is None or path.suffix.lower() in allowed:
        return
    raise DownloadExtensionError(
        task_id=task_id, content_type=content_type, path=path, allowed=", ".join(allowed)
    )


def _open_output(path: Path) -> BinaryIO:
    try:
        return path.open("ab")
    except OSError as exc:
        raise DownloadFileError(path=path, detail=_os_detail(exc)) from exc


def _os_detail(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _file_digest(path: Path) -> tuple[int, str]:
    """Return the size and the hex SHA-256 of ``path``."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as source:
            while block := source.read(MiB):
                digest.update(block)
    except OSError as exc:
        raise UploadFileError(path=path, detail=_os_detail(exc)) from exc
    size = path.stat().st_size
    if size == 0:
        raise EmptyUploadFileError(path=path)
    return size, digest.hexdigest()


def _bytes_of(indexes: list[int], size: int, chunk_size: int) -> int:
    """Return the bytes in the chunks ``indexes``; only the last chunk may be shorter."""
    return sum(min(chunk_size, size - index * chunk_size) for index in indexes)


def _initial_upload_id(error: grpc.RpcError) -> str | None:
    """Return the upload id the server sent before the stream broke, if it got that far."""
    metadata = error.initial_metadata() if isinstance(error, grpc.Call) else None
    for key, value in metadata or ():
        if key == UPLOAD_ID_KEY:
            return str(value)
    return None


def _result_from_status(
    status: pb.UploadStatus, digest: str, size: int, chunks_sent: int
) -> UploadResult:
    return UploadResult(
        upload_id=status.upload_id,
        file_url=status.file_url,
        sha256=digest,
        size=size,
        chunks_sent=chunks_sent,
        total_chunks=status.total_chunks,
    )
