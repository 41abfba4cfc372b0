"""GET /api/v1/ws: a real server, a worker process, and the events between them."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import uvicorn
import websockets
from websockets.exceptions import ConnectionClosed

from tests.conftest import auth_headers, create_user
from tests.jobs.uploads import task_request
from tests.worker.processes import WAIT_LIMIT_SECONDS, worker_process
from vidswap.api.app import create_app
from vidswap.kit.settings import Settings
from vidswap.runtime import Runtime


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
async def server_url(stack_settings: Settings) -> AsyncIterator[str]:
    """The app served by uvicorn on 127.0.0.1, with its own runtime (event poller)."""
    port = _free_port()
    config = uvicorn.Config(
        create_app(stack_settings), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        assert not serving.done(), "uvicorn stopped while starting"
        await asyncio.sleep(0.05)
    yield f"127.0.0.1:{port}"
    server.should_exit = True
    await serving


async def _frames_until_final(connection: websockets.ClientConnection) -> list[dict]:
    frames = []
    while True:
        frame = json.loads(await connection.recv())
        frames.append(frame)
        if frame["type"] in {"task.completed", "task.failed", "task.cancelled"}:
            return frames


async def test_events_from_worker_process(
    server_url: str, stack_runtime: Runtime, stack_settings: Settings, tmp_path: Path
) -> None:
    user = await create_user(stack_runtime)
    headers = auth_headers(stack_runtime, user)
    token = headers["Authorization"].removeprefix("Bearer ")
    body = await task_request(stack_runtime, user)
    log_path = tmp_path / "worker.log"

    async with (
        websockets.connect(f"ws://{server_url}/api/v1/ws?token={token}") as connection,
        httpx.AsyncClient(base_url=f"http://{server_url}") as client,
    ):
        created = await client.post("/api/v1/tasks", json=body, headers=headers)
        assert created.status_code == 201
        task_id = created.json()["task_id"]
        with worker_process(stack_settings, log_path):
            frames = await asyncio.wait_for(_frames_until_final(connection), WAIT_LIMIT_SECONDS)

    types = [frame["type"] for frame in frames]
    assert types[0] == "task.processing"
    assert "task.progress" in types
    assert types[-1] == "task.completed"
    assert {frame["task"]["task_id"] for frame in frames} == {task_id}
    progress = [frame["task"]["progress"] for frame in frames if frame["type"] == "task.progress"]
    assert progress == sorted(progress)
    assert all(0 < value < 100 for value in progress)
    final = frames[-1]["task"]
    assert final["status"] == "completed"
    assert final["progress"] == 100
    # Signed like GET /tasks/{id}, so a player can use the link without the Bearer header.
    result_url = final["result_url"]
    assert result_url.startswith(f"/api/v1/tasks/{task_id}/result?user={user.id}&expires=")
    async with httpx.AsyncClient(base_url=f"http://{server_url}") as client:
        download = await client.get(result_url)
    assert download.status_code == 200
    assert download.content[4:8] == b"ftyp"


@pytest.mark.parametrize("stack_settings", ["embedded"], indirect=True)
async def test_invalid_token_closes_4401(server_url: str) -> None:
    async with websockets.connect(f"ws://{server_url}/api/v1/ws?token=not-a-jwt") as connection:
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(connection.recv(), WAIT_LIMIT_SECONDS)

    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4401
    assert "access token is invalid: it is malformed" in closed.value.rcvd.reason


@pytest.mark.parametrize("stack_settings", ["embedded"], indirect=True)
async def test_failed_event_in_caller_language(
    server_url: str, stack_runtime: Runtime, stack_settings: Settings, tmp_path: Path
) -> None:
    from tests.jobs.uploads import face_upload, file_url

    user = await create_user(stack_runtime)
    headers = auth_headers(stack_runtime, user)
    token = headers["Authorization"].removeprefix("Bearer ")
    cup = await face_upload(stack_runtime, user, "no-face-coffee-cup-cc0.png")
    body = await task_request(stack_runtime, user, image_url=file_url(cup))
    log_path = tmp_path / "worker.log"

    async with (
        websockets.connect(f"ws://{server_url}/api/v1/ws?token={token}&lang=zh-CN") as connection,
        httpx.AsyncClient(base_url=f"http://{server_url}") as client,
    ):
        created = await client.post("/api/v1/tasks", json=body, headers=headers)
        with worker_process(stack_settings, log_path):
            frames = await asyncio.wait_for(_frames_until_final(connection), WAIT_LIMIT_SECONDS)

    final = frames[-1]
    assert final["type"] == "task.failed"
    assert final["task"]["task_id"] == created.json()["task_id"]
    assert final["task"]["error_code"] == "face_not_found"
    assert "no-face-coffee-cup-cc0.png" in final["task"]["error_message"]
    assert "未检测到人脸" in final["task"]["error_message"]


@pytest.mark.parametrize("stack_settings", ["embedded"], indirect=True)
async def test_missing_token_closes_4401(server_url: str) -> None:
    async with websockets.connect(f"ws://{server_url}/api/v1/ws?lang=zh-CN") as connection:
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(connection.recv(), WAIT_LIMIT_SECONDS)

    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4401
    assert "?token=" in closed.value.rcvd.reason
    assert "请先登录" in closed.value.rcvd.reason
