"""Order use cases: create (with the provider's payment data), read, list, confirm
sandbox payments, apply callbacks, refund, and expire unpaid orders."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from vidswap.accounts.models import User
from vidswap.billing import catalog, fulfilment
from vidswap.billing.errors import (
    ClientNotSupportedError,
    CurrencyNotSupportedError,
    IdempotencyKeyReusedError,
    OrderNotFoundError,
    OrderStateError,
)
from vidswap.billing.models import Order, OrderStatus, Product
from vidswap.billing.providers.base import (
    EventKind,
    NotificationRejectedError,
    NotifyReply,
    PaymentEvent,
    PaymentProvider,
    PaymentRequest,
)
from vidswap.kit.clock import utcnow
from vidswap.kit.db import new_id, transaction
from vidswap.kit.errors import VidswapError
from vidswap.runtime import Runtime

log = structlog.get_logger(__name__)

NOTIFY_PATH = "/api/v1/payments/{provider}/notify"


def offered_providers(runtime: Runtime, currency: str) -> list[str]:
    return [
        provider.name
        for provider in runtime.payments.all()
        if provider.currencies is None or currency in provider.currencies
    ]


async def create_order(
    runtime: Runtime,
    user: User,
    *,
    product_id: str,
    provider_name: str,
    client: str,
    payer_id: str | None,
    return_url: str | None,
    idempotency_key: str | None,
    locale: str,
) -> Order:
    """Store a pending order, then ask the provider for what the client pays with."""
    provider = runtime.payments.get(provider_name)
    async with runtime.sessionmaker() as session:
        product = await catalog.get_active_product(session, product_id)
        if idempotency_key:
            earlier = await _by_key(session, user.id, idempotency_key)
            if earlier is not None:
                return _same_request(earlier, product_id, provider_name, idempotency_key)
    _check_offer(provider, product, client)

    now = utcnow()
    order = Order(
        id=new_id(),
        user_id=user.id,
        product_id=product.id,
        provider=provider.name,
        client=client,
        amount=product.price,
        currency=product.currency,
        status=OrderStatus.PENDING,
        energy=product.energy,
        energy_valid_days=product.energy_valid_days,
        duration_days=product.duration_days,
        member_level=product.member_level,
        idempotency_key=idempotency_key,
        expires_at=now + timedelta(minutes=runtime.settings.order_expire_minutes),
        created_at=now,
        updated_at=now,
    )
    try:
        async with transaction(runtime.sessionmaker) as session:
            session.add(order)
    except IntegrityError:
        # The same Idempotency-Key arrived twice at once: the other request stored it.
        async with runtime.sessionmaker() as session:
            earlier = await _by_key(session, user.id, idempotency_key or "")
        if earlier is None:
            raise
        return _same_request(earlier, product_id, provider_name, idempotency_key or "")

    request = payment_request(runtime, order, product, locale, payer_id, return_url)
    try:
        checkout = await provider.create_checkout(request)
    except VidswapError as exc:
        await _mark_failed(runtime, order.id, f"{exc.code}: {exc.message('en')}")
        raise
    async with transaction(runtime.sessionmaker) as session:
        await session.execute(
            update(Order)
            .where(Order.id == order.id)
            .values(payment=checkout.data, provider_reference=checkout.provider_reference)
        )
    order.payment = checkout.data
    order.provider_reference = checkout.provider_reference
    log.info(
        "order.created",
        order_id=order.id,
        user_id=user.id,
        product_id=product.id,
        provider=provider.name,
        amount=order.amount,
        currency=order.currency,
    )
    return order


def payment_request(
    runtime: Runtime,
    order: Order,
    product: Product,
    locale: str,
    payer_id: str | None = None,
    return_url: str | None = None,
) -> PaymentRequest:
    base = runtime.settings.base_url
    return PaymentRequest(
        order_id=order.id,
        user_id=order.user_id or "",
        amount=order.amount,
        currency=order.currency,
        description=str(catalog.pick(product.names, locale)),
        product_id=product.id,
        client=order.client,
        notify_url=base + NOTIFY_PATH.format(provider=order.provider),
        return_url=return_url or f"{base}/app/orders/{order.id}",
        expires_at=order.expires_at,
        provider_price_id=product.provider_price_ids.get(order.provider),
        payer_id=payer_id,
        locale=locale,
    )


def _check_offer(provider: PaymentProvider, product: Product, client: str) -> None:
    if client not in provider.clients:
        raise ClientNotSupportedError(
            provider=provider.name, client=client, choices=", ".join(sorted(provider.clients))
        )
    if provider.currencies is not None and product.currency not in provider.currencies:
        raise CurrencyNotSupportedError(
            provider=provider.name,
            currency=product.currency,
            product_id=product.id,
            choices=", ".join(sorted(provider.currencies)),
        )


async def _by_key(session: AsyncSession, user_id: str, key: str) -> Order | None:
    return await session.scalar(
        select(Order).where(Order.user_id == user_id, Order.idempotency_key == key)
    )


def _same_request(order: Order, product_id: str, provider: str, key: str) -> Order:
    if order.product_id != product_id or order.provider != provider:
        raise IdempotencyKeyReusedError(key=key, order_id=order.id)
    return order


async def _mark_failed(runtime: Runtime, order_id: str, reason: str) -> None:
    async with transaction(runtime.sessionmaker) as session:
        await session.execute(
            update(Order)
            .where(Order.id == order_id, Order.status == OrderStatus.PENDING)
            .values(status=OrderStatus.FAILED, failure_reason=reason[:200], updated_at=utcnow())
        )


async def get_order(session: AsyncSession, user: User, order_id: str) -> Order:
    order = await session.get(Order, order_id)
    if order is None or order.user_id != user.id:
        raise OrderNotFoundError(order_id=order_id)
    return order


async def list_orders(session: AsyncSession, user: User, limit: int) -> list[Order]:
    rows = await session.scalars(
        select(Order)
        .where(Order.user_id == user.id)
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(limit)
    )
    return list(rows.all())


async def handle_notification(
    runtime: Runtime, provider_name: str, headers: Mapping[str, str], body: bytes
) -> NotifyReply:
    """Verify a provider callback, apply its events, and build the response the provider expects."""
    provider = runtime.payments.get(provider_name)
    try:
        events = await provider.parse_notification(headers, body)
    except NotificationRejectedError as exc:
        log.warning(
            "payment.notify_rejected", provider=provider_name, reason=exc.params.get("reason")
        )
        return provider.notify_reply(exc)
    for event in events:
        await apply(runtime, event)
    return provider.notify_reply(None)


async def apply(runtime: Runtime, event: PaymentEvent) -> str:
    """Apply one event in its own transaction; a concurrent copy of it is a duplicate."""
    try:
        async with transaction(runtime.sessionmaker) as session:
            return await fulfilment.apply_event(session, event)
    except IntegrityError:
        async with runtime.sessionmaker() as session:
            if await fulfilment.event_seen(session, event):
                return fulfilment.DUPLICATE
        raise


async def confirm_sandbox(runtime: Runtime, user: User, order_id: str) -> Order:
    """Pay an order of the caller with the sandbox provider."""
    runtime.payments.get("sandbox")
    async with runtime.sessionmaker() as session:
        order = await get_order(session, user, order_id)
    if order.provider != "sandbox":
        raise OrderStateError(
            order_id=order_id,
            status=f"an order of {order.provider}",
            status_zh=f"{order.provider} 订单",
            action="paid in the sandbox",
            action_zh="用沙盒支付",
        )
    if order.status not in (OrderStatus.PENDING, OrderStatus.PAID):
        raise OrderStateError(
            order_id=order_id, status=order.status, action="paid", action_zh="支付"
        )
    event = PaymentEvent(
        provider="sandbox",
        event_id=f"pay:{order.id}",
        kind=EventKind.PAID,
        order_id=order.id,
        transaction_id=f"sandbox_txn_{order.id}",
        amount=order.amount,
        currency=order.currency,
    )
    await apply(runtime, event)
    async with runtime.sessionmaker() as session:
        return await get_order(session, user, order_id)


async def refund_order(runtime: Runtime, order_id: str, locale: str = "en") -> tuple[Order, str]:
    """Refund a paid order through its provider (an administrator's action). When the
    provider confirms at once the grants are revoked now; otherwise its refund event does it."""
    async with runtime.sessionmaker() as session:
        order = await session.get(Order, order_id)
        if order is None:
            raise OrderNotFoundError(order_id=order_id)
        product = await session.get(Product, order.product_id)
    if order.status != OrderStatus.PAID or product is None:
        raise OrderStateError(
            order_id=order_id, status=order.status, action="refunded", action_zh="退款"
        )

    provider = runtime.payments.get(order.provider)
    request = payment_request(runtime, order, product, locale)
    result = await provider.refund(request, order.transaction_id or "", order.amount)
    log.info(
        "order.refund_requested",
        order_id=order_id,
        refund_id=result.refund_id,
        done=result.succeeded,
    )
    if not result.succeeded:
        return order, "processing"

    event = PaymentEvent(
        provider=order.provider,
        event_id=f"refund:{result.refund_id}",
        kind=EventKind.REFUNDED,
        order_id=order.id,
        transaction_id=order.transaction_id,
        amount=order.amount,
        currency=order.currency,
        detail={"source": "admin"},
    )
    outcome = await apply(runtime, event)
    async with runtime.sessionmaker() as session:
        refreshed = await session.get(Order, order_id)
    assert refreshed is not None
    return refreshed, outcome


async def expire_pending(session: AsyncSession) -> int:
    """Fail pending orders past their payment window; a late payment still counts."""
    result = await session.execute(
        update(Order)
        .where(Order.status == OrderStatus.PENDING, Order.expires_at <= utcnow())
        .values(status=OrderStatus.FAILED, failure_reason="expired", updated_at=utcnow())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def order_public(order: Order) -> dict[str, Any]:
    return {
        "order_id": order.id,
        "status": order.status,
        "product_id": order.product_id,
        "provider": order.provider,
        "client": order.client,
        "amount": order.amount,
        "currency": order.currency,
        "energy": order.energy,
        "duration_days": order.duration_days,
        "member_level": order.member_level,
        "payment": order.payment if order.status == OrderStatus.PENDING else None,
        "transaction_id": order.transaction_id,
        "failure_reason": order.failure_reason,
        "created_at": order.created_at,
        "expires_at": order.expires_at,
        "paid_at": order.paid_at,
        "refunded_at": order.refunded_at,
    }
