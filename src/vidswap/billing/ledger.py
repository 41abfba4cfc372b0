"""Energy balance changes, each recorded once in the ledger."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vidswap.accounts.models import User
from vidswap.billing.errors import InsufficientEnergyError
from vidswap.billing.models import EnergyEntry
from vidswap.kit.clock import utcnow


async def apply_energy(
    session: AsyncSession, user_id: str, delta: int, *, reason: str, reference: str
) -> EnergyEntry | None:
    """Add ``delta`` (negative to charge) to the user's balance inside the caller's
    transaction and record it.

    Returns ``None`` without changing anything when an entry with the same
    ``reference`` and ``reason`` exists, so a retried charge or refund applies once.
    Raises ``InsufficientEnergyError`` when a charge would make the balance negative.
    """
    existing = await session.scalar(
        select(EnergyEntry).where(EnergyEntry.reference == reference, EnergyEntry.reason == reason)
    )
    if existing is not None:
        return None
    # One conditional UPDATE, so two concurrent charges cannot both pass the check.
    result = await session.execute(
        update(User)
        .where(User.id == user_id, User.energy_balance + delta >= 0)
        .values(energy_balance=User.energy_balance + delta)
        .returning(User.energy_balance)
    )
    balance = result.scalar_one_or_none()
    if balance is None:
        current = await session.scalar(select(User.energy_balance).where(User.id == user_id))
        raise InsufficientEnergyError(needed=-delta, balance=current or 0)
    entry = EnergyEntry(
        user_id=user_id,
        delta=delta,
        balance_after=balance,
        reason=reason,
        reference=reference,
        created_at=utcnow(),
    )
    session.add(entry)
    await session.flush()
    return entry
