"""Tasks screen: the list with live progress, and one task with its result."""

from __future__ import annotations

import base64
from collections.abc import Callable

import flet as ft
import flet_video as ftv

from vidswap_app.models import Task
from vidswap_app.viewmodels.tasks import TaskDetailViewModel, TasksViewModel
from vidswap_app.views.base import Screen
from vidswap_app.views.common import (
    RADIUS,
    card,
    empty_state,
    error_text,
    heading,
    muted,
    offline_state,
    screen,
    skeleton_rows,
    tagged,
)
from vidswap_app.views.files import FilePicking, save_file

# In a browser the video element cannot send the Bearer header, so results up to this
# size play from a data: URL of the downloaded file instead.
WEB_INLINE_VIDEO_MAX_BYTES = 40 * 1024 * 1024

STATUS_ICONS = {
    "pending": ft.Icons.HOURGLASS_TOP,
    "processing": ft.Icons.AUTORENEW,
    "completed": ft.Icons.CHECK_CIRCLE,
    "failed": ft.Icons.ERROR,
    "cancelled": ft.Icons.CANCEL,
}
STATUS_COLORS = {
    "completed": ft.Colors.GREEN,
    "failed": ft.Colors.ERROR,
    "cancelled": ft.Colors.OUTLINE,
}


class TasksScreen(Screen):
    model: TasksViewModel

    def __init__(
        self, model: TasksViewModel, update: Callable[[], None], open_task: Callable[[Task], None]
    ) -> None:
        super().__init__(model, update)
        self.open_task = open_task
        self.title = heading("")
        # NOTE: Flet 1.0.5 has no pull-to-refresh control, so the list refreshes from this
        # button, on opening the tab, and from task events.
        self.refresh_button = ft.IconButton(ft.Icons.REFRESH, on_click=self._refresh)
        self.polling = muted("", size=12)
        self.body = ft.Column(spacing=12)
        header = ft.Row(
            [self.title, tagged("tasks-refresh", self.refresh_button)],
            alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
        )
        self.root = screen(header, self.polling, self.body)
        self.refresh()

    async def on_show(self) -> None:
        await self.model.refresh()

    def refresh(self) -> None:
        model, t = self.model, self.t
        self.title.value = t("tasks.title")
        self.refresh_button.tooltip = t("common.refresh")
        self.polling.value = model.live_text or ""
        self.polling.visible = model.live_text is not None
        self.body.controls = self._body()

    def _body(self) -> list[ft.Control]:
        model, t = self.model, self.t
        if not model.loaded and model.offline:
            message = model.error or ""
            return [offline_state(t("offline.title"), message, t("common.retry"), model.refresh)]
        if not model.loaded:
            return [skeleton_rows()]
        if model.empty:
            return [empty_state(ft.Icons.VIDEO_LIBRARY, t("tasks.empty"), t("tasks.empty_hint"))]
        rows: list[ft.Control] = [self._row(task) for task in model.tasks]
        if model.error:
            rows.insert(0, error_text(model.error))
        return rows

    def _row(self, task: Task) -> ft.Control:
        model = self.model
        lines = [model.created_text(task)]
        eta = model.eta_text(task)
        if eta:
            lines.append(eta)
        status = model.status_text(task)
        progress = tagged(
            f"task-progress-{task.task_id}",
            ft.ProgressBar(value=task.progress / 100, border_radius=4),
            f"{task.progress}%",
        )
        progress.visible = not task.finished
        tile = ft.ListTile(
            leading=ft.Icon(
                STATUS_ICONS.get(task.status, ft.Icons.MOVIE),
                color=STATUS_COLORS.get(task.status, ft.Colors.PRIMARY),
            ),
            title=ft.Text(status, weight=ft.FontWeight.W_600),
            subtitle=ft.Text(" · ".join(line for line in lines if line)),
            trailing=ft.Text(self.t("tasks.progress", percent=task.progress)),
            on_click=lambda _: self.open_task(task),
        )
        content = ft.Container(
            ft.Column(
                [tile, progress],
                spacing=0,
            ),
            border_radius=RADIUS,
            bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
            padding=ft.Padding.only(bottom=8, left=8, right=8),
        )
        return tagged(f"task-row-{task.task_id}", content, f"{status} {task.progress}%")

    async def _refresh(self, _: ft.Event[ft.IconButton]) -> None:
        await self.model.refresh()


