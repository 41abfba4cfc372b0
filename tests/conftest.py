"""Fixtures shared by the service tests: settings, databases, the app and its client."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.media.seaweed import SeaweedS3, running_seaweedfs
from tests.services import POSTGRES_URL, require_postgres
from vidswap.accounts.models import User
from vidswap.accounts.tokens import issue_access_token
from vidswap.api.app import create_app
from vidswap.billing import ledger
from vidswap.billing.admin_service import reconcile
from vidswap.kit.clock import utcnow
from vidswap.kit.migrate import upgrade_database
from vidswap.kit.settings import Settings
from vidswap.runtime import Runtime


@pytest.fixture(autouse=True)
def _client_environment() -> Iterator[None]:
    """Keep what ``create_app`` exports for the web client (the API URL, the upload
    folder) inside the test that built the app."""
    names = ("VIDSWAP_APP_API_URL", "FLET_UPLOAD_DIR")
    saved = {name: os.environ.get(name) for name in names}
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """Create an empty PostgreSQL database for this test session; drop it afterwards."""
    require_postgres()
    name = f"vidswap_test_{uuid.uuid4().hex[:12]}"

    async def run(statement: str) -> None:
        engine = create_async_engine(POSTGRES_URL + "postgres", isolation_level="AUTOCOMMIT")
        async with engine.connect() as connection:
            await connection.execute(text(statement))
        await engine.dispose()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_URL + name
    upgrade_database(url)
    yield url
    asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    """A real SeaweedFS S3 server on 127.0.0.1 with one bucket, for this test session."""
    with running_seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as server:
        yield server


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {"data_dir": data_dir, "secret_key": "t" * 48}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Embedded settings: SQLite and local files in a fresh data directory, migrated."""
    value = make_settings(tmp_path / "data")
    value.ensure_data_dir()
    upgrade_database(value.resolved_database_url)
    return value


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    value = Runtime.build(settings)
    yield value
    await assert_ledger_consistent(value)
    await value.close()


async def assert_ledger_consistent(runtime: Runtime) -> None:
    """The invariant every test ends with: each balance equals its ledger sum, each
    reserve its open holds, and neither is negative."""
    async with runtime.sessionmaker() as session:
        problems = await reconcile(session)
    assert problems == []


@pytest.fixture
async def client(settings: Settings, runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in process, with the runtime started."""
    app = create_app(settings, runtime)
    await runtime.start()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as value:
        yield value
    await runtime.stop()


async def create_user(runtime: Runtime, **fields: object) -> User:
    """Store a user directly, bypassing sign-up (for tests of other areas)."""
    values: dict[str, object] = {
        "phone": f"+8613{uuid.uuid4().int % 10**9:09d}",
        "nickname": "tester",
        "created_at": utcnow(),
    }
    values.update(fields)
    energy = int(values.pop("energy_balance", 100))  # type: ignore[call-overload]
    async with runtime.sessionmaker() as session:
        user = User(energy_balance=0, **values)
        session.add(user)
        await session.flush()
        if energy:
            await ledger.grant(session, user.id, energy, reference=f"test:{user.id}")
        await session.commit()
        await session.refresh(user)
        return user


def auth_headers(runtime: Runtime, user: User) -> dict[str, str]:
    token = issue_access_token(user.id, key=runtime.settings.signing_key, minutes=15)
    return {"Authorization": f"Bearer {token.token}"}
