"""Fixtures of the media tests: storage backends, S3-backed settings and users."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn

from tests.conftest import auth_headers, create_user, make_settings
from tests.media.seaweed import SeaweedS3
from vidswap.accounts.models import User
from vidswap.api.app import create_app
from vidswap.kit.migrate import upgrade_database
from vidswap.kit.settings import Settings
from vidswap.media.storage import Storage
from vidswap.media.storage.local import LocalStorage
from vidswap.media.storage.s3 import S3Storage
from vidswap.runtime import Runtime


@pytest.fixture
def s3_settings(tmp_path: Path, seaweedfs: SeaweedS3, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Embedded settings switched to S3 storage on the test SeaweedFS server."""
    for name, value in seaweedfs.credentials_env().items():
        monkeypatch.setenv(name, value)
    value = make_settings(tmp_path / "data", **seaweedfs.settings_values())
    value.ensure_data_dir()
    upgrade_database(value.resolved_database_url)
    return value


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    """Each storage backend in turn, empty under a per-test key prefix for S3."""
    if request.param == "local":
        return LocalStorage(tmp_path / "files")
    settings = request.getfixturevalue("s3_settings")
    return S3Storage.from_settings(settings)


@asynccontextmanager
async def app_client(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, Runtime]]:
    """An in-process client on an app built from ``settings``, with its runtime."""
    runtime = Runtime.build(settings)
    app = create_app(settings, runtime)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            yield client, runtime
    finally:
        await runtime.close()


def settings_with(tmp_path: Path, **overrides: object) -> Settings:
    """Migrated embedded settings in a fresh data directory, with ``overrides``."""
    value = make_settings(tmp_path / "data", **overrides)
    value.ensure_data_dir()
    upgrade_database(value.resolved_database_url)
    return value


@pytest.fixture
async def user(runtime: Runtime) -> User:
    return await create_user(runtime)


@pytest.fixture
def headers(runtime: Runtime, user: User) -> dict[str, str]:
    return auth_headers(runtime, user)


@contextmanager
def served(settings: Settings) -> Iterator[str]:
    """Serve the app with uvicorn on a free 127.0.0.1 port, in a thread, with its own runtime."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(settings), log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


@pytest.fixture
def live_server(settings: Settings) -> Iterator[str]:
    """The base URL of the app served over real HTTP on 127.0.0.1."""
    with served(settings) as base_url:
        yield base_url