class TaskDetailScreen(Screen):
    model: TaskDetailViewModel

    def __init__(
        self,
        model: TaskDetailViewModel,
        update: Callable[[], None],
        files: FilePicking,
        close: Callable[[], None],
        show_dialog: Callable[[ft.DialogControl], None],
        hide_dialog: Callable[[], None],
        web: bool = False,
    ) -> None:
        super().__init__(model, update)
        self.web = web
        self.result: bytes | None = None
        self.files = files
        self.close = close
        self.show_dialog = show_dialog
        self.hide_dialog = hide_dialog
        self.access_token: str | None = None
        self.back = ft.IconButton(ft.Icons.ARROW_BACK, on_click=lambda _: self.close())
        self.title = heading("")
        self.status = ft.Text(size=18, weight=ft.FontWeight.W_600)
        self.progress = ft.ProgressBar(value=0, bar_height=8, border_radius=4)
        self.progress_tag = tagged("task-progress", self.progress)
        self.progress_text = ft.Text()
        self.eta = muted("")
        self.error = error_text(None)

        self.player = ft.Container(border_radius=RADIUS, clip_behavior=ft.ClipBehavior.HARD_EDGE)
        self.download = ft.FilledButton(icon=ft.Icons.DOWNLOAD, on_click=self._download)
        self.cancel = ft.OutlinedButton(icon=ft.Icons.STOP_CIRCLE, on_click=self._cancel)
        self.delete = ft.TextButton(icon=ft.Icons.DELETE_OUTLINE, on_click=self._ask_delete)
        self.notice = muted("")
        self.download_tag = tagged("task-download", self.download)
        self.cancel_tag = tagged("task-cancel", self.cancel)

        self.root = screen(
            ft.Row([tagged("task-back", self.back), self.title]),
            card(self.status, self.progress_tag, self.progress_text, self.eta, self.error),
            self.player,
            self.notice,
            ft.Row(
                [
                    self.download_tag,
                    self.cancel_tag,
                    tagged("task-delete", self.delete),
                ],
                wrap=True,
            ),
        )
        self.refresh()

    async def on_show(self) -> None:
        tokens = await self.model.context.api.store.load()
        self.access_token = tokens.access_token if tokens else None
        await self.model.load()
        if self.web and self.model.task.result_url and self.result is None:
            self.result = await self.model.download()
            self.redraw()

    def refresh(self) -> None:
        model, t, task = self.model, self.t, self.model.task
        self.title.value = t("task.title")
        self.status.value = t(f"tasks.status.{task.status}")
        self.progress.value = task.progress / 100
        self.progress_tag.label = f"{task.progress}%"
        self.progress_text.value = t("tasks.progress", percent=task.progress)
        eta = model.eta_text
        self.eta.value, self.eta.visible = eta or "", bool(eta)
        error = model.error_text or model.error
        self.error.value, self.error.visible = error or "", bool(error)
        self.download.content = t("task.download")
        self.download_tag.visible = task.result_url is not None
        self.cancel.content = t("task.cancel")
        self.cancel_tag.visible = model.can_cancel
        self.delete.content = t("task.delete")
        self.notice.value, self.notice.visible = model.notice or "", bool(model.notice)
        self._show_player()

    def _show_player(self) -> None:
        url = self.model.result_url
        if url is None or self.access_token is None:
            self.player.visible = False
            return
        if not isinstance(self.player.content, ftv.Video):
            media = self._media(url)
            if media is None:
                self.player.visible = False
                return
            self.player.content = ftv.Video(playlist=[media], aspect_ratio=16 / 9, autoplay=False)
        self.player.visible = True

    def _media(self, url: str) -> ftv.VideoMedia | None:
        """Return the result as a playable source: the URL with the Bearer header in native
        apps, and in a browser the downloaded file as a data: URL (None until it is)."""
        if not self.web:
            headers = {"Authorization": f"Bearer {self.access_token}"}
            return ftv.VideoMedia(url, http_headers=headers)
        if self.result is None or len(self.result) > WEB_INLINE_VIDEO_MAX_BYTES:
            return None
        encoded = base64.b64encode(self.result).decode()
        return ftv.VideoMedia(f"data:video/mp4;base64,{encoded}")

    async def _download(self, _: ft.Event[ft.Button]) -> None:
        data = self.result or await self.model.download()
        if data is None:
            return
        path = await save_file(self.files, f"vidswap-{self.model.task.task_id}.mp4", data)
        if path:
            self.model.say("task.saved", path=path)
            self.redraw()

    async def _cancel(self, _: ft.Event[ft.OutlinedButton]) -> None:
        await self.model.cancel()

    async def _ask_delete(self, _: ft.Event[ft.TextButton]) -> None:
        self.model.ask_delete()

        async def confirm(_: ft.Event[ft.Button]) -> None:
            self.hide_dialog()
            if await self.model.confirm_delete():
                self.close()

        def keep(_: ft.Event[ft.TextButton]) -> None:
            self.hide_dialog()
            self.model.keep()

        dialog = ft.AlertDialog(
            modal=True,
            title=ft.Text(self.t("task.delete")),
            content=ft.Text(self.t("task.delete_confirm")),
            actions=[
                tagged("task-delete-keep", ft.TextButton(self.t("common.cancel"), on_click=keep)),
                tagged(
                    "task-delete-confirm",
                    ft.FilledButton(self.t("common.delete"), on_click=confirm),
                ),
            ],
        )
        self.show_dialog(dialog)
