"""Reading a user's Energy state in tests: balance, reserve, ledger rows, holds."""

from __future__ import annotations

from sqlalchemy import select

from vidswap.accounts.models import User
from vidswap.billing.models import EnergyEntry, EnergyHold
from vidswap.runtime import Runtime


async def energy_of(runtime: Runtime, user_id: str) -> tuple[int, int]:
    """The user's (available, reserved) Energy."""
    async with runtime.sessionmaker() as session:
        user = await session.get(User, user_id)
    assert user is not None
    return user.energy_balance - user.energy_reserved, user.energy_reserved


async def ledger_rows(runtime: Runtime, user_id: str) -> list[tuple[str, int]]:
    """The user's ledger as (reason, delta), oldest first."""
    async with runtime.sessionmaker() as session:
        rows = await session.execute(
            select(EnergyEntry.reason, EnergyEntry.delta)
            .where(EnergyEntry.user_id == user_id)
            .order_by(EnergyEntry.created_at, EnergyEntry.id)
        )
        return [(reason, delta) for reason, delta in rows]


async def hold_status(runtime: Runtime, task_id: str) -> str | None:
    """held, spent or released; None when the task never held Energy."""
    async with runtime.sessionmaker() as session:
        return await session.scalar(select(EnergyHold.status).where(EnergyHold.task_id == task_id))
