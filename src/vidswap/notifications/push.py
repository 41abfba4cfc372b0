"""Push notifications to a user's devices when one of their tasks ends."""

from __future__ import annotations

import structlog
from sqlalchemy import delete, select

from vidswap.accounts.models import User
from vidswap.jobs.models import Task, TaskStatus
from vidswap.kit.i18n import localize
from vidswap.notifications.fcm import PushMessage
from vidswap.notifications.models import PushDevice
from vidswap.runtime import Runtime

log = structlog.get_logger(__name__)

TEXTS = {
    TaskStatus.COMPLETED: (
        {"en": "Your face swap is ready", "zh-CN": "换脸视频已完成"},
        {"en": "Open vidswap to watch and download it.", "zh-CN": "打开 vidswap 观看和下载。"},
    ),
    TaskStatus.FAILED: (
        {"en": "Your face swap did not work", "zh-CN": "换脸未能完成"},
        {
            "en": "Open vidswap to see why. The Energy it held is back in your balance.",
            "zh-CN": "打开 vidswap 查看原因。冻结的能量已退回。",
        },
    ),
}


def task_message(task: Task, locale: str) -> PushMessage | None:
    texts = TEXTS.get(task.status)
    if texts is None:
        return None
    title, body = (localize(text, locale, {}) for text in texts)
    return PushMessage(title=title, body=body, data={"task_id": task.id, "status": task.status})


async def notify_task_ended(runtime: Runtime, task_id: str) -> int:
    """Tell the owner's devices that ``task_id`` completed or failed; return how many
    accepted it. Never raises: the task's state is stored, and push is a courtesy."""
    sender = runtime.push
    if sender is None:
        return 0
    try:
        return await send_to_owner(runtime, task_id)
    except Exception as exc:  # the database, or a bug; the task itself is done
        log.warning("push.task_notice_failed", task_id=task_id, error=str(exc))
        return 0


async def send_to_owner(runtime: Runtime, task_id: str) -> int:
    assert runtime.push is not None
    async with runtime.sessionmaker() as session:
        task = await session.get(Task, task_id)
        user = await session.get(User, task.user_id) if task else None
        if task is None or user is None:
            return 0
        message = task_message(task, user.locale)
        tokens = list(
            await session.scalars(select(PushDevice.token).where(PushDevice.user_id == user.id))
        )
    if message is None or not tokens:
        return 0
    delivered, dead = 0, []
    for token in tokens:
        result = await runtime.push.send(token, message)
        delivered += result.delivered
        if result.dead:
            dead.append(token)
    if dead:
        async with runtime.sessionmaker() as session:
            await session.execute(delete(PushDevice).where(PushDevice.token.in_(dead)))
            await session.commit()
    log.info(
        "push.task_notice_sent",
        task_id=task_id,
        devices=len(tokens),
        delivered=delivered,
        dropped=len(dead),
    )
    return delivered
