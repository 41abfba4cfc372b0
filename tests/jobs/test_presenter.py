"""The task JSON shared by REST responses and WebSocket events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from vidswap.jobs.models import Task
from vidswap.jobs.presenter import task_public


def test_times_end_in_z() -> None:
    created = datetime(2026, 1, 5, 8, 0, 0, tzinfo=UTC)
    updated = datetime(2026, 1, 5, 16, 0, 41, tzinfo=timezone(timedelta(hours=8)))
    task = Task(
        id="0" * 32,
        status="pending",
        progress=0,
        energy_cost=1,
        created_at=created,
        updated_at=updated,
    )

    body = task_public(task, "en")

    assert body["created_at"] == "2026-01-05T08:00:00Z"
    assert body["updated_at"] == "2026-01-05T08:00:41Z"
