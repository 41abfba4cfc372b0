"""Orders paid with the sandbox provider of the embedded default, in process."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import select, update

from tests.billing.energy import energy_of, ledger_rows
from tests.conftest import auth_headers, create_user, make_settings
from vidswap.api.app import create_app
from vidswap.billing.models import EnergyLot, MembershipPeriod, Order
from vidswap.kit.migrate import upgrade_database
from vidswap.runtime import Runtime


async def _order(
    client: httpx.AsyncClient, headers: dict[str, str], **extra: str
) -> httpx.Response:
    body = {"product_id": "energy_300", "provider": "sandbox", "client": "web"}
    return await client.post("/api/v1/orders", json=body, headers={**headers, **extra})


async def test_confirm_pays_once(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime, energy_balance=0)
    headers = auth_headers(runtime, user)
    created = await _order(client, headers)
    assert created.status_code == 201, created.text
    order = created.json()
    assert order["payment"] == {
        "confirm_url": "/api/v1/payments/sandbox/confirm",
        "method": "POST",
        "order_id": order["order_id"],
    }

    for _ in range(3):
        paid = await client.post(
            "/api/v1/payments/sandbox/confirm",
            json={"order_id": order["order_id"]},
            headers=headers,
        )
        assert paid.status_code == 200, paid.text
        assert paid.json()["status"] == "paid"
        assert paid.json()["payment"] is None

    assert await energy_of(runtime, user.id) == (300, 0)
    assert await ledger_rows(runtime, user.id) == [("grant", 300)]
    listed = (await client.get("/api/v1/orders", headers=headers)).json()["items"]
    assert [(item["order_id"], item["status"]) for item in listed] == [(order["order_id"], "paid")]
    energy = (await client.get("/api/v1/users/me/energy", headers=headers)).json()
    assert energy["balance"] == 300
    assert energy["expiring"] == []
    assert energy["entries"][0]["reason"] == "grant"


async def test_other_users_order_is_not_found(client: httpx.AsyncClient, runtime: Runtime) -> None:
    owner = await create_user(runtime, energy_balance=0)
    other = await create_user(runtime, energy_balance=0)
    order = (await _order(client, auth_headers(runtime, owner))).json()

    for call in (
        client.post(
            "/api/v1/payments/sandbox/confirm",
            json={"order_id": order["order_id"]},
            headers=auth_headers(runtime, other),
        ),
        client.get(f"/api/v1/orders/{order['order_id']}", headers=auth_headers(runtime, other)),
    ):
        response = await call
        assert response.status_code == 404
        assert response.json()["error"] == "order_not_found"
    assert await energy_of(runtime, owner.id) == (0, 0)


async def test_idempotency_key_returns_the_same_order(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    user = await create_user(runtime)
    headers = auth_headers(runtime, user)
    first = await _order(client, headers, **{"Idempotency-Key": "tap-1"})
    second = await _order(client, headers, **{"Idempotency-Key": "tap-1"})
    assert first.status_code == second.status_code == 201
    assert first.json()["order_id"] == second.json()["order_id"]

    other = await client.post(
        "/api/v1/orders",
        json={"product_id": "pro_monthly", "provider": "sandbox"},
        headers={**headers, "Idempotency-Key": "tap-1"},
    )
    assert other.status_code == 409
    assert other.json()["error"] == "idempotency_key_reused"
    assert first.json()["order_id"] in other.json()["message"]
    listed = (await client.get("/api/v1/orders", headers=headers)).json()["items"]
    assert len(listed) == 1


async def test_bad_order_requests_name_the_value(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    user = await create_user(runtime)
    headers = {**auth_headers(runtime, user), "Accept-Language": "zh-CN"}
    cases = [
        ({"product_id": "gold_bar", "provider": "sandbox"}, 404, "product_not_found", "gold_bar"),
        (
            {"product_id": "pro_monthly", "provider": "paypal"},
            400,
            "payment_provider_unavailable",
            "paypal",
        ),
        (
            {"product_id": "pro_monthly", "provider": "sandbox", "client": "tv"},
            400,
            "payment_client_unsupported",
            "tv",
        ),
    ]
    for body, status, code, named in cases:
        response = await client.post("/api/v1/orders", json=body, headers=headers)
        assert response.status_code == status, response.text
        assert response.json()["error"] == code
        assert named in response.json()["message"]
    assert (
        "商品"
        in (await client.post("/api/v1/orders", json=cases[0][0], headers=headers)).json()[
            "message"
        ]
    )


async def test_sandbox_is_off_in_production(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "prod", environment="production")
    settings.ensure_data_dir()
    upgrade_database(settings.resolved_database_url)
    production = Runtime.build(settings)
    try:
        assert "sandbox" not in production.payments.names
        user = await create_user(production)
        headers = auth_headers(production, user)
        transport = httpx.ASGITransport(app=create_app(settings, production))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            created = await _order(client, headers)
            confirmed = await client.post(
                "/api/v1/payments/sandbox/confirm", json={"order_id": "x1"}, headers=headers
            )
        for response in (created, confirmed):
            assert response.status_code == 400
            assert response.json()["error"] == "payment_provider_unavailable"
    finally:
        await production.close()


async def test_second_plan_energy_lasts_its_period(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    user = await create_user(runtime, energy_balance=0)
    headers = auth_headers(runtime, user)
    for _ in range(2):
        order = (
            await client.post(
                "/api/v1/orders",
                json={"product_id": "pro_monthly", "provider": "sandbox"},
                headers=headers,
            )
        ).json()
        await client.post(
            "/api/v1/payments/sandbox/confirm",
            json={"order_id": order["order_id"]},
            headers=headers,
        )

    async with runtime.sessionmaker() as session:
        lots = (await session.scalars(select(EnergyLot).order_by(EnergyLot.expires_at))).all()
        periods = (
            await session.scalars(select(MembershipPeriod).order_by(MembershipPeriod.ends_at))
        ).all()
    assert [lot.expires_at for lot in lots] == [period.ends_at for period in periods]
    assert periods[1].ends_at - periods[0].ends_at == timedelta(days=30)


async def test_sandbox_notify_and_refunded_order_errors(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    user = await create_user(runtime, energy_balance=0)
    headers = {**auth_headers(runtime, user), "Accept-Language": "zh-CN"}
    notify = await client.post("/api/v1/payments/sandbox/notify", content=b"{}")
    assert notify.status_code == 400
    assert notify.json()["error"] == "payment_notification_rejected"
    assert "/api/v1/payments/sandbox/confirm" in notify.json()["message"]

    order = (await _order(client, headers)).json()
    async with runtime.sessionmaker() as session, session.begin():
        await session.execute(
            update(Order).where(Order.id == order["order_id"]).values(status="refunded")
        )
    paid = await client.post(
        "/api/v1/payments/sandbox/confirm", json={"order_id": order["order_id"]}, headers=headers
    )
    assert paid.status_code == 409
    assert "已退款" in paid.json()["message"]
    assert "refunded" not in paid.json()["message"]
