"""The Energy ledger: grants, adjustments, holds, revocations, expiring lots and
reconciliation, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from tests.billing.energy import energy_of, hold_status, ledger_rows
from tests.conftest import create_user
from vidswap.accounts.models import User
from vidswap.billing import admin_service, ledger
from vidswap.billing.errors import InsufficientEnergyError
from vidswap.billing.models import EnergyEntry, EnergyLot
from vidswap.kit.clock import utcnow
from vidswap.kit.db import transaction
from vidswap.runtime import Runtime


async def lots_of(runtime: Runtime, user_id: str) -> list[tuple[str, int, int]]:
    """The user's lots as (reference, amount, remaining), the one expiring first first."""
    async with runtime.sessionmaker() as session:
        rows = await session.execute(
            select(EnergyLot.reference, EnergyLot.amount, EnergyLot.remaining)
            .where(EnergyLot.user_id == user_id)
            .order_by(EnergyLot.expires_at)
        )
        return [(reference, amount, remaining) for reference, amount, remaining in rows]


async def grant(
    runtime: Runtime, user_id: str, amount: int, reference: str, expires_at: datetime | None = None
) -> EnergyEntry | None:
    async with transaction(runtime.sessionmaker) as session:
        return await ledger.grant(
            session, user_id, amount, reference=reference, expires_at=expires_at
        )


async def spend(runtime: Runtime, user_id: str, task_id: str, amount: int) -> None:
    """Hold ``amount`` for a task and spend it, as a task that completes does."""
    async with transaction(runtime.sessionmaker) as session:
        await ledger.hold(session, user_id, task_id, amount)
    async with transaction(runtime.sessionmaker) as session:
        await ledger.spend_hold(session, task_id)


async def test_grant_adds_to_balance(db_runtime: Runtime) -> None:
    user = await create_user(db_runtime, energy_balance=0)

    first = await grant(db_runtime, user.id, 300, "order-1")
    second = await grant(db_runtime, user.id, 200, "order-2")

    assert first is not None
    assert first.balance_after == 300
    assert second is not None
    assert second.balance_after == 500
    assert await energy_of(db_runtime, user.id) == (500, 0)
    assert await ledger_rows(db_runtime, user.id) == [("grant", 300), ("grant", 200)]
    assert await lots_of(db_runtime, user.id) == []


async def test_grant_same_reference_once(db_runtime: Runtime) -> None:
    user = await create_user(db_runtime, energy_balance=0)
    expires = utcnow() + timedelta(days=30)

    first = await grant(db_runtime, user.id, 600, "order-1", expires)
    again = await grant(db_runtime, user.id, 600, "order-1", expires)

    assert first is not None
    assert again is None
    assert await energy_of(db_runtime, user.id) == (600, 0)
    assert await ledger_rows(db_runtime, user.id) == [("grant", 600)]
    assert await lots_of(db_runtime, user.id) == [("order-1", 600, 600)]


async def test_adjust_credit_and_debit(db_runtime: Runtime) -> None:
    user = await create_user(db_runtime, energy_balance=100)

    async with transaction(db_runtime.sessionmaker) as session:
        credit = await ledger.adjust(session, user.id, 25, reference="admin:a", note="Gift")
        debit = await ledger.adjust(session, user.id, -40, reference="admin:b", note="Abuse")

    assert credit is not None
    assert credit.balance_after == 125
    assert debit is not None
    assert debit.balance_after == 85
    assert debit.note == "Abuse"
    assert await energy_of(db_runtime, user.id) == (85, 0)
    assert await ledger_rows(db_runtime, user.id) == [
        ("grant", 100),
        ("adjust", 25),
        ("adjust", -40),
    ]


async def test_adjust_debit_over_available(db_runtime: Runtime) -> None:
    user = await create_user(db_runtime, energy_balance=50)
    async with transaction(db_runtime.sessionmaker) as session:
        await ledger.hold(session, user.id, "task-1", 30)

    with pytest.raises(InsufficientEnergyError) as raised:
        async with transaction(db_runtime.sessionmaker) as session:
            await ledger.adjust(session, user.id, -21, reference="admin:a", note="Too much")

    assert raised.value.params == {"needed": 21, "balance": 20}
    assert await energy_of(db_runtime, user.id) == (20, 30)
    assert await ledger_rows(db_runtime, user.id) == [("grant", 50)]
    async with transaction(db_runtime.sessionmaker) as session:
        await ledger.release_hold(session, "task-1")


async def test_adjust_same_reference_once(db_runtime: Runtime) -> None:
    user = await create_user(db_runtime, energy_balance=10)

    async with transaction(db_runtime.sessionmaker) as session:
        first = await ledger.adjust(session, user.id, 5, reference="admin:a", note="Gift")
        again = await ledger.adjust(session, user.id, 5, reference="admin:a", note="Gift")

    assert first is not None
    assert again is None
    assert await energy_of(db_runtime, user.id) == (15, 0)


