"""Applying verified provider events to orders: partial refunds, odd orderings,
amounts that do not match. The events are built here; each provider's tests cover
how callbacks become events."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.billing.energy import energy_of
from tests.conftest import create_user
from vidswap.billing import fulfilment
from vidswap.billing.models import Order, OrderStatus, PaymentEventRecord
from vidswap.billing.providers.base import EventKind, PaymentEvent
from vidswap.kit.clock import utcnow
from vidswap.kit.db import new_id
from vidswap.runtime import Runtime

PRICE = 2800
ENERGY = 600


async def _order(runtime: Runtime, user_id: str, status: str = OrderStatus.PENDING) -> str:
    now = utcnow()
    order = Order(
        id=new_id(),
        user_id=user_id,
        product_id="pro_monthly",
        provider="wechatpay",
        client="native",
        amount=PRICE,
        currency="CNY",
        status=status,
        energy=ENERGY,
        energy_valid_days=30,
        duration_days=30,
        member_level=1,
        expires_at=now + timedelta(minutes=30),
        created_at=now,
        updated_at=now,
    )
    async with runtime.sessionmaker() as session, session.begin():
        session.add(order)
    return order.id


def _event(
    order_id: str, kind: EventKind, amount: int | None = PRICE, **fields: object
) -> PaymentEvent:
    return PaymentEvent(
        provider="wechatpay",
        event_id=new_id(),
        kind=kind,
        order_id=order_id,
        transaction_id="4200000001",
        amount=amount,
        currency="CNY",
        **fields,  # type: ignore[arg-type]
    )


async def _apply(runtime: Runtime, event: PaymentEvent) -> str:
    async with runtime.sessionmaker() as session, session.begin():
        return await fulfilment.apply_event(session, event)


async def _status(runtime: Runtime, order_id: str) -> tuple[str, int]:
    async with runtime.sessionmaker() as session:
        order = await session.get(Order, order_id)
    assert order is not None
    return order.status, order.refunded_amount


async def test_partial_refunds_by_running_total(runtime: Runtime) -> None:
    user = await create_user(runtime, energy_balance=0)
    order_id = await _order(runtime, user.id)
    assert await _apply(runtime, _event(order_id, EventKind.PAID)) == "granted"

    first = _event(order_id, EventKind.REFUNDED, 1000, refunded_total=1000)
    repeat = _event(order_id, EventKind.REFUNDED, 1000, refunded_total=1000)
    assert await _apply(runtime, first) == "partial_refund"
    assert await _apply(runtime, repeat) == "partial_refund"
    assert await _status(runtime, order_id) == ("paid", 1000)
    assert await energy_of(runtime, user.id) == (ENERGY, 0)

    rest = _event(order_id, EventKind.REFUNDED, 1800, refunded_total=PRICE)
    assert await _apply(runtime, rest) == "revoked"
    assert await _status(runtime, order_id) == ("refunded", PRICE)
    assert await energy_of(runtime, user.id) == (0, 0)


async def test_partial_refunds_by_increments(runtime: Runtime) -> None:
    user = await create_user(runtime, energy_balance=0)
    order_id = await _order(runtime, user.id)
    await _apply(runtime, _event(order_id, EventKind.PAID))

    assert await _apply(runtime, _event(order_id, EventKind.REFUNDED, 1000)) == "partial_refund"
    assert await _apply(runtime, _event(order_id, EventKind.REFUNDED, 1800)) == "revoked"
    assert await _status(runtime, order_id) == ("refunded", PRICE)


async def test_refund_before_payment_grants_nothing(runtime: Runtime) -> None:
    user = await create_user(runtime, energy_balance=0)
    order_id = await _order(runtime, user.id)

    assert await _apply(runtime, _event(order_id, EventKind.REFUNDED)) == "refunded_unpaid"
    assert await _apply(runtime, _event(order_id, EventKind.PAID)) == "already_refunded"
    assert await _status(runtime, order_id) == ("refunded", PRICE)
    assert await energy_of(runtime, user.id) == (0, 0)


async def test_failure_after_payment_is_stale(runtime: Runtime) -> None:
    user = await create_user(runtime, energy_balance=0)
    order_id = await _order(runtime, user.id)
    await _apply(runtime, _event(order_id, EventKind.PAID))

    outcome = await _apply(
        runtime, _event(order_id, EventKind.FAILED, None, detail={"reason": "late"})
    )

    assert outcome == "stale_for_paid"
    assert await _status(runtime, order_id) == ("paid", 0)
    assert await energy_of(runtime, user.id) == (ENERGY, 0)


async def test_payment_after_expiry_still_grants(runtime: Runtime) -> None:
    user = await create_user(runtime, energy_balance=0)
    order_id = await _order(runtime, user.id, status=OrderStatus.FAILED)

    assert await _apply(runtime, _event(order_id, EventKind.PAID)) == "granted"
    assert await _status(runtime, order_id) == ("paid", 0)
    assert await energy_of(runtime, user.id) == (ENERGY, 0)


async def test_wrong_amount_or_order_is_recorded_only(runtime: Runtime) -> None:
    user = await create_user(runtime, energy_balance=0)
    order_id = await _order(runtime, user.id)

    short = _event(order_id, EventKind.PAID, PRICE - 1)
    assert await _apply(runtime, short) == "amount_mismatch"
    other_currency = PaymentEvent(
        provider="wechatpay",
        event_id=new_id(),
        kind=EventKind.PAID,
        order_id=order_id,
        amount=PRICE,
        currency="USD",
    )
    assert await _apply(runtime, other_currency) == "amount_mismatch"
    assert await _apply(runtime, _event("no-such-order", EventKind.PAID)) == "unknown_order"
    assert await _status(runtime, order_id) == ("pending", 0)
    assert await energy_of(runtime, user.id) == (0, 0)

    async with runtime.sessionmaker() as session:
        outcomes = sorted((await session.scalars(select(PaymentEventRecord.outcome))).all())
    assert outcomes == ["amount_mismatch", "amount_mismatch", "unknown_order"]


async def test_duplicate_event_id_applies_once(runtime: Runtime) -> None:
    user = await create_user(runtime, energy_balance=0)
    order_id = await _order(runtime, user.id)
    event = _event(order_id, EventKind.PAID)

    assert await _apply(runtime, event) == "granted"
    assert await _apply(runtime, event) == fulfilment.DUPLICATE
    assert await energy_of(runtime, user.id) == (ENERGY, 0)
