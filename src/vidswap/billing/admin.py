"""Admin endpoints of billing: products, levels, refunds, Energy corrections, reconciliation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy import select

from vidswap.accounts.deps import CurrentUser
from vidswap.accounts.models import User
from vidswap.api.deps import RuntimeDep, SessionDep
from vidswap.api.responses import error_responses
from vidswap.billing import admin_service, catalog, orders
from vidswap.billing.admin_schemas import (
    EnergyAdjust,
    EnergyAdjusted,
    LevelIn,
    LevelList,
    LevelOut,
    ProductAdminList,
    ProductAdminOut,
    ProductCreate,
    ProductFields,
    ReconcileOut,
    RefundOut,
)
from vidswap.billing.errors import AdminRequiredError
from vidswap.billing.models import Order
from vidswap.billing.schemas import OrderList

Id = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


def require_admin(user: CurrentUser) -> User:
    if not user.is_admin:
        raise AdminRequiredError()
    return user


router = APIRouter(
    prefix="/admin",
    tags=["admin"],
    dependencies=[Depends(require_admin)],
    responses=error_responses(
        401, 403, s403="The caller is not an administrator (`admin_required`)."
    ),
)


@router.get("/products", response_model=ProductAdminList, summary="Every product")
async def admin_products(session: SessionDep) -> dict[str, Any]:
    return {"items": list(await admin_service.all_products(session))}


@router.post(
    "/products",
    status_code=201,
    response_model=ProductAdminOut,
    summary="Add a product",
    responses=error_responses(400, 409, 413, 422),
)
async def admin_create_product(body: ProductCreate, session: SessionDep) -> Any:
    values = body.given()
    product_id = values.pop("id")
    product = await admin_service.create_product(session, product_id, values)
    await session.commit()
    return product


@router.patch(
    "/products/{product_id}",
    response_model=ProductAdminOut,
    summary="Change a product (active=false takes it off sale)",
    responses=error_responses(400, 404, 413, 422),
)
async def admin_update_product(product_id: Id, body: ProductFields, session: SessionDep) -> Any:
    product = await admin_service.update_product(session, product_id, body.given())
    await session.commit()
    return product


@router.get("/levels", response_model=LevelList, summary="Member levels and benefits")
async def admin_levels(session: SessionDep) -> dict[str, Any]:
    return {"items": list(await catalog.levels(session))}


@router.put(
    "/levels/{rank}",
    response_model=LevelOut,
    summary="Define or change a member level",
    responses=error_responses(400, 413, 422),
)
async def admin_put_level(
    rank: Annotated[int, Path(ge=0, le=100)], body: LevelIn, session: SessionDep
) -> Any:
    level = await admin_service.put_level(session, rank, body.model_dump())
    await session.commit()
    return level


@router.get(
    "/orders",
    response_model=OrderList,
    summary="Orders, newest first",
    responses=error_responses(422),
)
async def admin_orders(
    session: SessionDep,
    status: Annotated[str | None, Query(pattern=r"^(pending|paid|failed|refunded)$")] = None,
    user_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    query = select(Order).order_by(Order.created_at.desc()).limit(limit)
    if status:
        query = query.where(Order.status == status)
    if user_id:
        query = query.where(Order.user_id == user_id)
    return {"items": [orders.order_public(order) for order in await session.scalars(query)]}


@router.post(
    "/orders/{order_id}/refund",
    response_model=RefundOut,
    summary="Refund a paid order through its provider and revoke what it granted",
    responses=error_responses(404, 409, 422, 503),
)
async def admin_refund(order_id: Id, runtime: RuntimeDep) -> dict[str, Any]:
    order, outcome = await orders.refund_order(runtime, order_id)
    return {"order": orders.order_public(order), "outcome": outcome}


@router.post(
    "/users/{user_id}/energy",
    response_model=EnergyAdjusted,
    summary="Add or take Energy, with a note",
    responses=error_responses(400, 402, 404, 413, 422),
)
async def admin_adjust_energy(
    user_id: Id, body: EnergyAdjust, session: SessionDep
) -> dict[str, Any]:
    entry = await admin_service.adjust_energy(session, user_id, body.delta, body.note)
    await session.commit()
    balance = entry.balance_after if entry else 0
    return {"user_id": user_id, "delta": body.delta, "balance": balance}


@router.get(
    "/energy/reconcile", response_model=ReconcileOut, summary="Check balances against the ledger"
)
async def admin_reconcile(session: SessionDep) -> dict[str, Any]:
    problems = await admin_service.reconcile(session)
    return {"ok": not problems, "problems": problems}
