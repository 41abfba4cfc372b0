"""The in-app banners for tasks that finished while the user looked elsewhere."""

from __future__ import annotations

from vidswap_app.models import Task

# Banners shown at once; older ones appear as the newer ones are dismissed.
MAX_SHOWN = 3


class TaskBanners:
    """Finished tasks whose banner the user has neither opened nor closed, newest first."""

    def __init__(self) -> None:
        self.tasks: list[Task] = []

    @property
    def shown(self) -> list[Task]:
        return self.tasks[:MAX_SHOWN]

    def add(self, task: Task) -> None:
        """Show a banner for ``task`` above the others, replacing its earlier one."""
        self.dismiss(task.task_id)
        self.tasks.insert(0, task)

    def dismiss(self, task_id: str) -> None:
        """Remove the banner of one task and keep the others."""
        self.tasks = [task for task in self.tasks if task.task_id != task_id]

    def clear(self) -> None:
        self.tasks = []