async def test_hold_then_spend(db_runtime: Runtime) -> None:
    user = await create_user(db_runtime, energy_balance=100)

    async with transaction(db_runtime.sessionmaker) as session:
        held = await ledger.hold(session, user.id, "task-1", 30)
    assert held.amount == 30
    assert await energy_of(db_runtime, user.id) == (70, 30)
    assert await ledger_rows(db_runtime, user.id) == [("grant", 100)]

    async with transaction(db_runtime.sessionmaker) as session:
        spent = await ledger.spend_hold(session, "task-1")

    assert spent is not None
    assert spent.delta == -30
    assert spent.balance_after == 70
    assert spent.reference == "task-1"
    assert await energy_of(db_runtime, user.id) == (70, 0)
    assert await ledger_rows(db_runtime, user.id) == [("grant", 100), ("spend", -30)]
    assert await hold_status(db_runtime, "task-1") == "spent"


async def test_spent_hold_settles_once(db_runtime: Runtime) -> None:
    user = await create_user(db_runtime, energy_balance=100)
    await spend(db_runtime, user.id, "task-1", 30)

    async with transaction(db_runtime.sessionmaker) as session:
        spent_again = await ledger.spend_hold(session, "task-1")
        released = await ledger.release_hold(session, "task-1")

    assert spent_again is None
    assert released is None
    assert await energy_of(db_runtime, user.id) == (70, 0)
    assert await ledger_rows(db_runtime, user.id) == [("grant", 100), ("spend", -30)]
    assert await hold_status(db_runtime, "task-1") == "spent"


async def test_hold_then_release(db_runtime: Runtime) -> None:
    user = await create_user(db_runtime, energy_balance=100)
    async with transaction(db_runtime.sessionmaker) as session:
        await ledger.hold(session, user.id, "task-1", 30)

    async with transaction(db_runtime.sessionmaker) as session:
        released = await ledger.release_hold(session, "task-1")

    assert released is not None
    assert released.status == "released"
    assert await energy_of(db_runtime, user.id) == (100, 0)
    assert await ledger_rows(db_runtime, user.id) == [("grant", 100)]

    async with transaction(db_runtime.sessionmaker) as session:
        released_again = await ledger.release_hold(session, "task-1")
        spent = await ledger.spend_hold(session, "task-1")

    assert released_again is None
    assert spent is None
    assert await energy_of(db_runtime, user.id) == (100, 0)
    assert await ledger_rows(db_runtime, user.id) == [("grant", 100)]
    assert await hold_status(db_runtime, "task-1") == "released"


async def test_hold_over_available_rejected(db_runtime: Runtime) -> None:
    user = await create_user(db_runtime, energy_balance=10)
    async with transaction(db_runtime.sessionmaker) as session:
        await ledger.hold(session, user.id, "task-1", 8)

    with pytest.raises(InsufficientEnergyError) as raised:
        async with transaction(db_runtime.sessionmaker) as session:
            await ledger.hold(session, user.id, "task-2", 3)

    assert raised.value.params == {"needed": 3, "balance": 2}
    assert await energy_of(db_runtime, user.id) == (2, 8)
    assert await hold_status(db_runtime, "task-2") is None
    async with transaction(db_runtime.sessionmaker) as session:
        await ledger.release_hold(session, "task-1")


async def test_revoke_whole_grant(db_runtime: Runtime) -> None:
    user = await create_user(db_runtime, energy_balance=0)
    await grant(db_runtime, user.id, 300, "order-1")
    await grant(db_runtime, user.id, 50, "order-2")

    async with transaction(db_runtime.sessionmaker) as session:
        entry = await ledger.revoke(session, user.id, 300, reference="order-1", note="refunded")

    assert entry is not None
    assert entry.delta == -300
    assert entry.balance_after == 50
    assert entry.note == "refunded"
    assert await energy_of(db_runtime, user.id) == (50, 0)


async def test_revoke_takes_only_available(db_runtime: Runtime) -> None:
    user = await create_user(db_runtime, energy_balance=0)
    await grant(db_runtime, user.id, 100, "order-1")
    await spend(db_runtime, user.id, "task-1", 40)
    async with transaction(db_runtime.sessionmaker) as session:
        await ledger.hold(session, user.id, "task-2", 50)

    async with transaction(db_runtime.sessionmaker) as session:
        entry = await ledger.revoke(session, user.id, 100, reference="order-1")

    # 100 granted, 40 spent and 50 held: only the 10 left over can be taken.
    assert entry is not None
    assert entry.delta == -10
    assert await energy_of(db_runtime, user.id) == (0, 50)
    assert await ledger_rows(db_runtime, user.id) == [
        ("grant", 100),
        ("spend", -40),
        ("revoke", -10),
    ]

    async with transaction(db_runtime.sessionmaker) as session:
        spent = await ledger.spend_hold(session, "task-2")

    assert spent is not None
    assert await energy_of(db_runtime, user.id) == (0, 0)


