"""Swap task records and the task event log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vidswap.kit.db import Base, IdMixin, TimestampMixin


class TaskStatus:
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    FINAL = frozenset({COMPLETED, FAILED, CANCELLED})
    ACTIVE = frozenset({PENDING, PROCESSING})


class Task(IdMixin, TimestampMixin, Base):
    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_user_created", "user_id", "created_at"),
        Index("ix_tasks_status_lease", "status", "lease_expires_at"),
    )

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    image_url: Mapped[str] = mapped_column(String(500))
    video_url: Mapped[str] = mapped_column(String(500))
    image_upload_id: Mapped[str | None] = mapped_column(
        ForeignKey("uploads.id", ondelete="SET NULL")
    )
    video_upload_id: Mapped[str | None] = mapped_column(
        ForeignKey("uploads.id", ondelete="SET NULL")
    )
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    consent_text: Mapped[str] = mapped_column(Text, default="")
    consent_at: Mapped[datetime]

    status: Mapped[str] = mapped_column(String(12), default=TaskStatus.PENDING)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    eta_seconds: Mapped[float | None] = mapped_column(Float)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)

    result_key: Mapped[str | None] = mapped_column(String(300))
    result_url: Mapped[str | None] = mapped_column(String(500))
    result_size: Mapped[int | None] = mapped_column(BigInteger)
    thumbnail_key: Mapped[str | None] = mapped_column(String(300))
    # A browser-playable H.264 MP4 copy of the target video; None when browsers
    # play the original as it is, or when writing the copy failed.
    target_preview_key: Mapped[str | None] = mapped_column(String(300))
    result_expires_at: Mapped[datetime | None] = mapped_column(index=True)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_params: Mapped[dict[str, Any] | None]
    # The engine's warnings about a completed swap, in the form that
    # vidswap.jobs.notices.stored_notices returns. None before completion.
    notices: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)

    duration_seconds: Mapped[float | None] = mapped_column(Float)  # length of the target video
    processing_seconds: Mapped[float | None] = mapped_column(Float)
    energy_cost: Mapped[int] = mapped_column(Integer, default=0)

    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None]
    queued_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class TaskEvent(Base):
    """An append-only log of task events; the database event bus reads it by id."""

    __tablename__ = "task_events"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    user_id: Mapped[str] = mapped_column(String(32), index=True)
    task_id: Mapped[str] = mapped_column(String(32))
    type: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
