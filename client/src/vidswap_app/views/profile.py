"""Profile screen: nickname, avatar, membership, Energy, language, theme, sign-out, delete."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from vidswap_app.viewmodels.identities import IdentitiesViewModel
from vidswap_app.viewmodels.profile import ProfileViewModel, ThemeChoice
from vidswap_app.views.base import Screen
from vidswap_app.views.common import card, error_text, heading, muted, screen, tagged
from vidswap_app.views.files import FilePicking
from vidswap_app.views.identities import IdentitiesCard

THEME_MODES = {
    "system": ft.ThemeMode.SYSTEM,
    "light": ft.ThemeMode.LIGHT,
    "dark": ft.ThemeMode.DARK,
}


class ProfileScreen(Screen):
    model: ProfileViewModel

    def __init__(
        self,
        model: ProfileViewModel,
        update: Callable[[], None],
        files: FilePicking,
        show_dialog: Callable[[ft.DialogControl], None],
        hide_dialog: Callable[[], None],
        set_theme_mode: Callable[[ft.ThemeMode], None],
    ) -> None:
        super().__init__(model, update)
        self.files = files
        self.show_dialog = show_dialog
        self.hide_dialog = hide_dialog
        self.set_theme_mode = set_theme_mode
        self.title = heading("")

        self.avatar = ft.CircleAvatar(radius=36)
        self.avatar_button = ft.TextButton(on_click=self._change_avatar)
        self.avatar_remove = ft.TextButton(on_click=self._remove_avatar)
        self.avatar_remove_tag = tagged("profile-avatar-remove", self.avatar_remove)
        self.name = ft.Text(size=20, weight=ft.FontWeight.W_600)
        self.level = ft.Text(color=ft.Colors.PRIMARY, weight=ft.FontWeight.W_600)
        self.expiry = muted("")
        # The server's reason for a rejected nickname is a sentence, so it may wrap.
        self.nickname = ft.TextField(
            border_radius=12, error_max_lines=3, on_change=self._set_nickname
        )
        self.save = ft.OutlinedButton(on_click=self._save_nickname)

        self.energy_title = ft.Text(weight=ft.FontWeight.W_600)
        self.balance = ft.Text(size=28, weight=ft.FontWeight.W_700)
        self.history_title = muted("")
        self.history = ft.Column(spacing=0)

        self.language = ft.Dropdown(on_select=self._set_language, width=220)
        self.theme = ft.SegmentedButton(
            segments=[ft.Segment(value) for value in THEME_MODES],
            selected=[model.theme],
            show_selected_icon=False,
            on_change=self._set_theme,
        )
        self.theme_label = ft.Text(weight=ft.FontWeight.W_600)
        self.language_label = ft.Text(weight=ft.FontWeight.W_600)

        self.sign_out = ft.OutlinedButton(icon=ft.Icons.LOGOUT, on_click=self._sign_out)
        self.delete = ft.TextButton(
            icon=ft.Icons.DELETE_FOREVER, on_click=self._ask_delete, icon_color=ft.Colors.ERROR
        )
        self.error = error_text(None)
        self.notice = muted("")
        self.identities = IdentitiesCard(IdentitiesViewModel(model.context), update)

        self.root = screen(
            self.title,
            card(
                ft.Row(
                    [
                        self.avatar,
                        ft.Column([self.name, self.level, self.expiry], spacing=2, expand=True),
                    ]
                ),
                ft.Row(
                    [tagged("profile-avatar", self.avatar_button), self.avatar_remove_tag],
                    wrap=True,
                ),
                ft.Row(
                    [
                        ft.Container(tagged("profile-nickname", self.nickname), expand=True),
                        self.save,
                    ]
                ),
            ),
            card(self.energy_title, self.balance, self.history_title, self.history),
            self.identities.root,
            card(
                self.language_label,
                tagged("settings-language", self.language),
                self.theme_label,
                tagged("settings-theme", self.theme),
            ),
            self.error,
            self.notice,
            ft.Row(
                [tagged("profile-sign-out", self.sign_out), tagged("profile-delete", self.delete)],
                wrap=True,
            ),
        )
        self.refresh()

    async def on_show(self) -> None:
        await self.model.load()
        await self.identities.model.load()

    def refresh(self) -> None:
        model, t = self.model, self.t
        self.identities.refresh()
        profile = model.profile
        self.title.value = t("profile.title")
        self.name.value = profile.nickname if profile else ""
        # The initial stays underneath, so it shows while the picture loads or if it fails.
        self.avatar.content = avatar_placeholder(self.name.value or "")
        self.avatar.foreground_image_src = model.avatar_url
        self.avatar_button.content = t("profile.avatar_change")
        self.avatar_remove.content = t("profile.avatar_remove")
        self.avatar_remove_tag.visible = model.avatar_url is not None
        self.level.value = model.level_text
        self.expiry.value, self.expiry.visible = model.expiry_text or "", bool(model.expiry_text)
        self.nickname.label = t("profile.nickname")
        self.nickname.value = model.nickname
        self.nickname.error = model.nickname_error
        self.save.content = t("common.save")
        self.energy_title.value = t("profile.energy")
        self.balance.value = model.balance_text
        self.history_title.value = t("profile.energy_history")
        self.history.controls = self._history()
        self.language_label.value = t("profile.language")
        self.language.options = [
            ft.DropdownOption(key=locale, text=name) for locale, name in model.languages
        ]
        self.language.value = model.context.i18n.locale
        self.theme_label.value = t("profile.theme")
        for segment in self.theme.segments:
            segment.label = t(f"theme.{segment.value}")
        self.theme.selected = [model.theme]
        self.sign_out.content = t("profile.sign_out")
        self.delete.content = t("profile.delete_account")
        self.error.value, self.error.visible = model.error or "", bool(model.error)
        self.notice.value, self.notice.visible = model.notice or "", bool(model.notice)

    def _history(self) -> list[ft.Control]:
        model = self.model
        if model.energy is None:
            return []
        if not model.energy.entries:
            return [muted(self.t("profile.history_empty"))]
        rows: list[ft.Control] = []
        for entry in model.energy.entries[:20]:
            reason, when, delta = model.entry_text(entry)
            color = ft.Colors.GREEN if entry.delta > 0 else ft.Colors.ON_SURFACE
            rows.append(
                ft.ListTile(
                    title=ft.Text(reason),
                    subtitle=ft.Text(when),
                    trailing=ft.Text(delta, color=color, weight=ft.FontWeight.W_600),
                    dense=True,
                    # Without it the tile's 16 px inset sets the rows in from the card's title.
                    content_padding=0,
                )
            )
        return rows

    def _set_nickname(self, event: ft.Event[ft.TextField]) -> None:
        self.model.nickname = event.control.value

    async def _save_nickname(self, _: ft.Event[ft.OutlinedButton]) -> None:
        await self.model.save_nickname()

    async def _change_avatar(self, _: ft.Event[ft.TextButton]) -> None:
        source = await self.files.pick("image")
        if source is not None:
            data = source.read(0, source.size)
            await self.model.set_avatar(source.filename, data, source.content_type)

    async def _remove_avatar(self, _: ft.Event[ft.TextButton]) -> None:
        await self.model.remove_avatar()

    async def _set_language(self, event: ft.Event[ft.Dropdown]) -> None:
        if event.control.value:
            await self.model.set_language(event.control.value)

    async def _set_theme(self, event: ft.Event[ft.SegmentedButton]) -> None:
        if event.control.selected:
            choice: ThemeChoice = event.control.selected[0]  # type: ignore[assignment]
            self.model.set_theme(choice)
            self.set_theme_mode(THEME_MODES[choice])

    async def _sign_out(self, _: ft.Event[ft.OutlinedButton]) -> None:
        await self.model.sign_out()

    async def _ask_delete(self, _: ft.Event[ft.TextButton]) -> None:
        self.model.ask_delete()

        async def confirm(_: ft.Event[ft.Button]) -> None:
            self.hide_dialog()
            await self.model.confirm_delete()

        def keep(_: ft.Event[ft.TextButton]) -> None:
            self.hide_dialog()
            self.model.keep_account()

        dialog = ft.AlertDialog(
            modal=True,
            title=ft.Text(self.t("profile.delete_title")),
            content=ft.Text(self.t("profile.delete_text")),
            actions=[
                tagged(
                    "profile-delete-keep", ft.TextButton(self.t("common.cancel"), on_click=keep)
                ),
                tagged(
                    "profile-delete-confirm",
                    ft.FilledButton(
                        self.t("profile.delete_confirm"),
                        on_click=confirm,
                        style=ft.ButtonStyle(bgcolor=ft.Colors.ERROR, color=ft.Colors.ON_ERROR),
                    ),
                ),
            ],
        )
        self.show_dialog(dialog)


def avatar_placeholder(nickname: str) -> ft.Control:
    """Return the nickname's first letter, or a person icon when it starts with a digit
    or a sign (a masked phone number such as 138****5840)."""
    first = nickname[:1]
    if first.isalpha():
        return ft.Text(first.upper(), size=28)
    return ft.Icon(ft.Icons.PERSON, size=36)
