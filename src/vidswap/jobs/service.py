"""Task use cases: create, read, cancel and delete, with their Energy charges and refunds."""

from __future__ import annotations

import asyncio
import base64
import math
import re
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from vidswap.accounts.errors import InvalidTokenError
from vidswap.accounts.models import User
from vidswap.billing import ledger
from vidswap.billing.benefits import TaskRequest, check_new_task
from vidswap.jobs import repository
from vidswap.jobs.consent import consent_statement
from vidswap.jobs.errors import (
    ConsentRequiredError,
    InvalidPageError,
    TaskFinishedError,
    TaskNotFoundError,
)
from vidswap.jobs.models import Task, TaskStatus
from vidswap.jobs.options import validate_options
from vidswap.jobs.presenter import task_public
from vidswap.jobs.schemas import TaskCreate
from vidswap.jobs.uploads import require_face, resolve_upload, video_duration
from vidswap.kit.clock import utcnow
from vidswap.kit.db import new_id
from vidswap.kit.errors import VidswapError
from vidswap.media import keys
from vidswap.media.links import LinkSigner
from vidswap.notifications.bus import Event
from vidswap.runtime import Runtime

log = structlog.get_logger(__name__)

MAX_PAGE_SIZE = 100
# Keeps OFFSET far below the 64-bit limit of SQLite and PostgreSQL. Deeper pages need the cursor.
MAX_PAGE = 1_000_000
# A cursor encodes an ISO timestamp and a task id, well under this length.
MAX_CURSOR_LENGTH = 200
_TASK_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def energy_cost(duration_seconds: float | None, energy_per_second: float) -> int:
    """Energy for one task: per started second of video, 1 for a photo, at least 1."""
    if duration_seconds is None:
        return 1
    return max(1, math.ceil(duration_seconds * energy_per_second))


async def create_task(runtime: Runtime, user: User, body: TaskCreate, locale: str) -> Task:
    """Check the request against the user's level, store the task and hold its Energy
    in one transaction, then enqueue it. A failed enqueue leaves the task pending for
    the reaper."""
    if body.consent is not True:
        raise ConsentRequiredError(statement=consent_statement(locale))
    options = validate_options(body.options)

    async with runtime.sessionmaker() as session:
        image = await resolve_upload(session, user.id, "image_url", body.image_url, ("image",))
        target = await resolve_upload(
            session, user.id, "video_url", body.video_url, ("video", "image")
        )
        if "reference_url" in options:
            reference = await resolve_upload(
                session, user.id, "reference_url", options["reference_url"], ("image",)
            )
            require_face(reference, target=False)
            options["reference_upload_id"] = reference.id
    require_face(image, target=False)
    require_face(target, target=True)

    duration = await video_duration(runtime.storage, target, runtime.settings.tmp_dir)
    cost = energy_cost(duration, runtime.settings.energy_per_second)
    now = utcnow()
    task = Task(
        id=new_id(),
        user_id=user.id,
        image_url=body.image_url,
        video_url=body.video_url,
        image_upload_id=image.id,
        video_upload_id=target.id,
        options=options,
        consent_text=consent_statement(locale),
        consent_at=now,
        status=TaskStatus.PENDING,
        progress=0,
        priority=0,
        duration_seconds=duration,
        energy_cost=cost,
        queued_at=now,
        created_at=now,
        updated_at=now,
    )
    request = TaskRequest(
        duration_seconds=duration,
        width=_media_int(target.media, "width"),
        height=_media_int(target.media, "height"),
        label=bool(options["label"]),
        photo=target.kind == "image",
    )
    try:
        async with runtime.sessionmaker() as session, session.begin():
            locked = await ledger.lock_user(session, user.id)
            if locked is None:
                raise InvalidTokenError(problem="account_gone")
            level = await check_new_task(
                session,
                locked,
                request,
                allow_label_removal=runtime.settings.allow_label_removal,
                now=now,
            )
            task.priority = level.priority
            session.add(task)
            await session.flush()
            await ledger.hold(session, user.id, task.id, cost)
    except IntegrityError as exc:
        # An upload was deleted between the checks above and the insert.
        await _raise_missing_upload(runtime, user, body, exc)
        raise

    log.info("task.created", task_id=task.id, user_id=user.id, energy=cost, priority=task.priority)
    await enqueue(runtime, task)
    return task


def _media_int(media: dict[str, Any] | None, name: str) -> int | None:
    value = (media or {}).get(name)
    return value if isinstance(value, int) else None


async def _raise_missing_upload(
    runtime: Runtime, user: User, body: TaskCreate, cause: IntegrityError
) -> None:
    async with runtime.sessionmaker() as session:
        try:
            await resolve_upload(session, user.id, "image_url", body.image_url, ("image",))
            await resolve_upload(session, user.id, "video_url", body.video_url, ("video", "image"))
        except VidswapError as missing:
            raise missing from cause


async def enqueue(runtime: Runtime, task: Task, delay_seconds: float | None = None) -> bool:
    """Put ``task`` on the queue; return False (and log) when the queue is down."""
    try:
        await asyncio.to_thread(runtime.queue.enqueue, task.id, task.priority, delay_seconds)
    except VidswapError as exc:
        log.warning("task.enqueue_failed", task_id=task.id, error=exc.code)
        return False
    return True


async def get_task(session: AsyncSession, user: User, task_id: str) -> Task:
    task = await repository.get_user_task(session, user.id, task_id)
    if task is None:
        raise TaskNotFoundError(task_id=task_id)
    return task


