"""Task events in the app: the WebSocket on a real server, and polling when it is down."""

from __future__ import annotations

import asyncio
import socket

import httpx
from vidswap_app.api import ApiClient
from vidswap_app.events import TaskEventListener
from vidswap_app.models import Task, TaskEvent
from vidswap_app.uploads import FileSource

from tests.app.conftest import BASE_URL, sign_in
from tests.jobs.uploads import FACE, SHORT_CLIP
from tests.shared_media import shared_face, shared_video

WAIT_SECONDS = 10


async def create_pending_task(api: ApiClient) -> Task:
    face = await api.upload(FileSource(shared_face(FACE)), "image")
    clip = await api.upload(FileSource(shared_video(SHORT_CLIP)), "video")
    return await api.create_task(face.file_url, clip.file_url)


async def next_event(events: asyncio.Queue[TaskEvent], status: str) -> TaskEvent:
    """Return the first queued event whose task has ``status``, waiting up to WAIT_SECONDS."""
    async with asyncio.timeout(WAIT_SECONDS):
        while True:
            event = await events.get()
            if event.task.status == status:
                return event


class NoSocketClient(ApiClient):
    """A client whose WebSocket URL points at a closed port, as when a proxy drops it."""

    def __init__(self, *args: object, closed_port: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.closed_port = closed_port

    async def websocket_url(self) -> str:
        return f"ws://127.0.0.1:{self.closed_port}/api/v1/ws"


async def test_websocket_delivers_cancel(live_url: str) -> None:
    events: asyncio.Queue[TaskEvent] = asyncio.Queue()
    live_states: list[bool] = []
    async with ApiClient(live_url, locale="en") as api:
        await sign_in(api)
        task = await create_pending_task(api)
        listener = TaskEventListener(api, events.put_nowait, on_live=live_states.append)
        listener.start()
        caught_up = await next_event(events, "pending")

        await api.cancel_task(task.task_id)
        cancelled = await next_event(events, "cancelled")
        await listener.stop()

    assert caught_up.type == "poll"
    assert caught_up.task.task_id == task.task_id
    assert cancelled.type == "task.cancelled"
    assert cancelled.task.task_id == task.task_id
    assert live_states == [True]


async def test_polling_while_socket_down(transport: httpx.ASGITransport) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    events: asyncio.Queue[TaskEvent] = asyncio.Queue()
    async with NoSocketClient(
        BASE_URL, locale="en", transport=transport, closed_port=closed_port
    ) as api:
        await sign_in(api)
        task = await create_pending_task(api)
        listener = TaskEventListener(api, events.put_nowait, poll_seconds=0.1)
        listener.start()
        pending = await next_event(events, "pending")

        await api.cancel_task(task.task_id)
        cancelled = await next_event(events, "cancelled")
        await listener.stop()

    assert pending.type == "poll"
    assert pending.task.task_id == task.task_id
    assert cancelled.type == "poll"
    assert cancelled.task.task_id == task.task_id
    assert listener.live is False
