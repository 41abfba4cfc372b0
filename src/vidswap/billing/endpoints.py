"""REST endpoints of billing: products, orders, provider callbacks, the sandbox, Energy."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request, Response
from sqlalchemy import select

from vidswap.accounts.deps import CurrentUser
from vidswap.api.deps import LocaleDep, RuntimeDep, SessionDep
from vidswap.api.responses import error_responses
from vidswap.billing import catalog, orders
from vidswap.billing.membership import effective_level
from vidswap.billing.models import EnergyEntry, EnergyLot
from vidswap.billing.schemas import (
    EnergyOut,
    OrderCreate,
    OrderList,
    OrderOut,
    ProductList,
    ProviderList,
    SandboxConfirm,
)
from vidswap.kit.clock import utcnow

router = APIRouter(tags=["billing"])

OrderId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
ProviderName = Annotated[str, Path(min_length=1, max_length=16, pattern=r"^[a-z0-9_-]+$")]


@router.get(
    "/products",
    response_model=ProductList,
    summary="Plans and packs on sale, in the caller's language",
    responses=error_responses(422, 503),
)
async def list_products(
    runtime: RuntimeDep,
    session: SessionDep,
    locale: LocaleDep,
    currency: Annotated[
        str | None,
        Query(pattern=r"^[A-Z]{3}$", description="Only products priced in this ISO 4217 currency."),
    ] = None,
) -> dict[str, Any]:
    levels = {level.rank: level for level in await catalog.levels(session)}
    items = [
        catalog.product_public(
            product,
            locale,
            levels.get(product.member_level),
            orders.offered_providers(runtime, product.currency),
        )
        for product in await catalog.active_products(session)
        if currency is None or product.currency == currency
    ]
    free = await catalog.level_of(session, 0)
    return {"items": items, "free": catalog.benefits_public(free, locale)}


@router.post(
    "/orders",
    status_code=201,
    response_model=OrderOut,
    summary="Create an order and get what the client pays with",
    responses=error_responses(
        400,
        401,
        404,
        409,
        413,
        422,
        503,
        s400="Unknown provider, a client or currency the provider does not take "
        "(`payment_provider_unavailable`, `payment_client_unsupported`, "
        "`payment_currency_unsupported`).",
        s404="No product with this id is on sale (`product_not_found`).",
        s409="The Idempotency-Key was used for another product (`idempotency_key_reused`).",
        s503="The payment provider could not be reached (`payment_provider_error`).",
    ),
)
async def create_order(
    body: OrderCreate,
    user: CurrentUser,
    runtime: RuntimeDep,
    locale: LocaleDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            max_length=128,
            description="Repeat it to get the same order back instead of a second one.",
        ),
    ] = None,
) -> dict[str, Any]:
    order = await orders.create_order(
        runtime,
        user,
        product_id=body.product_id,
        provider_name=body.provider,
        client=body.client,
        payer_id=body.openid,
        return_url=body.return_url,
        idempotency_key=idempotency_key,
        locale=locale,
    )
    return orders.order_public(order)


@router.get(
    "/orders",
    response_model=OrderList,
    summary="The caller's orders, newest first",
    responses=error_responses(401, 422),
)
async def list_orders(
    user: CurrentUser,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> dict[str, Any]:
    found = await orders.list_orders(session, user, limit)
    return {"items": [orders.order_public(order) for order in found]}


@router.get(
    "/orders/{order_id}",
    response_model=OrderOut,
    summary="One order of the caller",
    responses=error_responses(
        401, 404, 422, s404="No order with this id belongs to the caller (`order_not_found`)."
    ),
)
async def get_order(order_id: OrderId, user: CurrentUser, session: SessionDep) -> dict[str, Any]:
    return orders.order_public(await orders.get_order(session, user, order_id))


@router.post(
    "/payments/sandbox/confirm",
    response_model=OrderOut,
    summary="Pay an order with the sandbox provider (where the operator enabled it)",
    responses=error_responses(
        400,
        401,
        404,
        409,
        413,
        422,
        s400="The sandbox is off here (`payment_provider_unavailable`).",
        s409="The order is not a pending sandbox order (`order_state_conflict`).",
    ),
)
async def confirm_sandbox(
    body: SandboxConfirm, user: CurrentUser, runtime: RuntimeDep
) -> dict[str, Any]:
    return orders.order_public(await orders.confirm_sandbox(runtime, user, body.order_id))


@router.post(
    "/payments/{provider}/notify",
    summary="Provider callback (webhook); verified on the raw body",
    responses={
        200: {"description": "Accepted, in the form the provider expects."},
        **error_responses(
            400,
            422,
            s400="Unknown provider, or the provider's own failure reply to a rejected callback.",
        ),
    },
)
async def payment_notify(provider: ProviderName, request: Request, runtime: RuntimeDep) -> Response:
    body = await request.body()
    reply = await orders.handle_notification(runtime, provider, request.headers, body)
    return Response(content=reply.body, status_code=reply.status_code, media_type=reply.media_type)


@router.get(
    "/payments/providers",
    response_model=ProviderList,
    summary="Payment providers offered here, with their clients",
    responses=error_responses(422, 503),
)
async def list_providers(
    runtime: RuntimeDep,
    currency: Annotated[
        str | None,
        Query(pattern=r"^[A-Z]{3}$", description="Only providers that take this currency."),
    ] = None,
) -> dict[str, Any]:
    offered = runtime.payments.all()
    if currency is not None:
        offered = [p for p in offered if p.currencies is None or currency in p.currencies]
    return {
        "items": [
            {
                "name": provider.name,
                "clients": sorted(provider.clients),
                "currencies": sorted(provider.currencies) if provider.currencies else None,
            }
            for provider in offered
        ]
    }


@router.get(
    "/users/me/energy",
    response_model=EnergyOut,
    summary="Energy balance, what expires, history and the caller's benefits",
    responses=error_responses(401, 422),
)
async def my_energy(
    user: CurrentUser,
    session: SessionDep,
    locale: LocaleDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    now = utcnow()
    entries = await session.scalars(
        select(EnergyEntry)
        .where(EnergyEntry.user_id == user.id)
        .order_by(EnergyEntry.created_at.desc(), EnergyEntry.id.desc())
        .limit(limit)
    )
    lots = await session.scalars(
        select(EnergyLot)
        .where(EnergyLot.user_id == user.id, EnergyLot.remaining > 0, EnergyLot.expires_at > now)
        .order_by(EnergyLot.expires_at)
    )
    level = await catalog.level_of(session, effective_level(user, now))
    return {
        "balance": user.energy_balance - user.energy_reserved,
        "reserved": user.energy_reserved,
        "expiring": [{"amount": lot.remaining, "expires_at": lot.expires_at} for lot in lots],
        "entries": list(entries.all()),
        "benefits": catalog.benefits_public(level, locale),
    }
