"""The Energy ledger: every balance change appended once, holds for running tasks,
and lots for Energy that expires.

``users.energy_balance`` is the sum of the user's ledger entries and
``users.energy_reserved`` the sum of their open holds. Only this module changes
them, by conditional UPDATEs in the caller's transaction, so concurrent requests
cannot spend the same Energy twice. ``vidswap energy reconcile`` checks both sums.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vidswap.accounts.models import User
from vidswap.billing.errors import InsufficientEnergyError
from vidswap.billing.models import EnergyEntry, EnergyHold, EnergyLot, EnergyReason, HoldStatus
from vidswap.kit.clock import utcnow


async def available(session: AsyncSession, user_id: str) -> int:
    """Return the Energy the user can still spend: the balance less the open holds."""
    row = (
        await session.execute(
            select(User.energy_balance, User.energy_reserved).where(User.id == user_id)
        )
    ).one_or_none()
    return 0 if row is None else row[0] - row[1]


async def lock_user(session: AsyncSession, user_id: str) -> User | None:
    """Lock the user's row until the transaction ends (a no-op UPDATE takes the lock on
    every database) and return it freshly loaded; None when the user is gone."""
    await session.execute(
        update(User).where(User.id == user_id).values(energy_reserved=User.energy_reserved)
    )
    return await session.get(User, user_id, populate_existing=True)


async def grant(
    session: AsyncSession,
    user_id: str,
    amount: int,
    *,
    reference: str,
    expires_at: datetime | None = None,
    note: str = "",
) -> EnergyEntry | None:
    """Add ``amount``; with ``expires_at`` it goes into a lot that expires then.
    Returns None, changing nothing, when ``reference`` was already granted."""
    entry = await _append(session, user_id, amount, EnergyReason.GRANT, reference, note)
    if entry is not None and expires_at is not None and amount > 0:
        session.add(
            EnergyLot(
                user_id=user_id,
                reference=reference,
                amount=amount,
                remaining=amount,
                expires_at=expires_at,
                created_at=entry.created_at,
            )
        )
        await session.flush()
    return entry


async def hold(session: AsyncSession, user_id: str, task_id: str, amount: int) -> EnergyHold:
    """Reserve ``amount`` for a task; raise ``InsufficientEnergyError`` when the
    available Energy is lower. The UPDATE also locks the user's row until commit."""
    result = await session.execute(
        update(User)
        .where(User.id == user_id, User.energy_balance - User.energy_reserved >= amount)
        .values(energy_reserved=User.energy_reserved + amount)
        .returning(User.id)
    )
    if result.scalar_one_or_none() is None:
        raise InsufficientEnergyError(needed=amount, balance=await available(session, user_id))
    entry = EnergyHold(user_id=user_id, task_id=task_id, amount=amount, created_at=utcnow())
    session.add(entry)
    await session.flush()
    return entry


async def spend_hold(session: AsyncSession, task_id: str) -> EnergyEntry | None:
    """Turn a task's open hold into a spend entry; None when it is not open."""
    held = await _settle(session, task_id, HoldStatus.SPENT)
    if held is None:
        return None
    entry = await _append(
        session,
        held.user_id,
        -held.amount,
        EnergyReason.SPEND,
        task_id,
        "",
        reserved_delta=-held.amount,
    )
    await _consume_lots(session, held.user_id, held.amount)
    return entry


async def release_hold(session: AsyncSession, task_id: str) -> EnergyHold | None:
    """Give a task's open hold back; None when it is not open (already settled)."""
    held = await _settle(session, task_id, HoldStatus.RELEASED)
    if held is not None:
        await session.execute(
            update(User)
            .where(User.id == held.user_id)
            .values(energy_reserved=User.energy_reserved - held.amount)
        )
    return held


async def revoke(
    session: AsyncSession, user_id: str, amount: int, *, reference: str, note: str = ""
) -> EnergyEntry | None:
    """Take back up to ``amount`` granted under ``reference``: never more than is
    available, so a refund cannot leave a negative balance or break a running task."""
    spendable = max(0, await available(session, user_id))
    taken = min(amount, spendable)
    entry = await _append(session, user_id, -taken, EnergyReason.REVOKE, reference, note)
    if entry is not None:
        await _close_lot(session, reference)
        await _trim_lots(session, user_id)
    return entry


