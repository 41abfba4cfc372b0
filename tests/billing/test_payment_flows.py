"""Each provider end to end: order -> the stand-in pays -> signed callback -> grants,
then duplicates, forgeries and refunds, through a real API server on 127.0.0.1."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from tests.billing.conftest import PaymentWorld
from tests.billing.energy import energy_of
from tests.conftest import auth_headers, create_user
from vidswap.accounts.models import User
from vidswap.billing.models import (
    EnergyEntry,
    MembershipPeriod,
    Order,
    PaymentEventRecord,
)
from vidswap.kit.clock import utcnow
from vidswap.runtime import Runtime

PLAN = "pro_monthly"  # 28.00 CNY: Pro for 30 days and 600 Energy
PLAN_ENERGY = 600
OK = (200, 204)


@dataclass(frozen=True)
class Billing:
    order_status: str
    available: int
    member_level: int
    member_expire_at: datetime | None
    grants: int
    revokes: int
    periods: int
    events: int


async def billing_of(runtime: Runtime, user_id: str, order_id: str) -> Billing:
    async with runtime.sessionmaker() as session:
        order = await session.get(Order, order_id)
        user = await session.get(User, user_id)
        assert order is not None and user is not None

        async def count(model: Any, *conditions: Any) -> int:
            return int(
                await session.scalar(select(func.count()).select_from(model).where(*conditions))
                or 0
            )

        return Billing(
            order_status=order.status,
            available=user.energy_balance - user.energy_reserved,
            member_level=user.member_level,
            member_expire_at=user.member_expire_at,
            grants=await count(
                EnergyEntry, EnergyEntry.reference == order_id, EnergyEntry.reason == "grant"
            ),
            revokes=await count(
                EnergyEntry, EnergyEntry.reference == order_id, EnergyEntry.reason == "revoke"
            ),
            periods=await count(
                MembershipPeriod,
                MembershipPeriod.order_id == order_id,
                MembershipPeriod.revoked_at.is_(None),
            ),
            events=await count(PaymentEventRecord, PaymentEventRecord.order_id == order_id),
        )


async def place_order(
    world: PaymentWorld, api: httpx.AsyncClient, headers: dict[str, str]
) -> dict[str, Any]:
    response = await api.post(
        "/api/v1/orders",
        json={"product_id": PLAN, "provider": world.provider, "client": world.client},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["status"] == "pending"
    assert order["amount"] == 2800
    assert order["currency"] == "CNY"
    world.open_payment(order)
    assert order["order_id"] in world.standin.created
    return order


async def pay(world: PaymentWorld, order_id: str) -> list[Any]:
    callbacks = world.standin.prepare_payment(order_id)
    for callback in callbacks:
        response = world.standin.deliver(callback)
        assert response.status_code in OK, response.text
    return callbacks


async def test_payment_grants_once_despite_repeats(
    world: PaymentWorld, world_runtime: Runtime, api: httpx.AsyncClient
) -> None:
    user = await create_user(world_runtime, energy_balance=0)
    headers = auth_headers(world_runtime, user)
    order = await place_order(world, api, headers)

    callbacks = await pay(world, order["order_id"])
    paid = await billing_of(world_runtime, user.id, order["order_id"])

    assert paid.order_status == "paid"
    assert paid.available == PLAN_ENERGY
    assert paid.member_level == 1
    assert paid.member_expire_at is not None
    assert abs(paid.member_expire_at - (utcnow() + timedelta(days=30))) < timedelta(minutes=2)
    assert (paid.grants, paid.periods) == (1, 1)
    assert paid.events == len(callbacks)

    for _ in range(10):
        for callback in reversed(callbacks):
            assert world.standin.deliver(callback).status_code in OK
    assert await billing_of(world_runtime, user.id, order["order_id"]) == paid

    profile = (await api.get("/api/v1/users/me", headers=headers)).json()
    assert (profile["member_level"], profile["energy_balance"]) == (1, PLAN_ENERGY)
    shown = (await api.get(f"/api/v1/orders/{order['order_id']}", headers=headers)).json()
    assert shown["status"] == "paid"
    assert shown["paid_at"] is not None


async def test_forged_and_stale_callbacks_change_nothing(
    world: PaymentWorld, world_runtime: Runtime, api: httpx.AsyncClient
) -> None:
    user = await create_user(world_runtime, energy_balance=0)
    order = await place_order(world, api, auth_headers(world_runtime, user))
    before = await billing_of(world_runtime, user.id, order["order_id"])

    forged = world.standin.deliver(world.standin.prepare_forged(order["order_id"]))
    assert 400 <= forged.status_code < 500, forged.text
    stale_callback = world.standin.prepare_stale(order["order_id"])
    if stale_callback is not None:  # Alipay's notify has no time window
        stale = world.standin.deliver(stale_callback)
        assert 400 <= stale.status_code < 500, stale.text

    after = await billing_of(world_runtime, user.id, order["order_id"])
    assert after == before
    assert (after.order_status, after.available, after.events) == ("pending", 0, 0)


async def test_admin_refund_revokes_what_was_granted(
    world: PaymentWorld, world_runtime: Runtime, api: httpx.AsyncClient
) -> None:
    user = await create_user(world_runtime, energy_balance=0)
    admin = await create_user(world_runtime, is_admin=True)
    order = await place_order(world, api, auth_headers(world_runtime, user))
    await pay(world, order["order_id"])

    response = await api.post(
        f"/api/v1/admin/orders/{order['order_id']}/refund",
        headers=auth_headers(world_runtime, admin),
    )
    assert response.status_code == 200, response.text
    if response.json()["outcome"] == "processing":  # WeChat Pay confirms by callback
        for callback in world.standin.prepare_refund(order["order_id"]):
            assert world.standin.deliver(callback).status_code in OK

    refunded = await billing_of(world_runtime, user.id, order["order_id"])
    assert refunded.order_status == "refunded"
    assert (refunded.available, refunded.member_level, refunded.member_expire_at) == (0, 0, None)
    assert (refunded.grants, refunded.revokes, refunded.periods) == (1, 1, 0)
    assert len(world.standin.refunds) == 1

    again = await api.post(
        f"/api/v1/admin/orders/{order['order_id']}/refund",
        headers=auth_headers(world_runtime, admin),
    )
    assert again.status_code == 409
    assert again.json()["error"] == "order_state_conflict"
    assert len(world.standin.refunds) == 1


async def test_refund_started_at_the_provider_revokes(
    world: PaymentWorld, world_runtime: Runtime, api: httpx.AsyncClient
) -> None:
    user = await create_user(world_runtime, energy_balance=0)
    order = await place_order(world, api, auth_headers(world_runtime, user))
    await pay(world, order["order_id"])

    callbacks = world.standin.prepare_refund(order["order_id"])
    for _ in range(3):
        for callback in callbacks:
            assert world.standin.deliver(callback).status_code in OK

    refunded = await billing_of(world_runtime, user.id, order["order_id"])
    assert refunded.order_status == "refunded"
    assert (refunded.available, refunded.member_level) == (0, 0)
    assert (refunded.grants, refunded.revokes, refunded.periods) == (1, 1, 0)


async def test_refund_after_spending_leaves_no_negative_balance(
    world: PaymentWorld, world_runtime: Runtime, api: httpx.AsyncClient
) -> None:
    user = await create_user(world_runtime, energy_balance=0)
    order = await place_order(world, api, auth_headers(world_runtime, user))
    await pay(world, order["order_id"])
    async with world_runtime.sessionmaker() as session, session.begin():
        from vidswap.billing import ledger

        await ledger.hold(session, user.id, "task-spent", 450)
        await ledger.spend_hold(session, "task-spent")

    for callback in world.standin.prepare_refund(order["order_id"]):
        assert world.standin.deliver(callback).status_code in OK

    assert await energy_of(world_runtime, user.id) == (0, 0)
    async with world_runtime.sessionmaker() as session:
        revoked = await session.scalar(
            select(EnergyEntry.delta).where(
                EnergyEntry.reference == order["order_id"], EnergyEntry.reason == "revoke"
            )
        )
    assert revoked == -(PLAN_ENERGY - 450)
