"""Tasks screen: the list with live progress, and one task with its result."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft
import flet_video as ftv

from vidswap_app.models import Task
from vidswap_app.viewmodels.tasks import (
    COMPARE_MODES,
    CompareMode,
    TaskDetailViewModel,
    TasksViewModel,
)
from vidswap_app.views.base import Screen
from vidswap_app.views.common import (
    RADIUS,
    card,
    empty_state,
    error_text,
    heading,
    info_text,
    muted,
    offline_state,
    screen,
    skeleton_rows,
    tagged,
)
from vidswap_app.views.files import FilePicking, save_file
from vidswap_app.views.pull import PullToRefresh

THUMBNAIL_SIZE = 56
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
        # NOTE: Flet 1.0.5 has no RefreshIndicator, so PullToRefresh builds pull to refresh
        # from a GestureDetector and scroll events. This button stays for keyboard and screen
        # reader users. The list also refreshes on opening the tab and from task events.
        self.refresh_button = ft.IconButton(ft.Icons.REFRESH, on_click=self._refresh)
        self.polling = muted("", size=12)
        self.body = ft.Column(spacing=12)
        header = ft.Row(
            [self.title, tagged("tasks-refresh", self.refresh_button)],
            alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
        )
        self.pull = PullToRefresh(model.refresh, "tasks-pull-indicator")
        self.root = self.pull.build(header, self.polling, self.body)
        self.refresh()

    async def on_show(self) -> None:
        await self.model.refresh()

    def refresh(self) -> None:
        model, t = self.model, self.t
        self.title.value = t("tasks.title")
        self.refresh_button.tooltip = t("common.refresh")
        self.polling.value = model.live_text or ""
        self.polling.visible = model.live_text is not None
        # The first load shows skeleton rows instead of the spinning ring.
        self.pull.show(refreshing=model.loading and model.loaded)
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
        subtitle = " · ".join(line for line in lines if line)
        # The video length and cost distinguish tasks whose thumbnails look alike.
        details = model.details_text(task)
        if details:
            subtitle = f"{details}\n{subtitle}"
        status = model.status_text(task)
        progress = tagged(
            f"task-progress-{task.task_id}",
            ft.ProgressBar(value=task.progress / 100, border_radius=4),
            f"{task.progress}%",
        )
        progress.visible = not task.finished
        # A finished task shows only its status, because "100%" beside "Done" repeats it.
        percent = None
        if not task.finished:
            percent = ft.Text(self.t("tasks.progress", percent=task.progress))
        tile = ft.ListTile(
            leading=self._leading(task),
            title=ft.Text(status, weight=ft.FontWeight.W_600),
            subtitle=ft.Text(subtitle),
            trailing=percent,
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
        label = f"{status} {task.progress}%"
        if details:
            label = f"{label}, {details}"
        return tagged(f"task-row-{task.task_id}", content, label)

    def _leading(self, task: Task) -> ft.Control:
        """Build the row's thumbnail of a completed task, or its status icon."""
        icon = ft.Icon(
            STATUS_ICONS.get(task.status, ft.Icons.MOVIE),
            color=STATUS_COLORS.get(task.status, ft.Colors.PRIMARY),
        )
        url = self.model.thumbnail_url(task)
        if url is None:
            return icon
        image = ft.Image(
            src=url,
            width=THUMBNAIL_SIZE,
            height=THUMBNAIL_SIZE,
            fit=ft.BoxFit.COVER,
            border_radius=8,
            error_content=icon,
        )
        return tagged(f"task-thumbnail-{task.task_id}", image)

    async def _refresh(self, _: ft.Event[ft.IconButton]) -> None:
        await self.model.refresh()


