"""A stand-in for the client's sign-in screen, served by the browser tests while the
client package has no ``main`` yet. It exposes the same Semantics identifiers."""

from __future__ import annotations

import flet as ft


def main(page: ft.Page) -> None:
    page.title = "vidswap"
    page.add(
        ft.Text("登录 vidswap", size=28),
        ft.Semantics(identifier="signin-phone", content=ft.TextField(label="手机号")),
        ft.Semantics(identifier="signin-send-code", content=ft.Button("获取验证码")),
        ft.Semantics(identifier="signin-code", content=ft.TextField(label="验证码")),
        ft.Semantics(identifier="signin-submit", content=ft.FilledButton("登录")),
    )
