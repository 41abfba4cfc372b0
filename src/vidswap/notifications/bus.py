"""Task events from workers to the API processes that hold the users' WebSockets.

Two backends share one interface. Embedded, the worker runs in another process,
so events go through the ``task_events`` table and each API process polls it.
With ``VIDSWAP_REDIS_URL`` set they go through one Redis pub/sub channel. In
both cases each API process fans events out in memory to its subscribers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any, Protocol

import structlog
from redis.exceptions import RedisError
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vidswap.jobs.models import TaskEvent
from vidswap.kit.clock import utcnow
from vidswap.kit.settings import Settings

log = structlog.get_logger(__name__)

# Events a slow WebSocket may fall behind by before the oldest are dropped.
SUBSCRIBER_BUFFER = 256
REDIS_CHANNEL_SUFFIX = "task-events"
# Seconds a skipped event id is looked for again, and the most ids remembered.
GAP_WAIT_SECONDS = 10.0
MAX_GAPS = 1000


@dataclass(frozen=True)
class Event:
    """One task event. ``task`` is the task's public JSON with its error message in
    English; ``error_params`` lets a subscriber render that message in another language."""

    type: str
    user_id: str
    task_id: str
    task: dict[str, Any]
    error_params: dict[str, Any] | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Event:
        return cls(
            type=data["type"],
            user_id=data["user_id"],
            task_id=data["task_id"],
            task=data["task"],
            error_params=data.get("error_params"),
        )


class Subscription:
    """The events of one user, registered with the hub from creation until ``close``."""

    def __init__(self, hub: Hub, user_id: str) -> None:
        self.user_id = user_id
        self._hub = hub
        self._queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=SUBSCRIBER_BUFFER)

    def deliver(self, event: Event) -> None:
        if self._queue.full():
            self._queue.get_nowait()
            log.warning("events.subscriber_lagging", user_id=self.user_id)
        self._queue.put_nowait(event)

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Event:
        return await self._queue.get()

    def close(self) -> None:
        self._hub.remove(self)

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()


@dataclass
class Hub:
    """In-process fan-out from one event source to the subscriptions of this process."""

    subscriptions: dict[str, set[Subscription]] = field(default_factory=dict)

    def add(self, user_id: str) -> Subscription:
        subscription = Subscription(self, user_id)
        self.subscriptions.setdefault(user_id, set()).add(subscription)
        return subscription

    def remove(self, subscription: Subscription) -> None:
        group = self.subscriptions.get(subscription.user_id)
        if group is not None:
            group.discard(subscription)
            if not group:
                del self.subscriptions[subscription.user_id]

    def dispatch(self, event: Event) -> None:
        for subscription in list(self.subscriptions.get(event.user_id, ())):
            subscription.deliver(event)


class EventBus(Protocol):
    async def publish(self, event: Event) -> None:
        """Send ``event`` to every API process; raise on a backend failure."""
        ...

    def subscribe(self, user_id: str) -> Subscription:
        """Return the live events of ``user_id`` from now on (API processes only)."""
        ...

    async def start(self) -> None:
        """Start receiving events for this process's subscribers."""
        ...

    async def stop(self) -> None: ...

    async def purge(self, older_than: timedelta) -> int:
        """Delete stored events older than ``older_than``; return how many."""
        ...


