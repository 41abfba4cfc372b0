"""Worker test fixtures: short lease, heartbeat and reaper intervals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import make_settings
from tests.services import REDIS_URL, require_redis
from vidswap.kit.db import new_id
from vidswap.kit.migrate import upgrade_database
from vidswap.kit.settings import Settings
from vidswap.runtime import Runtime
from vidswap.worker.runner import WorkerContext

FAST = {
    "lease_seconds": 2.0,
    "heartbeat_seconds": 0.5,
    "reaper_seconds": 1.0,
    "task_retry_delay_seconds": 1.0,
    "event_poll_seconds": 0.1,
}


@pytest.fixture
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Embedded settings. As an indirect parameter, ``"scaled"`` switches to PostgreSQL
    and Redis, and ``"s3"`` to S3 storage on the test SeaweedFS server."""
    if getattr(request, "param", "embedded") == "scaled":
        require_redis()
        value = make_settings(
            tmp_path / "data",
            database_url=request.getfixturevalue("postgres_database"),
            redis_url=REDIS_URL,
            queue_name=f"test-{new_id()[:12]}",
            **FAST,
        )
        value.ensure_data_dir()
        return value
    overrides: dict[str, object] = dict(FAST)
    if getattr(request, "param", "embedded") == "s3":
        seaweedfs = request.getfixturevalue("seaweedfs")
        monkeypatch = request.getfixturevalue("monkeypatch")
        for name, secret in seaweedfs.credentials_env().items():
            monkeypatch.setenv(name, secret)
        overrides.update(seaweedfs.settings_values())
    value = make_settings(tmp_path / "data", **overrides)
    value.ensure_data_dir()
    upgrade_database(value.resolved_database_url)
    return value


@pytest.fixture
def context(runtime: Runtime) -> WorkerContext:
    return WorkerContext(runtime=runtime, worker_id="test-worker")


@pytest.fixture(params=["sqlite", "postgres"])
def any_db_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings on SQLite, then on the session's PostgreSQL database."""
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_database")
        value = make_settings(tmp_path / "data", database_url=url, **FAST)
        value.ensure_data_dir()
    else:
        value = make_settings(tmp_path / "data", **FAST)
        value.ensure_data_dir()
        upgrade_database(value.resolved_database_url)
    return value


@pytest.fixture
async def any_db_runtime(any_db_settings: Settings) -> AsyncIterator[Runtime]:
    runtime = Runtime.build(any_db_settings)
    yield runtime
    await runtime.close()
