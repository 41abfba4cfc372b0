"""REST endpoints of swap tasks: create, list, read, cancel, delete and the result."""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import APIRouter, Path, Query, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from vidswap.accounts.deps import CurrentUser
from vidswap.api.deps import LocaleDep, RuntimeDep, SessionDep
from vidswap.api.responses import error_responses
from vidswap.jobs import repository, service
from vidswap.jobs.errors import (
    ResultFileMissingError,
    TargetNotFoundError,
    TargetPreviewNotFoundError,
    TaskNotFoundError,
    no_result_error,
)
from vidswap.jobs.models import Task, TaskStatus
from vidswap.jobs.presenter import (
    result_url,
    target_preview_url,
    target_url,
    task_public,
    thumbnail_url,
)
from vidswap.jobs.schemas import TaskCreate, TaskCreated, TaskOut, TaskPage
from vidswap.media.download import stored_object_response
from vidswap.media.links import LinkSignerDep, MediaAccess, MediaAccessDep
from vidswap.media.models import Upload
from vidswap.runtime import Runtime

log = structlog.get_logger(__name__)
router = APIRouter(prefix="/tasks", tags=["tasks"])

# Video targets give an MP4; photo targets keep PNG or become JPEG.
RESULT_MEDIA_TYPES = {"mp4": "video/mp4", "png": "image/png", "jpg": "image/jpeg"}

TaskId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="The task_id that POST /api/v1/tasks returned.",
    ),
]
NOT_FOUND = "No task with this id belongs to the caller (`task_not_found`)."
NOT_READY = "The task is not completed yet (`result_not_ready`), or it failed, was cancelled or "
NOT_READY += "its result was deleted after the retention days (`result_unavailable`)."
FILE_MISSING = "No task with this id belongs to the caller (`task_not_found`), or its "
FILE_MISSING += "result file is missing from storage (`result_file_missing`)."
STORAGE_DOWN = "The storage is unavailable."
LINK_REJECTED = "The signed link is invalid (`link_invalid`) or expired (`link_expired`)."
# Paging bounds for the OpenAPI. The service enforces them, with 400 invalid_page.
PAGE_SIZE_BOUNDS = {"minimum": 1, "maximum": service.MAX_PAGE_SIZE}
PAGE_BOUNDS = {"minimum": 1, "maximum": service.MAX_PAGE}
DOWNLOAD_RESPONSES: dict[int | str, dict[str, object]] = {
    206: {"description": "The requested byte range."},
    302: {"description": "A signed URL of the object store (S3 storage)."},
    **error_responses(
        401,
        403,
        404,
        409,
        416,
        422,
        503,
        s403=LINK_REJECTED,
        s404=FILE_MISSING,
        s409=NOT_READY,
        s503=STORAGE_DOWN,
    ),
}
MEDIA_DESCRIPTION = (
    "Send the Bearer header, or use the signed link from the task JSON as it is: its "
    "`user`, `expires` and `signature` parameters authorize the request until it expires."
)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=TaskCreated,
    summary="Create a swap task and hold its Energy",
    responses=error_responses(
        400,
        402,
        403,
        404,
        409,
        422,
        503,
        s400="`consent_required`, `invalid_media_url`, `invalid_option` or "
        "`wrong_upload_kind`; `message` names the field and the value.",
        s402="The available Energy is below the task's cost (`insufficient_energy`).",
        s403="The task goes over a limit of the caller's plan (`plan_limit`): video length, "
        "resolution, tasks at a time, tasks per 24 hours, or label removal.",
        s404="No upload of the caller is at image_url, video_url or reference_url "
        "(`upload_not_found`).",
        s409="An upload is not complete yet (`upload_not_ready`).",
        s503="The database or the storage is unavailable.",
    ),
)
async def create_task(
    body: TaskCreate, user: CurrentUser, runtime: RuntimeDep, locale: LocaleDep
) -> dict[str, object]:
    task = await service.create_task(runtime, user, body, locale)
    return {"task_id": task.id, "status": task.status, "progress": task.progress}


