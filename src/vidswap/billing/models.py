"""Billing tables: levels and their benefits, products, orders, provider events,
membership periods, and the Energy ledger with its holds and expiring lots."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vidswap.kit.db import Base, IdMixin, TimestampMixin


class EnergyReason:
    """The kinds of ledger entries. The balance is the sum of every entry's delta."""

    GRANT = "grant"  # an order paid, the sign-up gift
    SPEND = "spend"  # a completed task consumes its hold
    REVOKE = "revoke"  # an order refunded takes back what it granted
    EXPIRY = "expiry"  # plan Energy unused when its period ended
    ADJUST = "adjust"  # an administrator's correction


class EnergyEntry(IdMixin, Base):
    """One balance change, never edited. ``(reference, reason)`` is unique, so a
    retried grant or spend for the same order or task is stored once."""

    __tablename__ = "energy_entries"
    __table_args__ = (UniqueConstraint("reference", "reason", name="uq_energy_entries_reference"),)

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    delta: Mapped[int] = mapped_column(Integer)
    balance_after: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]


class HoldStatus:
    HELD = "held"
    SPENT = "spent"
    RELEASED = "released"


class EnergyHold(IdMixin, Base):
    """Energy set aside for one task: spent when it completes, released when it fails
    or is cancelled. Held Energy cannot be spent twice but is still in the balance."""

    __tablename__ = "energy_holds"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str] = mapped_column(String(32), unique=True)
    amount: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default=HoldStatus.HELD)
    created_at: Mapped[datetime]
    settled_at: Mapped[datetime | None]


class EnergyLot(IdMixin, Base):
    """Granted Energy that expires. Spending uses the lot that expires first;
    Energy outside any lot never expires."""

    __tablename__ = "energy_lots"
    __table_args__ = (Index("ix_energy_lots_open", "expires_at", "remaining"),)

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reference: Mapped[str] = mapped_column(String(64))  # the grant's reference (order id)
    amount: Mapped[int] = mapped_column(Integer)
    remaining: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime]


class MemberLevel(TimestampMixin, Base):
    """A member level and its benefits. Rank 0 is the free level everyone has."""

    __tablename__ = "member_levels"

    rank: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    names: Mapped[dict[str, Any]]  # {"en": ..., "zh-CN": ...}
    max_video_seconds: Mapped[int] = mapped_column(Integer)
    max_resolution: Mapped[int] = mapped_column(Integer)  # the shorter side, in pixels
    concurrent_tasks: Mapped[int] = mapped_column(Integer)
    daily_tasks: Mapped[int] = mapped_column(Integer)  # per rolling 24 hours
    priority: Mapped[int] = mapped_column(Integer)
    label_removal: Mapped[bool] = mapped_column(Boolean, default=False)
    retention_days: Mapped[int] = mapped_column(Integer)


class Product(TimestampMixin, Base):
    """Something to buy: a membership plan, an Energy pack, or both at once."""

    __tablename__ = "products"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    names: Mapped[dict[str, Any]]
    descriptions: Mapped[dict[str, Any]]
    features: Mapped[dict[str, Any]]  # {"en": [...], "zh-CN": [...]}
    price: Mapped[int] = mapped_column(Integer)  # minor units
    currency: Mapped[str] = mapped_column(String(3))
    duration_days: Mapped[int] = mapped_column(Integer, default=0)  # 0: no membership
    member_level: Mapped[int] = mapped_column(Integer, default=0)
    energy: Mapped[int] = mapped_column(Integer, default=0)
    # Days the granted Energy stays usable; None: it never expires.
    energy_valid_days: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    provider_price_ids: Mapped[dict[str, Any]] = mapped_column(default=dict)


class OrderStatus:
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"
    REFUNDED = "refunded"


class Order(IdMixin, TimestampMixin, Base):
    """One purchase. What it grants is copied from the product when it is created,
    so later product edits do not change paid orders."""

    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_user_created", "user_id", "created_at"),
        UniqueConstraint("user_id", "idempotency_key", name="uq_orders_idempotency"),
    )

    # Orders are financial records: they outlive an erased account.
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"))
    provider: Mapped[str] = mapped_column(String(16))
    client: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(10), default=OrderStatus.PENDING)
    energy: Mapped[int] = mapped_column(Integer, default=0)
    energy_valid_days: Mapped[int | None] = mapped_column(Integer)
    duration_days: Mapped[int] = mapped_column(Integer, default=0)
    member_level: Mapped[int] = mapped_column(Integer, default=0)
    transaction_id: Mapped[str | None] = mapped_column(String(128))
    provider_reference: Mapped[str | None] = mapped_column(String(128))
    payment: Mapped[dict[str, Any]] = mapped_column(default=dict)  # what the client pays with
    idempotency_key: Mapped[str | None] = mapped_column(String(128))
    refunded_amount: Mapped[int] = mapped_column(Integer, default=0)
    failure_reason: Mapped[str | None] = mapped_column(String(200))
    expires_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]
    refunded_at: Mapped[datetime | None]


class PaymentEventRecord(IdMixin, Base):
    """Every verified provider event, stored once by ``(provider, event_id)``."""

    __tablename__ = "payment_events"
    __table_args__ = (UniqueConstraint("provider", "event_id", name="uq_payment_events_event"),)

    provider: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(128))
    order_id: Mapped[str | None] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    outcome: Mapped[str] = mapped_column(String(32))  # what fulfilment did with it
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    received_at: Mapped[datetime]


class MembershipPeriod(IdMixin, Base):
    """The membership one paid order gives. Periods of a user run one after another."""

    __tablename__ = "membership_periods"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[str] = mapped_column(String(32), unique=True)
    level: Mapped[int] = mapped_column(Integer)
    days: Mapped[int] = mapped_column(Integer)
    paid_at: Mapped[datetime]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
