"""Live task events from ``/api/v1/ws``, falling back to polling ``GET /tasks`` while the
WebSocket is down, and reconnecting after each poll."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
from collections.abc import Awaitable, Callable

import structlog
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from vidswap_app.api import ApiClient
from vidswap_app.errors import ApiError, Offline, SessionExpired
from vidswap_app.models import Task, TaskEvent

log = structlog.get_logger(__name__)

# The server closes the socket with this code when the access token is invalid or expired.
CLOSE_UNAUTHORIZED = 4401
POLL_SECONDS = 5.0

EventHandler = Callable[[TaskEvent], Awaitable[None] | None]
StatusHandler = Callable[[bool], Awaitable[None] | None]


class TaskEventListener:
    """Deliver the signed-in user's task changes to ``on_event``.

    ``on_live`` gets ``True`` while the WebSocket is open and ``False`` while the listener
    polls instead. A ``SessionExpired`` from the refresh before a reconnect ends the
    listener and is passed to ``on_session_expired``.
    """

    def __init__(
        self,
        api: ApiClient,
        on_event: EventHandler,
        *,
        on_live: StatusHandler | None = None,
        on_session_expired: Callable[[SessionExpired], Awaitable[None] | None] | None = None,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.api = api
        self.on_event = on_event
        self.on_live = on_live
        self.on_session_expired = on_session_expired
        self.poll_seconds = poll_seconds
        self.live = False
        self._seen: dict[str, tuple[str, int]] = {}
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.run())

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def run(self) -> None:
        try:
            while True:
                await self._listen()
                await self._set_live(False)
                await self._poll()
                await asyncio.sleep(self.poll_seconds)
        except SessionExpired as exc:
            await self._set_live(False)
            log.info("events.session_expired")
            if self.on_session_expired:
                await _call(self.on_session_expired, exc)

    async def _listen(self) -> None:
        """Read events until the socket closes or cannot be opened."""
        try:
            url = await self.api.websocket_url()
            async with connect(url, open_timeout=10, user_agent_header=None) as socket:
                await self._set_live(True)
                log.info("events.connected")
                # Catch up on changes made while the socket was closed.
                await self._poll()
                async for message in socket:
                    await self._deliver(message)
        except ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd else None
            log.info("events.closed", code=code)
            if code == CLOSE_UNAUTHORIZED:
                await self.api.refresh_now()
        except (OSError, InvalidHandshake, InvalidURI, TimeoutError) as exc:
            log.info("events.connect_failed", error=type(exc).__name__)

    async def _deliver(self, message: str | bytes) -> None:
        try:
            frame = json.loads(message)
            event = TaskEvent(str(frame["type"]), Task.from_json(frame["task"]))
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("events.bad_frame", error=type(exc).__name__)
            return
        self._seen[event.task.task_id] = (event.task.status, event.task.progress)
        await _call(self.on_event, event)

    async def _poll(self) -> None:
        """Read the newest tasks once and deliver those that changed since last seen."""
        try:
            tasks, _ = await self.api.list_tasks(limit=50)
        except (Offline, ApiError) as exc:
            log.info("events.poll_failed", error=exc.code)
            return
        for task in tasks:
            state = (task.status, task.progress)
            if self._seen.get(task.task_id) == state:
                continue
            self._seen[task.task_id] = state
            await _call(self.on_event, TaskEvent("poll", task))

    async def _set_live(self, live: bool) -> None:
        if self.live == live:
            return
        self.live = live
        if self.on_live:
            await _call(self.on_live, live)


async def _call(handler: Callable[..., object], *args: object) -> None:
    result = handler(*args)
    if inspect.isawaitable(result):
        await result