async def list_tasks(
    session: AsyncSession,
    user: User,
    *,
    limit: int | None,
    cursor: str | None,
    page: int | None,
    page_size: int | None,
) -> tuple[list[Task], str | None, int | None, int]:
    """Return a page of tasks, the cursor of the next page, the page number and size."""
    if page_size is not None:
        size = _page_size("page_size", page_size)
    else:
        size = _page_size("limit", limit)
    after = _decode_cursor(cursor) if cursor else None
    if page is not None and not 1 <= page <= MAX_PAGE:
        raise InvalidPageError(
            name="page",
            value=page,
            hint=f"use 1 to {MAX_PAGE}, or follow next_cursor for deeper pages",
            hint_zh=f"请使用 1 到 {MAX_PAGE}，更深的页请使用 next_cursor",
        )
    offset = (page - 1) * size if page is not None and after is None else 0
    tasks = await repository.list_user_tasks(
        session, user.id, limit=size + 1, after=after, offset=offset
    )
    next_cursor = None
    if len(tasks) > size:
        tasks = tasks[:size]
        next_cursor = _encode_cursor(tasks[-1])
    return tasks, next_cursor, page if after is None else None, size


def _page_size(name: str, value: int | None) -> int:
    if value is None:
        return 20
    if not 1 <= value <= MAX_PAGE_SIZE:
        raise InvalidPageError(
            name=name,
            value=value,
            hint=f"use 1 to {MAX_PAGE_SIZE}",
            hint_zh=f"请使用 1 到 {MAX_PAGE_SIZE}",
        )
    return value


def _encode_cursor(task: Task) -> str:
    raw = f"{task.created_at.isoformat()}|{task.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    """Return the ``(created_at, id)`` key in ``cursor``. A cursor that ``_encode_cursor``
    did not make is rejected here, before any of its values reaches a query."""
    try:
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise ValueError("cursor too long")
        padded = cursor + "=" * (-len(cursor) % 4)
        created_text, task_id = base64.urlsafe_b64decode(padded).decode().split("|")
        created_at = datetime.fromisoformat(created_text)
        if created_at.tzinfo is None or not _TASK_ID.fullmatch(task_id):
            raise ValueError("not a task cursor")
        return created_at.astimezone(UTC), task_id
    except (ValueError, UnicodeDecodeError, OverflowError) as exc:
        raise InvalidPageError(
            name="cursor",
            value=cursor,
            hint="send the next_cursor of the previous page unchanged",
            hint_zh="请原样发送上一页返回的 next_cursor",
        ) from exc


async def cancel_task(runtime: Runtime, user: User, task_id: str) -> Task:
    """Cancel a pending task at once (with its refund); ask the worker to stop a
    processing one. Raise ``TaskFinishedError`` for a task already final."""
    async with runtime.sessionmaker() as session, session.begin():
        task = await get_task(session, user, task_id)
        if task.status in TaskStatus.FINAL:
            raise TaskFinishedError(task_id=task_id, status=task.status)
        if await repository.cancel_pending(session, task_id):
            await refund(session, task)
            cancelled = True
        else:
            await repository.request_cancel(session, task_id)
            cancelled = False
    async with runtime.sessionmaker() as session:
        task = await get_task(session, user, task_id)
    if cancelled:
        log.info("task.cancelled", task_id=task_id, user_id=user.id, while_status="pending")
        await publish(runtime, "task.cancelled", task)
    elif task.status in TaskStatus.FINAL:
        # The worker finished between the two statements above.
        raise TaskFinishedError(task_id=task_id, status=task.status)
    else:
        log.info("task.cancel_requested", task_id=task_id, user_id=user.id)
    return task


async def delete_task(runtime: Runtime, user: User, task_id: str) -> None:
    """Delete the task row and its files; an unfinished task is refunded first. A
    worker still running it notices the missing row at its next lease renewal."""
    async with runtime.sessionmaker() as session, session.begin():
        task = await get_task(session, user, task_id)
        if task.status not in TaskStatus.FINAL:
            await refund(session, task)
        await repository.delete_task(session, task_id)
    prefix = keys.result_key(user.id, task_id).rsplit("/", 1)[0]
    removed = await asyncio.to_thread(runtime.storage.delete_prefix, prefix)
    log.info("task.deleted", task_id=task_id, user_id=user.id, files=removed, status=task.status)


async def refund(session: AsyncSession, task: Task) -> None:
    """Release the task's Energy hold inside the caller's transaction; a hold already
    settled (spent or released) is left as it is."""
    held = await ledger.release_hold(session, task.id)
    if held is not None:
        log.info("task.energy_released", task_id=task.id, user_id=task.user_id, energy=held.amount)


async def publish(runtime: Runtime, event_type: str, task: Task) -> None:
    """Send a task event; a failure is logged, because the task state is already stored."""
    event = Event(
        type=event_type,
        user_id=task.user_id,
        task_id=task.id,
        task=task_public(task, "en"),
        error_params=task.error_params,
    )
    try:
        await runtime.events.publish(event)
    except Exception as exc:  # the database or Redis; clients still see GET /tasks/{id}
        log.warning("task.event_failed", task_id=task.id, type=event_type, error=str(exc))


def public_page(
    tasks: list[Task],
    locale: str,
    next_cursor: str | None,
    page: int | None,
    size: int,
    links: LinkSigner | None = None,
) -> dict[str, Any]:
    return {
        "items": [task_public(task, locale, links) for task in tasks],
        "next_cursor": next_cursor,
        "page": page,
        "page_size": size,
    }