@router.get(
    "",
    response_model=TaskPage,
    summary="List your tasks, newest first",
    responses=error_responses(
        400,
        422,
        s400="A paging parameter is out of range or the cursor is invalid (`invalid_page`).",
    ),
)
async def list_tasks(
    user: CurrentUser,
    session: SessionDep,
    locale: LocaleDep,
    links: LinkSignerDep,
    limit: Annotated[
        int | None,
        Query(
            description=f"Page size, 1-{service.MAX_PAGE_SIZE} (default 20).",
            json_schema_extra=PAGE_SIZE_BOUNDS,
        ),
    ] = None,
    cursor: Annotated[
        str | None,
        Query(
            description="next_cursor of the previous page, unchanged.",
            json_schema_extra={"maxLength": service.MAX_CURSOR_LENGTH},
        ),
    ] = None,
    page: Annotated[
        int | None,
        Query(
            description=f"Page number from 1 to {service.MAX_PAGE}, instead of a cursor; "
            "follow next_cursor for deeper pages.",
            json_schema_extra=PAGE_BOUNDS,
        ),
    ] = None,
    page_size: Annotated[
        int | None,
        Query(
            description=f"Page size with page, 1-{service.MAX_PAGE_SIZE}.",
            json_schema_extra=PAGE_SIZE_BOUNDS,
        ),
    ] = None,
) -> dict[str, object]:
    tasks, next_cursor, page_number, size = await service.list_tasks(
        session, user, limit=limit, cursor=cursor, page=page, page_size=page_size
    )
    return service.public_page(tasks, locale, next_cursor, page_number, size, links)


@router.get(
    "/{task_id}",
    response_model=TaskOut,
    summary="Read one task",
    responses=error_responses(404, 422, s404=NOT_FOUND),
)
async def get_task(
    task_id: TaskId, user: CurrentUser, session: SessionDep, locale: LocaleDep, links: LinkSignerDep
) -> dict[str, object]:
    return task_public(await service.get_task(session, user, task_id), locale, links)


@router.post(
    "/{task_id}/cancel",
    response_model=TaskOut,
    summary="Cancel a task",
    responses=error_responses(
        404,
        409,
        422,
        s404=NOT_FOUND,
        s409="The task is already completed, failed or cancelled (`task_finished`).",
    ),
)
async def cancel_task(
    task_id: TaskId, user: CurrentUser, runtime: RuntimeDep, locale: LocaleDep, links: LinkSignerDep
) -> dict[str, object]:
    """Cancel a pending task at once, or ask the worker to stop a processing one.

    A processing task keeps the status ``processing`` until its worker has stopped,
    which takes a few seconds; then it becomes ``cancelled``.
    """
    return task_public(await service.cancel_task(runtime, user, task_id), locale, links)


@router.delete(
    "/{task_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a task and its files",
    responses=error_responses(404, 422, 503, s404=NOT_FOUND, s503=STORAGE_DOWN),
)
async def delete_task(task_id: TaskId, user: CurrentUser, runtime: RuntimeDep) -> Response:
    await service.delete_task(runtime, user, task_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{task_id}/result",
    summary="Download the result video (Range requests) or follow a redirect to it",
    description=MEDIA_DESCRIPTION,
    response_class=Response,
    responses={
        200: {
            "description": "The whole result: MP4 for a video target, PNG or JPEG for a photo.",
            "content": {media_type: {} for media_type in RESULT_MEDIA_TYPES.values()},
        },
        **DOWNLOAD_RESPONSES,
    },
)
async def get_result(
    task_id: TaskId,
    request: Request,
    access: MediaAccessDep,
    session: SessionDep,
    runtime: RuntimeDep,
) -> Response:
    task = await _media_task(access, runtime, session, task_id, result_url(task_id))
    if task.status != TaskStatus.COMPLETED or task.result_key is None:
        raise no_result_error(task_id, task.status)
    extension = task.result_key.rsplit(".", 1)[-1]
    media_type = RESULT_MEDIA_TYPES.get(extension, "application/octet-stream")
    return await _stored_file_response(
        request,
        runtime,
        task,
        task.result_key,
        f"vidswap-{task_id}.{extension}",
        media_type,
        disposition="attachment",
        # A result is written once, before the task completes, so this names one version.
        etag=f"{task_id}-{task.result_size}",
    )


@router.get(
    "/{task_id}/thumbnail",
    summary="Download the result's JPEG thumbnail",
    description=MEDIA_DESCRIPTION,
    response_class=Response,
    responses={
        200: {"description": "The JPEG thumbnail.", "content": {"image/jpeg": {}}},
        **DOWNLOAD_RESPONSES,
    },
)
async def get_thumbnail(
    task_id: TaskId,
    request: Request,
    access: MediaAccessDep,
    session: SessionDep,
    runtime: RuntimeDep,
) -> Response:
    task = await _media_task(access, runtime, session, task_id, thumbnail_url(task_id))
    if task.status != TaskStatus.COMPLETED or task.thumbnail_key is None:
        raise no_result_error(task_id, task.status)
    return await _stored_file_response(
        request,
        runtime,
        task,
        task.thumbnail_key,
        f"vidswap-{task_id}.jpg",
        "image/jpeg",
        disposition="inline",
    )


