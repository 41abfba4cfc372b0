"""Benefits by member level, enforced when a task is created and when a worker runs it.

A refusal names the limit, the value asked for, and the cheapest plan that allows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vidswap.accounts.models import User
from vidswap.billing import catalog
from vidswap.billing.errors import PlanLimitError
from vidswap.billing.membership import effective_level
from vidswap.billing.models import MemberLevel, Product
from vidswap.jobs.models import Task, TaskStatus
from vidswap.kit.i18n import join_alternatives
from vidswap.kit.settings import Settings


@dataclass(frozen=True)
class TaskRequest:
    """The demands of a new task on the user's level."""

    duration_seconds: float | None
    width: int | None
    height: int | None
    label: bool
    # A photo target is not held to the level's video resolution. Its size is
    # bounded by the upload limit for images (max_image_bytes) instead.
    photo: bool = False


# limit name -> (level attribute, English text, Chinese text); texts take {value} and {allowed}.
LIMITS: dict[str, tuple[str, str, str]] = {
    "max_video_seconds": (
        "max_video_seconds",
        "Your plan takes videos up to {allowed} s; this one is {value} s.",
        "当前套餐支持最长 {allowed} 秒的视频，此视频为 {value} 秒。",
    ),
    "max_resolution": (
        "max_resolution",
        "Your plan takes videos up to {allowed}p; this one is {value}p.",
        "当前套餐支持最高 {allowed}p 的视频，此视频为 {value}p。",
    ),
    "concurrent_tasks": (
        "concurrent_tasks",
        "Your plan runs {allowed} tasks at a time and {value} are running or queued. Wait for one to finish.",
        "当前套餐可同时处理 {allowed} 个任务，已有 {value} 个在处理或排队，请等待完成。",
    ),
    "daily_tasks": (
        "daily_tasks",
        "Your plan allows {allowed} tasks per 24 hours and you have created {value}.",
        "当前套餐每 24 小时可创建 {allowed} 个任务，您已创建 {value} 个。",
    ),
    "label_removal": (
        "label_removal",
        "Your plan cannot turn off the visible AI label (label=false).",
        "当前套餐不能关闭可见的 AI 生成标识（label=false）。",
    ),
}


async def current_level(session: AsyncSession, user: User, now: datetime) -> MemberLevel:
    return await catalog.level_of(session, effective_level(user, now))


async def _level_of_user(session: AsyncSession, user_id: str, now: datetime) -> MemberLevel:
    user = await session.get(User, user_id)
    rank = effective_level(user, now) if user is not None else 0
    return await catalog.level_of(session, rank)


async def retention_days(session: AsyncSession, user_id: str, now: datetime) -> int:
    """Days a finished task's result is kept, by the owner's level now."""
    return (await _level_of_user(session, user_id, now)).retention_days


async def label_removal_allowed(
    session: AsyncSession, user_id: str, settings: Settings, now: datetime
) -> bool:
    if not settings.allow_label_removal:
        return False
    return (await _level_of_user(session, user_id, now)).label_removal


async def check_new_task(
    session: AsyncSession,
    user: User,
    request: TaskRequest,
    *,
    allow_label_removal: bool,
    now: datetime,
) -> MemberLevel:
    """Raise ``PlanLimitError`` for the first limit the task goes over; return the level.

    Run it after the user's row is locked (the Energy hold), so the task counts
    cannot change between the check and the insert."""
    level = await current_level(session, user, now)
    duration = request.duration_seconds
    if duration is not None and duration > level.max_video_seconds:
        await _refuse(session, level, "max_video_seconds", round(duration, 1))
    short_side = min(request.width or 0, request.height or 0)
    if not request.photo and short_side > level.max_resolution:
        await _refuse(session, level, "max_resolution", short_side)
    if not request.label and not (allow_label_removal and level.label_removal):
        await _refuse(session, level, "label_removal", 0, plans=allow_label_removal)
    running = await _count(session, user.id, Task.status.in_(TaskStatus.ACTIVE))
    if running >= level.concurrent_tasks:
        await _refuse(session, level, "concurrent_tasks", running)
    today = await _count(session, user.id, Task.created_at > now - timedelta(hours=24))
    if today >= level.daily_tasks:
        await _refuse(session, level, "daily_tasks", today)
    return level


async def _count(session: AsyncSession, user_id: str, condition: Any) -> int:
    total = await session.scalar(
        select(func.count()).select_from(Task).where(Task.user_id == user_id, condition)
    )
    return int(total or 0)


async def _refuse(
    session: AsyncSession, level: MemberLevel, limit: str, value: Any, *, plans: bool = True
) -> None:
    attribute, text, text_zh = LIMITS[limit]
    allowed = getattr(level, attribute)
    upgrade, upgrade_zh = await _upgrade_hint(session, level, limit, value) if plans else ("", "")
    raise PlanLimitError(
        limit=limit,
        value=value,
        allowed=allowed,
        level=level.rank,
        limit_text=text.format(value=value, allowed=allowed),
        limit_text_zh=text_zh.format(value=value, allowed=allowed),
        upgrade=upgrade,
        upgrade_zh=upgrade_zh,
    )


async def _upgrade_hint(
    session: AsyncSession, level: MemberLevel, limit: str, value: Any
) -> tuple[str, str]:
    """Name the lowest higher level that allows ``value``, with the plans that give it."""
    for candidate in await catalog.levels(session):
        if candidate.rank <= level.rank or not _allows(candidate, limit, value):
            continue
        plans = (
            await session.scalars(
                select(Product)
                .where(
                    Product.active.is_(True),
                    Product.member_level == candidate.rank,
                    Product.duration_days > 0,
                )
                .order_by(Product.sort_order, Product.id)
            )
        ).all()
        if plans:
            names = [catalog.pick(plan.names, "en") for plan in plans]
            names_zh = [catalog.pick(plan.names, "zh-CN") for plan in plans]
            en_name = catalog.pick(candidate.names, "en")
            zh_name = catalog.pick(candidate.names, "zh-CN")
            return (
                f"The {en_name} plan allows it: buy {join_alternatives(names, 'en')}.",
                f"{zh_name}可满足：请购买{join_alternatives(names_zh, 'zh-CN')}。",
            )
    return ("No plan allows more.", "目前没有套餐支持更高的限额。")


def _allows(level: MemberLevel, limit: str, value: Any) -> bool:
    if limit == "label_removal":
        return level.label_removal
    if limit in ("concurrent_tasks", "daily_tasks"):
        return value < getattr(level, limit)
    return value <= getattr(level, limit)
