"""The event bus: publish in one runtime, receive in another, filtered by user."""

from __future__ import annotations

import asyncio

from vidswap.kit.settings import Settings
from vidswap.notifications.bus import Event
from vidswap.runtime import Runtime

# A guard against a hung test, never an expectation about speed.
RECEIVE_LIMIT_SECONDS = 30.0


def _event(user_id: str, task_id: str, progress: int) -> Event:
    return Event(
        type="task.progress",
        user_id=user_id,
        task_id=task_id,
        task={"task_id": task_id, "status": "processing", "progress": progress},
    )


async def test_events_reach_subscriber_of_user(
    stack_runtime: Runtime, stack_settings: Settings
) -> None:
    publisher = Runtime.build(stack_settings)  # plays the worker process
    await stack_runtime.start()
    try:
        async with stack_runtime.events.subscribe("alice") as alice:
            await publisher.events.publish(_event("bob", "t-bob", 10))
            await publisher.events.publish(_event("alice", "t-1", 20))
            await publisher.events.publish(_event("alice", "t-1", 30))

            first = await asyncio.wait_for(anext(alice), RECEIVE_LIMIT_SECONDS)
            second = await asyncio.wait_for(anext(alice), RECEIVE_LIMIT_SECONDS)
    finally:
        await stack_runtime.stop()
        await publisher.close()

    assert (first.user_id, first.task["progress"]) == ("alice", 20)
    assert (second.task_id, second.task["progress"]) == ("t-1", 30)


async def test_events_before_start_not_replayed(
    stack_runtime: Runtime, stack_settings: Settings
) -> None:
    await stack_runtime.events.publish(_event("carol", "old", 5))
    await stack_runtime.start()
    try:
        async with stack_runtime.events.subscribe("carol") as carol:
            await stack_runtime.events.publish(_event("carol", "new", 6))
            received = await asyncio.wait_for(anext(carol), RECEIVE_LIMIT_SECONDS)
    finally:
        await stack_runtime.stop()

    assert received.task_id == "new"
