"""REST endpoints of swap tasks: create, list, read, cancel, delete and the result."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from vidswap.accounts.deps import CurrentUser
from vidswap.api.deps import LocaleDep, RuntimeDep, SessionDep
from vidswap.jobs import service
from vidswap.jobs.errors import ResultNotReadyError
from vidswap.jobs.models import TaskStatus
from vidswap.jobs.presenter import task_public
from vidswap.jobs.schemas import TaskCreate, TaskCreated, TaskOut, TaskPage
from vidswap.media.download import stored_object_response

router = APIRouter(prefix="/tasks", tags=["tasks"])

# Video targets give an MP4; photo targets keep PNG or become JPEG.
RESULT_MEDIA_TYPES = {"mp4": "video/mp4", "png": "image/png", "jpg": "image/jpeg"}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=TaskCreated,
    summary="Create a swap task and charge its Energy",
)
async def create_task(
    body: TaskCreate, user: CurrentUser, runtime: RuntimeDep, locale: LocaleDep
) -> dict[str, object]:
    task = await service.create_task(runtime, user, body, locale)
    return {"task_id": task.id, "status": task.status, "progress": task.progress}


@router.get("", response_model=TaskPage, summary="List your tasks, newest first")
async def list_tasks(
    user: CurrentUser,
    session: SessionDep,
    locale: LocaleDep,
    limit: Annotated[int | None, Query(description="Page size, 1-100 (default 20).")] = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page.")] = None,
    page: Annotated[
        int | None, Query(description="Page number from 1, instead of a cursor.")
    ] = None,
    page_size: Annotated[int | None, Query(description="Page size with page, 1-100.")] = None,
) -> dict[str, object]:
    tasks, next_cursor, page_number, size = await service.list_tasks(
        session, user, limit=limit, cursor=cursor, page=page, page_size=page_size
    )
    return service.public_page(tasks, locale, next_cursor, page_number, size)


@router.get("/{task_id}", response_model=TaskOut, summary="Read one task")
async def get_task(
    task_id: str, user: CurrentUser, session: SessionDep, locale: LocaleDep
) -> dict[str, object]:
    return task_public(await service.get_task(session, user, task_id), locale)


@router.post("/{task_id}/cancel", response_model=TaskOut, summary="Cancel a task")
async def cancel_task(
    task_id: str, user: CurrentUser, runtime: RuntimeDep, locale: LocaleDep
) -> dict[str, object]:
    """Cancel a pending task at once, or ask the worker to stop a processing one.

    A processing task keeps the status ``processing`` until its worker has stopped,
    which takes a few seconds; then it becomes ``cancelled``.
    """
    return task_public(await service.cancel_task(runtime, user, task_id), locale)


@router.delete(
    "/{task_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a task and its files"
)
async def delete_task(task_id: str, user: CurrentUser, runtime: RuntimeDep) -> Response:
    await service.delete_task(runtime, user, task_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{task_id}/result",
    summary="Download the result video (Range requests) or follow a redirect to it",
    response_class=Response,
)
async def get_result(
    task_id: str, request: Request, user: CurrentUser, session: SessionDep, runtime: RuntimeDep
) -> Response:
    task = await service.get_task(session, user, task_id)
    if task.status != TaskStatus.COMPLETED or task.result_key is None:
        raise ResultNotReadyError(task_id=task_id, status=task.status)
    extension = task.result_key.rsplit(".", 1)[-1]
    media_type = RESULT_MEDIA_TYPES.get(extension, "application/octet-stream")
    return await stored_object_response(
        request,
        runtime.storage,
        task.result_key,
        f"vidswap-{task_id}.{extension}",
        media_type,
        # A result is written once, before the task completes, so this names one version.
        etag=f"{task_id}-{task.result_size}",
        signed_url_seconds=runtime.settings.signed_url_seconds,
    )


@router.get(
    "/{task_id}/thumbnail", summary="Download the result's JPEG thumbnail", response_class=Response
)
async def get_thumbnail(
    task_id: str, request: Request, user: CurrentUser, session: SessionDep, runtime: RuntimeDep
) -> Response:
    task = await service.get_task(session, user, task_id)
    if task.status != TaskStatus.COMPLETED or task.thumbnail_key is None:
        raise ResultNotReadyError(task_id=task_id, status=task.status)
    return await stored_object_response(
        request,
        runtime.storage,
        task.thumbnail_key,
        f"vidswap-{task_id}.jpg",
        "image/jpeg",
        disposition="inline",
        signed_url_seconds=runtime.settings.signed_url_seconds,
    )
