"""Tasks screens: the list with live status, refresh and time left, and one task's page
with its result, the before and after view, and sharing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

import httpx

from vidswap_app.i18n import format_datetime, format_duration, format_number
from vidswap_app.models import Task, TaskEvent
from vidswap_app.viewmodels.base import ViewModel
from vidswap_app.viewmodels.context import AppContext

CompareMode = Literal["result", "original", "both"]
COMPARE_MODES: tuple[CompareMode, ...] = ("result", "original", "both")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def needs_signed_links(context: AppContext, task: Task) -> bool:
    """Return whether ``task`` is completed but came without signed media links.

    Task events carry plain API paths, which a browser's video and image elements
    cannot load, so such a task is read again with GET /tasks/{id}.
    """
    return task.status == "completed" and context.api.result_url(task) is None


def link_expiry(link: str) -> datetime | None:
    """Return the ``expires`` time of a signed link, or None when it has none."""
    expires = httpx.URL(link).params.get("expires")
    if expires is None or not expires.isdigit():
        return None
    return datetime.fromtimestamp(int(expires), UTC)


def eta_text(context: AppContext, task: Task) -> str | None:
    """Return the time-left line of an unfinished task, or None once it finished."""
    if task.finished:
        return None
    if task.eta_seconds is None:
        return context.i18n.t("tasks.eta_unknown")
    duration = format_duration(task.eta_seconds, context.i18n.locale)
    return context.i18n.t("tasks.eta", duration=duration)


def details_text(context: AppContext, task: Task) -> str | None:
    """Return the target video's length and the task's Energy cost, as far as the
    server sent them, or None."""
    locale = context.i18n.locale
    parts: list[str] = []
    if task.duration_seconds is not None:
        seconds = format_number(round(task.duration_seconds, 2), locale)
        parts.append(context.i18n.t("task.video_length", seconds=seconds))
    if task.energy_cost:
        parts.append(context.i18n.t("task.cost", energy=format_number(task.energy_cost, locale)))
    return " · ".join(parts) or None


class TasksViewModel(ViewModel):
    """The user's tasks, newest first, kept current by task events."""

    def __init__(self, context: AppContext) -> None:
        super().__init__(context)
        self.tasks: list[Task] = []
        self.loaded = False
        self.loading = False
        self.live = True
        self.next_cursor: str | None = None
        self.poll_seconds = 5
        context.task_created.connect(self._add_created)

    async def refresh(self) -> None:
        """Load the first page again (the refresh button, or retry after being offline)."""
        if self.loading:
            return
        self.loading = True
        self.notify()
        try:
            page = await self.call(lambda: self.context.api.list_tasks())
        finally:
            self.loading = False
        if page is not None:
            self.tasks, self.next_cursor = page
            self.loaded = True
        self.notify()

    async def load_more(self) -> None:
        cursor = self.next_cursor
        if cursor is None or self.loading:
            return
        self.loading = True
        try:
            page = await self.call(lambda: self.context.api.list_tasks(cursor=cursor))
        finally:
            self.loading = False
        if page is not None:
            known = {task.task_id for task in self.tasks}
            self.tasks.extend(task for task in page[0] if task.task_id not in known)
            self.next_cursor = page[1]
        self.notify()

    def apply(self, event: TaskEvent) -> None:
        """Update the list from a task event, and announce a task that has just finished."""
        task = event.task
        index = next((i for i, item in enumerate(self.tasks) if item.task_id == task.task_id), None)
        if index is None:
            self.tasks.insert(0, task)
            self.notify()
            return
        previous = self.tasks[index]
        self.tasks[index] = task
        if task.finished and not previous.finished:
            self.context.task_finished.emit(task)
        self.notify()

    async def reload_task(self, task_id: str) -> None:
        """Read one task again, to get the signed links of a task that an event completed."""
        task = await self.call(lambda: self.context.api.get_task(task_id))
        if task is None:
            self.notify()
            return
        self.tasks = [task if item.task_id == task_id else item for item in self.tasks]
        self.notify()

    def thumbnail_url(self, task: Task) -> str | None:
        return self.context.api.media_url(task.thumbnail_url)

    def set_live(self, live: bool) -> None:
        self.live = live
        self.notify()

    def remove(self, task_id: str) -> None:
        self.tasks = [task for task in self.tasks if task.task_id != task_id]
        self.notify()

    def _add_created(self, task: Task) -> None:
        if all(item.task_id != task.task_id for item in self.tasks):
            self.tasks.insert(0, task)
            self.notify()

    # --- texts ------------------------------------------------------------------------

    @property
    def empty(self) -> bool:
        return self.loaded and not self.tasks

    @property
    def live_text(self) -> str | None:
        return None if self.live else self.t("tasks.polling", seconds=self.poll_seconds)

    def status_text(self, task: Task) -> str:
        return self.t(f"tasks.status.{task.status}")

    def eta_text(self, task: Task) -> str | None:
        return eta_text(self.context, task)

    def details_text(self, task: Task) -> str | None:
        return details_text(self.context, task)

    def created_text(self, task: Task) -> str:
        if task.created_at is None:
            return ""
        moment = format_datetime(task.created_at, self.context.i18n.locale)
        return self.t("tasks.created", time=moment)


