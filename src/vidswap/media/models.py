"""The upload table: one row per file a user sent, finished or still resuming."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from vidswap.kit.db import Base, IdMixin, TimestampMixin


class Upload(IdMixin, TimestampMixin, Base):
    __tablename__ = "uploads"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # image | video
    status: Mapped[str] = mapped_column(String(12), default="ready")  # uploading | ready | failed
    filename: Mapped[str] = mapped_column(String(255), default="")
    content_type: Mapped[str] = mapped_column(String(100), default="")
    storage_key: Mapped[str | None] = mapped_column(String(300))
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    upload_length: Mapped[int | None] = mapped_column(BigInteger)  # tus: declared length
    upload_offset: Mapped[int] = mapped_column(BigInteger, default=0)  # tus: bytes received
    sha256: Mapped[str | None] = mapped_column(String(64))
    media: Mapped[dict[str, Any] | None]
    expires_at: Mapped[datetime | None]
    # Why a resumable upload failed: {"code", "status", "messages": {locale: text}}.
    error: Mapped[dict[str, Any] | None]
