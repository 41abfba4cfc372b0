"""Screens built from their view models, without a browser: the Semantics identifiers
that browser tests look for, and texts in both languages."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import flet as ft
import flet_video as ftv
import pytest
from flet.controls.context import _context_page
from vidswap_app.models import Task, TaskNotice
from vidswap_app.viewmodels import (
    AppContext,
    CreateViewModel,
    PlansViewModel,
    ProfileViewModel,
    SignInViewModel,
    TaskDetailViewModel,
    TasksViewModel,
)
from vidswap_app.views.create import CreateScreen
from vidswap_app.views.files import FilePicking
from vidswap_app.views.plans import PlansScreen
from vidswap_app.views.profile import ProfileScreen
from vidswap_app.views.shell import banner_row, tab_items
from vidswap_app.views.signin import SignInScreen
from vidswap_app.views.tasks import TaskDetailScreen, TasksScreen

from tests.app.conftest import filled_create_form, sign_in_context
from tests.jobs.results import store_result
from vidswap.runtime import Runtime


def walk(control: object) -> Iterator[ft.BaseControl]:
    """Yield ``control`` and every control below it, through any attribute."""
    if not isinstance(control, ft.BaseControl):
        return
    yield control
    for item in dataclasses.fields(control):
        value = getattr(control, item.name, None)
        children = value if isinstance(value, list) else [value]
        for child in children:
            yield from walk(child)


def identifiers(root: ft.Control) -> set[str]:
    return {
        node.identifier
        for node in walk(root)
        if isinstance(node, ft.Semantics) and node.identifier and node.visible
    }


def texts(root: ft.Control) -> set[str]:
    return {node.value for node in walk(root) if isinstance(node, ft.Text) and node.value}


class FakePage:
    """The part of ``ft.Page`` that FilePicking reads."""

    web = True


class ServiceRegistry:
    def __init__(self) -> None:
        self.services: list[object] = []

    def register_service(self, service: object) -> None:
        self.services.append(service)


class ServicePage(FakePage):
    """A stand-in page that Flet services (Clipboard, Share) can register with."""

    def __init__(self) -> None:
        self._services = ServiceRegistry()


def no_update() -> None:
    return None


def picking() -> FilePicking:
    return FilePicking(FakePage())  # type: ignore[arg-type]


async def test_signin_identifiers_and_modes(context: AppContext) -> None:
    model = SignInViewModel(context)
    screen = SignInScreen(model, no_update)

    sms_ids = identifiers(screen.root)
    model.set_mode("password")
    password_ids = identifiers(screen.root)

    assert {"signin-phone", "signin-code", "signin-send-code", "signin-submit"} <= sms_ids
    assert {"signin-account", "signin-password", "signin-submit"} <= password_ids
    assert "Sign in to vidswap" in texts(screen.root)


async def test_signup_hides_code_row(context: AppContext) -> None:
    model = SignInViewModel(context)
    screen = SignInScreen(model, no_update)

    model.set_mode("signup")
    signup_row = screen.code_row.visible
    model.set_mode("sms")

    assert signup_row is False
    assert screen.code_row.visible is True
    assert "signin-phone" in identifiers(screen.root)


@pytest.mark.parametrize(
    ("locale", "title", "hint"),
    [
        ("en", "Create a vidswap account", "Enter a phone number or an email address."),
        ("zh-CN", "注册 vidswap 账号", "填写手机号或邮箱，任选其一即可。"),
    ],
)
async def test_signup_title_and_hint(
    context: AppContext, locale: str, title: str, hint: str
) -> None:
    context.i18n.set_locale(locale)
    model = SignInViewModel(context)
    screen = SignInScreen(model, no_update)
    hint_in_sms = screen.signup_hint.visible

    model.set_mode("signup")

    assert hint_in_sms is False
    assert screen.title.value == title
    assert screen.signup_hint.visible is True
    assert str(screen.signup_hint.value).startswith(hint)


async def test_password_reveal_labelled(context: AppContext) -> None:
    model = SignInViewModel(context)
    screen = SignInScreen(model, no_update)
    model.set_mode("password")
    hidden = (screen.password.password, screen.reveal.tooltip)

    model.toggle_password()

    assert hidden == (True, "Show password")
    assert screen.password.password is False
    assert screen.reveal.tooltip == "Hide password"
    assert "signin-reveal-password" in identifiers(screen.root)


async def test_signin_in_chinese(context: AppContext) -> None:
    context.i18n.set_locale("zh-CN")
    screen = SignInScreen(SignInViewModel(context), no_update)

    assert "登录 vidswap" in texts(screen.root)
    assert screen.send_code.content == "获取验证码"


async def test_create_identifiers_after_picking(context: AppContext) -> None:
    await sign_in_context(context)
    empty = CreateScreen(CreateViewModel(context), no_update, picking())
    form = await filled_create_form(context)
    filled = CreateScreen(form, no_update, picking())

    expected = {"create-pick-face", "create-pick-target", "create-consent", "create-submit"}
    assert expected <= identifiers(empty.root)
    assert empty.submit.disabled is True
    assert empty.submit_hint.visible is True
    assert empty.submit_hint.value == "Choose a face photo first."
    assert filled.submit.disabled is False
    assert filled.submit_hint.visible is False
    assert filled.cost.value is not None
    assert filled.cost.value.startswith("Costs 2 Energy")


async def test_create_file_name_lines(context: AppContext) -> None:
    await sign_in_context(context)
    empty = CreateScreen(CreateViewModel(context), no_update, picking())
    filled = CreateScreen(await filled_create_form(context), no_update, picking())

    assert empty.face.name.visible is False
    assert empty.target.name.visible is False
    assert filled.face.name.visible is True
    assert str(filled.face.name.value).startswith("obama-official-portrait-2012.jpg")
    assert filled.target.name.visible is True


async def test_tasks_rows_and_detail(context: AppContext) -> None:
    await sign_in_context(context)
    form = await filled_create_form(context)
    created = await form.submit()
    assert created is not None
    model = TasksViewModel(context)
    opened: list[str] = []
    screen = TasksScreen(model, no_update, lambda task: opened.append(task.task_id))

    await screen.on_show()
    detail = TaskDetailScreen(
        TaskDetailViewModel(context, created),
        no_update,
        picking(),
        close=no_update,
        show_dialog=lambda _: None,
        hide_dialog=no_update,
    )

    assert f"task-row-{created.task_id}" in identifiers(screen.root)
    assert "0%" in texts(screen.root)
    subtitles = [text for text in texts(screen.root) if " s video · 2 Energy\n" in text]
    assert len(subtitles) == 1
    assert detail.back.tooltip == "Back"
    assert {"task-progress", "task-cancel", "task-delete"} <= identifiers(detail.root)
    assert "task-download" not in identifiers(detail.root)
    assert detail.progress_tag.label == "0%"
    await detail.on_show()
    assert detail.details.visible is True
    # The clip is just over 1 s, and the cost counts started seconds, so the length shows
    # its hundredths to explain the 2 Energy.
    assert str(detail.details.value).startswith("1.0")
    assert str(detail.details.value).endswith(" s video · 2 Energy")


@pytest.mark.parametrize(
    ("locale", "ready", "close"),
    [
        ("en", "Your face swap is ready: 4 s video · 4 Energy.", "Close"),
        ("zh-CN", "你的换脸视频已完成：4 秒视频 · 4 能量。", "关闭"),
    ],
)
def test_banner_row_per_task(context: AppContext, locale: str, ready: str, close: str) -> None:
    context.i18n.set_locale(locale)
    viewed: list[str] = []
    closed: list[str] = []
    row = banner_row(
        context,
        Task("t1", "completed", 100, duration_seconds=4.0, energy_cost=4),
        lambda task: viewed.append(task.task_id),
        lambda task: closed.append(task.task_id),
    )
    view = next(node for node in walk(row) if isinstance(node, ft.TextButton))
    buttons = [node for node in walk(row) if isinstance(node, ft.IconButton)]
    view.on_click(None)  # type: ignore[arg-type, call-arg, misc]
    buttons[0].on_click(None)  # type: ignore[arg-type, call-arg, misc]

    assert ready in texts(row)
    assert {"banner-view-t1", "banner-close-t1"} <= identifiers(row)
    assert [button.tooltip for button in buttons] == [close]
    assert viewed == ["t1"]
    assert closed == ["t1"]


def test_banner_without_details(context: AppContext) -> None:
    row = banner_row(context, Task("t2", "completed", 100), lambda _: None, lambda _: None)

    assert "Your face swap is ready." in texts(row)


async def test_tasks_empty_and_skeleton(context: AppContext) -> None:
    await sign_in_context(context)
    model = TasksViewModel(context)
    screen = TasksScreen(model, no_update, lambda _: None)

    loading = [node for node in walk(screen.root) if isinstance(node, ft.Shimmer)]
    await screen.on_show()

    assert len(loading) == 1
    assert "No tasks yet" in texts(screen.root)


async def test_plans_buy_buttons(context: AppContext) -> None:
    await sign_in_context(context)
    model = PlansViewModel(context)
    screen = PlansScreen(model, no_update, lambda _: None)

    await screen.on_show()

    buttons = {f"plans-buy-{product.id}" for product in model.products}
    assert buttons
    assert buttons <= identifiers(screen.root)


def profile_screen(model: ProfileViewModel) -> ProfileScreen:
    """Build the profile screen with no page behind it: dialogs and theme changes do nothing."""
    return ProfileScreen(
        model,
        no_update,
        picking(),
        show_dialog=lambda _: None,
        hide_dialog=no_update,
        set_theme_mode=lambda _: None,
    )


@pytest.mark.parametrize(("locale", "sign_out"), [("en", "Sign out"), ("zh-CN", "退出登录")])
async def test_profile_settings(context: AppContext, locale: str, sign_out: str) -> None:
    await sign_in_context(context)
    context.i18n.set_locale(locale)
    screen = profile_screen(ProfileViewModel(context))

    await screen.on_show()

    assert {"settings-language", "profile-sign-out", "profile-delete"} <= identifiers(screen.root)
    assert screen.sign_out.content == sign_out
    assert screen.language.value == locale


async def test_profile_empty_nickname_under_field(context: AppContext) -> None:
    await sign_in_context(context)
    model = ProfileViewModel(context)
    screen = profile_screen(model)
    await screen.on_show()

    model.nickname = ""
    await model.save_nickname()

    assert isinstance(screen.nickname.error, str)
    assert "nickname" in screen.nickname.error.lower()
    assert screen.error.visible is False
    assert screen.notice.visible is False


async def test_profile_history_rows_unindented(context: AppContext) -> None:
    await sign_in_context(context)
    screen = profile_screen(ProfileViewModel(context))

    await screen.on_show()
    tiles = [node for node in walk(screen.history) if isinstance(node, ft.ListTile)]

    assert tiles, "the new account has no Energy history rows"
    assert [tile.content_padding for tile in tiles] == [0] * len(tiles)


async def test_failed_task_shows_error(context: AppContext) -> None:
    failed = Task("t9", "failed", 30, error_message="No face was found in the photo.")
    detail = TaskDetailScreen(
        TaskDetailViewModel(context, failed),
        no_update,
        picking(),
        close=no_update,
        show_dialog=lambda _: None,
        hide_dialog=no_update,
    )

    assert detail.error.value == "It failed: No face was found in the photo."
    assert detail.error.visible is True


async def test_completed_task_shows_notice(context: AppContext) -> None:
    message = "No face was found in beach.mp4; the output is the input with the AI label only."
    completed = Task("t10", "completed", 100, notices=(TaskNotice("face_none_in_target", message),))
    detail = TaskDetailScreen(
        TaskDetailViewModel(context, completed),
        no_update,
        picking(),
        close=no_update,
        show_dialog=lambda _: None,
        hide_dialog=no_update,
    )

    texts = [
        control.value
        for row in detail.swap_notices.controls
        for control in row.controls  # type: ignore[attr-defined]
        if isinstance(control, ft.Text)
    ]
    assert texts == [message]
    assert detail.swap_notices_tag.visible is True
    assert detail.error.visible is False


@pytest.mark.parametrize(("locale", "tasks_label"), [("en", "Tasks"), ("zh-CN", "任务")])
async def test_navigation_tabs_tagged(context: AppContext, locale: str, tasks_label: str) -> None:
    context.i18n.set_locale(locale)

    items = tab_items(context.i18n.t)
    icon_ids = [identifiers(icon) for _, icon, _ in items]
    selected_ids = [identifiers(selected) for _, _, selected in items]

    assert icon_ids == [{"nav-create"}, {"nav-tasks"}, {"nav-plans"}, {"nav-profile"}]
    assert selected_ids == icon_ids
    assert items[1][0] == tasks_label


async def completed_task_screens(
    context: AppContext, runtime: Runtime, tmp_path: Path, web: bool
) -> tuple[TasksScreen, TaskDetailScreen, Task]:
    """Return the list and the page of a task that was created in the app and completed."""
    # Flet makes the page current inside app callbacks, and client actions such as
    # CopyToClipboard look up the page's services, so a stand-in is made current here.
    _context_page.set(ServicePage())  # type: ignore[arg-type]
    await sign_in_context(context)
    form = await filled_create_form(context)
    created = await form.submit()
    assert created is not None
    await store_result(runtime, created.task_id, tmp_path)
    tasks = TasksScreen(TasksViewModel(context), no_update, lambda _: None)
    await tasks.on_show()
    detail = TaskDetailScreen(
        TaskDetailViewModel(context, created),
        no_update,
        picking(),
        close=no_update,
        show_dialog=lambda _: None,
        hide_dialog=no_update,
        web=web,
    )
    await detail.on_show()
    return tasks, detail, created


async def test_completed_task_on_web(context: AppContext, runtime: Runtime, tmp_path: Path) -> None:
    tasks, detail, created = await completed_task_screens(context, runtime, tmp_path, web=True)
    thumbnails = [node for node in walk(tasks.root) if isinstance(node, ft.Image)]
    videos = [node for node in walk(detail.root) if isinstance(node, ftv.Video)]

    assert f"task-thumbnail-{created.task_id}" in identifiers(tasks.root)
    assert "Done" in texts(tasks.root)
    assert not [text for text in texts(tasks.root) if text.endswith("%")]
    assert len(thumbnails) == 1
    assert "signature=" in str(thumbnails[0].src)
    assert {"task-compare", "task-download", "task-copy-link"} <= identifiers(detail.root)
    assert "task-share" not in identifiers(detail.root)
    assert isinstance(detail.copy_link.action, ft.CopyToClipboard)
    assert detail.copy_link.action.data == detail.model.result_url
    assert [video.playlist[0].resource for video in videos] == [detail.model.result_url]


async def test_compare_side_by_side(context: AppContext, runtime: Runtime, tmp_path: Path) -> None:
    _, detail, _ = await completed_task_screens(context, runtime, tmp_path, web=False)

    detail.model.set_compare("both")
    both = [
        video.playlist[0].resource for video in walk(detail.root) if isinstance(video, ftv.Video)
    ]
    both_texts = texts(detail.root)
    detail.model.set_compare("original")
    original = [
        video.playlist[0].resource for video in walk(detail.root) if isinstance(video, ftv.Video)
    ]

    assert both == [detail.model.target_url, detail.model.result_url]
    assert {"Before", "After"} <= both_texts
    assert original == [detail.model.target_url]
    assert "task-share" in identifiers(detail.root)
    assert "task-copy-link" not in identifiers(detail.root)
