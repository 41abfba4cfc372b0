"""The sign-in methods card of the profile screen: link or unlink Apple, Google, WeChat."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import flet as ft

from vidswap_app.viewmodels.identities import IdentitiesViewModel
from vidswap_app.viewmodels.signin import POLL_SECONDS
from vidswap_app.views.base import Screen
from vidswap_app.views.common import card, error_text, muted, tagged

ICONS = {"apple": ft.Icons.APPLE, "wechat": ft.Icons.WECHAT, "google": ft.Icons.LOGIN}


class IdentitiesCard(Screen):
    model: IdentitiesViewModel

    def __init__(self, model: IdentitiesViewModel, update: Callable[[], None]) -> None:
        super().__init__(model, update)
        self.title = ft.Text(weight=ft.FontWeight.W_600)
        self.rows = ft.Column(spacing=4)
        self.cancel = ft.TextButton(on_click=self._cancel)
        self.waiting = ft.Row(
            [
                ft.ProgressRing(width=18, height=18, stroke_width=2),
                tagged("profile-link-cancel", self.cancel),
            ],
            alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
        )
        self.error = error_text(None)
        self.notice = muted("")
        self.root = card(self.title, self.rows, self.waiting, self.error, self.notice)
        self.refresh()

    def refresh(self) -> None:
        model, t = self.model, self.t
        self.root.visible = bool(model.offered)
        self.title.value = t("profile.sign_ins")
        self.rows.controls = [self._row(provider) for provider in model.offered]
        self.waiting.visible = model.linking is not None
        self.cancel.content = t("signin.social_cancel")
        self.error.value, self.error.visible = model.error or "", bool(model.error)
        self.notice.value, self.notice.visible = model.notice or "", bool(model.notice)

    def _row(self, provider: str) -> ft.Control:
        model, t = self.model, self.t
        linked = provider in model.linked
        status = muted(t("profile.linked") if linked else t("profile.not_linked"), size=13)
        if linked:
            action: ft.Control = tagged(
                f"profile-unlink-{provider}",
                ft.TextButton(
                    t("profile.unlink"), on_click=self._unlink(provider), disabled=model.busy
                ),
            )
        else:
            action = tagged(
                f"profile-link-{provider}",
                ft.OutlinedButton(
                    t("profile.link"),
                    on_click=self._link(provider),
                    disabled=model.linking is not None,
                ),
            )
        label = ft.Column([ft.Text(model.provider_name(provider)), status], spacing=0, expand=True)
        return ft.Row(
            [ft.Icon(ICONS.get(provider, ft.Icons.LOGIN)), label, action],
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
        )

    def _link(self, provider: str) -> Callable[[ft.Event[ft.OutlinedButton]], Any]:
        async def handler(_: ft.Event[ft.OutlinedButton]) -> None:
            url = await self.model.start_link(provider)
            if url is None:
                return
            await ft.UrlLauncher().launch_url(url)
            self.spawn(self._wait())

        return handler

    def _unlink(self, provider: str) -> Callable[[ft.Event[ft.TextButton]], Any]:
        async def handler(_: ft.Event[ft.TextButton]) -> None:
            await self.model.unlink(provider)

        return handler

    async def _wait(self) -> None:
        while self.model.linking is not None:
            await asyncio.sleep(POLL_SECONDS)
            await self.model.poll_link()

    async def _cancel(self, _: ft.Event[ft.TextButton]) -> None:
        self.model.cancel_link()
