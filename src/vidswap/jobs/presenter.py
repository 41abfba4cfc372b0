"""The public JSON of a task, shared by the REST endpoints and the task events."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

import structlog

from vidswap.jobs.models import Task, TaskStatus
from vidswap.jobs.notices import render_notices
from vidswap.kit.errors import InternalError, VidswapError
from vidswap.media.links import LinkSigner

log = structlog.get_logger(__name__)


# Video targets give an MP4; photo targets keep PNG or become JPEG.
RESULT_KINDS = {"mp4": "video", "png": "image", "jpg": "image"}


def result_url(task_id: str) -> str:
    return f"/api/v1/tasks/{task_id}/result"


def thumbnail_url(task_id: str) -> str:
    return f"/api/v1/tasks/{task_id}/thumbnail"


def target_url(task_id: str) -> str:
    return f"/api/v1/tasks/{task_id}/target"


def target_preview_url(task_id: str) -> str:
    return f"/api/v1/tasks/{task_id}/target-preview"


def task_public(task: Task, locale: str | None, links: LinkSigner | None = None) -> dict[str, Any]:
    """Return the task as its owner sees it, with ``error_message`` in ``locale``.

    With ``links``, the media URLs are signed links that work without the Bearer
    header for a limited time. Without it they are plain API paths that need the
    header (task events and gRPC).
    """
    completed = task.status == TaskStatus.COMPLETED
    has_result = completed and task.result_key is not None
    has_thumbnail = completed and task.thumbnail_key is not None
    has_target_preview = completed and task.target_preview_key is not None

    def media_url(path: str) -> str:
        return links.sign(path, task.user_id) if links else path

    return {
        "task_id": task.id,
        "status": task.status,
        "progress": task.progress,
        "eta_seconds": task.eta_seconds,
        "result_url": media_url(result_url(task.id)) if has_result else None,
        "result_kind": result_kind(task.result_key) if has_result else None,
        "thumbnail_url": media_url(thumbnail_url(task.id)) if has_thumbnail else None,
        "target_url": media_url(target_url(task.id)) if task.video_upload_id else None,
        "target_preview_url": (
            media_url(target_preview_url(task.id)) if has_target_preview else None
        ),
        "error_code": task.error_code,
        "error_message": render_error(task.error_code, task.error_params, locale),
        "notices": render_notices(task.notices, locale),
        "duration_seconds": task.duration_seconds,
        "processing_seconds": task.processing_seconds,
        "energy_cost": task.energy_cost,
        "result_expires_at": _utc_text(task.result_expires_at) if task.result_expires_at else None,
        "created_at": _utc_text(task.created_at),
        "updated_at": _utc_text(task.updated_at),
    }


def result_kind(key: str | None) -> str | None:
    """Return ``video`` or ``image`` for a result's storage key, by its extension."""
    if key is None:
        return None
    return RESULT_KINDS.get(key.rsplit(".", 1)[-1])


def _utc_text(moment: datetime) -> str:
    """Format a UTC time as the REST responses do (pydantic): ISO 8601 ending in ``Z``."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def render_error(code: str | None, params: dict[str, Any] | None, locale: str | None) -> str | None:
    """Render a stored error code and its parameters as a message in ``locale``.

    The message is rendered at read time, so a task that failed while its owner used
    one language reads correctly in another.
    """
    if code is None:
        return None
    for error_class in _error_classes().get(code, ()):
        try:
            return error_class(**(params or {})).message(locale)
        except (KeyError, IndexError, ValueError):
            continue  # another class with the same code has the matching template
    log.warning("task.error_unrenderable", code=code)
    return InternalError(detail=code).message(locale)


@cache
def _error_classes() -> dict[str, list[type[VidswapError]]]:
    # Importing the engine's errors registers them as subclasses; several classes
    # may share one code (output.bad_format), so each code maps to a list.
    import vidswap.jobs.errors  # noqa: F401
    import vidswap.swap.errors  # noqa: F401

    found: dict[str, list[type[VidswapError]]] = {}
    pending: list[type[VidswapError]] = [VidswapError]
    while pending:
        error_class = pending.pop()
        found.setdefault(error_class.code, []).append(error_class)
        pending.extend(error_class.__subclasses__())
    return found
