"""Administrator use cases shared by the admin API and the `vidswap` commands."""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vidswap.accounts.models import User
from vidswap.billing import ledger
from vidswap.billing.errors import ProductNotFoundError
from vidswap.billing.models import EnergyEntry, EnergyHold, HoldStatus, MemberLevel, Product
from vidswap.kit.clock import utcnow
from vidswap.kit.db import new_id
from vidswap.kit.errors import BadInputError, NotFoundError

log = structlog.get_logger(__name__)

PRODUCT_FIELDS = (
    "names",
    "descriptions",
    "features",
    "price",
    "currency",
    "duration_days",
    "member_level",
    "energy",
    "energy_valid_days",
    "active",
    "sort_order",
    "provider_price_ids",
)
LEVEL_FIELDS = (
    "names",
    "max_video_seconds",
    "max_resolution",
    "concurrent_tasks",
    "daily_tasks",
    "priority",
    "label_removal",
    "retention_days",
)


class ProductExistsError(BadInputError):
    code = "product_exists"
    status_code = 409
    messages = {
        "en": "A product with id {product_id} exists already; change it with PATCH or `vidswap products update`.",
        "zh-CN": "商品 {product_id} 已存在，请通过 PATCH 或 `vidswap products update` 修改。",
    }


class UnknownLevelError(BadInputError):
    code = "unknown_member_level"
    messages = {
        "en": "There is no member level {level}. Define it first (PUT /api/v1/admin/levels/{level}).",
        "zh-CN": "会员等级 {level} 不存在，请先定义（PUT /api/v1/admin/levels/{level}）。",
    }


async def all_products(session: AsyncSession) -> list[Product]:
    return list((await session.scalars(select(Product).order_by(Product.sort_order))).all())


async def create_product(session: AsyncSession, product_id: str, values: dict[str, Any]) -> Product:
    if await session.get(Product, product_id) is not None:
        raise ProductExistsError(product_id=product_id)
    await _check_level(session, values.get("member_level", 0))
    product = Product(id=product_id, **values)
    session.add(product)
    await session.flush()
    log.info("product.created", product_id=product_id, price=product.price)
    return product


async def update_product(session: AsyncSession, product_id: str, values: dict[str, Any]) -> Product:
    product = await session.get(Product, product_id)
    if product is None:
        raise ProductNotFoundError(product_id=product_id)
    if "member_level" in values:
        await _check_level(session, values["member_level"])
    for name, value in values.items():
        setattr(product, name, value)
    product.updated_at = utcnow()
    await session.flush()
    log.info("product.updated", product_id=product_id, fields=sorted(values))
    return product


async def put_level(session: AsyncSession, rank: int, values: dict[str, Any]) -> MemberLevel:
    level = await session.get(MemberLevel, rank)
    if level is None:
        level = MemberLevel(rank=rank, **values)
        session.add(level)
    else:
        for name, value in values.items():
            setattr(level, name, value)
        level.updated_at = utcnow()
    await session.flush()
    log.info("member_level.saved", rank=rank)
    return level


async def adjust_energy(
    session: AsyncSession, user_id: str, delta: int, note: str
) -> EnergyEntry | None:
    if await session.get(User, user_id) is None:
        raise NotFoundError(what=f"user {user_id}")
    entry = await ledger.adjust(session, user_id, delta, reference=f"admin:{new_id()}", note=note)
    log.info("energy.adjusted", user_id=user_id, delta=delta)
    return entry


async def reconcile(session: AsyncSession) -> list[dict[str, Any]]:
    """Users whose stored balance or reserve differs from the ledger and the open holds,
    or whose balance is negative or below the reserve. An empty list means all agree."""
    sums = (
        select(EnergyEntry.user_id, func.coalesce(func.sum(EnergyEntry.delta), 0).label("total"))
        .group_by(EnergyEntry.user_id)
        .subquery()
    )
    held = (
        select(EnergyHold.user_id, func.coalesce(func.sum(EnergyHold.amount), 0).label("total"))
        .where(EnergyHold.status == HoldStatus.HELD)
        .group_by(EnergyHold.user_id)
        .subquery()
    )
    rows = await session.execute(
        select(
            User.id,
            User.energy_balance,
            User.energy_reserved,
            func.coalesce(sums.c.total, 0),
            func.coalesce(held.c.total, 0),
        )
        .outerjoin(sums, sums.c.user_id == User.id)
        .outerjoin(held, held.c.user_id == User.id)
    )
    problems = []
    for user_id, balance, reserved, ledger_sum, held_sum in rows:
        if balance != ledger_sum or reserved != held_sum or balance < 0 or balance < reserved:
            problems.append(
                {
                    "user_id": user_id,
                    "balance": balance,
                    "ledger_sum": int(ledger_sum),
                    "reserved": reserved,
                    "held": int(held_sum),
                }
            )
    return problems


async def _check_level(session: AsyncSession, rank: int) -> None:
    if await session.get(MemberLevel, rank) is None:
        raise UnknownLevelError(level=rank)
