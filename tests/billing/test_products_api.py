"""GET /api/v1/products: the seeded plans and packs in English and Chinese, the
benefits of each plan, the providers that take each currency and the currency filter."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.billing.standins.alipay import running_alipay_standin
from tests.conftest import assert_ledger_consistent, make_settings
from vidswap.api.app import create_app
from vidswap.billing import admin_service
from vidswap.kit.db import transaction
from vidswap.kit.migrate import upgrade_database
from vidswap.runtime import Runtime

PRO_BENEFITS = {
    "level": 1,
    "max_video_seconds": 600,
    "max_resolution": 1080,
    "concurrent_tasks": 5,
    "daily_tasks": 200,
    "priority": 10,
    "label_removal": True,
    "retention_days": 30,
}
FREE_BENEFITS = {
    "level": 0,
    "max_video_seconds": 60,
    "max_resolution": 720,
    "concurrent_tasks": 2,
    "daily_tasks": 20,
    "priority": 0,
    "label_removal": False,
    "retention_days": 7,
}


async def products(client: httpx.AsyncClient, locale: str, **params: str) -> dict[str, Any]:
    response = await client.get(
        "/api/v1/products", params=params, headers={"Accept-Language": locale}
    )
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


async def add_usd_plan(runtime: Runtime) -> None:
    values = {
        "names": {"en": "Pro monthly (USD)", "zh-CN": "专业版月度会员（美元）"},
        "descriptions": {"en": "Pro for 30 days.", "zh-CN": "30 天专业版会员。"},
        "features": {"en": ["Videos up to 10 minutes"], "zh-CN": ["视频最长 10 分钟"]},
        "price": 399,
        "currency": "USD",
        "duration_days": 30,
        "member_level": 1,
        "energy": 600,
        "energy_valid_days": 30,
        "sort_order": 15,
    }
    async with transaction(runtime.sessionmaker) as session:
        await admin_service.create_product(session, "pro_monthly_usd", values)


async def test_products_in_english(client: httpx.AsyncClient, runtime: Runtime) -> None:
    listed = await products(client, "en-US,en;q=0.9")

    items = {item["id"]: item for item in listed["items"]}
    assert list(items) == ["pro_monthly", "pro_yearly", "energy_300"]
    monthly = items["pro_monthly"]
    assert monthly["name"] == "Pro monthly"
    assert monthly["description"] == "Pro for 30 days with 600 Energy to use in that time."
    assert monthly["features"][0] == "Videos up to 10 minutes, up to 1080p"
    assert len(monthly["features"]) == 4
    assert monthly["price"] == 2800
    assert monthly["currency"] == "CNY"
    assert monthly["duration_days"] == 30
    assert monthly["energy"] == 600
    assert monthly["energy_valid_days"] == 30
    assert monthly["benefits"] == {**PRO_BENEFITS, "name": "Pro"}
    assert monthly["providers"] == ["sandbox"]
    assert items["pro_yearly"]["price"] == 26800
    assert items["pro_yearly"]["duration_days"] == 365
    pack = items["energy_300"]
    assert pack["name"] == "300 Energy"
    assert pack["features"] == ["Never expires", "Works with any plan"]
    assert pack["price"] == 1200
    assert pack["energy_valid_days"] is None
    assert pack["benefits"] is None
    assert listed["free"] == {**FREE_BENEFITS, "name": "Free"}


async def test_products_in_chinese(client: httpx.AsyncClient, runtime: Runtime) -> None:
    listed = await products(client, "zh-CN")

    items = {item["id"]: item for item in listed["items"]}
    monthly = items["pro_monthly"]
    assert monthly["name"] == "专业版月度会员"
    assert monthly["description"] == "30 天专业版会员，含 600 能量，会员期内有效。"
    assert monthly["features"] == [
        "视频最长 10 分钟，最高 1080p",
        "同时 5 个任务，每天 200 个",
        "任务优先处理",
        "结果保留 30 天",
    ]
    assert monthly["price"] == 2800
    assert monthly["benefits"] == {**PRO_BENEFITS, "name": "专业版"}
    assert items["pro_yearly"]["name"] == "专业版年度会员"
    assert items["energy_300"]["name"] == "300 能量包"
    assert items["energy_300"]["features"] == ["永不过期", "任何会员等级均可使用"]
    assert listed["free"]["name"] == "免费版"


@pytest.mark.parametrize(
    ("locale", "name"), [("zh-Hans", "专业版月度会员"), ("fr-FR", "Pro monthly")]
)
async def test_products_other_locales(
    client: httpx.AsyncClient, runtime: Runtime, locale: str, name: str
) -> None:
    listed = await products(client, locale)

    assert listed["items"][0]["name"] == name


async def test_chinese_falls_back_to_english(client: httpx.AsyncClient, runtime: Runtime) -> None:
    values = {
        "names": {"en": "Starter pack", "zh-CN": "入门包"},
        "descriptions": {"en": "", "zh-CN": ""},
        "features": {"en": ["Never expires"], "zh-CN": []},
        "price": 600,
        "currency": "CNY",
        "energy": 100,
    }
    async with transaction(runtime.sessionmaker) as session:
        await admin_service.create_product(session, "starter", values)

    listed = await products(client, "zh-CN")

    starter = next(item for item in listed["items"] if item["id"] == "starter")
    assert starter["name"] == "入门包"
    assert starter["features"] == ["Never expires"]
    assert starter["description"] == ""


async def test_currency_filter(client: httpx.AsyncClient, runtime: Runtime) -> None:
    await add_usd_plan(runtime)

    usd = await products(client, "en", currency="USD")
    cny = await products(client, "en", currency="CNY")
    every = await products(client, "en")
    euro = await products(client, "en", currency="EUR")

    assert [item["id"] for item in usd["items"]] == ["pro_monthly_usd"]
    assert usd["items"][0]["price"] == 399
    assert usd["items"][0]["currency"] == "USD"
    assert [item["id"] for item in cny["items"]] == ["pro_monthly", "pro_yearly", "energy_300"]
    ids = [item["id"] for item in every["items"]]
    assert ids == ["pro_monthly", "pro_monthly_usd", "pro_yearly", "energy_300"]
    assert euro["items"] == []


@pytest.mark.parametrize("currency", ["usd", "US", "DOLLAR"])
async def test_currency_filter_invalid_422(
    client: httpx.AsyncClient, runtime: Runtime, currency: str
) -> None:
    response = await client.get("/api/v1/products", params={"currency": currency})

    assert response.status_code == 422
    assert "currency" in response.json()["message"]


async def test_inactive_product_not_listed(client: httpx.AsyncClient, runtime: Runtime) -> None:
    async with transaction(runtime.sessionmaker) as session:
        await admin_service.update_product(session, "pro_yearly", {"active": False})

    listed = await products(client, "en")

    assert [item["id"] for item in listed["items"]] == ["pro_monthly", "energy_300"]


@pytest.fixture
async def alipay_client(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, Runtime]]:
    """A client on an app that offers Alipay (CNY only) beside the sandbox."""
    with running_alipay_standin() as standin:
        settings = make_settings(tmp_path / "alipay", payments_sandbox=True, **standin.settings())
        settings.ensure_data_dir()
        upgrade_database(settings.resolved_database_url)
        runtime = Runtime.build(settings)
        transport = httpx.ASGITransport(app=create_app(settings, runtime))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            yield client, runtime
        await assert_ledger_consistent(runtime)
        await runtime.close()


async def test_providers_that_take_currency(
    alipay_client: tuple[httpx.AsyncClient, Runtime],
) -> None:
    client, runtime = alipay_client
    await add_usd_plan(runtime)

    listed = await products(client, "en")

    providers = {item["id"]: item["providers"] for item in listed["items"]}
    assert providers == {
        "pro_monthly": ["alipay", "sandbox"],
        "pro_monthly_usd": ["sandbox"],
        "pro_yearly": ["alipay", "sandbox"],
        "energy_300": ["alipay", "sandbox"],
    }