async def test_revoke_with_nothing_available(db_runtime: Runtime) -> None:
    user = await create_user(db_runtime, energy_balance=0)
    await grant(db_runtime, user.id, 100, "order-1")
    await spend(db_runtime, user.id, "task-1", 100)

    async with transaction(db_runtime.sessionmaker) as session:
        entry = await ledger.revoke(session, user.id, 100, reference="order-1")

    assert entry is not None
    assert entry.delta == 0
    assert entry.balance_after == 0
    assert await energy_of(db_runtime, user.id) == (0, 0)


async def test_revoke_same_reference_once(db_runtime: Runtime) -> None:
    user = await create_user(db_runtime, energy_balance=0)
    await grant(db_runtime, user.id, 100, "order-1")
    await grant(db_runtime, user.id, 100, "order-2")

    async with transaction(db_runtime.sessionmaker) as session:
        first = await ledger.revoke(session, user.id, 100, reference="order-1")
        again = await ledger.revoke(session, user.id, 100, reference="order-1")

    assert first is not None
    assert again is None
    assert await energy_of(db_runtime, user.id) == (100, 0)
    assert await ledger_rows(db_runtime, user.id) == [
        ("grant", 100),
        ("grant", 100),
        ("revoke", -100),
    ]


async def test_revoke_closes_its_lot(db_runtime: Runtime) -> None:
    user = await create_user(db_runtime, energy_balance=0)
    now = utcnow()
    await grant(db_runtime, user.id, 100, "order-1", now + timedelta(days=10))
    await grant(db_runtime, user.id, 100, "order-2", now + timedelta(days=20))
    await spend(db_runtime, user.id, "task-1", 30)

    async with transaction(db_runtime.sessionmaker) as session:
        entry = await ledger.revoke(session, user.id, 100, reference="order-1")

    # The task spent 30 from order-1's lot, so revoking order-1's 100 empties its 70
    # and takes the other 30 from the next lot.
    assert entry is not None
    assert entry.delta == -100
    assert await energy_of(db_runtime, user.id) == (70, 0)
    assert await lots_of(db_runtime, user.id) == [("order-1", 100, 0), ("order-2", 100, 70)]


async def test_spending_uses_lot_expiring_first(db_runtime: Runtime) -> None:
    user = await create_user(db_runtime, energy_balance=20)
    now = utcnow()
    await grant(db_runtime, user.id, 100, "order-late", now + timedelta(days=30))
    await grant(db_runtime, user.id, 100, "order-soon", now + timedelta(days=10))

    await spend(db_runtime, user.id, "task-1", 60)

    assert await lots_of(db_runtime, user.id) == [
        ("order-soon", 100, 40),
        ("order-late", 100, 100),
    ]

    await spend(db_runtime, user.id, "task-2", 70)

    assert await lots_of(db_runtime, user.id) == [
        ("order-soon", 100, 0),
        ("order-late", 100, 70),
    ]
    assert await energy_of(db_runtime, user.id) == (90, 0)


async def test_adjust_debit_uses_lots(db_runtime: Runtime) -> None:
    user = await create_user(db_runtime, energy_balance=0)
    await grant(db_runtime, user.id, 100, "order-1", utcnow() + timedelta(days=10))

    async with transaction(db_runtime.sessionmaker) as session:
        await ledger.adjust(session, user.id, -30, reference="admin:a", note="Correction")

    assert await lots_of(db_runtime, user.id) == [("order-1", 100, 70)]
    assert await energy_of(db_runtime, user.id) == (70, 0)


async def test_expire_lots_takes_what_is_left(db_runtime: Runtime) -> None:
    user = await create_user(db_runtime, energy_balance=40)
    now = utcnow()
    await grant(db_runtime, user.id, 100, "order-1", now + timedelta(days=5))
    await grant(db_runtime, user.id, 100, "order-2", now + timedelta(days=50))
    await spend(db_runtime, user.id, "task-1", 30)

    async with transaction(db_runtime.sessionmaker) as session:
        expired = await ledger.expire_lots(session, now + timedelta(days=6))

    # order-1's lot had 70 left after the task; order-2's has not expired yet.
    assert expired == 70
    assert await energy_of(db_runtime, user.id) == (140, 0)
    assert await lots_of(db_runtime, user.id) == [("order-1", 100, 0), ("order-2", 100, 100)]
    rows = await ledger_rows(db_runtime, user.id)
    assert rows[-1] == ("expiry", -70)

    async with transaction(db_runtime.sessionmaker) as session:
        expired_again = await ledger.expire_lots(session, now + timedelta(days=6))

    assert expired_again == 0
    assert await ledger_rows(db_runtime, user.id) == rows


