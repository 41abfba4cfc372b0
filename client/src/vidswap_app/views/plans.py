"""Plans screen: products with prices and benefits, buying, and the order history."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from vidswap_app.models import Product
from vidswap_app.viewmodels.plans import PlansViewModel
from vidswap_app.views.base import Screen
from vidswap_app.views.common import (
    card,
    error_text,
    heading,
    muted,
    offline_state,
    screen,
    skeleton_rows,
    tagged,
)


class PlansScreen(Screen):
    model: PlansViewModel

    def __init__(
        self,
        model: PlansViewModel,
        update: Callable[[], None],
        open_url: Callable[[str], object],
    ) -> None:
        super().__init__(model, update)
        self.open_url = open_url
        self.title = heading("")
        self.error = error_text(None)
        self.notice = ft.Text(color=ft.Colors.PRIMARY, weight=ft.FontWeight.W_600)
        self.products = ft.ResponsiveRow(spacing=16, run_spacing=16)
        self.orders_title = ft.Text(size=18, weight=ft.FontWeight.W_600)
        self.orders = ft.Column(spacing=4)
        self.root = screen(
            self.title,
            self.notice,
            self.error,
            self.products,
            self.orders_title,
            self.orders,
        )
        self.refresh()

    async def on_show(self) -> None:
        await self.model.load()

    def refresh(self) -> None:
        model, t = self.model, self.t
        self.title.value = t("plans.title")
        self.notice.value, self.notice.visible = model.notice or "", bool(model.notice)
        self.error.value = model.error or ""
        self.error.visible = bool(model.error) and model.loaded
        self.orders_title.value = t("plans.orders")
        self.orders_title.visible = model.context.signed_in and model.loaded
        if not model.loaded:
            self.products.controls = [self._placeholder()]
            self.orders.controls = []
            return
        if not model.products:
            self.products.controls = [muted(t("plans.empty"))]
        else:
            self.products.controls = [self._product(product) for product in model.products]
        self.orders.controls = self._orders()

    def _placeholder(self) -> ft.Control:
        model, t = self.model, self.t
        if model.offline:
            retry = offline_state(
                t("offline.title"), model.error or "", t("common.retry"), model.load
            )
            return ft.Container(retry, col=12)
        return ft.Container(skeleton_rows(2), col=12)

    def _product(self, product: Product) -> ft.Control:
        model = self.model
        # The text expands so that a long benefit wraps inside the card.
        benefits = [
            ft.Row(
                [
                    ft.Icon(ft.Icons.CHECK, size=18, color=ft.Colors.PRIMARY),
                    ft.Text(line, expand=True),
                ],
                vertical_alignment=ft.CrossAxisAlignment.START,
            )
            for line in model.benefit_lines(product)
        ]

        async def buy(_: ft.Event[ft.Button]) -> None:
            await model.buy(product)
            if model.checkout_url:
                self.open_url(model.checkout_url)

        button = ft.FilledButton(
            model.buy_label(product),
            on_click=buy,
            disabled=model.paying is not None or model.provider_for(product) is None,
        )
        body = card(
            ft.Text(product.name, size=18, weight=ft.FontWeight.W_600),
            ft.Text(model.price_text(product), size=28, weight=ft.FontWeight.W_700),
            muted(product.description),
            *benefits,
            ft.Row([tagged(f"plans-buy-{product.id}", button)]),
        )
        return ft.Container(body, col={"xs": 12, "md": 6, "lg": 4})

    def _orders(self) -> list[ft.Control]:
        model, t = self.model, self.t
        if not model.context.signed_in:
            return []
        if not model.orders:
            return [muted(t("plans.orders_empty"))]
        rows: list[ft.Control] = []
        for order in model.orders:
            name, detail, status = model.order_text(order)
            rows.append(
                tagged(
                    f"order-row-{order.order_id}",
                    ft.ListTile(
                        title=ft.Text(name),
                        subtitle=ft.Text(detail),
                        trailing=ft.Text(status, weight=ft.FontWeight.W_600),
                    ),
                )
            )
        return rows
