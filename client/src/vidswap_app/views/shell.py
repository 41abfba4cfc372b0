"""The app shell: sign-in or the four tabs, navigation by window width, the notice banner
for finished tasks, live task events, language and theme."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft
import structlog

from vidswap_app.events import TaskEventListener
from vidswap_app.models import Task, TaskEvent
from vidswap_app.viewmodels import (
    AppContext,
    CreateViewModel,
    PlansViewModel,
    ProfileViewModel,
    SignInViewModel,
    TaskDetailViewModel,
    TasksViewModel,
)
from vidswap_app.viewmodels.banners import TaskBanners
from vidswap_app.viewmodels.tasks import details_text, needs_signed_links
from vidswap_app.views.base import Screen
from vidswap_app.views.common import DESKTOP_MIN_WIDTH, SPACING, tagged
from vidswap_app.views.create import CreateScreen
from vidswap_app.views.files import FilePicking
from vidswap_app.views.plans import PlansScreen
from vidswap_app.views.profile import ProfileScreen
from vidswap_app.views.signin import SignInScreen
from vidswap_app.views.tasks import TaskDetailScreen, TasksScreen

log = structlog.get_logger(__name__)

# Catalogue key, icon and selected icon of each tab. Browser tests find a tab by the
# identifier nav-create, nav-tasks, nav-plans or nav-profile on its icon.
TABS = (
    ("nav.create", ft.Icons.AUTO_AWESOME_OUTLINED, ft.Icons.AUTO_AWESOME),
    ("nav.tasks", ft.Icons.VIDEO_LIBRARY_OUTLINED, ft.Icons.VIDEO_LIBRARY),
    ("nav.plans", ft.Icons.WORKSPACE_PREMIUM_OUTLINED, ft.Icons.WORKSPACE_PREMIUM),
    ("nav.profile", ft.Icons.PERSON_OUTLINE, ft.Icons.PERSON),
)
TASKS_TAB = 1


def banner_text(context: AppContext, task: Task) -> str:
    """Return the banner line of a finished task: ready with its length and cost, which
    distinguish several banners, or failed with the reason."""
    t = context.i18n.t
    if task.status == "completed":
        details = details_text(context, task)
        if details is None:
            return t("banner.task_completed")
        return t("banner.task_completed_details", details=details)
    status = t(f"tasks.status.{task.status}")
    return t("banner.task_failed", message=task.error_message or status)


def banner_row(
    context: AppContext,
    task: Task,
    on_view: Callable[[Task], None],
    on_close: Callable[[Task], None],
) -> ft.Control:
    """Build one task's banner, with its View button tagged ``banner-view-<task id>``."""
    t = context.i18n.t
    row = ft.Row(
        [
            ft.Icon(ft.Icons.NOTIFICATIONS_ACTIVE, color=ft.Colors.ON_PRIMARY_CONTAINER),
            ft.Text(banner_text(context, task), expand=True, weight=ft.FontWeight.W_600),
            tagged(
                f"banner-view-{task.task_id}",
                ft.TextButton(t("banner.view"), on_click=lambda _: on_view(task)),
            ),
            tagged(
                f"banner-close-{task.task_id}",
                ft.IconButton(
                    ft.Icons.CLOSE, tooltip=t("common.close"), on_click=lambda _: on_close(task)
                ),
            ),
        ]
    )
    return ft.Container(
        row,
        bgcolor=ft.Colors.PRIMARY_CONTAINER,
        padding=ft.Padding.symmetric(horizontal=SPACING, vertical=4),
    )


def tab_items(t: Callable[..., str]) -> list[tuple[str, ft.Control, ft.Control]]:
    """Return each tab's label, icon and selected icon, the icons tagged ``nav-<tab>``.

    The tagged icon becomes a semantics node inside the destination's node, so it
    repeats the label. Without it the destination's node would read no text in Flet
    1.0.5's web client, which shows a node's label as text only when it has no children.
    Each call builds new icon controls, because one control cannot sit in two places
    of the page.
    """
    items: list[tuple[str, ft.Control, ft.Control]] = []
    for key, icon, selected in TABS:
        identifier = key.replace(".", "-")
        label = t(key)
        items.append(
            (
                label,
                tagged(identifier, ft.Icon(icon), label),
                tagged(identifier, ft.Icon(selected), label),
            )
        )
    return items


