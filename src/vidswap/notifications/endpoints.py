"""``GET /api/v1/ws?token=<access token>``: the caller's task events as JSON text frames.

Each frame is ``{"type": "task.progress" | "task.processing" | "task.completed" |
"task.failed" | "task.cancelled", "task": {...}}``, where ``task`` has the fields of
``GET /api/v1/tasks/{id}``, its media as signed links, and its error message in the
language of ``Accept-Language`` or the ``lang`` query parameter. An invalid or expired
token closes the socket with code 4401 and the reason.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from vidswap.accounts.deps import load_token_user
from vidswap.accounts.errors import MissingQueryTokenError
from vidswap.jobs.presenter import render_error
from vidswap.kit.errors import VidswapError
from vidswap.kit.i18n import normalize_locale
from vidswap.media.links import LinkSigner
from vidswap.notifications.bus import Event, Subscription
from vidswap.runtime import Runtime

log = structlog.get_logger(__name__)
router = APIRouter(tags=["notifications"])

CLOSE_UNAUTHORIZED = 4401
MEDIA_FIELDS = ("result_url", "thumbnail_url", "target_url")


@router.websocket("/ws")
async def task_events(websocket: WebSocket) -> None:
    runtime: Runtime = websocket.app.state.runtime
    locale = normalize_locale(
        websocket.query_params.get("lang") or websocket.headers.get("accept-language")
    )
    token = websocket.query_params.get("token", "")
    await websocket.accept()
    try:
        if not token:
            raise MissingQueryTokenError()
        async with runtime.sessionmaker() as session:
            user = await load_token_user(session, runtime, token)
    except VidswapError as error:
        # A close reason is limited to 123 bytes by RFC 6455.
        reason = error.message(locale).encode()[:123].decode(errors="ignore")
        await websocket.close(code=CLOSE_UNAUTHORIZED, reason=reason)
        log.info("ws.rejected", error=error.code)
        return

    log.info("ws.connected", user_id=user.id)
    links = LinkSigner.from_settings(runtime.settings)
    async with runtime.events.subscribe(user.id) as subscription:
        await _forward(websocket, subscription, locale, links)
    log.info("ws.disconnected", user_id=user.id)


async def _forward(
    websocket: WebSocket, subscription: Subscription, locale: str, links: LinkSigner
) -> None:
    """Send events until the client goes away.

    Incoming frames are read and ignored, so a close from the client is noticed
    even while no events arrive.
    """
    receiver = asyncio.create_task(_drain(websocket))
    try:
        while not receiver.done():
            next_event = asyncio.create_task(anext(subscription))
            done, _ = await asyncio.wait(
                {next_event, receiver}, return_when=asyncio.FIRST_COMPLETED
            )
            if next_event not in done:
                next_event.cancel()
                break
            await websocket.send_json(_frame(next_event.result(), locale, links))
    except (WebSocketDisconnect, RuntimeError):
        pass  # the client left while a frame was being sent
    finally:
        receiver.cancel()
        with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect):
            await receiver


async def _drain(websocket: WebSocket) -> None:
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return


def _frame(event: Event, locale: str, links: LinkSigner) -> dict[str, object]:
    """Render an event for its owner: the error in their language, and media paths as
    signed links, like GET /tasks/{id}."""
    task = dict(event.task)
    task["error_message"] = render_error(task.get("error_code"), event.error_params, locale)
    for field in MEDIA_FIELDS:
        path = task.get(field)
        if isinstance(path, str) and "?" not in path:
            task[field] = links.sign(path, event.user_id)
    return {"type": event.type, "task": task}
