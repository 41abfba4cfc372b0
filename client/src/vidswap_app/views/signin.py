"""Sign-in screen: SMS code, password, sign-up, and Apple, Google or WeChat."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import flet as ft

from vidswap_app.viewmodels.signin import POLL_SECONDS, Mode, SignInViewModel
from vidswap_app.views.base import Screen
from vidswap_app.views.common import SPACING, card, error_text, muted, tagged

STRETCH = ft.CrossAxisAlignment.STRETCH


class SignInScreen(Screen):
    model: SignInViewModel

    def __init__(self, model: SignInViewModel, update: Callable[[], None]) -> None:
        super().__init__(model, update)
        self._ticking = False
        self.title = ft.Text(size=28, weight=ft.FontWeight.W_700)
        self.tagline = muted("")
        self.expired = ft.Text(color=ft.Colors.ERROR)
        self.mode = ft.SegmentedButton(
            segments=[ft.Segment(value) for value in ("sms", "password", "signup")],
            selected=[model.mode],
            show_selected_icon=False,
            on_change=self._change_mode,
        )
        self.phone = self._field(keyboard_type=ft.KeyboardType.PHONE, on_change=self._set("phone"))
        self.code = self._field(
            keyboard_type=ft.KeyboardType.NUMBER,
            max_length=6,
            # An empty counter hides Flutter's "0/6", which pushed the send button out of line.
            counter="",
            on_change=self._set("code"),
        )
        self.send_code = ft.OutlinedButton(on_click=self._send_code)
        self.account = self._field(on_change=self._set("account"))
        # Flet 1.0.5's own reveal button (can_reveal_password) has no tooltip, so screen
        # readers read it as an unlabelled button.
        self.reveal = ft.IconButton(on_click=self._toggle_password)
        self.password = self._field(
            password=True,
            suffix_icon=tagged("signin-reveal-password", self.reveal),
            on_change=self._set("password"),
        )
        self.email = self._field(keyboard_type=ft.KeyboardType.EMAIL, on_change=self._set("email"))
        self.nickname = self._field(on_change=self._set("nickname"))
        self.submit = ft.FilledButton(on_click=self._submit, height=48)
        self.error = error_text(None)
        self.notice = muted("")
        self.signup_hint = muted("")

        # Semantics needs visible content, so these wrappers are what is shown or hidden.
        self.code_box = ft.Container(tagged("signin-code", self.code), expand=True)
        self.send_code_tag = tagged("signin-send-code", self.send_code)
        self.code_row = ft.Row(
            [self.code_box, self.send_code_tag],
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
        )
        self.sms_fields = ft.Column(
            [tagged("signin-phone", self.phone), self.code_row],
            spacing=12,
            horizontal_alignment=STRETCH,
        )
        self.password_fields = ft.Column(
            [tagged("signin-account", self.account)], spacing=12, horizontal_alignment=STRETCH
        )
        self.signup_fields = ft.Column(
            [tagged("signup-email", self.email), tagged("signup-nickname", self.nickname)],
            spacing=12,
            horizontal_alignment=STRETCH,
        )
        self.password_row = tagged("signin-password", self.password)
        self.social = self._social_section()
        form = card(
            self.mode,
            self.signup_hint,
            self.sms_fields,
            self.password_fields,
            self.signup_fields,
            self.password_row,
            self.error,
            self.notice,
            tagged("signin-submit", self.submit),
            self.social,
            spacing=SPACING,
        )
        header = ft.Column(
            [
                ft.Icon(ft.Icons.FACE_RETOUCHING_NATURAL, size=48, color=ft.Colors.PRIMARY),
                self.title,
                self.tagline,
                self.expired,
            ],
            spacing=6,
        )
        column = ft.Column([header, form], spacing=SPACING * 1.5, width=440, tight=True)
        self.root = ft.Container(
            ft.Column(
                [column],
                scroll=ft.ScrollMode.AUTO,
                expand=True,
                horizontal_alignment=ft.CrossAxisAlignment.CENTER,
            ),
            alignment=ft.Alignment.TOP_CENTER,
            padding=ft.Padding.symmetric(vertical=48, horizontal=SPACING),
            expand=True,
        )
        self.refresh()
        self.spawn(model.load_providers())

    def _social_section(self) -> ft.Column:
        """Build the "or continue with" buttons and the wait while the provider's page is open."""
        icons = {"apple": ft.Icons.APPLE, "wechat": ft.Icons.WECHAT, "google": ft.Icons.LOGIN}
        self.social_heading = muted("", size=13)
        self.social_buttons = {
            name: ft.OutlinedButton(icon=icon, on_click=self._start_social(name), expand=True)
            for name, icon in icons.items()
        }
        self.social_tags = {
            name: ft.Container(tagged(f"signin-{name}", button), expand=True)
            for name, button in self.social_buttons.items()
        }
        self.social_cancel = ft.TextButton(on_click=self._cancel_social)
        self.social_wait = ft.Row(
            [
                ft.ProgressRing(width=18, height=18, stroke_width=2),
                tagged("signin-social-cancel", self.social_cancel),
            ],
            alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
        )
        self.social_row = ft.Row(list(self.social_tags.values()), spacing=8)
        return ft.Column(
            [ft.Divider(height=8), self.social_heading, self.social_row, self.social_wait],
            spacing=8,
            horizontal_alignment=STRETCH,
        )

    @staticmethod
    def _field(**options: object) -> ft.TextField:
        return ft.TextField(border_radius=12, **options)  # type: ignore[arg-type]

    def _set(self, name: str) -> Callable[[ft.Event[ft.TextField]], None]:
        def handler(event: ft.Event[ft.TextField]) -> None:
            setattr(self.model, name, event.control.value)

        return handler

    def refresh(self) -> None:
        model, t = self.model, self.t
        sms, signup = model.mode == "sms", model.mode == "signup"
        self.title.value = t("signin.signup_title" if signup else "signin.title")
        self.tagline.value = t("app.tagline")
        self.expired.value = t("signin.session_expired")
        self.expired.visible = model.context.session_expired
        labels = {
            "sms": "signin.tab_sms",
            "password": "signin.tab_password",
            "signup": "signin.tab_signup",
        }
        for segment in self.mode.segments:
            segment.label = t(labels[segment.value])
        self.mode.selected = [model.mode]

        self.phone.label, self.phone.hint_text = t("signin.phone"), t("signin.phone_hint")
        self.code.label = t("signin.code")
        self.account.label = t("signin.account")
        self.password.label = t("signin.password")
        self.password.password = not model.show_password
        self.reveal.icon = ft.Icons.VISIBILITY_OFF if model.show_password else ft.Icons.VISIBILITY
        self.reveal.tooltip = t(
            "signin.hide_password" if model.show_password else "signin.show_password"
        )
        self.email.label = t("signin.email")
        self.nickname.label = t("signin.nickname")
        for field, value in (
            (self.phone, model.phone),
            (self.code, model.code),
            (self.account, model.account),
            (self.password, model.password),
            (self.email, model.email),
            (self.nickname, model.nickname),
        ):
            field.value = value

        self.send_code.content = model.send_code_label
        self.send_code.disabled = not model.can_send_code
        self.signup_hint.value, self.signup_hint.visible = t("signin.signup_hint"), signup
        self.sms_fields.visible = sms
        self.code_box.visible = sms
        self.password_fields.visible = model.mode == "password"
        self.signup_fields.visible = signup
        self.password_row.visible = not sms
        if signup:
            # Sign-up takes an email or a phone number, so the phone field shows too.
            self.sms_fields.visible = True
            self.code_box.visible = False
            self.send_code_tag.visible = False
        else:
            self.send_code_tag.visible = True
        # An empty row would still add the column's spacing under the phone field.
        self.code_row.visible = not signup
        submit_key = "signin.signup_submit" if signup else "signin.submit"
        self.submit.content = t(submit_key)
        self.submit.disabled = model.submitting
        self.error.value, self.error.visible = model.error or "", bool(model.error)
        self.notice.value, self.notice.visible = model.notice or "", bool(model.notice)
        self._refresh_social()

    def _refresh_social(self) -> None:
        model, t = self.model, self.t
        self.social.visible = bool(model.providers)
        self.social_heading.value = t("signin.third_party")
        shown: list[ft.Control] = [
            self.social_tags[name] for name in model.providers if name in self.social_tags
        ]
        self.social_row.controls = shown
        for name, button in self.social_buttons.items():
            button.content = t(f"signin.{name}")
            button.disabled = model.waiting_for is not None
        self.social_wait.visible = model.waiting_for is not None
        self.social_cancel.content = t("signin.social_cancel")

    async def _change_mode(self, event: ft.Event[ft.SegmentedButton]) -> None:
        selected = event.control.selected
        if selected:
            mode: Mode = selected[0]  # type: ignore[assignment]
            self.model.set_mode(mode)

    async def _send_code(self, _: ft.Event[ft.OutlinedButton]) -> None:
        if await self.model.send_code() and not self._ticking:
            self.spawn(self._tick())

    async def _tick(self) -> None:
        """Redraw once a second while the resend countdown runs."""
        self._ticking = True
        try:
            while self.model.resend_seconds_left > 0:
                await asyncio.sleep(1)
                self.redraw()
        finally:
            self._ticking = False

    def _toggle_password(self, _: ft.Event[ft.IconButton]) -> None:
        self.model.toggle_password()

    async def _submit(self, _: ft.Event[ft.Button]) -> None:
        await self.model.submit()

    def _start_social(self, provider: str) -> Callable[[ft.Event[ft.OutlinedButton]], Any]:
        async def handler(_: ft.Event[ft.OutlinedButton]) -> None:
            url = await self.model.start_social(provider)
            if url is None:
                return
            await ft.UrlLauncher().launch_url(url)
            self.spawn(self._wait_for_provider())

        return handler

    async def _wait_for_provider(self) -> None:
        """Ask the server every few seconds until the user finished at the provider."""
        while self.model.waiting_for is not None:
            await asyncio.sleep(POLL_SECONDS)
            await self.model.poll_social()

    async def _cancel_social(self, _: ft.Event[ft.TextButton]) -> None:
        self.model.cancel_social()
