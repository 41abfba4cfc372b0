"""Administrator use cases shared by the admin API and the `vidswap` commands."""

from __future__ import annotations

import re
from typing import Any

import structlog
from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vidswap.accounts.identifiers import classify_account
from vidswap.accounts.models import User
from vidswap.accounts.repository import find_user_by_email, find_user_by_phone
from vidswap.billing import ledger
from vidswap.billing.admin_schemas import EnergyAdjust, LevelIn, ProductFields
from vidswap.billing.errors import InsufficientEnergyError
from vidswap.billing.models import EnergyEntry, EnergyHold, HoldStatus, MemberLevel, Product
from vidswap.billing.schemas import ID_PATTERN
from vidswap.kit.clock import utcnow
from vidswap.kit.db import new_id
from vidswap.kit.errors import BadInputError, NotFoundError
from vidswap.kit.i18n import SUPPORTED_LOCALES

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
MAX_ID_LENGTH = 64
TEXT_FIELDS = ("names", "descriptions", "features")
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


class ProductMissingError(NotFoundError):
    code = "product_not_found"
    messages = {
        "en": "There is no product {product_id}. `vidswap products list --all` lists every product.",
        "zh-CN": "商品 {product_id} 不存在。`vidswap products list --all` 可列出全部商品。",
    }


class EmptyProductError(BadInputError):
    code = "product_grants_nothing"
    messages = {
        "en": "Product {product_id} would give nothing: give it Energy (energy > 0), or membership days with a level above 0.",
        "zh-CN": "商品 {product_id} 不包含任何权益：请设置能量（energy > 0），或会员天数及大于 0 的等级。",
    }


class DebitTooLargeError(BadInputError):
    code = "energy_debit_too_large"
    status_code = 402
    messages = {
        "en": "User {user_id} has {available} Energy available, so {amount} cannot be taken; Energy held by running tasks stays. Take at most {available}.",
        "zh-CN": "用户 {user_id} 当前可用能量为 {available}，无法扣除 {amount}；进行中任务冻结的能量不可扣除。最多可扣除 {available}。",
    }


class UnknownLevelError(BadInputError):
    code = "unknown_member_level"
    messages = {
        "en": "There is no member level {level}. Define it first (PUT /api/v1/admin/levels/{level}).",
        "zh-CN": "会员等级 {level} 不存在，请先定义（PUT /api/v1/admin/levels/{level}）。",
    }


class UserNotFoundError(NotFoundError):
    code = "user_not_found"
    messages = {
        "en": "No user has the id, email or phone number {account}.",
        "zh-CN": "没有 ID、邮箱或手机号为 {account} 的用户。",
    }


class InvalidFieldError(BadInputError):
    code = "invalid_field"
    messages = {
        "en": "Invalid {field} {value} for {subject}: {detail}.",
        "zh-CN": "{subject}的 {field} 值 {value} 无效：{detail}。",
    }


class MissingFieldError(BadInputError):
    code = "missing_field"
    messages = {
        "en": "{subject} needs a value for {field}.",
        "zh-CN": "{subject}缺少 {field} 的值。",
    }


async def all_products(session: AsyncSession) -> list[Product]:
    return list((await session.scalars(select(Product).order_by(Product.sort_order))).all())


async def create_product(session: AsyncSession, product_id: str, values: dict[str, Any]) -> Product:
    if await session.get(Product, product_id) is not None:
        raise ProductExistsError(product_id=product_id)
    await _check_level(session, values.get("member_level", 0))
    product = Product(id=product_id, **values)
    _check_grants(product)
    session.add(product)
    await session.flush()
    log.info("product.created", product_id=product_id, price=product.price)
    return product


async def update_product(session: AsyncSession, product_id: str, values: dict[str, Any]) -> Product:
    product = await session.get(Product, product_id)
    if product is None:
        raise ProductMissingError(product_id=product_id)
    if "member_level" in values:
        await _check_level(session, values["member_level"])
    for name, value in values.items():
        setattr(product, name, value)
    _check_grants(product)
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


async def add_product(session: AsyncSession, product_id: str, given: dict[str, Any]) -> Product:
    """Check and store a new product (the `vidswap products add` path).

    Fields are checked by the rules of the admin API. Descriptions and features
    that are not given are stored empty in every locale."""
    subject = f"product {product_id}"
    if not re.fullmatch(ID_PATTERN, product_id) or len(product_id) > MAX_ID_LENGTH:
        raise InvalidFieldError(
            subject=subject,
            field="id",
            value=product_id,
            detail=f"use 1 to {MAX_ID_LENGTH} letters, digits, '_' or '-'",
        )
    values = _validated(ProductFields, given, subject)
    for field in ("names", "price", "currency"):
        if field not in values:
            raise MissingFieldError(subject=subject, field=field)
    values.setdefault("descriptions", {locale: "" for locale in SUPPORTED_LOCALES})
    values.setdefault("features", {locale: [] for locale in SUPPORTED_LOCALES})
    return await create_product(session, product_id, values)