class TaskDetailViewModel(ViewModel):
    """One task: its result, its error in plain words, cancel and delete."""

    def __init__(self, context: AppContext, task: Task) -> None:
        super().__init__(context)
        self.task = task
        self.confirming_delete = False
        self.deleted = False
        self.busy = False
        self.compare: CompareMode = "result"

    async def load(self) -> None:
        task = await self.call(lambda: self.context.api.get_task(self.task.task_id))
        if task is not None:
            self.task = task
        self.notify()

    def apply(self, event: TaskEvent) -> None:
        if event.task.task_id == self.task.task_id:
            self.task = event.task
            self.notify()

    @property
    def details_text(self) -> str | None:
        return details_text(self.context, self.task)

    @property
    def result_url(self) -> str | None:
        return self.context.api.result_url(self.task)

    @property
    def target_url(self) -> str | None:
        """The signed URL of the original target, shown in the before and after view."""
        return self.context.api.media_url(self.task.target_url)

    @property
    def original_url(self) -> str | None:
        """The signed URL shown as the original in the before and after view: the
        server's browser-playable copy when it made one (HEVC, MOV and other formats
        that browsers cannot play), else the target itself."""
        preview = self.context.api.media_url(self.task.target_preview_url)
        return preview or self.target_url

    @property
    def is_video(self) -> bool:
        return self.task.result_kind != "image"

    @property
    def can_compare(self) -> bool:
        return self.result_url is not None and self.original_url is not None

    def set_compare(self, mode: CompareMode) -> None:
        """Show the result, the original, or both side by side."""
        self.compare = mode
        self.notify()

    def link_copied(self) -> None:
        """Tell the user the result's link was copied, and until when it works."""
        url = self.result_url
        expiry = link_expiry(url) if url else None
        if expiry is None:
            self.say("task.link_copied")
        else:
            locale = self.context.i18n.locale
            self.say("task.link_copied_until", time=format_datetime(expiry, locale))
        self.notify()

    def file_name(self, data: bytes) -> str:
        """Return the file name to save the result ``data`` under: MP4, or PNG or JPEG by
        the file's signature for a photo."""
        if self.is_video:
            extension = "mp4"
        elif data.startswith(PNG_SIGNATURE):
            extension = "png"
        else:
            extension = "jpg"
        return f"vidswap-{self.task.task_id}.{extension}"

    @property
    def eta_text(self) -> str | None:
        return eta_text(self.context, self.task)

    @property
    def notice_texts(self) -> list[str]:
        """The server's warnings about the finished swap (such as no face in the
        target), already in the user's language."""
        return [notice.message for notice in self.task.notices]

    @property
    def error_text(self) -> str | None:
        if self.task.status != "failed":
            return None
        return self.t("task.error", message=self.task.error_message or "")

    @property
    def can_cancel(self) -> bool:
        return self.task.status in ("pending", "processing") and not self.busy

    async def cancel(self) -> None:
        if not self.can_cancel:
            return
        self.busy = True
        try:
            task = await self.call(lambda: self.context.api.cancel_task(self.task.task_id))
        finally:
            self.busy = False
        if task is not None:
            self.task = task
        self.notify()

    def ask_delete(self) -> None:
        self.confirming_delete = True
        self.notify()

    def keep(self) -> None:
        self.confirming_delete = False
        self.notify()

    async def confirm_delete(self) -> bool:
        """Delete the task once the user has confirmed, and return whether it was deleted."""
        if not self.confirming_delete or self.busy:
            return False
        self.busy = True
        try:
            # delete_task returns None, so success shows as no recorded failure.
            await self.call(lambda: self.context.api.delete_task(self.task.task_id))
        finally:
            self.busy = False
            self.confirming_delete = False
        self.deleted = self.failure is None
        if self.deleted:
            self.say("task.deleted")
        self.notify()
        return self.deleted

    async def download(self) -> bytes | None:
        """Return the result file, or None (with ``error`` set) when it is not ready."""
        if self.task.result_url is None:
            self.error = self.t("task.not_ready")
            self.notify()
            return None
        data = await self.call(lambda: self.context.api.download_result(self.task.task_id))
        self.notify()
        return data
