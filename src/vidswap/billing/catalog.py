"""Products and member levels: reading them, and their public form in one language."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vidswap.billing.errors import ProductNotFoundError
from vidswap.billing.models import MemberLevel, Product
from vidswap.kit.i18n import DEFAULT_LOCALE, normalize_locale


def pick(texts: dict[str, Any], locale: str) -> Any:
    """Return the text of ``locale`` from a ``{"en": ..., "zh-CN": ...}`` column, else English."""
    value = texts.get(normalize_locale(locale))
    return value if value not in (None, "", []) else texts.get(DEFAULT_LOCALE, "")


async def active_products(session: AsyncSession) -> list[Product]:
    rows = await session.scalars(
        select(Product).where(Product.active.is_(True)).order_by(Product.sort_order, Product.id)
    )
    return list(rows.all())


async def get_active_product(session: AsyncSession, product_id: str) -> Product:
    product = await session.get(Product, product_id)
    if product is None or not product.active:
        raise ProductNotFoundError(product_id=product_id)
    return product


async def levels(session: AsyncSession) -> list[MemberLevel]:
    return list((await session.scalars(select(MemberLevel).order_by(MemberLevel.rank))).all())


async def level_of(session: AsyncSession, rank: int) -> MemberLevel:
    """Return the level ``rank``, or the highest defined level below it (migration 0002 seeds rank 0)."""
    found = await session.scalar(
        select(MemberLevel)
        .where(MemberLevel.rank <= rank)
        .order_by(MemberLevel.rank.desc())
        .limit(1)
    )
    if found is None:
        raise LookupError("no member level 0: run `vidswap db upgrade`")
    return found


def benefits_public(level: MemberLevel, locale: str) -> dict[str, Any]:
    return {
        "level": level.rank,
        "name": pick(level.names, locale),
        "max_video_seconds": level.max_video_seconds,
        "max_resolution": level.max_resolution,
        "concurrent_tasks": level.concurrent_tasks,
        "daily_tasks": level.daily_tasks,
        "priority": level.priority,
        "label_removal": level.label_removal,
        "retention_days": level.retention_days,
    }


def product_public(
    product: Product, locale: str, level: MemberLevel | None, providers: list[str]
) -> dict[str, Any]:
    return {
        "id": product.id,
        "name": pick(product.names, locale),
        "description": pick(product.descriptions, locale),
        "features": list(pick(product.features, locale) or []),
        "price": product.price,
        "currency": product.currency,
        "duration_days": product.duration_days,
        "member_level": product.member_level,
        "energy": product.energy,
        "energy_valid_days": product.energy_valid_days,
        "benefits": benefits_public(level, locale) if level and product.duration_days else None,
        "providers": providers,
        "created_at": product.created_at,
    }
