"""The Energy ledger: every change to a user's balance, with its reason."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vidswap.kit.db import Base, IdMixin


class EnergyEntry(IdMixin, Base):
    """One balance change. ``(reference, reason)`` is unique, so a retried
    charge or refund for the same task is stored once."""

    __tablename__ = "energy_entries"
    __table_args__ = (UniqueConstraint("reference", "reason", name="uq_energy_entries_reference"),)

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    delta: Mapped[int] = mapped_column(Integer)
    balance_after: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(32))  # signup | task | task_refund | ...
    reference: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
