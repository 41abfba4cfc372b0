"""The Huey queue on SQLite and on Redis: priorities, depth and readiness."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import make_settings
from tests.services import REDIS_URL, require_redis
from vidswap.kit.db import new_id
from vidswap.worker.queue import MEMBER_PRIORITY, QueueUnavailableError, TaskQueue


@pytest.fixture(params=["sqlite", "redis"])
def queue(request: pytest.FixtureRequest, tmp_path: Path):
    overrides: dict[str, object] = {"queue_name": f"test-{new_id()[:12]}"}
    if request.param == "redis":
        require_redis()
        overrides["redis_url"] = REDIS_URL
    value = TaskQueue(make_settings(tmp_path / "data", **overrides))
    yield value
    value.flush()
    value.close()


def test_members_dequeued_first(queue: TaskQueue) -> None:
    queue.enqueue("free-1", 0)
    queue.enqueue("free-2", 0)
    queue.enqueue("member", MEMBER_PRIORITY)

    order = [queue.dequeue_task_id() for _ in range(3)]

    assert order == ["member", "free-1", "free-2"]
    assert queue.dequeue_task_id() is None


def test_depth_counts_messages(queue: TaskQueue) -> None:
    queue.enqueue("a", 0)
    queue.enqueue("b", 0)

    assert queue.depth() == 2
    queue.check()


def test_unreachable_redis_reported(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", redis_url="redis://127.0.0.1:1/0")
    queue = TaskQueue(settings)

    with pytest.raises(QueueUnavailableError) as caught:
        queue.check()

    assert caught.value.code == "queue_unavailable"
    assert "ConnectionError" in caught.value.message("en")
