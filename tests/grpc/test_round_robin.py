"""Client-side round-robin over two gRPC servers that share one SQLite data directory.

Each server has its own Runtime (engine and sessions), like a separate process,
and counts the database sessions its calls open, which shows the test which
server handled the calls.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.grpc.conftest import CHUNK_SIZE, Caller, new_caller
from tests.jobs.uploads import FACE, SHORT_CLIP
from tests.shared_media import shared_face, shared_video
from vidswap.grpc.client import VideoClient
from vidswap.grpc.server import GrpcServer, start_grpc_server
from vidswap.kit.settings import Settings
from vidswap.runtime import Runtime

CALLS = 20


class CountingSessionmaker:
    """A sessionmaker that counts the sessions opened through it."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.sessions = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.sessions += 1
        return self.inner(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.fixture
async def servers(settings: Settings) -> AsyncIterator[list[tuple[GrpcServer, Runtime]]]:
    started: list[tuple[GrpcServer, Runtime]] = []
    for _ in range(2):
        runtime = Runtime.build(settings)
        await runtime.start()
        started.append((await start_grpc_server(runtime, port=0), runtime))
    yield started
    for server, runtime in started:
        await server.stop(0)
        await runtime.stop()
        await runtime.close()


def _client(servers: list[tuple[GrpcServer, Runtime]], caller: Caller) -> VideoClient:
    targets = ",".join(f"127.0.0.1:{server.port}" for server, _ in servers)
    token = dict(caller.metadata)["authorization"].removeprefix("Bearer ")
    return VideoClient(targets, token, retry_seconds=0.05)


def _count_sessions(servers: list[tuple[GrpcServer, Runtime]]) -> list[CountingSessionmaker]:
    counters = []
    for _, runtime in servers:
        counter = CountingSessionmaker(runtime.sessionmaker)
        runtime.sessionmaker = counter
        counters.append(counter)
    return counters


async def test_calls_reach_both_servers(servers: list[tuple[GrpcServer, Runtime]]) -> None:
    caller = await new_caller(servers[0][1])
    with _client(servers, caller) as client:
        face = await asyncio.to_thread(client.upload, shared_face(FACE), "image", CHUNK_SIZE)
        clip = await asyncio.to_thread(client.upload, shared_video(SHORT_CLIP), "video", CHUNK_SIZE)
        created = await asyncio.to_thread(client.create_task, face.file_url, clip.file_url)
        counters = _count_sessions(servers)

        statuses = [await asyncio.to_thread(client.get_task, created.task_id) for _ in range(CALLS)]

    assert {status.task_id for status in statuses} == {created.task_id}
    assert {status.status for status in statuses} == {"pending"}
    first, second = (counter.sessions for counter in counters)
    assert first > 0
    assert second > 0
    # Round-robin alternates once both connections are ready, so neither server gets
    # most of the calls. Each call opens the same number of sessions on either server.
    assert abs(first - second) <= first / 2


async def test_other_server_takes_over(servers: list[tuple[GrpcServer, Runtime]]) -> None:
    caller = await new_caller(servers[0][1])
    with _client(servers, caller) as client:
        face = await asyncio.to_thread(client.upload, shared_face(FACE), "image", CHUNK_SIZE)
        await servers[0][0].stop(0)
        counters = _count_sessions(servers)

        statuses = [
            await asyncio.to_thread(client.upload_status, face.upload_id) for _ in range(CALLS)
        ]

    assert {status.status for status in statuses} == {"ready"}
    assert counters[0].sessions == 0
    assert counters[1].sessions >= CALLS


async def test_dns_target_reaches_server(servers: list[tuple[GrpcServer, Runtime]]) -> None:
    caller = await new_caller(servers[0][1])
    token = dict(caller.metadata)["authorization"].removeprefix("Bearer ")
    counters = _count_sessions(servers)

    with VideoClient(f"dns:///127.0.0.1:{servers[1][0].port}", token) as client:
        listed = await asyncio.to_thread(client.list_tasks)

    assert listed == []
    assert counters[0].sessions == 0
    assert counters[1].sessions > 0
