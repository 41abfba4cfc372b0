"""Notification tables: the devices that receive push notifications."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from vidswap.kit.db import Base, IdMixin


class PushDevice(IdMixin, Base):
    """An app installation's FCM registration token. A token belongs to one user at a
    time: signing in with another account on the device moves it."""

    __tablename__ = "push_devices"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(512), unique=True)
    platform: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
