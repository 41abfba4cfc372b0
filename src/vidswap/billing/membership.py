"""Membership periods: each paid order adds one after the user's last; a refund
removes its period and the later ones move up. The user's level and expiry are
rewritten from the periods in the same transaction every time they change."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vidswap.accounts.models import User
from vidswap.billing.models import MembershipPeriod, Order


def effective_level(user: User, now: datetime) -> int:
    """Return the level a user has now: 0 once the membership has ended."""
    if user.member_expire_at is None or user.member_expire_at <= now:
        return 0
    return user.member_level


async def add_period(session: AsyncSession, order: Order, now: datetime) -> MembershipPeriod:
    assert order.user_id is not None
    period = MembershipPeriod(
        user_id=order.user_id,
        order_id=order.id,
        level=order.member_level,
        days=order.duration_days,
        paid_at=now,
        starts_at=now,
        ends_at=now + timedelta(days=order.duration_days),
    )
    session.add(period)
    await session.flush()
    await sync_user(session, order.user_id, now)
    return period


async def revoke_period(session: AsyncSession, order: Order, now: datetime) -> bool:
    if order.user_id is None:
        return False
    result = await session.execute(
        update(MembershipPeriod)
        .where(MembershipPeriod.order_id == order.id, MembershipPeriod.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    await sync_user(session, order.user_id, now)
    return True


async def sync_user(session: AsyncSession, user_id: str, now: datetime) -> None:
    """Chain the user's periods in the order they were paid (each starts at the later
    of its payment and the previous end), then store the level and expiry on the user."""
    periods = (
        await session.scalars(
            select(MembershipPeriod)
            .where(MembershipPeriod.user_id == user_id, MembershipPeriod.revoked_at.is_(None))
            .order_by(MembershipPeriod.paid_at, MembershipPeriod.id)
        )
    ).all()
    previous_end: datetime | None = None
    for period in periods:
        start = period.paid_at if previous_end is None else max(period.paid_at, previous_end)
        period.starts_at = start
        period.ends_at = start + timedelta(days=period.days)
        previous_end = period.ends_at
    current = [period.level for period in periods if period.ends_at > now]
    await session.execute(
        update(User)
        .where(User.id == user_id)
        .values(member_level=max(current, default=0), member_expire_at=previous_end)
    )
    await session.flush()
