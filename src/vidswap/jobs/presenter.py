"""The public JSON of a task, shared by the REST endpoints and the task events."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

import structlog

from vidswap.jobs.models import Task, TaskStatus
from vidswap.kit.errors import InternalError, VidswapError

log = structlog.get_logger(__name__)


def result_url(task_id: str) -> str:
    return f"/api/v1/tasks/{task_id}/result"


def thumbnail_url(task_id: str) -> str:
    return f"/api/v1/tasks/{task_id}/thumbnail"


def task_public(task: Task, locale: str | None) -> dict[str, Any]:
    """Return the task as its owner sees it, with ``error_message`` in ``locale``."""
    completed = task.status == TaskStatus.COMPLETED
    return {
        "task_id": task.id,
        "status": task.status,
        "progress": task.progress,
        "eta_seconds": task.eta_seconds,
        "result_url": result_url(task.id) if completed and task.result_key else None,
        "thumbnail_url": thumbnail_url(task.id) if completed and task.thumbnail_key else None,
        "error_code": task.error_code,
        "error_message": render_error(task.error_code, task.error_params, locale),
        "duration_seconds": task.duration_seconds,
        "processing_seconds": task.processing_seconds,
        "energy_cost": task.energy_cost,
        "result_expires_at": _utc_text(task.result_expires_at) if task.result_expires_at else None,
        "created_at": _utc_text(task.created_at),
        "updated_at": _utc_text(task.updated_at),
    }


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