class TaskDetailScreen(Screen):
    """One task: status, the result with a before and after view, download, share,
    cancel and delete. Media play from the server's signed links, in browsers too."""

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
        self.files = files
        self.close = close
        self.show_dialog = show_dialog
        self.hide_dialog = hide_dialog
        # One player per media URL, kept while the URL stays the same, so a redraw does
        # not restart playback.
        # NOTE: signed links expire (15 to 20 minutes with the server's defaults). A player
        # left open longer gets 403 on its next range request, until the task is reopened.
        self.players: dict[str, ft.Control] = {}
        self.back = ft.IconButton(ft.Icons.ARROW_BACK, on_click=lambda _: self.close())
        self.title = heading("")
        self.status = ft.Text(size=18, weight=ft.FontWeight.W_600)
        self.progress = ft.ProgressBar(value=0, bar_height=8, border_radius=4)
        self.progress_tag = tagged("task-progress", self.progress)
        self.progress_text = ft.Text()
        self.eta = muted("")
        self.details = muted("")
        self.error = error_text(None)
        # Warnings about the finished swap, shown as information and not as errors.
        self.swap_notices = ft.Column(spacing=6, tight=True)
        self.swap_notices_tag = tagged("task-notices", self.swap_notices)

        self.compare = ft.SegmentedButton(
            segments=[ft.Segment(mode) for mode in COMPARE_MODES],
            selected=["result"],
            show_selected_icon=False,
            on_change=self._set_compare,
        )
        self.compare_tag = tagged("task-compare", self.compare)
        self.media = ft.Container()
        self.download = ft.FilledButton(icon=ft.Icons.DOWNLOAD, on_click=self._download)
        # Browsers without a share sheet (most desktop ones) get the link copied instead.
        self.share = ft.OutlinedButton(icon=ft.Icons.SHARE, on_click=self._share)
        self.copy_link = ft.OutlinedButton(icon=ft.Icons.LINK, on_click=self._link_copied)
        self.cancel = ft.OutlinedButton(icon=ft.Icons.STOP_CIRCLE, on_click=self._cancel)
        self.delete = ft.TextButton(icon=ft.Icons.DELETE_OUTLINE, on_click=self._ask_delete)
        self.notice = muted("")
        self.download_tag = tagged("task-download", self.download)
        self.share_tag = tagged("task-share", self.share)
        self.copy_link_tag = tagged("task-copy-link", self.copy_link)
        self.cancel_tag = tagged("task-cancel", self.cancel)

        self.root = screen(
            ft.Row([tagged("task-back", self.back), self.title]),
            card(
                self.status,
                self.swap_notices_tag,
                self.progress_tag,
                self.progress_text,
                self.eta,
                self.details,
                self.error,
            ),
            self.compare_tag,
            self.media,
            self.notice,
            ft.Row(
                [
                    self.download_tag,
                    self.share_tag,
                    self.copy_link_tag,
                    self.cancel_tag,
                    tagged("task-delete", self.delete),
                ],
                wrap=True,
            ),
        )
        self.refresh()

    async def on_show(self) -> None:
        # Read the task again: this brings fresh signed links.
        await self.model.load()

    def refresh(self) -> None:
        model, t, task = self.model, self.t, self.model.task
        self.title.value = t("task.title")
        self.back.tooltip = t("common.back")
        self.status.value = t(f"tasks.status.{task.status}")
        self.progress.value = task.progress / 100
        self.progress_tag.label = f"{task.progress}%"
        self.progress_text.value = t("tasks.progress", percent=task.progress)
        eta = model.eta_text
        self.eta.value, self.eta.visible = eta or "", bool(eta)
        details = model.details_text
        self.details.value, self.details.visible = details or "", bool(details)
        error = model.error_text or model.error
        self.error.value, self.error.visible = error or "", bool(error)
        self.swap_notices.controls = [info_text(text) for text in model.notice_texts]
        self.swap_notices_tag.visible = bool(model.notice_texts)
        self._show_compare()
        self.media.content = self._media()
        self.media.visible = self.media.content is not None
        self._show_actions()
        self.notice.value, self.notice.visible = model.notice or "", bool(model.notice)

    def _show_compare(self) -> None:
        t = self.t
        self.compare_tag.visible = self.model.can_compare
        for segment in self.compare.segments:
            segment.label = t(f"task.compare.{segment.value}")
        self.compare.selected = [self.model.compare]

    def _show_actions(self) -> None:
        model, t = self.model, self.t
        url = model.result_url
        self.download.content = t("task.download")
        self.download_tag.visible = model.task.result_url is not None
        self.share.content = t("task.share")
        self.share_tag.visible = url is not None and not self.web
        self.copy_link.content = t("task.copy_link")
        self.copy_link_tag.visible = url is not None and self.web
        # The browser only lets the page write to the clipboard during the click itself,
        # so the client copies the link before the click reaches this code.
        self.copy_link.action = ft.CopyToClipboard(url) if url else None
        self.cancel.content = t("task.cancel")
        self.cancel_tag.visible = model.can_cancel
        self.delete.content = t("task.delete")

    def _media(self) -> ft.Control | None:
        """Build the result, the original, or both side by side, as the view model chose."""
        model, t = self.model, self.t
        result, original = model.result_url, model.original_url
        if result is None:
            return None
        if original is None or model.compare == "result":
            return self._player(result)
        if model.compare == "original":
            return self._player(original)
        columns = [
            (t("task.compare.before"), original),
            (t("task.compare.after"), result),
        ]
        return ft.ResponsiveRow(
            [
                ft.Column(
                    [muted(label), self._player(url)],
                    col={"xs": 12, "md": 6},
                    spacing=4,
                )
                for label, url in columns
            ],
            spacing=12,
        )

    def _player(self, url: str) -> ft.Control:
        player = self.players.get(url)
        if player is not None:
            return player
        if self.model.is_video:
            video = ftv.Video(playlist=[ftv.VideoMedia(url)], aspect_ratio=16 / 9, autoplay=False)
            player = ft.Container(
                video, border_radius=RADIUS, clip_behavior=ft.ClipBehavior.HARD_EDGE
            )
        else:
            player = ft.Image(src=url, fit=ft.BoxFit.CONTAIN, border_radius=RADIUS)
        self.players[url] = player
        return player

    async def _set_compare(self, event: ft.Event[ft.SegmentedButton]) -> None:
        if event.control.selected:
            mode: CompareMode = event.control.selected[0]  # type: ignore[assignment]
            self.model.set_compare(mode)

    async def _download(self, _: ft.Event[ft.Button]) -> None:
        data = await self.model.download()
        if data is None:
            return
        path = await save_file(self.files, self.model.file_name(data), data)
        if path:
            self.model.say("task.saved", path=path)
            self.redraw()

    async def _share(self, _: ft.Event[ft.OutlinedButton]) -> None:
        """Hand the result file to the system share sheet (phones and desktop)."""
        data = await self.model.download()
        if data is None:
            return
        name = self.model.file_name(data)
        mime_type = "video/mp4" if self.model.is_video else None
        shared = ft.ShareFile.from_bytes(data, mime_type=mime_type, name=name)
        await ft.Share().share_files([shared], subject=self.t("task.share_subject"))

    def _link_copied(self, _: ft.Event[ft.OutlinedButton]) -> None:
        self.model.link_copied()

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