@router.get(
    "/{task_id}/target",
    summary="Download the task's original target video or photo (Range requests)",
    description=MEDIA_DESCRIPTION + " Clients show it next to the result (before and after).",
    response_class=Response,
    responses={
        200: {"description": "The target file as it was uploaded."},
        **error_responses(
            401,
            403,
            404,
            416,
            422,
            503,
            s403=LINK_REJECTED,
            s404="No task with this id belongs to the caller (`task_not_found`), or its "
            "target upload is no longer stored (`target_not_found`).",
            s503=STORAGE_DOWN,
        ),
        302: DOWNLOAD_RESPONSES[302],
        206: DOWNLOAD_RESPONSES[206],
    },
)
async def get_target(
    task_id: TaskId,
    request: Request,
    access: MediaAccessDep,
    session: SessionDep,
    runtime: RuntimeDep,
) -> Response:
    task = await _media_task(access, runtime, session, task_id, target_url(task_id))
    upload = await session.get(Upload, task.video_upload_id) if task.video_upload_id else None
    # End the read so the connection returns to the pool while the file streams.
    await session.commit()
    if upload is None or upload.storage_key is None:
        raise TargetNotFoundError(task_id=task_id)
    extension = upload.storage_key.rsplit(".", 1)[-1]
    try:
        return await stored_object_response(
            request,
            runtime.storage,
            upload.storage_key,
            upload.filename or f"vidswap-{task_id}-original.{extension}",
            upload.content_type or "application/octet-stream",
            disposition="inline",
            etag=f"{upload.id}-{upload.size}",
            signed_url_seconds=runtime.settings.signed_url_seconds,
        )
    except FileNotFoundError as exc:
        log.warning("task.target_file_missing", task_id=task_id, key=upload.storage_key)
        raise TargetNotFoundError(task_id=task_id) from exc


@router.get(
    "/{task_id}/target-preview",
    summary="Download the H.264 MP4 copy of the original target video (Range requests)",
    description=MEDIA_DESCRIPTION + " The task JSON links it as target_preview_url when "
    "browsers cannot play the original, so clients show it in place of the target.",
    response_class=Response,
    responses={
        200: {"description": "The whole MP4 copy.", "content": {"video/mp4": {}}},
        **error_responses(
            401,
            403,
            404,
            416,
            422,
            503,
            s403=LINK_REJECTED,
            s404="No task with this id belongs to the caller (`task_not_found`), or the "
            "task has no copy of its target, or no longer has one "
            "(`target_preview_not_found`).",
            s503=STORAGE_DOWN,
        ),
        302: DOWNLOAD_RESPONSES[302],
        206: DOWNLOAD_RESPONSES[206],
    },
)
async def get_target_preview(
    task_id: TaskId,
    request: Request,
    access: MediaAccessDep,
    session: SessionDep,
    runtime: RuntimeDep,
) -> Response:
    task = await _media_task(access, runtime, session, task_id, target_preview_url(task_id))
    key = task.target_preview_key
    # End the read so the connection returns to the pool while the file streams.
    await session.commit()
    if task.status != TaskStatus.COMPLETED or key is None:
        raise TargetPreviewNotFoundError(task_id=task_id)
    try:
        return await stored_object_response(
            request,
            runtime.storage,
            key,
            f"vidswap-{task_id}-original.mp4",
            "video/mp4",
            disposition="inline",
            signed_url_seconds=runtime.settings.signed_url_seconds,
        )
    except FileNotFoundError as exc:
        log.warning("task.target_preview_file_missing", task_id=task_id, key=key)
        raise TargetPreviewNotFoundError(task_id=task_id) from exc


async def _media_task(
    access: MediaAccess, runtime: Runtime, session: AsyncSession, task_id: str, path: str
) -> Task:
    """Return the caller's task ``task_id``, authorized by a link to ``path`` or a token."""
    user_id = await access.user_id(runtime, session, path)
    task = await repository.get_user_task(session, user_id, task_id)
    if task is None:
        raise TaskNotFoundError(task_id=task_id)
    return task


async def _stored_file_response(
    request: Request,
    runtime: Runtime,
    task: Task,
    key: str,
    filename: str,
    media_type: str,
    *,
    disposition: str,
    etag: str | None = None,
) -> Response:
    try:
        return await stored_object_response(
            request,
            runtime.storage,
            key,
            filename,
            media_type,
            disposition=disposition,
            etag=etag,
            signed_url_seconds=runtime.settings.signed_url_seconds,
        )
    except FileNotFoundError as exc:
        log.warning("task.result_file_missing", task_id=task.id, key=key)
        raise ResultFileMissingError(task_id=task.id) from exc
