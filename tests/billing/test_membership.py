"""Membership periods from paid orders: chaining, refunds moving later periods up,
the user's level and expiry, and an expired membership reading as the free level."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
from sqlalchemy import select

from tests.conftest import auth_headers, create_user
from vidswap.accounts.models import User
from vidswap.billing import membership, orders
from vidswap.billing.defaults import FREE, PRO
from vidswap.billing.models import MembershipPeriod, Order
from vidswap.kit.clock import utcnow
from vidswap.kit.db import transaction
from vidswap.runtime import Runtime

MONTH = timedelta(days=30)
YEAR = timedelta(days=365)


async def buy(runtime: Runtime, user: User, product_id: str = "pro_monthly") -> Order:
    """Create a sandbox order of ``product_id`` and pay it."""
    order = await orders.create_order(
        runtime,
        user,
        product_id=product_id,
        provider_name="sandbox",
        client="web",
        payer_id=None,
        return_url=None,
        idempotency_key=None,
        locale="en",
    )
    return await orders.confirm_sandbox(runtime, user, order.id)


async def period_of(runtime: Runtime, order_id: str) -> MembershipPeriod:
    async with runtime.sessionmaker() as session:
        period = await session.scalar(
            select(MembershipPeriod).where(MembershipPeriod.order_id == order_id)
        )
    assert period is not None
    return period


async def user_row(runtime: Runtime, user_id: str) -> User:
    async with runtime.sessionmaker() as session:
        user = await session.get(User, user_id)
    assert user is not None
    return user


def assert_near(actual: datetime | None, expected: datetime) -> None:
    """The two times are within 5 seconds, which covers the test's own run time."""
    assert actual is not None
    assert abs((actual - expected).total_seconds()) < 5


async def test_paid_order_starts_now(runtime: Runtime) -> None:
    user = await create_user(runtime, energy_balance=0)
    before = utcnow()

    order = await buy(runtime, user)

    period = await period_of(runtime, order.id)
    assert order.paid_at is not None
    assert period.paid_at == order.paid_at
    assert period.starts_at == order.paid_at
    assert period.ends_at == order.paid_at + MONTH
    assert_near(period.starts_at, before)
    assert period.level == PRO
    assert period.days == 30
    stored = await user_row(runtime, user.id)
    assert stored.member_level == PRO
    assert stored.member_expire_at == period.ends_at


async def test_second_order_starts_at_first_end(runtime: Runtime) -> None:
    user = await create_user(runtime, energy_balance=0)

    first = await buy(runtime, user)
    second = await buy(runtime, user, "pro_yearly")

    first_period = await period_of(runtime, first.id)
    second_period = await period_of(runtime, second.id)
    assert second_period.starts_at == first_period.ends_at
    assert second_period.ends_at == first_period.ends_at + YEAR
    stored = await user_row(runtime, user.id)
    assert stored.member_level == PRO
    assert stored.member_expire_at == second_period.ends_at
    assert first.paid_at is not None
    assert_near(stored.member_expire_at, first.paid_at + MONTH + YEAR)


async def test_refund_first_moves_second_up(runtime: Runtime) -> None:
    user = await create_user(runtime, energy_balance=0)
    first = await buy(runtime, user)
    second = await buy(runtime, user)

    refunded, outcome = await orders.refund_order(runtime, first.id)

    assert outcome == "revoked"
    assert refunded.status == "refunded"
    first_period = await period_of(runtime, first.id)
    second_period = await period_of(runtime, second.id)
    assert first_period.revoked_at is not None
    assert second.paid_at is not None
    assert second_period.starts_at == second.paid_at
    assert second_period.ends_at == second.paid_at + MONTH
    stored = await user_row(runtime, user.id)
    assert stored.member_level == PRO
    assert stored.member_expire_at == second_period.ends_at


async def test_refund_second_keeps_first(runtime: Runtime) -> None:
    user = await create_user(runtime, energy_balance=0)
    first = await buy(runtime, user)
    second = await buy(runtime, user)

    await orders.refund_order(runtime, second.id)

    first_period = await period_of(runtime, first.id)
    assert first.paid_at is not None
    assert first_period.starts_at == first.paid_at
    assert first_period.revoked_at is None
    stored = await user_row(runtime, user.id)
    assert stored.member_level == PRO
    assert stored.member_expire_at == first_period.ends_at


async def test_refund_only_order_ends_membership(runtime: Runtime) -> None:
    user = await create_user(runtime, energy_balance=0)
    order = await buy(runtime, user)

    await orders.refund_order(runtime, order.id)

    stored = await user_row(runtime, user.id)
    assert stored.member_level == FREE
    assert stored.member_expire_at is None


async def test_order_after_lapse_starts_at_payment(runtime: Runtime) -> None:
    user = await create_user(runtime, energy_balance=0)
    long_ago = utcnow() - timedelta(days=45)
    lapsed = Order(id="lapsed-order", user_id=user.id, member_level=PRO, duration_days=30)
    async with transaction(runtime.sessionmaker) as session:
        await membership.add_period(session, lapsed, long_ago)
    lapsed_user = await user_row(runtime, user.id)
    assert lapsed_user.member_expire_at == long_ago + MONTH
    assert membership.effective_level(lapsed_user, utcnow()) == FREE

    order = await buy(runtime, user)

    # The lapsed period ended 15 days ago, so the new one starts when it is paid.
    period = await period_of(runtime, order.id)
    assert order.paid_at is not None
    assert period.starts_at == order.paid_at
    stored = await user_row(runtime, user.id)
    assert stored.member_level == PRO
    assert stored.member_expire_at == order.paid_at + MONTH


async def test_energy_pack_gives_no_period(runtime: Runtime) -> None:
    user = await create_user(runtime, energy_balance=0)

    order = await buy(runtime, user, "energy_300")

    async with runtime.sessionmaker() as session:
        periods = list(
            await session.scalars(
                select(MembershipPeriod).where(MembershipPeriod.order_id == order.id)
            )
        )
    assert periods == []
    stored = await user_row(runtime, user.id)
    assert stored.member_level == FREE
    assert stored.member_expire_at is None
    assert stored.energy_balance == 300


async def test_member_profile_shows_level(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime, energy_balance=0)
    order = await buy(runtime, user)

    response = await client.get("/api/v1/users/me", headers=auth_headers(runtime, user))

    assert response.status_code == 200
    profile = response.json()
    assert profile["member_level"] == PRO
    assert order.paid_at is not None
    expire_at = datetime.fromisoformat(profile["member_expire_at"].replace("Z", "+00:00"))
    assert expire_at == order.paid_at + MONTH
    assert profile["energy_balance"] == 600


async def test_expired_membership_reads_free(client: httpx.AsyncClient, runtime: Runtime) -> None:
    ended = utcnow() - timedelta(minutes=1)
    user = await create_user(runtime, member_level=PRO, member_expire_at=ended)

    response = await client.get("/api/v1/users/me", headers=auth_headers(runtime, user))

    assert response.status_code == 200
    assert response.json()["member_level"] == FREE
    expire_at = datetime.fromisoformat(response.json()["member_expire_at"].replace("Z", "+00:00"))
    assert_near(expire_at, ended)
    energy = await client.get("/api/v1/users/me/energy", headers=auth_headers(runtime, user))
    assert energy.json()["benefits"]["level"] == FREE
    assert energy.json()["benefits"]["max_video_seconds"] == 60
