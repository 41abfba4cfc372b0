"""The admin billing API: who may call it, products, levels, Energy corrections,
refunds and reconciliation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import update

from tests.billing.energy import energy_of, ledger_rows
from tests.conftest import auth_headers, create_user
from vidswap.accounts.models import User
from vidswap.billing.defaults import DEFAULT_LEVELS, DEFAULT_PRODUCTS
from vidswap.kit.db import transaction
from vidswap.runtime import Runtime

NEW_PRODUCT: dict[str, Any] = {
    "id": "energy_1000",
    "names": {"en": "1000 Energy", "zh-CN": "1000 能量包"},
    "descriptions": {"en": "1000 Energy that never expires.", "zh-CN": "1000 能量，永不过期。"},
    "features": {"en": ["Never expires"], "zh-CN": ["永不过期"]},
    "price": 3500,
    "currency": "CNY",
    "energy": 1000,
}
STUDIO_LEVEL: dict[str, Any] = {
    "names": {"en": "Studio", "zh-CN": "工作室版"},
    "max_video_seconds": 3600,
    "max_resolution": 2160,
    "concurrent_tasks": 10,
    "daily_tasks": 1000,
    "priority": 20,
    "label_removal": True,
    "retention_days": 90,
}


async def admin_headers(runtime: Runtime) -> dict[str, str]:
    admin = await create_user(runtime, is_admin=True, energy_balance=0)
    return auth_headers(runtime, admin)


async def public_ids(client: httpx.AsyncClient) -> list[str]:
    response = await client.get("/api/v1/products")
    assert response.status_code == 200
    return [item["id"] for item in response.json()["items"]]


ADMIN_CALLS = [
    ("GET", "/api/v1/admin/products", None),
    ("POST", "/api/v1/admin/products", NEW_PRODUCT),
    ("PATCH", "/api/v1/admin/products/pro_monthly", {"price": 1}),
    ("GET", "/api/v1/admin/levels", None),
    ("PUT", "/api/v1/admin/levels/2", STUDIO_LEVEL),
    ("GET", "/api/v1/admin/orders", None),
    ("POST", "/api/v1/admin/orders/0123456789abcdef/refund", None),
    ("POST", "/api/v1/admin/users/0123456789abcdef/energy", {"delta": 5, "note": "Gift"}),
    ("GET", "/api/v1/admin/energy/reconcile", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_CALLS)
async def test_non_admin_gets_403(
    client: httpx.AsyncClient, runtime: Runtime, method: str, path: str, body: Any
) -> None:
    user = await create_user(runtime)
    headers = {**auth_headers(runtime, user), "Accept-Language": "zh-CN"}

    response = await client.request(method, path, json=body, headers=headers)

    assert response.status_code == 403
    assert response.json()["error"] == "admin_required"
    assert "vidswap admin grant" in response.json()["message"]
    assert "管理员" in response.json()["message"]
    assert "energy_1000" not in await public_ids(client)
    assert await energy_of(runtime, user.id) == (100, 0)


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_CALLS)
async def test_signed_out_gets_401(
    client: httpx.AsyncClient, runtime: Runtime, method: str, path: str, body: Any
) -> None:
    response = await client.request(method, path, json=body)

    assert response.status_code == 401


async def test_admin_lists_every_product(client: httpx.AsyncClient, runtime: Runtime) -> None:
    headers = await admin_headers(runtime)

    response = await client.get("/api/v1/admin/products", headers=headers)

    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["id"] for item in items] == [row["id"] for row in DEFAULT_PRODUCTS]
    assert items[0]["names"] == {"en": "Pro monthly", "zh-CN": "专业版月度会员"}
    assert items[0]["price"] == 2800


async def test_product_lifecycle(db_client: httpx.AsyncClient, db_runtime: Runtime) -> None:
    headers = await admin_headers(db_runtime)
    buyer = await create_user(db_runtime, energy_balance=0)
    order_body = {"product_id": "energy_1000", "provider": "sandbox", "client": "web"}

    created = await db_client.post("/api/v1/admin/products", json=NEW_PRODUCT, headers=headers)

    assert created.status_code == 201
    assert created.json()["active"] is True
    assert created.json()["energy_valid_days"] is None
    assert "energy_1000" in await public_ids(db_client)

    changed = await db_client.patch(
        "/api/v1/admin/products/energy_1000", json={"price": 3000}, headers=headers
    )

    assert changed.status_code == 200
    assert changed.json()["price"] == 3000
    assert changed.json()["names"] == NEW_PRODUCT["names"]
    order = await db_client.post(
        "/api/v1/orders", json=order_body, headers=auth_headers(db_runtime, buyer)
    )
    assert order.status_code == 201
    assert order.json()["amount"] == 3000

    deactivated = await db_client.patch(
        "/api/v1/admin/products/energy_1000", json={"active": False}, headers=headers
    )

    assert deactivated.status_code == 200
    assert deactivated.json()["active"] is False
    assert "energy_1000" not in await public_ids(db_client)
    refused = await db_client.post(
        "/api/v1/orders", json=order_body, headers=auth_headers(db_runtime, buyer)
    )
    assert refused.status_code == 404
    assert refused.json()["error"] == "product_not_found"
    assert "energy_1000" in refused.json()["message"]
    listed = await db_client.get("/api/v1/admin/products", headers=headers)
    stored = {item["id"]: item for item in listed.json()["items"]}
    assert stored["energy_1000"]["active"] is False


async def test_paid_order_survives_deactivation(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    headers = await admin_headers(runtime)
    buyer = await create_user(runtime, energy_balance=0)
    buyer_headers = auth_headers(runtime, buyer)
    body = {"product_id": "energy_300", "provider": "sandbox", "client": "web"}
    order = (await client.post("/api/v1/orders", json=body, headers=buyer_headers)).json()
    await client.post(
        "/api/v1/payments/sandbox/confirm",
        json={"order_id": order["order_id"]},
        headers=buyer_headers,
    )

    response = await client.patch(
        "/api/v1/admin/products/energy_300", json={"active": False, "energy": 1}, headers=headers
    )

    assert response.status_code == 200
    assert await energy_of(runtime, buyer.id) == (300, 0)
    paid = await client.get(f"/api/v1/orders/{order['order_id']}", headers=buyer_headers)
    assert paid.json()["status"] == "paid"
    assert paid.json()["energy"] == 300


@pytest.mark.parametrize("field", ["names", "descriptions", "features"])
async def test_missing_chinese_text_422(
    client: httpx.AsyncClient, runtime: Runtime, field: str
) -> None:
    headers = await admin_headers(runtime)
    body = {**NEW_PRODUCT, field: {"en": NEW_PRODUCT[field]["en"]}}

    response = await client.post("/api/v1/admin/products", json=body, headers=headers)

    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"
    assert field in response.json()["message"]
    assert "zh-CN" in response.json()["message"]
    assert "energy_1000" not in await public_ids(client)


async def test_patch_empty_chinese_name_422(client: httpx.AsyncClient, runtime: Runtime) -> None:
    headers = await admin_headers(runtime)
    body = {"names": {"en": "Pro month", "zh-CN": ""}}

    response = await client.patch("/api/v1/admin/products/pro_monthly", json=body, headers=headers)

    assert response.status_code == 422
    assert "names" in response.json()["message"]


@pytest.mark.parametrize(
    ("change", "field"),
    [({"price": -100}, "price"), ({"price": 0}, "price"), ({"currency": "cny"}, "currency")],
)
async def test_bad_product_values_422(
    client: httpx.AsyncClient, runtime: Runtime, change: dict[str, Any], field: str
) -> None:
    headers = await admin_headers(runtime)

    response = await client.post(
        "/api/v1/admin/products", json={**NEW_PRODUCT, **change}, headers=headers
    )

    assert response.status_code == 422
    assert field in response.json()["message"]


async def test_unknown_member_level_400(client: httpx.AsyncClient, runtime: Runtime) -> None:
    headers = await admin_headers(runtime)
    body = {**NEW_PRODUCT, "id": "studio_monthly", "member_level": 2, "duration_days": 30}

    created = await client.post("/api/v1/admin/products", json=body, headers=headers)
    changed = await client.patch(
        "/api/v1/admin/products/pro_monthly", json={"member_level": 7}, headers=headers
    )

    assert created.status_code == 400
    assert created.json()["error"] == "unknown_member_level"
    assert "There is no member level 2." in created.json()["message"]
    assert changed.status_code == 400
    assert "There is no member level 7." in changed.json()["message"]
    listed = await client.get("/api/v1/admin/products", headers=headers)
    stored = {item["id"]: item for item in listed.json()["items"]}
    assert "studio_monthly" not in stored
    assert stored["pro_monthly"]["member_level"] == 1


async def test_existing_product_id_409(client: httpx.AsyncClient, runtime: Runtime) -> None:
    headers = await admin_headers(runtime)

    response = await client.post(
        "/api/v1/admin/products", json={**NEW_PRODUCT, "id": "pro_monthly"}, headers=headers
    )

    assert response.status_code == 409
    assert response.json()["error"] == "product_exists"
    assert "pro_monthly" in response.json()["message"]


async def test_patch_unknown_product_404(client: httpx.AsyncClient, runtime: Runtime) -> None:
    headers = await admin_headers(runtime)

    response = await client.patch(
        "/api/v1/admin/products/gift_card", json={"price": 100}, headers=headers
    )

    assert response.status_code == 404
    assert "gift_card" in response.json()["message"]


async def test_put_level_defines_new(client: httpx.AsyncClient, runtime: Runtime) -> None:
    headers = await admin_headers(runtime)

    created = await client.put("/api/v1/admin/levels/2", json=STUDIO_LEVEL, headers=headers)
    plan = {**NEW_PRODUCT, "id": "studio_monthly", "member_level": 2, "duration_days": 30}
    product = await client.post("/api/v1/admin/products", json=plan, headers=headers)

    assert created.status_code == 200
    assert created.json() == {**STUDIO_LEVEL, "rank": 2}
    listed = await client.get("/api/v1/admin/levels", headers=headers)
    assert [level["rank"] for level in listed.json()["items"]] == [0, 1, 2]
    assert product.status_code == 201
    public = await client.get("/api/v1/products", headers={"Accept-Language": "zh-CN"})
    studio = next(item for item in public.json()["items"] if item["id"] == "studio_monthly")
    assert studio["benefits"]["name"] == "工作室版"
    assert studio["benefits"]["max_resolution"] == 2160


async def test_put_level_changes_benefit(client: httpx.AsyncClient, runtime: Runtime) -> None:
    headers = await admin_headers(runtime)
    body = {key: value for key, value in DEFAULT_LEVELS[1].items() if key != "rank"}

    response = await client.put(
        "/api/v1/admin/levels/1", json={**body, "max_video_seconds": 900}, headers=headers
    )

    assert response.status_code == 200
    assert response.json()["max_video_seconds"] == 900
    listed = await client.get("/api/v1/admin/levels", headers=headers)
    assert listed.json()["items"][1] == {**DEFAULT_LEVELS[1], "max_video_seconds": 900}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"names": {"en": "Studio"}}, "names"),
        ({"max_resolution": 100}, "max_resolution"),
        ({"priority": 101}, "priority"),
    ],
)
async def test_put_level_bad_values_422(
    client: httpx.AsyncClient, runtime: Runtime, change: dict[str, Any], field: str
) -> None:
    headers = await admin_headers(runtime)

    response = await client.put(
        "/api/v1/admin/levels/2", json={**STUDIO_LEVEL, **change}, headers=headers
    )

    assert response.status_code == 422
    assert field in response.json()["message"]
    listed = await client.get("/api/v1/admin/levels", headers=headers)
    assert [level["rank"] for level in listed.json()["items"]] == [0, 1]


async def test_energy_adjust_shows_in_history(client: httpx.AsyncClient, runtime: Runtime) -> None:
    headers = await admin_headers(runtime)
    user = await create_user(runtime, energy_balance=100)

    response = await client.post(
        f"/api/v1/admin/users/{user.id}/energy",
        json={"delta": 50, "note": "Compensation for ticket 1042"},
        headers=headers,
    )

    assert response.status_code == 200
    assert response.json() == {"user_id": user.id, "delta": 50, "balance": 150}
    energy = await client.get("/api/v1/users/me/energy", headers=auth_headers(runtime, user))
    assert energy.json()["balance"] == 150
    newest = energy.json()["entries"][0]
    assert newest["reason"] == "adjust"
    assert newest["delta"] == 50
    assert newest["balance_after"] == 150
    assert newest["note"] == "Compensation for ticket 1042"


async def test_energy_debit_shows_in_history(client: httpx.AsyncClient, runtime: Runtime) -> None:
    headers = await admin_headers(runtime)
    user = await create_user(runtime, energy_balance=100)

    response = await client.post(
        f"/api/v1/admin/users/{user.id}/energy",
        json={"delta": -60, "note": "Granted twice by mistake"},
        headers=headers,
    )

    assert response.status_code == 200
    assert response.json()["balance"] == 40
    energy = await client.get("/api/v1/users/me/energy", headers=auth_headers(runtime, user))
    assert energy.json()["balance"] == 40
    assert [(entry["reason"], entry["delta"]) for entry in energy.json()["entries"]] == [
        ("adjust", -60),
        ("grant", 100),
    ]


async def test_energy_debit_over_available_402(client: httpx.AsyncClient, runtime: Runtime) -> None:
    headers = await admin_headers(runtime)
    user = await create_user(runtime, energy_balance=30)

    response = await client.post(
        f"/api/v1/admin/users/{user.id}/energy",
        json={"delta": -31, "note": "Too much"},
        headers=headers,
    )

    assert response.status_code == 402
    assert response.json()["error"] == "energy_debit_too_large"
    assert "Take at most 30" in response.json()["message"]
    assert await energy_of(runtime, user.id) == (30, 0)
    assert await ledger_rows(runtime, user.id) == [("grant", 30)]


async def test_energy_adjust_of_zero_422(client: httpx.AsyncClient, runtime: Runtime) -> None:
    headers = await admin_headers(runtime)
    user = await create_user(runtime, energy_balance=30)

    response = await client.post(
        f"/api/v1/admin/users/{user.id}/energy", json={"delta": 0, "note": "x"}, headers=headers
    )

    assert response.status_code == 422
    assert "changes nothing" in response.json()["message"]
    assert await ledger_rows(runtime, user.id) == [("grant", 30)]


async def test_product_that_gives_nothing_400(client: httpx.AsyncClient, runtime: Runtime) -> None:
    headers = await admin_headers(runtime)
    body = {
        "id": "empty_box",
        "names": {"en": "Empty", "zh-CN": "空"},
        "descriptions": {"en": "Nothing", "zh-CN": "无"},
        "features": {"en": ["none"], "zh-CN": ["无"]},
        "price": 100,
        "currency": "CNY",
    }

    response = await client.post("/api/v1/admin/products", json=body, headers=headers)

    assert response.status_code == 400
    assert response.json()["error"] == "product_grants_nothing"
    assert "empty_box" in response.json()["message"]
    listed = (await client.get("/api/v1/admin/products", headers=headers)).json()["items"]
    assert "empty_box" not in [item["id"] for item in listed]


async def test_energy_adjust_unknown_user_404(client: httpx.AsyncClient, runtime: Runtime) -> None:
    headers = await admin_headers(runtime)

    response = await client.post(
        "/api/v1/admin/users/0123456789abcdef/energy",
        json={"delta": 5, "note": "Gift"},
        headers=headers,
    )

    assert response.status_code == 404
    assert "0123456789abcdef" in response.json()["message"]


@pytest.mark.parametrize("body", [{"delta": 5, "note": ""}, {"delta": 5}, {"note": "Gift"}])
async def test_energy_adjust_bad_body_422(
    client: httpx.AsyncClient, runtime: Runtime, body: dict[str, Any]
) -> None:
    headers = await admin_headers(runtime)
    user = await create_user(runtime, energy_balance=10)

    response = await client.post(
        f"/api/v1/admin/users/{user.id}/energy", json=body, headers=headers
    )

    assert response.status_code == 422
    assert await energy_of(runtime, user.id) == (10, 0)


async def test_reconcile_ok(client: httpx.AsyncClient, runtime: Runtime) -> None:
    headers = await admin_headers(runtime)
    for balance in (0, 25, 300):
        await create_user(runtime, energy_balance=balance)

    response = await client.get("/api/v1/admin/energy/reconcile", headers=headers)

    assert response.status_code == 200
    assert response.json() == {"ok": True, "problems": []}


async def test_reconcile_reports_edit(client: httpx.AsyncClient, runtime: Runtime) -> None:
    headers = await admin_headers(runtime)
    user = await create_user(runtime, energy_balance=25)
    async with transaction(runtime.sessionmaker) as session:
        await session.execute(update(User).where(User.id == user.id).values(energy_balance=20))

    response = await client.get("/api/v1/admin/energy/reconcile", headers=headers)

    assert response.json() == {
        "ok": False,
        "problems": [
            {"user_id": user.id, "balance": 20, "ledger_sum": 25, "reserved": 0, "held": 0}
        ],
    }
    async with transaction(runtime.sessionmaker) as session:
        await session.execute(update(User).where(User.id == user.id).values(energy_balance=25))


async def test_refund_through_admin_api(client: httpx.AsyncClient, runtime: Runtime) -> None:
    headers = await admin_headers(runtime)
    buyer = await create_user(runtime, energy_balance=0)
    buyer_headers = auth_headers(runtime, buyer)
    body = {"product_id": "pro_monthly", "provider": "sandbox", "client": "web"}
    order = (await client.post("/api/v1/orders", json=body, headers=buyer_headers)).json()
    await client.post(
        "/api/v1/payments/sandbox/confirm",
        json={"order_id": order["order_id"]},
        headers=buyer_headers,
    )

    refunded = await client.post(
        f"/api/v1/admin/orders/{order['order_id']}/refund", headers=headers
    )
    again = await client.post(f"/api/v1/admin/orders/{order['order_id']}/refund", headers=headers)

    assert refunded.status_code == 200
    assert refunded.json()["outcome"] == "revoked"
    assert refunded.json()["order"]["status"] == "refunded"
    assert again.status_code == 409
    assert again.json()["error"] == "order_state_conflict"
    assert await energy_of(runtime, buyer.id) == (0, 0)
    profile = await client.get("/api/v1/users/me", headers=buyer_headers)
    assert profile.json()["member_level"] == 0
    listed = await client.get("/api/v1/admin/orders?status=refunded", headers=headers)
    assert [item["order_id"] for item in listed.json()["items"]] == [order["order_id"]]
