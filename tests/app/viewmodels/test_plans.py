"""Plans view model: prices, the sandbox purchase, and double taps giving one order."""

from __future__ import annotations

import asyncio

import pytest
from vidswap_app.i18n import format_price
from vidswap_app.viewmodels import AppContext, PlansViewModel

from tests.app.conftest import sign_in_context


async def test_double_tap_buys_once(context: AppContext) -> None:
    before = await sign_in_context(context)
    plans = PlansViewModel(context)
    await plans.load()
    product = next(item for item in plans.products if item.energy > 0)

    results = await asyncio.gather(plans.buy(product), plans.buy(product))

    orders = [result for result in results if result is not None]
    assert len(orders) == 1
    assert orders[0].status == "paid"
    assert [order.order_id for order in plans.orders] == [orders[0].order_id]
    assert plans.notice == f"Payment complete: {product.name}."
    assert context.profile is not None
    assert context.profile.energy_balance == before.energy_balance + product.energy
    assert plans.paying is None


async def test_prices_and_labels(context: AppContext) -> None:
    plans = PlansViewModel(context)
    await plans.load()
    product = plans.products[0]

    english = plans.buy_label(product)
    context.i18n.set_locale("zh-CN")
    chinese = plans.buy_label(product)

    assert plans.loaded is True
    assert plans.orders == []
    assert plans.provider_for(product) == "sandbox"
    assert english == f"Buy for {format_price(product.price, product.currency, 'en')}"
    assert chinese == f"{format_price(product.price, product.currency, 'zh-CN')} 购买"


async def test_paid_notice_follows_language(context: AppContext) -> None:
    await sign_in_context(context)
    plans = PlansViewModel(context)
    await plans.load()
    product = next(item for item in plans.products if item.id == "energy_300")
    await plans.buy(product)
    assert plans.notice == "Payment complete: 300 Energy."

    context.i18n.set_locale("zh-CN")
    await plans.load()

    assert plans.notice == "支付成功：300 能量包。"


@pytest.mark.parametrize(
    ("locale", "energy", "days", "level"),
    [
        ("en", "7,200 Energy", "365 days", "Pro member benefits"),
        ("zh-CN", "7,200 能量", "365 天", "专业版会员权益"),
    ],
)
async def test_benefits_group_digits(
    context: AppContext, locale: str, energy: str, days: str, level: str
) -> None:
    context.i18n.set_locale(locale)
    plans = PlansViewModel(context)
    await plans.load()
    product = next(item for item in plans.products if item.id == "pro_yearly")

    lines = plans.benefit_lines(product)

    assert lines[0] == energy
    assert lines[1] == days
    assert lines[2] == level
