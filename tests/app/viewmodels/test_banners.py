"""Banners of finished tasks: one per task, dismissed one at a time."""

from __future__ import annotations

from vidswap_app.models import Task
from vidswap_app.viewmodels.banners import MAX_SHOWN, TaskBanners


def finished(task_id: str) -> Task:
    return Task(task_id, "completed", 100)


def test_dismiss_keeps_other_tasks() -> None:
    banners = TaskBanners()
    banners.add(finished("a"))
    banners.add(finished("b"))

    banners.dismiss("a")

    assert [task.task_id for task in banners.shown] == ["b"]


def test_same_task_added_once() -> None:
    banners = TaskBanners()
    banners.add(finished("a"))
    banners.add(finished("b"))

    banners.add(finished("a"))

    assert [task.task_id for task in banners.tasks] == ["a", "b"]


def test_shown_newest_first_up_to_max() -> None:
    banners = TaskBanners()
    ids = [f"t{index}" for index in range(MAX_SHOWN + 1)]
    for task_id in ids:
        banners.add(finished(task_id))

    newest = [task.task_id for task in banners.shown]
    banners.dismiss(newest[0])

    assert newest == list(reversed(ids))[:MAX_SHOWN]
    assert banners.shown[-1].task_id == ids[0]


def test_clear_removes_all() -> None:
    banners = TaskBanners()
    banners.add(finished("a"))

    banners.clear()

    assert banners.shown == []
