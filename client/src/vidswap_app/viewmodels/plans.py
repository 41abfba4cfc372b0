"""Plans screen: products with prices and benefits, paying, and the order history."""

from __future__ import annotations

import uuid

from vidswap_app.i18n import format_datetime, format_number, format_price
from vidswap_app.models import Order, Product
from vidswap_app.viewmodels.base import ViewModel
from vidswap_app.viewmodels.context import AppContext

SANDBOX = "sandbox"


class PlansViewModel(ViewModel):
    """Products and orders. One purchase attempt per product keeps one Idempotency-Key
    until it is paid or fails, so double taps and retries after a timeout give one order."""

    def __init__(self, context: AppContext) -> None:
        super().__init__(context)
        self.products: list[Product] = []
        self.orders: list[Order] = []
        self.providers: list[str] = []
        self.loaded = False
        self.paying: str | None = None
        self.checkout_url: str | None = None
        self._keys: dict[str, str] = {}

    async def load(self) -> None:
        """Load products and providers, and the order history when signed in."""
        api = self.context.api
        products = await self.call(api.products)
        providers = await self.call(api.payment_providers) if products is not None else None
        if products is None or providers is None:
            self.notify()
            return
        self.products, self.providers = products, providers
        self.loaded = True
        if self.context.signed_in:
            orders = await self.call(api.list_orders)
            self.orders = orders if orders is not None else self.orders
        self.notify()

    def provider_for(self, product: Product) -> str | None:
        """Return the sandbox where the server offers it, else the product's first provider
        that the server lists."""
        usable = [name for name in product.providers if name in self.providers]
        if SANDBOX in usable:
            return SANDBOX
        return usable[0] if usable else None

    async def buy(self, product: Product) -> Order | None:
        """Create the order and, with the sandbox, pay it. A tap while any purchase runs
        does nothing."""
        if self.paying is not None:
            return None
        provider = self.provider_for(product)
        if provider is None:
            return None
        key = self._keys.setdefault(product.id, uuid.uuid4().hex)
        self.paying = product.id
        self.clear_notice()
        self.checkout_url = None
        self.notify()
        try:
            order = await self._create_and_pay(product, provider, key)
        finally:
            self.paying = None
        self.notify()
        return order

    async def _create_and_pay(self, product: Product, provider: str, key: str) -> Order | None:
        api = self.context.api
        order = await self.call(lambda: api.create_order(product.id, provider, idempotency_key=key))
        if order is None:
            return None
        if order.status == "pending" and provider == SANDBOX:
            order_id = order.order_id
            order = await self.call(lambda: api.confirm_sandbox(order_id)) or order
        if order.status == "pending":
            # Other providers are paid on their own page or app, from payment's checkout_url.
            self.checkout_url = order.payment.get("checkout_url")
            self.say("plans.pending", order_id=order.order_id)
        else:
            self._keys.pop(product.id, None)
        if order.status == "paid":
            self.say("plans.paid", product=lambda: self.product_name(product))
            profile = await self.call(api.get_profile)
            if profile is not None:
                self.context.set_profile(profile)
        orders = await self.call(api.list_orders)
        if orders is not None:
            self.orders = orders
        return order

    # --- texts ------------------------------------------------------------------------

    def product_name(self, product: Product) -> str:
        """Return the product's name from the latest load, in that load's language."""
        current = next((item for item in self.products if item.id == product.id), product)
        return current.name

    def price_text(self, product: Product) -> str:
        return format_price(product.price, product.currency, self.context.i18n.locale)

    def buy_label(self, product: Product) -> str:
        if self.paying == product.id:
            return self.t("plans.paying")
        return self.t("plans.buy", price=self.price_text(product))

    def benefit_lines(self, product: Product) -> list[str]:
        locale = self.context.i18n.locale
        lines = []
        if product.energy:
            lines.append(self.t("plans.energy", energy=format_number(product.energy, locale)))
        if product.duration_days:
            days = format_number(product.duration_days, locale)
            lines.append(self.t("plans.duration", days=days))
        if product.level_name:
            lines.append(self.t("plans.level_named", name=product.level_name))
        elif product.member_level:
            lines.append(self.t("plans.level", level=product.member_level))
        return lines + product.features

    def order_text(self, order: Order) -> tuple[str, str, str]:
        """Return the product name, the price and the status of an order row."""
        names = {product.id: product.name for product in self.products}
        locale = self.context.i18n.locale
        price = format_price(order.amount, order.currency, locale)
        when = format_datetime(order.created_at, locale) if order.created_at else ""
        status = self.t(f"order.status.{order.status}")
        return names.get(order.product_id, order.product_id), f"{price} · {when}", status