async def test_expire_lots_before_date_does_nothing(db_runtime: Runtime) -> None:
    user = await create_user(db_runtime, energy_balance=0)
    now = utcnow()
    await grant(db_runtime, user.id, 100, "order-1", now + timedelta(days=5))

    async with transaction(db_runtime.sessionmaker) as session:
        expired = await ledger.expire_lots(session, now + timedelta(days=4))

    assert expired == 0
    assert await energy_of(db_runtime, user.id) == (100, 0)
    assert await lots_of(db_runtime, user.id) == [("order-1", 100, 100)]


async def test_expire_lots_leaves_held_energy(db_runtime: Runtime) -> None:
    user = await create_user(db_runtime, energy_balance=0)
    now = utcnow()
    await grant(db_runtime, user.id, 100, "order-1", now + timedelta(days=5))
    async with transaction(db_runtime.sessionmaker) as session:
        await ledger.hold(session, user.id, "task-1", 80)

    async with transaction(db_runtime.sessionmaker) as session:
        expired = await ledger.expire_lots(session, now + timedelta(days=6))

    # A hold does not take from lots, but expiry never takes held Energy.
    assert expired == 20
    assert await energy_of(db_runtime, user.id) == (0, 80)
    assert await lots_of(db_runtime, user.id) == [("order-1", 100, 0)]

    async with transaction(db_runtime.sessionmaker) as session:
        spent = await ledger.spend_hold(session, "task-1")

    assert spent is not None
    assert await energy_of(db_runtime, user.id) == (0, 0)
    assert await ledger_rows(db_runtime, user.id) == [
        ("grant", 100),
        ("expiry", -20),
        ("spend", -80),
    ]


async def test_reconcile_consistent_users(db_runtime: Runtime) -> None:
    first = await create_user(db_runtime, energy_balance=100)
    await create_user(db_runtime, energy_balance=0)
    await spend(db_runtime, first.id, "task-1", 10)
    async with transaction(db_runtime.sessionmaker) as session:
        await ledger.hold(session, first.id, "task-2", 20)

    async with db_runtime.sessionmaker() as session:
        problems = await admin_service.reconcile(session)

    assert problems == []
    async with transaction(db_runtime.sessionmaker) as session:
        await ledger.release_hold(session, "task-2")


async def test_reconcile_reports_edited_balance(db_runtime: Runtime) -> None:
    edited = await create_user(db_runtime, energy_balance=100)
    await create_user(db_runtime, energy_balance=50)
    async with transaction(db_runtime.sessionmaker) as session:
        await session.execute(update(User).where(User.id == edited.id).values(energy_balance=130))

    async with db_runtime.sessionmaker() as session:
        problems = await admin_service.reconcile(session)

    assert problems == [
        {"user_id": edited.id, "balance": 130, "ledger_sum": 100, "reserved": 0, "held": 0}
    ]
    async with transaction(db_runtime.sessionmaker) as session:
        await session.execute(update(User).where(User.id == edited.id).values(energy_balance=100))


async def test_reconcile_reports_edited_reserve(db_runtime: Runtime) -> None:
    edited = await create_user(db_runtime, energy_balance=100)
    async with transaction(db_runtime.sessionmaker) as session:
        await session.execute(update(User).where(User.id == edited.id).values(energy_reserved=7))

    async with db_runtime.sessionmaker() as session:
        problems = await admin_service.reconcile(session)

    assert problems == [
        {"user_id": edited.id, "balance": 100, "ledger_sum": 100, "reserved": 7, "held": 0}
    ]
    async with transaction(db_runtime.sessionmaker) as session:
        await session.execute(update(User).where(User.id == edited.id).values(energy_reserved=0))


async def test_revoke_of_pack_keeps_plan_lot(db_runtime: Runtime) -> None:
    user = await create_user(db_runtime, energy_balance=0)
    expires = utcnow() + timedelta(days=30)
    async with db_runtime.sessionmaker() as session, session.begin():
        await ledger.grant(session, user.id, 600, reference="plan-order", expires_at=expires)
        await ledger.grant(session, user.id, 300, reference="pack-order")

    async with db_runtime.sessionmaker() as session, session.begin():
        await ledger.revoke(session, user.id, 300, reference="pack-order")

    async with db_runtime.sessionmaker() as session:
        remaining = await session.scalar(
            select(EnergyLot.remaining).where(EnergyLot.reference == "plan-order")
        )
    assert remaining == 600
    assert await energy_of(db_runtime, user.id) == (600, 0)