class DatabaseEventBus:
    """Events as rows of ``task_events``, read by one poller per API process."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], poll_seconds: float) -> None:
        self._sessionmaker = sessionmaker
        self._poll_seconds = poll_seconds
        self._hub = Hub()
        self._poller: asyncio.Task[None] | None = None
        self._last_id = 0
        self._gaps: dict[int, float] = {}  # id -> monotonic time it was found missing

    async def publish(self, event: Event) -> None:
        async with self._sessionmaker() as session, session.begin():
            session.add(
                TaskEvent(
                    user_id=event.user_id,
                    task_id=event.task_id,
                    type=event.type,
                    payload={"task": event.task, "error_params": event.error_params},
                    created_at=utcnow(),
                )
            )

    def subscribe(self, user_id: str) -> Subscription:
        return self._hub.add(user_id)

    async def start(self) -> None:
        async with self._sessionmaker() as session:
            self._last_id = await session.scalar(select(func.max(TaskEvent.id))) or 0
        self._poller = asyncio.create_task(
            _run_forever("events.poll_failed", self._poll_once, self._poll_seconds)
        )

    async def stop(self) -> None:
        await _cancel(self._poller)
        self._poller = None

    async def _poll_once(self) -> None:
        now = time.monotonic()
        for missing, noticed in list(self._gaps.items()):
            if now - noticed > GAP_WAIT_SECONDS:
                del self._gaps[missing]  # a rolled-back insert; that id never appears
        condition = TaskEvent.id > self._last_id
        if self._gaps:
            condition = or_(condition, TaskEvent.id.in_(list(self._gaps)))
        async with self._sessionmaker() as session:
            rows = await session.scalars(
                select(TaskEvent).where(condition).order_by(TaskEvent.id).limit(500)
            )
            for row in rows:
                self._track(row.id, now)
                self._hub.dispatch(
                    Event(
                        type=row.type,
                        user_id=row.user_id,
                        task_id=row.task_id,
                        task=row.payload["task"],
                        error_params=row.payload.get("error_params"),
                    )
                )

    def _track(self, event_id: int, now: float) -> None:
        """Advance past ``event_id`` and remember the ids skipped on the way.

        PostgreSQL assigns sequence ids at insert, not at commit, so an event can
        become visible after one with a higher id. Skipped ids are looked up again
        for ``GAP_WAIT_SECONDS``.
        """
        if self._gaps.pop(event_id, None) is not None or event_id <= self._last_id:
            return
        first_missing = max(self._last_id + 1, event_id - MAX_GAPS)
        for missing in range(first_missing, event_id):
            self._gaps[missing] = now
        self._last_id = event_id

    async def purge(self, older_than: timedelta) -> int:
        from vidswap.jobs.repository import delete_events_before

        async with self._sessionmaker() as session, session.begin():
            return await delete_events_before(session, utcnow() - older_than)


class RedisEventBus:
    """Events on one Redis pub/sub channel; each API process filters by user in memory."""

    def __init__(self, redis_url: str, channel: str) -> None:
        import redis

        self._redis_url = redis_url
        self._channel = channel
        # A blocking client is safe to share between threads and event loops; the
        # worker publishes from more than one.
        self._publisher = redis.Redis.from_url(redis_url)
        self._hub = Hub()
        self._listener: asyncio.Task[None] | None = None

    async def publish(self, event: Event) -> None:
        await asyncio.to_thread(self._publisher.publish, self._channel, event.to_json())

    def subscribe(self, user_id: str) -> Subscription:
        return self._hub.add(user_id)

    async def start(self) -> None:
        from redis import asyncio as redis_asyncio

        client = redis_asyncio.Redis.from_url(self._redis_url)
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(self._channel)
        self._listener = asyncio.create_task(self._listen(client, pubsub))

    async def _listen(self, client: Any, pubsub: Any) -> None:
        try:
            failures = _FailureLog("events.redis_receive_failed")
            while True:
                try:
                    # On a lost connection redis-py reconnects and subscribes again
                    # at the next call.
                    message = await pubsub.get_message(timeout=1.0)
                except (RedisError, OSError) as exc:
                    failures.failed(exc)
                    await asyncio.sleep(1.0)
                    continue
                failures.succeeded()
                if message is not None and message["type"] == "message":
                    self._hub.dispatch(Event.from_dict(json.loads(message["data"])))
        finally:
            await pubsub.aclose()
            await client.aclose()

    async def stop(self) -> None:
        await _cancel(self._listener)
        self._listener = None

    async def purge(self, older_than: timedelta) -> int:
        return 0  # pub/sub stores nothing

    def close(self) -> None:
        self._publisher.close()


def build_event_bus(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> DatabaseEventBus | RedisEventBus:
    if settings.redis_url:
        return RedisEventBus(settings.redis_url, f"{settings.queue_name}:{REDIS_CHANNEL_SUFFIX}")
    return DatabaseEventBus(sessionmaker, settings.event_poll_seconds)


class _FailureLog:
    """Log the first of a run of repeated failures, every 100th after it, and the recovery."""

    def __init__(self, event: str) -> None:
        self.event = event
        self.count = 0

    def failed(self, exc: Exception) -> None:
        self.count += 1
        if self.count == 1 or self.count % 100 == 0:
            log.warning(self.event, error=str(exc), failures=self.count)

    def succeeded(self) -> None:
        if self.count:
            log.info(self.event.replace("_failed", "_recovered"), failures=self.count)
            self.count = 0


async def _run_forever(event: str, step: Callable[[], Awaitable[None]], interval: float) -> None:
    failures = _FailureLog(event)
    while True:
        try:
            await step()
        except Exception as exc:  # a database hiccup must not end the poller
            failures.failed(exc)
        else:
            failures.succeeded()
        await asyncio.sleep(interval)


async def _cancel(task: asyncio.Task[None] | None) -> None:
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
