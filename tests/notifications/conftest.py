"""Event tests run embedded (SQLite, database events) and scaled (PostgreSQL, Redis)."""

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

FAST = {
    "lease_seconds": 2.0,
    "heartbeat_seconds": 0.5,
    "reaper_seconds": 1.0,
    "event_poll_seconds": 0.1,
}


@pytest.fixture(params=["embedded", "scaled"])
def stack_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "scaled":
        require_redis()
        value = make_settings(
            tmp_path / "data",
            database_url=request.getfixturevalue("postgres_database"),
            redis_url=REDIS_URL,
            queue_name=f"test-{new_id()[:12]}",
            **FAST,
        )
        value.ensure_data_dir()
    else:
        value = make_settings(tmp_path / "data", **FAST)
        value.ensure_data_dir()
        upgrade_database(value.resolved_database_url)
    return value


@pytest.fixture
async def stack_runtime(stack_settings: Settings) -> AsyncIterator[Runtime]:
    runtime = Runtime.build(stack_settings)
    yield runtime
    runtime.queue.flush()
    await runtime.close()