async def change_product(session: AsyncSession, product_id: str, given: dict[str, Any]) -> Product:
    """Check and apply changes to a product (the `vidswap products update` path).

    A text given in one locale only (``{"en": ...}``) replaces that locale and keeps
    the stored text of the other."""
    product = await session.get(Product, product_id)
    if product is None:
        raise ProductMissingError(product_id=product_id)
    merged = dict(given)
    for field in TEXT_FIELDS:
        if field in given:
            merged[field] = {**getattr(product, field), **given[field]}
    values = _validated(ProductFields, merged, f"product {product_id}")
    return await update_product(session, product_id, values)


async def change_level(session: AsyncSession, rank: int, changes: dict[str, Any]) -> MemberLevel:
    """Apply ``changes`` over the stored benefits of level ``rank`` and save the result.

    A new level needs every benefit. A name given in one locale keeps the stored
    name of the other. The values are checked by the rules of
    PUT /admin/levels; the error names the first missing or invalid field."""
    level = await session.get(MemberLevel, rank)
    stored = {name: getattr(level, name) for name in LEVEL_FIELDS} if level else {}
    merged = {**stored, **changes}
    if "names" in changes:
        merged["names"] = {**stored.get("names", {}), **changes["names"]}
    values = _validated(LevelIn, merged, f"member level {rank}")
    return await put_level(session, rank, values)


def _validated(model: type[BaseModel], values: dict[str, Any], subject: str) -> dict[str, Any]:
    try:
        return model.model_validate(values).model_dump(exclude_unset=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        if first["type"] == "missing":
            raise MissingFieldError(subject=subject, field=field) from exc
        raise InvalidFieldError(
            subject=subject, field=field, value=first["input"], detail=first["msg"]
        ) from exc


async def find_user(session: AsyncSession, account: str) -> User:
    """Find a user by id, email address or phone number (any form sign-in accepts)."""
    user = await session.get(User, account)
    if user is not None:
        return user
    try:
        kind, normalized = classify_account(account)
    except BadInputError as exc:
        raise UserNotFoundError(account=account) from exc
    finder = find_user_by_email if kind == "email" else find_user_by_phone
    user = await finder(session, normalized)
    if user is None:
        raise UserNotFoundError(account=account)
    return user


async def set_admin(session: AsyncSession, account: str, is_admin: bool) -> User:
    """Grant or revoke administrator rights (``users.is_admin``) of one user."""
    user = await find_user(session, account)
    user.is_admin = is_admin
    await session.flush()
    log.info("user.admin_changed", user_id=user.id, is_admin=is_admin)
    return user


async def count_users(session: AsyncSession) -> int:
    """Count the users, whose balances ``reconcile`` checks."""
    return int(await session.scalar(select(func.count()).select_from(User)) or 0)


async def adjust_energy(
    session: AsyncSession, user_id: str, delta: int, note: str
) -> EnergyEntry | None:
    if await session.get(User, user_id) is None:
        raise NotFoundError(what=f"user {user_id}")
    try:
        entry = await ledger.adjust(
            session, user_id, delta, reference=f"admin:{new_id()}", note=note
        )
    except InsufficientEnergyError as exc:
        available = await ledger.available(session, user_id)
        raise DebitTooLargeError(user_id=user_id, amount=-delta, available=available) from exc
    log.info("energy.adjusted", user_id=user_id, delta=delta)
    return entry


async def adjust_energy_of(
    session: AsyncSession, account: str, delta: int, note: str
) -> tuple[User, EnergyEntry | None]:
    """Find the user by id, email or phone and adjust their Energy by ``delta``.

    The delta and note are checked by the rules of the admin API."""
    user = await find_user(session, account)
    checked = _validated(EnergyAdjust, {"delta": delta, "note": note}, f"user {account}")
    entry = await adjust_energy(session, user.id, checked["delta"], checked["note"])
    return user, entry


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


def _check_grants(product: Product) -> None:
    gives_membership = (product.duration_days or 0) > 0 and (product.member_level or 0) > 0
    if (product.energy or 0) <= 0 and not gives_membership:
        raise EmptyProductError(product_id=product.id)


async def _check_level(session: AsyncSession, rank: int) -> None:
    if await session.get(MemberLevel, rank) is None:
        raise UnknownLevelError(level=rank)
