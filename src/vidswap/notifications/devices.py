"""Registering and removing the devices that receive a user's push notifications."""

from __future__ import annotations

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vidswap.kit.clock import utcnow
from vidswap.kit.errors import NotFoundError
from vidswap.notifications.models import PushDevice

log = structlog.get_logger(__name__)


class DeviceNotFoundError(NotFoundError):
    code = "device_not_found"
    messages = {
        "en": "You have no device {device_id}. GET /api/v1/users/me/devices lists yours.",
        "zh-CN": "您没有设备 {device_id}。可通过 GET /api/v1/users/me/devices 查看您的设备。",
    }

    def __init__(self, *, device_id: str) -> None:
        super().__init__(device_id=device_id)


async def register(
    session: AsyncSession, user_id: str, token: str, platform: str
) -> tuple[PushDevice, bool]:
    """Bind ``token`` to ``user_id``, moving it from another account that signed in on
    the same device before; return the row and whether it is new."""
    now = utcnow()
    row = await session.scalar(select(PushDevice).where(PushDevice.token == token))
    if row is None:
        row = PushDevice(
            user_id=user_id, token=token, platform=platform, created_at=now, last_seen_at=now
        )
        session.add(row)
        await session.flush()
        log.info("push.device_registered", user_id=user_id, device_id=row.id, platform=platform)
        return row, True
    if row.user_id != user_id:
        log.info("push.device_moved", device_id=row.id, user_id=user_id)
        row.user_id, row.created_at = user_id, now
    row.platform, row.last_seen_at = platform, now
    return row, False


async def list_devices(session: AsyncSession, user_id: str) -> list[PushDevice]:
    rows = await session.scalars(
        select(PushDevice).where(PushDevice.user_id == user_id).order_by(PushDevice.created_at)
    )
    return list(rows)


async def remove(session: AsyncSession, user_id: str, device_id: str) -> None:
    row = await session.get(PushDevice, device_id)
    if row is None or row.user_id != user_id:
        raise DeviceNotFoundError(device_id=device_id)
    await session.delete(row)
    log.info("push.device_removed", user_id=user_id, device_id=device_id)
