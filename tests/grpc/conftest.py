"""gRPC test fixtures: a real server on 127.0.0.1 in the test's event loop, and its client."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import httpx
import pytest

from tests.conftest import auth_headers, create_user, make_settings
from vidswap.accounts.models import User
from vidswap.api.app import create_app
from vidswap.grpc.generated import video_service_pb2 as pb
from vidswap.grpc.generated import video_service_pb2_grpc as pb_grpc
from vidswap.grpc.server import GrpcServer, start_grpc_server
from vidswap.kit.migrate import upgrade_database
from vidswap.kit.settings import Settings
from vidswap.runtime import Runtime
from vidswap.worker.runner import WorkerContext, run_task

# Small chunks, so that the 1 s test clip (about 68 KiB) travels in several of them.
CHUNK_LIMIT = 64 * 1024
CHUNK_SIZE = 16 * 1024


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    value = make_settings(
        tmp_path / "data",
        event_poll_seconds=0.1,
        grpc_max_chunk_bytes=CHUNK_LIMIT,
        grpc_max_message_bytes=1024 * 1024,
    )
    value.ensure_data_dir()
    upgrade_database(value.resolved_database_url)
    return value


@pytest.fixture
async def server(runtime: Runtime) -> AsyncIterator[GrpcServer]:
    await runtime.start()
    value = await start_grpc_server(runtime, port=0)
    yield value
    await value.stop(0)
    await runtime.stop()


@pytest.fixture
async def rest(
    settings: Settings, runtime: Runtime, server: GrpcServer
) -> AsyncIterator[httpx.AsyncClient]:
    """A REST client on the same runtime as ``server``, which has already started it."""
    transport = httpx.ASGITransport(app=create_app(settings, runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as value:
        yield value


@pytest.fixture
async def channel(server: GrpcServer) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as value:
        yield value


@pytest.fixture
def stub(channel: grpc.aio.Channel) -> pb_grpc.VideoServiceStub:
    return pb_grpc.VideoServiceStub(channel)


@dataclass
class Caller:
    """A signed-in user and the call metadata that carries their access token."""

    user: User
    metadata: tuple[tuple[str, str], ...]


async def new_caller(runtime: Runtime, locale: str = "en", energy: int = 100) -> Caller:
    user = await create_user(runtime, energy_balance=energy)
    token = auth_headers(runtime, user)["Authorization"]
    return Caller(user, (("authorization", token), ("accept-language", locale)))


@pytest.fixture
async def alice(runtime: Runtime) -> Caller:
    return await new_caller(runtime)


def split(data: bytes, size: int = CHUNK_SIZE) -> list[bytes]:
    return [data[start : start + size] for start in range(0, len(data), size)]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def upload_messages(
    data: bytes, file_name: str, file_type: str, *, order: list[int] | None = None, **fields: object
) -> Iterator[pb.UploadRequest]:
    """Yield the UploadRequests of ``data`` in ``order`` (chunk indexes; all, in order, by default)."""
    pieces = split(data)
    for index in order if order is not None else range(len(pieces)):
        yield pb.UploadRequest(
            file_name=file_name,
            file_type=file_type,
            chunk=pieces[index],
            chunk_index=index,
            total_chunks=len(pieces),
            **fields,  # type: ignore[arg-type]
        )


async def upload_file(
    stub: pb_grpc.VideoServiceStub, caller: Caller, path: Path, file_type: str
) -> pb.UploadResponse:
    data = path.read_bytes()
    messages = upload_messages(data, path.name, file_type, sha256=sha256(data))
    return await stub.UploadVideo(messages, metadata=caller.metadata)


async def run_worker_once(runtime: Runtime, task_id: str) -> None:
    """Run the task in this process, as a queue worker would."""
    await run_task(WorkerContext(runtime=runtime, worker_id="grpc-test-worker"), task_id)


def error_code(error: grpc.aio.AioRpcError) -> str | None:
    """Return the ``vidswap-error-code`` trailing metadata of a failed call."""
    for key, value in error.trailing_metadata() or ():
        if key == "vidswap-error-code":
            return str(value)
    return None
