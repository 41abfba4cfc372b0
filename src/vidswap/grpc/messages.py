"""Conversions between stored rows and VideoService messages."""

from __future__ import annotations

from vidswap.grpc.chunks import ChunkState
from vidswap.grpc.generated import video_service_pb2 as pb
from vidswap.jobs.models import Task
from vidswap.jobs.presenter import task_public
from vidswap.media.keys import upload_file_url


def task_message(task: Task, locale: str) -> pb.TaskResponse:
    """Return the task as ``GET /api/v1/tasks/{id}`` shows it, with unset values as zero or ''."""
    public = task_public(task, locale)
    return pb.TaskResponse(
        task_id=task.id,
        status=task.status,
        progress=task.progress,
        result_url=public["result_url"] or "",
        error_message=public["error_message"] or "",
        error_code=task.error_code or "",
        energy_cost=task.energy_cost,
        duration_seconds=task.duration_seconds or 0.0,
        eta_seconds=task.eta_seconds or 0.0,
        created_at=public["created_at"],
        updated_at=public["updated_at"],
        result_size=task.result_size or 0 if public["result_url"] else 0,
        target_preview_url=public["target_preview_url"] or "",
        notices=[pb.TaskNotice(**notice) for notice in public["notices"]],
    )


def upload_status(current: ChunkState, locale: str) -> pb.UploadStatus:
    upload = current.upload
    error = upload.error or {}
    messages = error.get("messages") or {}
    return pb.UploadStatus(
        upload_id=upload.id,
        status=upload.status,
        total_chunks=current.total_chunks,
        received_chunks=current.received,
        missing_chunks=current.missing if upload.status == "uploading" else [],
        file_url=upload_file_url(upload.id) if upload.status == "ready" else "",
        error_message=messages.get(locale) or messages.get("en") or "",
        error_code=error.get("code") or "",
    )
