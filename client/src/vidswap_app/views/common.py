"""Shared look: the colour theme, spacing, and building blocks used by every screen."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import flet as ft

SEED_COLOR = "#5B4CF0"
SPACING = 16
RADIUS = 16
# Windows narrower than this get a bottom navigation bar, wider ones a navigation rail.
DESKTOP_MIN_WIDTH = 720
CONTENT_MAX_WIDTH = 880


def themes() -> tuple[ft.Theme, ft.Theme]:
    """Return the light and the dark theme, both generated from SEED_COLOR (Material 3)."""
    return ft.Theme(color_scheme_seed=SEED_COLOR), ft.Theme(color_scheme_seed=SEED_COLOR)


def tagged(identifier: str, control: ft.Control, label: str | None = None) -> ft.Semantics:
    """Wrap ``control`` so browser tests and screen readers find it by ``identifier``
    (Flutter's ``flt-semantics-identifier`` on the web) and read ``label``."""
    return ft.Semantics(identifier=identifier, label=label, content=control)


def heading(text: str) -> ft.Text:
    return ft.Text(text, size=24, weight=ft.FontWeight.W_600)


def muted(text: str, size: int = 14) -> ft.Text:
    return ft.Text(text, size=size, color=ft.Colors.ON_SURFACE_VARIANT)


def card(*controls: ft.Control, spacing: int = 12) -> ft.Card:
    column = ft.Column(
        list(controls),
        spacing=spacing,
        tight=True,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
    )
    return ft.Card(content=ft.Container(column, padding=SPACING), elevation=1)


def error_text(message: str | None) -> ft.Text:
    return ft.Text(message or "", color=ft.Colors.ERROR, visible=bool(message))


def info_text(message: str) -> ft.Row:
    """Build a line of information for the user, with an info icon and no error colour."""
    return ft.Row(
        [
            ft.Icon(ft.Icons.INFO_OUTLINE, size=18, color=ft.Colors.PRIMARY),
            ft.Text(message, expand=True),
        ],
        spacing=8,
        vertical_alignment=ft.CrossAxisAlignment.START,
    )


def empty_state(icon: ft.IconData, title: str, hint: str) -> ft.Container:
    """Build a centred icon, title and hint for a list with nothing in it yet."""
    column = ft.Column(
        [
            ft.Icon(icon, size=56, color=ft.Colors.PRIMARY),
            ft.Text(title, size=18, weight=ft.FontWeight.W_600),
            muted(hint),
        ],
        horizontal_alignment=ft.CrossAxisAlignment.CENTER,
        spacing=8,
        tight=True,
    )
    return ft.Container(column, padding=48, alignment=ft.Alignment.CENTER)


def offline_state(
    title: str, message: str, retry_label: str, on_retry: Callable[[], Awaitable[None]]
) -> ft.Container:
    """Build a plain notice that the server cannot be reached, with a retry button."""

    async def retry(_: ft.Event[ft.Button]) -> None:
        await on_retry()

    column = ft.Column(
        [
            ft.Icon(ft.Icons.CLOUD_OFF, size=56, color=ft.Colors.ERROR),
            ft.Text(title, size=18, weight=ft.FontWeight.W_600),
            muted(message),
            tagged("offline-retry", ft.FilledButton(retry_label, on_click=retry)),
        ],
        horizontal_alignment=ft.CrossAxisAlignment.CENTER,
        spacing=8,
        tight=True,
    )
    return ft.Container(column, padding=48, alignment=ft.Alignment.CENTER)


def skeleton_rows(count: int = 3) -> ft.Shimmer:
    """Build grey placeholder rows that shimmer while a list loads."""
    rows: list[ft.Control] = [
        ft.Container(height=72, border_radius=RADIUS, bgcolor=ft.Colors.SURFACE_CONTAINER_HIGH)
        for _ in range(count)
    ]
    return ft.Shimmer(
        content=ft.Column(rows, spacing=12),
        base_color=ft.Colors.SURFACE_CONTAINER_HIGH,
        highlight_color=ft.Colors.SURFACE_CONTAINER_LOWEST,
    )


def screen(
    *controls: ft.Control,
    on_scroll: Callable[[ft.OnScrollEvent], Awaitable[None]] | None = None,
) -> ft.Container:
    """Lay out one screen's content: scrollable, padded, at most CONTENT_MAX_WIDTH wide."""
    column = ft.Column(
        list(controls),
        spacing=SPACING,
        scroll=ft.ScrollMode.AUTO,
        expand=True,
        on_scroll=on_scroll,
    )
    inner = ft.Container(column, width=CONTENT_MAX_WIDTH, padding=SPACING, expand=True)
    return ft.Container(inner, alignment=ft.Alignment.TOP_CENTER, expand=True)