class AppShell:
    """Everything on the page. View models live as long as the shell, so an expired
    session sends the user to sign-in and back without losing what they entered."""

    def __init__(self, page: ft.Page, context: AppContext) -> None:
        self.page = page
        self.context = context
        self.files = FilePicking(page)
        self.tab = 0
        self.detail: TaskDetailScreen | None = None
        update = page.update

        self.signin = SignInScreen(SignInViewModel(context), update)
        self.tasks_model = TasksViewModel(context)
        self.screens: list[Screen] = [
            CreateScreen(CreateViewModel(context), update, self.files),
            TasksScreen(self.tasks_model, update, self.open_task),
            PlansScreen(PlansViewModel(context), update, self._open_url),
            ProfileScreen(
                ProfileViewModel(context),
                update,
                self.files,
                page.show_dialog,
                self._hide_dialog,
                self._set_theme_mode,
            ),
        ]
        self.listener = TaskEventListener(
            context.api,
            self._on_event,
            on_live=self.tasks_model.set_live,
            on_session_expired=lambda _: context.expire_session(),
        )
        self.banners = TaskBanners()
        self.banner = ft.Column(spacing=1)
        self.banner_tag = tagged("notice-banner", self.banner)
        self.banner_tag.visible = False
        self.content = ft.Container(expand=True)
        context.session_ended.connect(lambda _: self._on_session_ended())
        context.signed_in_as.connect(lambda _: self._on_signed_in())
        context.task_finished.connect(self._on_task_finished)
        context.i18n.on_change(lambda _: self.render())

    # --- layout ---------------------------------------------------------------------

    def render(self) -> None:
        """Lay the page out for the current state and window width, and send it."""
        page = self.page
        page.title = self.context.i18n.t("app.title")
        page.controls.clear()
        page.navigation_bar = None
        if not self.context.signed_in:
            self.signin.refresh()
            page.controls.append(self.signin.root)
            page.update()
            return

        current = self.detail or self.screens[self.tab]
        current.refresh()
        self.content.content = current.root
        self.banner.controls = [
            banner_row(self.context, task, self.open_task, self._hide_banner)
            for task in self.banners.shown
        ]
        self.banner_tag.visible = bool(self.banner.controls)

        body = ft.Column([self.banner_tag, self.content], spacing=0, expand=True)
        if self._wide():
            rail = ft.NavigationRail(
                selected_index=self.tab,
                label_type=ft.NavigationRailLabelType.ALL,
                destinations=[
                    ft.NavigationRailDestination(icon=icon, selected_icon=selected, label=label)
                    for label, icon, selected in self._tabs()
                ],
                on_change=self._on_nav,
                min_width=88,
            )
            page.controls.append(ft.Row([rail, ft.VerticalDivider(width=1), body], expand=True))
        else:
            page.navigation_bar = ft.NavigationBar(
                selected_index=self.tab,
                destinations=[
                    ft.NavigationBarDestination(icon=icon, selected_icon=selected, label=label)
                    for label, icon, selected in self._tabs()
                ],
                on_change=self._on_nav,
            )
            page.controls.append(body)
        page.update()

    def _tabs(self) -> list[tuple[str, ft.Control, ft.Control]]:
        return tab_items(self.context.i18n.t)

    def _wide(self) -> bool:
        width = self.page.width
        return width is not None and width >= DESKTOP_MIN_WIDTH

    def on_resize(self) -> None:
        if self.context.signed_in:
            self.render()

    # --- navigation -----------------------------------------------------------------

    async def _on_nav(
        self, event: ft.Event[ft.NavigationBar] | ft.Event[ft.NavigationRail]
    ) -> None:
        index = event.control.selected_index
        await self.show_tab(index or 0)

    async def show_tab(self, index: int) -> None:
        self.tab = index
        self.detail = None
        self.render()
        await self.screens[index].on_show()

    def open_task(self, task: Task) -> None:
        model = TaskDetailViewModel(self.context, task)
        self.detail = TaskDetailScreen(
            model,
            self.page.update,
            self.files,
            self._close_task,
            self.page.show_dialog,
            self._hide_dialog,
            web=self.page.web,
        )
        self.tab = TASKS_TAB
        self.banners.dismiss(task.task_id)
        self.render()
        self.page.run_task(self.detail.on_show)

    def _close_task(self) -> None:
        deleted = self.detail is not None and self.detail.model.deleted
        if deleted and self.detail is not None:
            self.tasks_model.remove(self.detail.model.task.task_id)
        self.detail = None
        self.render()
        # The list may never have loaded when the task was opened from the banner.
        self.page.run_task(self.screens[TASKS_TAB].on_show)

    def _hide_dialog(self) -> None:
        self.page.pop_dialog()

    def _set_theme_mode(self, mode: ft.ThemeMode) -> None:
        self.page.theme_mode = mode
        self.page.update()

    async def _open_url(self, url: str) -> None:
        await ft.UrlLauncher().launch_url(url)

    # --- session and events ---------------------------------------------------------

    def _on_signed_in(self) -> None:
        self.listener.start()
        self.render()
        self.page.run_task(self.screens[self.tab].on_show)

    def _on_session_ended(self) -> None:
        self.page.run_task(self.listener.stop)
        self.banners.clear()
        self.render()

    def _on_event(self, event: TaskEvent) -> None:
        self.tasks_model.apply(event)
        if self.detail is not None:
            self.detail.model.apply(event)
        if needs_signed_links(self.context, event.task):
            self.page.run_task(self.tasks_model.reload_task, event.task.task_id)
            detail = self.detail
            if detail is not None and detail.model.task.task_id == event.task.task_id:
                self.page.run_task(detail.model.load)

    def _on_task_finished(self, task: Task) -> None:
        """Show the banner unless the user is already looking at this task or the list."""
        watching_list = self.tab == TASKS_TAB and self.detail is None
        watching_task = self.detail is not None and self.detail.model.task.task_id == task.task_id
        if watching_list or watching_task:
            return
        self.banners.add(task)
        self.render()

    def _hide_banner(self, task: Task) -> None:
        self.banners.dismiss(task.task_id)
        self.render()
