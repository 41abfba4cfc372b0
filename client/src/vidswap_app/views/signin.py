"""Sign-in screen: SMS code, password, sign-up."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import flet as ft

from vidswap_app.viewmodels.signin import Mode, SignInViewModel
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
        self.password = self._field(
            password=True, can_reveal_password=True, on_change=self._set("password")
        )
        self.email = self._field(keyboard_type=ft.KeyboardType.EMAIL, on_change=self._set("email"))
        self.nickname = self._field(on_change=self._set("nickname"))
        self.submit = ft.FilledButton(on_click=self._submit, height=48)
        # NOTE: there are no Apple, Google or WeChat buttons yet, because no API endpoint
        # tells the app which third-party logins the server has configured.
        self.error = error_text(None)
        self.notice = muted("")

        # Semantics needs visible content, so these wrappers are what is shown or hidden.
        self.code_box = ft.Container(tagged("signin-code", self.code), expand=True)
        self.send_code_tag = tagged("signin-send-code", self.send_code)
        self.sms_fields = ft.Column(
            [
                tagged("signin-phone", self.phone),
                ft.Row(
                    [self.code_box, self.send_code_tag],
                    vertical_alignment=ft.CrossAxisAlignment.CENTER,
                ),
            ],
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
        form = card(
            self.mode,
            self.sms_fields,
            self.password_fields,
            self.signup_fields,
            self.password_row,
            self.error,
            self.notice,
            tagged("signin-submit", self.submit),
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

    @staticmethod
    def _field(**options: object) -> ft.TextField:
        return ft.TextField(border_radius=12, **options)  # type: ignore[arg-type]

    def _set(self, name: str) -> Callable[[ft.Event[ft.TextField]], None]:
        def handler(event: ft.Event[ft.TextField]) -> None:
            setattr(self.model, name, event.control.value)

        return handler

    def refresh(self) -> None:
        model, t = self.model, self.t
        self.title.value = t("signin.title")
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
        sms, signup = model.mode == "sms", model.mode == "signup"
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
        submit_key = "signin.signup_submit" if signup else "signin.submit"
        self.submit.content = t(submit_key)
        self.submit.disabled = model.submitting
        self.error.value, self.error.visible = model.error or "", bool(model.error)
        self.notice.value, self.notice.visible = model.notice or "", bool(model.notice)

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

    async def _submit(self, _: ft.Event[ft.Button]) -> None:
        await self.model.submit()