async def adjust(
    session: AsyncSession, user_id: str, delta: int, *, reference: str, note: str
) -> EnergyEntry | None:
    """Apply an administrator's correction. A debit larger than the available Energy
    raises ``InsufficientEnergyError``."""
    entry = await _append(session, user_id, delta, EnergyReason.ADJUST, reference, note)
    if entry is not None and delta < 0:
        await _trim_lots(session, user_id)
    return entry


async def expire_lots(session: AsyncSession, now: datetime | None = None) -> int:
    """Expire what is left of every lot past its date; return the Energy expired."""
    now = now or utcnow()
    lots = (
        await session.scalars(
            select(EnergyLot)
            .where(EnergyLot.expires_at <= now, EnergyLot.remaining > 0)
            .order_by(EnergyLot.expires_at)
            .with_for_update()
        )
    ).all()
    total = 0
    for lot in lots:
        # Energy on hold stays, because its task either spends it or releases it.
        taken = min(lot.remaining, max(0, await available(session, lot.user_id)))
        lot.remaining = 0
        await _append(
            session, lot.user_id, -taken, EnergyReason.EXPIRY, f"lot:{lot.id}", lot.reference
        )
        total += taken
    await session.flush()
    return total


async def _append(
    session: AsyncSession,
    user_id: str,
    delta: int,
    reason: str,
    reference: str,
    note: str,
    *,
    reserved_delta: int = 0,
) -> EnergyEntry | None:
    existing = await session.scalar(
        select(EnergyEntry.id).where(
            EnergyEntry.reference == reference, EnergyEntry.reason == reason
        )
    )
    if existing is not None:
        return None
    new_balance = User.energy_balance + delta
    result = await session.execute(
        update(User)
        .where(
            User.id == user_id,
            new_balance >= 0,
            new_balance - (User.energy_reserved + reserved_delta) >= 0,
        )
        .values(energy_balance=new_balance, energy_reserved=User.energy_reserved + reserved_delta)
        .returning(User.energy_balance)
    )
    balance = result.scalar_one_or_none()
    if balance is None:
        raise InsufficientEnergyError(needed=-delta, balance=await available(session, user_id))
    entry = EnergyEntry(
        user_id=user_id,
        delta=delta,
        balance_after=balance,
        reason=reason,
        reference=reference,
        note=note[:200],
        created_at=utcnow(),
    )
    session.add(entry)
    await session.flush()
    return entry


async def _settle(session: AsyncSession, task_id: str, status: str) -> EnergyHold | None:
    result = await session.execute(
        update(EnergyHold)
        .where(EnergyHold.task_id == task_id, EnergyHold.status == HoldStatus.HELD)
        .values(status=status, settled_at=utcnow())
        .returning(EnergyHold.id)
    )
    hold_id = result.scalar_one_or_none()
    if hold_id is None:
        return None
    return await session.get(EnergyHold, hold_id, populate_existing=True)


async def _consume_lots(session: AsyncSession, user_id: str, amount: int) -> None:
    """Take ``amount`` from the user's unexpired lots, the one expiring first first."""
    now = utcnow()
    lots = (
        await session.scalars(
            select(EnergyLot)
            .where(
                EnergyLot.user_id == user_id, EnergyLot.remaining > 0, EnergyLot.expires_at > now
            )
            .order_by(EnergyLot.expires_at)
            .with_for_update()
        )
    ).all()
    for lot in lots:
        if amount <= 0:
            break
        used = min(lot.remaining, amount)
        lot.remaining -= used
        amount -= used
    await session.flush()


async def _trim_lots(session: AsyncSession, user_id: str) -> None:
    """After a debit that is not a spend, take from the lots only what the balance no
    longer covers, so Energy that never expires is taken first."""
    balance = await session.scalar(select(User.energy_balance).where(User.id == user_id))
    in_lots = await session.scalar(
        select(func.coalesce(func.sum(EnergyLot.remaining), 0)).where(
            EnergyLot.user_id == user_id, EnergyLot.remaining > 0, EnergyLot.expires_at > utcnow()
        )
    )
    excess = int(in_lots or 0) - int(balance or 0)
    if excess > 0:
        await _consume_lots(session, user_id, excess)


async def _close_lot(session: AsyncSession, reference: str) -> int:
    """Empty the lot granted under ``reference``; return what it still held."""
    lot = await session.scalar(
        select(EnergyLot).where(EnergyLot.reference == reference).with_for_update()
    )
    if lot is None:
        return 0
    left, lot.remaining = lot.remaining, 0
    await session.flush()
    return left
