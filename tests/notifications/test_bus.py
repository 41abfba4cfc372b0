"""The event bus: publish in one runtime, receive in another, filtered by user."""

from __future__ import annotations

import asyncio

import pytest

from vidswap.jobs.models import TaskEvent
from vidswap.kit.clock import utcnow
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


async def _insert_event(runtime: Runtime, event_id: int, task_id: str) -> None:
    async with runtime.sessionmaker() as session, session.begin():
        session.add(
            TaskEvent(
                id=event_id,
                user_id="dave",
                task_id=task_id,
                type="task.progress",
                payload={"task": {"task_id": task_id}, "error_params": None},
                created_at=utcnow(),
            )
        )


@pytest.mark.parametrize("stack_settings", ["embedded"], indirect=True)
async def test_late_committed_event_delivered(stack_runtime: Runtime) -> None:
    await stack_runtime.start()
    try:
        async with stack_runtime.events.subscribe("dave") as dave:
            # Id 3 becomes visible before id 2, as when two PostgreSQL transactions
            # commit in the opposite order of their inserts.
            await _insert_event(stack_runtime, 3, "committed-first")
            first = await asyncio.wait_for(anext(dave), RECEIVE_LIMIT_SECONDS)
            await _insert_event(stack_runtime, 2, "committed-late")
            second = await asyncio.wait_for(anext(dave), RECEIVE_LIMIT_SECONDS)
    finally:
        await stack_runtime.stop()

    assert first.task_id == "committed-first"
    assert second.task_id == "committed-late"
