"""Applying verified provider events to orders, memberships and Energy.

Each event is stored once by ``(provider, event_id)``; a duplicate changes nothing.
Order status changes are conditional, so events that arrive twice, late or out of
order grant an order's membership and Energy once and revoke them once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vidswap.billing import ledger, membership
from vidswap.billing.models import Order, OrderStatus, PaymentEventRecord
from vidswap.billing.providers.base import EventKind, PaymentEvent
from vidswap.kit.clock import utcnow

log = structlog.get_logger(__name__)

DUPLICATE = "duplicate"


async def apply_event(session: AsyncSession, event: PaymentEvent) -> str:
    """Record ``event`` and act on it inside the caller's transaction; return the outcome."""
    if await event_seen(session, event):
        return DUPLICATE
    record = PaymentEventRecord(
        provider=event.provider,
        event_id=event.event_id,
        order_id=event.order_id,
        kind=event.kind.value,
        outcome="pending",
        detail={"amount": event.amount, "currency": event.currency, **event.detail},
        received_at=utcnow(),
    )
    session.add(record)
    await session.flush()  # a concurrent duplicate fails here, on the unique key

    order = None
    if event.order_id:
        order = await session.get(Order, event.order_id, with_for_update=True)
    if order is None or order.provider != event.provider:
        record.outcome = "unknown_order"
    else:
        record.outcome = await _apply(session, order, event, utcnow())
    log_event = log.warning if record.outcome in ("amount_mismatch", "unknown_order") else log.info
    log_event(
        "payment.event_applied",
        provider=event.provider,
        event_id=event.event_id,
        order_id=event.order_id,
        kind=event.kind.value,
        outcome=record.outcome,
    )
    return record.outcome


async def event_seen(session: AsyncSession, event: PaymentEvent) -> bool:
    """Return whether ``event`` was already stored."""
    found = await session.scalar(
        select(PaymentEventRecord.id).where(
            PaymentEventRecord.provider == event.provider,
            PaymentEventRecord.event_id == event.event_id,
        )
    )
    return found is not None


async def _apply(session: AsyncSession, order: Order, event: PaymentEvent, now: datetime) -> str:
    if event.kind is EventKind.PAID:
        return await _paid(session, order, event, now)
    if event.kind is EventKind.FAILED:
        return await _failed(session, order, event)
    if event.kind is EventKind.REFUNDED:
        return await _refunded(session, order, event, now)
    return "ignored"


async def _paid(session: AsyncSession, order: Order, event: PaymentEvent, now: datetime) -> str:
    currency_differs = event.currency is not None and event.currency.upper() != order.currency
    if event.amount != order.amount or currency_differs:
        return "amount_mismatch"
    moved = await _move(
        session,
        order,
        (OrderStatus.PENDING, OrderStatus.FAILED),
        status=OrderStatus.PAID,
        paid_at=now,
        transaction_id=event.transaction_id or order.transaction_id,
        failure_reason=None,
    )
    if not moved:
        return f"already_{order.status}"
    await grant_order(session, order, now)
    return "granted"


async def _failed(session: AsyncSession, order: Order, event: PaymentEvent) -> str:
    reason = str(event.detail.get("reason", "payment failed"))[:200]
    moved = await _move(
        session, order, (OrderStatus.PENDING,), status=OrderStatus.FAILED, failure_reason=reason
    )
    return "failed" if moved else f"stale_for_{order.status}"


async def _refunded(session: AsyncSession, order: Order, event: PaymentEvent, now: datetime) -> str:
    if event.refunded_total is not None:
        refunded = max(order.refunded_amount, event.refunded_total)
    else:
        refunded = order.refunded_amount + (event.amount or order.amount)
    if order.status == OrderStatus.REFUNDED:
        return "already_refunded"
    if refunded < order.amount:
        # A partial refund is recorded; what the order granted stays until it is whole.
        await _move(session, order, (order.status,), refunded_amount=refunded)
        return "partial_refund"
    was_paid = order.status == OrderStatus.PAID
    await _move(
        session,
        order,
        (order.status,),
        status=OrderStatus.REFUNDED,
        refunded_amount=order.amount,
        refunded_at=now,
        transaction_id=order.transaction_id or event.transaction_id,
    )
    if not was_paid:
        return "refunded_unpaid"
    await revoke_order(session, order, now)
    return "revoked"


async def grant_order(session: AsyncSession, order: Order, now: datetime) -> None:
    """Give what a paid order buys: Energy (in a lot when it expires) and membership."""
    if order.user_id is None:
        return  # the account was erased; the payment stays on record
    period_end = None
    if order.duration_days > 0 and order.member_level > 0:
        period_end = (await membership.add_period(session, order, now)).ends_at
    if order.energy > 0:
        expires = None
        if order.energy_valid_days:
            # A plan's Energy lasts as long as the period it comes with, which may
            # start after the current one ends.
            expires = max(now + timedelta(days=order.energy_valid_days), period_end or now)
        await ledger.grant(
            session, order.user_id, order.energy, reference=order.id, expires_at=expires
        )


async def revoke_order(session: AsyncSession, order: Order, now: datetime) -> None:
    if order.user_id is None:
        return
    if order.energy > 0:
        await ledger.revoke(
            session, order.user_id, order.energy, reference=order.id, note="order refunded"
        )
    await membership.revoke_period(session, order, now)


async def _move(
    session: AsyncSession, order: Order, allowed: tuple[str, ...], **values: object
) -> bool:
    """Change the order only while its status is one of ``allowed``."""
    result = await session.execute(
        update(Order)
        .where(Order.id == order.id, Order.status.in_(allowed))
        .values(updated_at=utcnow(), **values)
    )
    await session.refresh(order)
    return bool(result.rowcount)  # type: ignore[attr-defined]
